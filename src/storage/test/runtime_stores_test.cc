#include <gtest/gtest.h>

#include <algorithm>

#include "storage/sqlite/config_store.h"
#include "storage/sqlite/runtime_stores.h"
#include "storage/test/test_util.h"

namespace trunkline::storage {
namespace {

class RuntimeStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "/trunkline.db";
    db_ = testing::openDb(file_);
    ASSERT_TRUE(db_);
    sqlite::SqliteConfigStore cfg(*db_);
    const Id acme = *cfg.addAccount({0, "acme", "US", true});
    Trunk t;
    t.accountId = acme;
    t.name = "reg";
    t.registration = true;
    t.credentials = {testing::cred("acme-reg")};
    trunk_ = *cfg.addTrunk(t);
  }
  Registration binding(std::string contact, std::int64_t expires) {
    Registration r;
    r.trunkId = trunk_;
    r.aor = "sip:acme-reg@trunkline";
    r.contact = std::move(contact);
    r.received = "udp:203.0.113.5:40123";
    r.callId = "abc@pbx";
    r.cseq = 7;
    r.expiresAtMs = expires;
    r.userAgent = "Asterisk";
    return r;
  }

  std::string file_;
  std::unique_ptr<sqlite::Database> db_;
  Id trunk_ = 0;
};

TEST_F(RuntimeStoresTest, RegistrationsUpsertExpireAndSurviveReopen) {
  {
    sqlite::SqliteRegistrationStore regs(*db_);
    ASSERT_TRUE(regs.upsert(binding("sip:pbx@203.0.113.5:5060", 1000)));
    ASSERT_TRUE(regs.upsert(binding("sip:pbx@203.0.113.6:5060", 5000)));
    auto refreshed = binding("sip:pbx@203.0.113.5:5060", 9000);
    refreshed.cseq = 8;
    ASSERT_TRUE(regs.upsert(refreshed));  // same binding: replaced, not added
    auto all = regs.list({});
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0], refreshed);
    auto bad = binding("sip:x@1.2.3.4", 1);
    bad.trunkId = 4242;
    EXPECT_EQ(regs.upsert(bad).error().message, "trunk 4242 not found");
  }
  db_.reset();
  db_ = testing::openDb(file_);  // restart
  sqlite::SqliteRegistrationStore regs(*db_);
  auto all = regs.list(trunk_);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].cseq, 8u);
  EXPECT_EQ((*all)[1].expiresAtMs, 5000);
  EXPECT_EQ(*regs.expire(4999), 0u);
  EXPECT_EQ(*regs.expire(5000), 1u);
  ASSERT_EQ(regs.list({})->size(), 1u);
  ASSERT_TRUE(regs.remove(trunk_, "sip:acme-reg@trunkline", "sip:pbx@203.0.113.5:5060"));
  EXPECT_EQ(regs.remove(trunk_, "sip:acme-reg@trunkline", "sip:pbx@203.0.113.5:5060").error().code,
            base::Errc::NotFound);
  EXPECT_TRUE(regs.list({})->empty());
}

TEST_F(RuntimeStoresTest, RegistrationsGoWithTheirTrunk) {
  sqlite::SqliteRegistrationStore regs(*db_);
  ASSERT_TRUE(regs.upsert(binding("sip:pbx@203.0.113.5:5060", 1000)));
  sqlite::SqliteConfigStore cfg(*db_);
  ASSERT_TRUE(cfg.removeTrunk(trunk_));
  EXPECT_TRUE(regs.list({})->empty());
}

