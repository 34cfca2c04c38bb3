// CdrWriter end to end: through StoreCdrSink and SqliteCdrStore into a real SQLite file,
// read back through a new connection.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "billing/cdr.h"
#include "billing/cdr_writer.h"
#include "billing/store_sink.h"
#include "billing/test/test_support.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/runtime_stores.h"

namespace trunkline::billing {
namespace {

using testing::SharedManualClock;

std::string freshDb(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tl-billing-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "trunkline.db").string();
}

storage::Cdr sample(int i) {
  storage::Cdr c;
  c.callUuid = "call-" + std::to_string(i);
  c.accountId = 1 + i % 3;
  c.trunkId = 10 + i % 5;
  c.direction = i % 2 ? storage::Direction::Inbound : storage::Direction::Outbound;
  c.sourceAddress = "udp:203.0.113.5:5060";
  c.fromRaw = "4155550100";
  c.toRaw = "0044207946" + std::to_string(i);
  c.fromE164 = "+14155550100";
  c.toE164 = "+44207946" + std::to_string(i);
  c.startMs = 1'700'000'000'000 + i * 1000;
  c.ringMs = c.startMs + 800;
  c.hangupBy = storage::HangupBy::Caller;
  if (i % 4 == 0) {
    c.answerMs = c.startMs + 3000;
    c.endMs = c.answerMs + 1000 * i + 1;
    finishCdr(c, 200, "OK", EndCause::Response);
  } else {
    c.endMs = c.startMs + 20'000;
    finishCdr(c, 486, "Busy Here", EndCause::Response);
  }
  storage::CdrAttempt a;
  a.carrierId = 3;
  a.target = "udp:198.51.100.7:5060";
  a.sipCode = c.finalCode;
  a.reason = c.finalReason;
  a.startMs = c.startMs;
  a.endMs = c.endMs;
  c.attempts.push_back(a);
  return c;
}

std::vector<storage::Cdr> readAll(storage::CdrStore& store) {
  std::vector<storage::Cdr> out;
  storage::CdrQuery q;
  q.limit = 1000;
  for (;;) {
    auto page = store.query(q);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) break;
    out.insert(out.end(), page->cdrs.begin(), page->cdrs.end());
    if (!page->nextCursor) break;
    q.afterId = *page->nextCursor;
  }
  return out;
}

TEST(CdrWriterSqlite, EveryRecordReportedWrittenIsInTheFile) {
  const std::string file = freshDb("e2e");
  constexpr int kCount = 700;
  std::vector<storage::Cdr> expected;
  {
    auto db = storage::sqlite::Database::open(file);
    ASSERT_TRUE(db) << db.error().message;
    storage::sqlite::SqliteCdrStore store(**db);
    StoreCdrSink sink(store);
    SharedManualClock clock;
    CdrWriterConfig cfg;
    cfg.maxBatch = 256;
    CdrWriter writer(sink, clock, cfg);
    writer.start();
    for (int i = 0; i < kCount; ++i) {
      expected.push_back(sample(i));
      ASSERT_TRUE(writer.submit(sample(i)));
    }
    ASSERT_TRUE(writer.flush());
    // Reported written = committed: a second connection already sees every row.
    {
      auto reader = storage::sqlite::Database::open(file);
      ASSERT_TRUE(reader);
      storage::sqlite::SqliteCdrStore readStore(**reader);
      EXPECT_EQ(readAll(readStore).size(), static_cast<std::size_t>(kCount));
    }
    // Submitting the same calls again (a replay) adds nothing.
    for (int i = 0; i < 10; ++i) writer.submit(sample(i));
    writer.stop();
    auto s = writer.stats();
    EXPECT_EQ(s.written, static_cast<std::uint64_t>(kCount + 10));
    EXPECT_EQ(s.duplicates, 10u);
    EXPECT_EQ(s.batches, 4u);  // 256 + 256 + 188 (flush) + 10 (stop)
    EXPECT_EQ(s.failedCommits, 0u);
  }
  auto db = storage::sqlite::Database::open(file);  // as after a restart
  ASSERT_TRUE(db);
  storage::sqlite::SqliteCdrStore store(**db);
  auto rows = readAll(store);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    storage::Cdr want = expected[i];
    want.id = rows[i].id;  // assigned by the store
    EXPECT_EQ(rows[i], want) << "row " << i;
  }
  EXPECT_EQ(rows[4].billableS, 5u);  // 4001 ms of talk, rounded up
  EXPECT_EQ(rows[4].disposition, storage::Disposition::Answered);
  EXPECT_EQ(rows[1].disposition, storage::Disposition::Busy);
  db->reset();
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

}  // namespace
}  // namespace trunkline::billing