Cdr makeCdr(int i) {
  Cdr c;
  c.callUuid = "call-" + std::to_string(i);
  c.accountId = 1 + i % 3;
  c.trunkId = 10 + i % 5;
  c.direction = i % 2 ? Direction::Inbound : Direction::Outbound;
  c.sourceAddress = "udp:203.0.113.5:5060";
  c.fromRaw = "4155550100";
  c.toRaw = "4155550199";
  c.fromE164 = "+14155550100";
  c.toE164 = "+14155550199";
  c.startMs = 1'700'000'000'000 + i * 1000;
  c.answerMs = c.startMs + 3000;
  c.endMs = c.startMs + 63000;
  c.durationMs = 60000;
  c.billableS = 60;
  c.disposition = i % 4 == 0 ? Disposition::Answered : Disposition::Failed;
  c.finalCode = i % 4 == 0 ? 200 : 503;
  c.finalReason = i % 4 == 0 ? "OK" : "Service Unavailable";
  c.hangupBy = HangupBy::Caller;
  if (i % 10 == 0)
    c.attempts = {
        {7, 0, "udp:198.51.100.7:5060", 503, "Service Unavailable", c.startMs, c.startMs + 100},
        {8, 0, "udp:198.51.100.8:5060", 200, "OK", c.startMs + 100, c.endMs}};
  return c;
}

TEST_F(RuntimeStoresTest, CdrBatchInsertAndCursorPagination) {
  sqlite::SqliteCdrStore cdrs(*db_);
  std::vector<Cdr> batch;
  for (int i = 0; i < 10000; ++i) batch.push_back(makeCdr(i));
  // Ten batches of 1,000, each one transaction.
  for (int b = 0; b < 10; ++b) {
    auto n = cdrs.insertBatch(std::span<const Cdr>(batch).subspan(b * 1000, 1000));
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 1000u);
  }
  // Replaying a batch (spool after a crash) inserts nothing.
  EXPECT_EQ(*cdrs.insertBatch(std::span<const Cdr>(batch).subspan(0, 1000)), 0u);

  CdrQuery q;
  q.limit = 1000;
  std::size_t seen = 0, pages = 0;
  Id last = 0;
  for (;;) {
    auto page = cdrs.query(q);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& c : page->cdrs) {
      EXPECT_GT(c.id, last);
      last = c.id;
    }
    seen += page->cdrs.size();
    ++pages;
    if (!page->nextCursor) break;
    q.afterId = *page->nextCursor;
  }
  EXPECT_EQ(seen, 10000u);
  EXPECT_EQ(pages, 10u);

  // Filters: account 2 (i % 3 == 1), answered (i % 4 == 0), within a time window.
  CdrQuery f;
  f.accountId = 2;
  f.disposition = Disposition::Answered;
  f.fromMs = 1'700'000'000'000 + 1000 * 1000;  // i >= 1000
  f.toMs = 1'700'000'000'000 + 2000 * 1000;    // i < 2000
  f.limit = 7;
  std::size_t count = 0;
  for (;;) {
    auto page = cdrs.query(f);
    ASSERT_TRUE(page);
    for (const auto& c : page->cdrs) {
      EXPECT_EQ(c.accountId, 2);
      EXPECT_EQ(c.disposition, Disposition::Answered);
    }
    count += page->cdrs.size();
    if (!page->nextCursor) break;
    f.afterId = *page->nextCursor;
  }
  int expected = 0;
  for (int i = 1000; i < 2000; ++i) expected += (i % 3 == 1 && i % 4 == 0);
  EXPECT_EQ(count, static_cast<std::size_t>(expected));

  CdrQuery t;
  t.trunkId = 12;
  t.limit = 1000;
  std::size_t byTrunk = 0;
  for (;;) {
    auto page = cdrs.query(t);
    byTrunk += page->cdrs.size();
    if (!page->nextCursor) break;
    t.afterId = *page->nextCursor;
  }
  EXPECT_EQ(byTrunk, 2000u);

  // Round trip of one record with its attempts.
  CdrQuery one;
  one.limit = 1;
  auto first = cdrs.query(one);
  ASSERT_EQ(first->cdrs.size(), 1u);
  Cdr expectedCdr = batch[0];
  expectedCdr.id = first->cdrs[0].id;
  EXPECT_EQ(first->cdrs[0], expectedCdr);
  EXPECT_EQ(first->cdrs[0].attempts.size(), 2u);

  one.limit = 0;
  EXPECT_EQ(cdrs.query(one).error().message, "CDR page size must be 1-1000");
}

TEST_F(RuntimeStoresTest, CdrBatchIsAllOrNothing) {
  sqlite::SqliteCdrStore cdrs(*db_);
  std::vector<Cdr> batch = {makeCdr(1), makeCdr(2)};
  // Sabotage: a trigger that fails the second insert.
  ASSERT_TRUE(
      db_->exec("CREATE TEMP TRIGGER boom BEFORE INSERT ON cdrs WHEN NEW.call_uuid = 'call-2' "
                "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;"));
  auto r = cdrs.insertBatch(batch);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("disk on fire"), std::string::npos);
  EXPECT_TRUE(cdrs.query({})->cdrs.empty());
  ASSERT_TRUE(db_->exec("DROP TRIGGER boom;"));
  EXPECT_EQ(*cdrs.insertBatch(batch), 2u);
}

TEST_F(RuntimeStoresTest, CdrRoundTripsEveryFieldIncludingMediaQuality) {
  sqlite::SqliteCdrStore cdrs(*db_);
  Cdr c = makeCdr(20);  // answered, with two attempts
  c.ringMs = c.startMs + 1200;
  c.numberId = 0;
  c.media.anchored = true;
  c.media.fromCaller = {3000, 12, 4500, 421};
  c.media.fromCallee = {2990, -1, 20250, 289};  // duplicates make loss negative (A.3)
  c.media.flags = kCdrPoorQuality;
  ASSERT_EQ(*cdrs.insertBatch(std::span<const Cdr>(&c, 1)), 1u);
  auto page = cdrs.query(CdrQuery{});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->cdrs.size(), 1u);
  c.id = page->cdrs[0].id;
  EXPECT_EQ(page->cdrs[0], c);
}

// Records are written when calls end, so ids do not follow start times. Pages come in
// (start, id) order and a cursor walk visits every matching record once, ties included.
TEST_F(RuntimeStoresTest, CdrPagesFollowStartTimeAcrossTiesAndOutOfOrderWrites) {
  sqlite::SqliteCdrStore cdrs(*db_);
  std::vector<Cdr> batch;
  for (int i = 0; i < 300; ++i) {
    Cdr c = makeCdr(i);
    // Written newest first, and five records share each start time.
    c.startMs = 1'700'000'000'000 + (299 - i) / 5 * 1000;
    batch.push_back(c);
  }
  ASSERT_EQ(*cdrs.insertBatch(batch), 300u);
  for (std::optional<Id> account : {std::optional<Id>(), std::optional<Id>(2)}) {
    CdrQuery q;
    q.accountId = account;
    q.limit = 7;  // pages end in the middle of a tie
    std::vector<std::pair<std::int64_t, Id>> seen;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = cdrs.query(q);
      ASSERT_TRUE(page) << page.error().message;
      for (const auto& c : page->cdrs) seen.emplace_back(c.startMs, c.id);
      if (!page->nextCursor) break;
      q.afterId = *page->nextCursor;
    }
    EXPECT_EQ(seen.size(), account ? 100u : 300u);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());  // no record twice
  }

  // A time window with a cursor: the window still bounds the page.
  CdrQuery w;
  w.fromMs = 1'700'000'000'000 + 10'000;
  w.toMs = 1'700'000'000'000 + 20'000;  // start times 10-19 s: 50 records
  w.limit = 30;
  auto first = cdrs.query(w);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->nextCursor);
  w.afterId = *first->nextCursor;
  auto second = cdrs.query(w);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->cdrs.size(), 20u);
  EXPECT_FALSE(second->nextCursor);
  for (const auto& c : second->cdrs) EXPECT_GE(c.startMs, first->cdrs.back().startMs);

  // A cursor that is no record, or another account's record, is refused (not a probe).
  CdrQuery bad;
  bad.afterId = 100'000;
  EXPECT_EQ(cdrs.query(bad).error().code, base::Errc::InvalidArgument);
  auto ofAccount1 =
      std::find_if(batch.begin(), batch.end(), [](const Cdr& c) { return c.accountId == 1; });
  CdrQuery any;
  any.limit = 1000;
  auto all = cdrs.query(any);
  ASSERT_TRUE(all);
  Id account1Id = 0;
  for (const auto& c : all->cdrs)
    if (c.callUuid == ofAccount1->callUuid) account1Id = c.id;
  ASSERT_NE(account1Id, 0);
  CdrQuery probe;
  probe.accountId = 2;
  probe.afterId = account1Id;
  EXPECT_EQ(cdrs.query(probe).error().code, base::Errc::InvalidArgument);
}

TEST_F(RuntimeStoresTest, GatewayStatusReplacesOnlyTheNodesOwnRows) {
  sqlite::SqliteGatewayStatusStore store(*db_);
  GatewayStatus a;
  a.gatewayId = 7;
  a.up = false;
  a.consecutiveFailures = 3;
  a.changes = 1;
  a.lastChangeMs = 1000;
  a.lastProbeCode = 0;
  a.lastProbeMs = 1500;
  a.updatedMs = 2000;
  GatewayStatus b = a;
  b.gatewayId = 8;
  b.up = true;
  b.lastProbeCode = 200;
  ASSERT_TRUE(store.replaceAll("node-a", std::vector<GatewayStatus>{a, b}));
  ASSERT_TRUE(store.replaceAll("node-b", std::vector<GatewayStatus>{b}));
  // node-a's next write drops gateway 8 (removed from its configuration).
  a.consecutiveFailures = 4;
  ASSERT_TRUE(store.replaceAll("node-a", std::vector<GatewayStatus>{a}));

  auto rows = store.list();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].nodeId, "node-a");
  EXPECT_EQ((*rows)[0].status, a);
  EXPECT_EQ((*rows)[1].nodeId, "node-b");
  EXPECT_EQ((*rows)[1].status, b);
}

TEST_F(RuntimeStoresTest, CdrNumberFilterMatchesEitherSideAndPages) {
  sqlite::SqliteCdrStore cdrs(*db_);
  std::vector<Cdr> batch;
  for (int i = 0; i < 300; ++i) {
    Cdr c = makeCdr(i);
    // Every 3rd call is from +15550001 and every 5th to it; the rest use other numbers.
    c.fromE164 = i % 3 == 0 ? "+15550001" : "+1555100" + std::to_string(i);
    c.toE164 = i % 5 == 0 ? "+15550001" : "+1555200" + std::to_string(i);
    batch.push_back(std::move(c));
  }
  ASSERT_TRUE(cdrs.insertBatch(batch));
  CdrQuery q;
  q.number = "+15550001";
  q.limit = 7;
  std::size_t seen = 0;
  std::int64_t lastStart = 0;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = cdrs.query(q);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& c : page->cdrs) {
      EXPECT_TRUE(c.fromE164 == q.number || c.toE164 == q.number) << c.fromE164 << c.toE164;
      EXPECT_GT(c.startMs, lastStart);
      lastStart = c.startMs;
    }
    seen += page->cdrs.size();
    if (!page->nextCursor) break;
    q.afterId = *page->nextCursor;
  }
  std::size_t expected = 0;
  for (int i = 0; i < 300; ++i) expected += (i % 3 == 0 || i % 5 == 0);
  EXPECT_EQ(seen, expected);
  q = CdrQuery{};
  q.number = "+19999999";
  auto none = cdrs.query(q);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->cdrs.empty());
}

}  // namespace
}  // namespace trunkline::storage
