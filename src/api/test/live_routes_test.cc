// /metrics, /v1/calls, /v1/registrations and /v1/bandwidth over a LiveCalls view, a
// metrics registry and real SQLite stores.
#include <chrono>

#include "api/test/api_fixture.h"

namespace trunkline::api {
namespace {

using Type = call::CallEvent::Type;

class LiveRoutesTest : public testing::ApiFixture {
 protected:
  storage::Id account(const std::string& name) {
    auto id = config_->addAccount({0, name, "US", true});
    EXPECT_TRUE(id) << id.error().message;
    return *id;
  }
  storage::Id trunk(storage::Id accountId, const std::string& name) {
    storage::Trunk t;
    t.accountId = accountId;
    t.name = name;
    t.allowedCidrs = {"192.0.2.0/24"};
    auto id = config_->addTrunk(t);
    EXPECT_TRUE(id) << id.error().message;
    return *id;
  }
  // A call started on `shard` and published, as the B2BUA's events would leave it.
  void start(std::uint32_t shard, std::uint64_t id, std::string uuid, storage::Id acct,
             storage::Id trunkId, storage::Direction dir = storage::Direction::Outbound) {
    storage::Cdr c;
    c.callUuid = std::move(uuid);
    c.accountId = acct;
    c.trunkId = trunkId;
    c.direction = dir;
    c.fromRaw = "2001";
    c.toRaw = "+15551230000";
    c.startMs = 1000;
    liveCalls_.onCallEvent({Type::Started, shard, id, &c});
    liveCalls_.publish(shard);
  }
  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(LiveRoutesTest, CallsListedFilteredAndScopedToTheKeysAccount) {
  const auto a = account("acme"), b = account("globex");
  start(0, 1, "uuid-a1", a, 5);
  start(1, 7, "uuid-b1", b, 6, storage::Direction::Inbound);
  start(1, 8, "uuid-a2", a, 9, storage::Direction::Inbound);

  auto all = call("GET", "/v1/calls", admin_);
  ASSERT_EQ(all.status, 200) << all.raw.body;
  EXPECT_EQ(all.body["count"], 3);
  EXPECT_EQ(call("GET", "/v1/calls?direction=inbound", admin_).body["count"], 2);
  EXPECT_EQ(call("GET", "/v1/calls?trunk_id=9", admin_).body["count"], 1);
  EXPECT_EQ(call("GET", "/v1/calls?account_id=" + std::to_string(b), admin_).body["count"], 1);
  EXPECT_EQ(call("GET", "/v1/calls?state=routing", admin_).body["count"], 3);
  EXPECT_EQ(call("GET", "/v1/calls?direction=sideways", admin_).status, 400);

  const auto keyB = makeKey(b);
  auto mine = call("GET", "/v1/calls", keyB);
  ASSERT_EQ(mine.body["count"], 1);
  EXPECT_EQ(mine.body["items"][0]["uuid"], "uuid-b1");
  EXPECT_EQ(mine.body["items"][0]["direction"], "inbound");
  EXPECT_EQ(mine.body["items"][0]["state"], "routing");
  EXPECT_TRUE(mine.body["items"][0]["current_target"].is_null());
  EXPECT_EQ(call("GET", "/v1/calls?account_id=" + std::to_string(a), keyB).body["count"], 0);

  // Another account's call does not exist for this key, not even to hang up.
  EXPECT_EQ(call("GET", "/v1/calls/uuid-a1", keyB).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/calls/uuid-a1", keyB).status, 404);
  EXPECT_TRUE(hangups_.empty());
  auto one = call("GET", "/v1/calls/uuid-b1", keyB);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["from"], "2001");
  EXPECT_EQ(one.body["start_ms"], 1000);
}

TEST_F(LiveRoutesTest, HangupGoesToTheCallsShard) {
  const auto a = account("acme");
  start(1, 8, "uuid-a2", a, 9);
  EXPECT_EQ(call("DELETE", "/v1/calls/uuid-a2", admin_).status, 204);
  ASSERT_EQ(hangups_.size(), 1u);
  EXPECT_EQ(hangups_[0], (std::pair<std::uint32_t, std::uint64_t>{1, 8}));
  hangupResult_ = HangupResult::NotFound;  // ended meanwhile
  EXPECT_EQ(call("DELETE", "/v1/calls/uuid-a2", admin_).status, 404);
  hangupResult_ = HangupResult::Timeout;
  EXPECT_EQ(call("DELETE", "/v1/calls/uuid-a2", admin_).status, 503);
  EXPECT_EQ(call("DELETE", "/v1/calls/nope", admin_).status, 404);
  EXPECT_EQ(hangups_.size(), 3u);
}

TEST_F(LiveRoutesTest, MetricsNeedAnAdminKeyByDefault) {
  metrics_.counter("x_total", "X.").labels({}).inc(4);
  EXPECT_EQ(call("GET", "/metrics", "").status, 401);
  const auto a = account("acme");
  EXPECT_EQ(call("GET", "/metrics", makeKey(a)).status, 403);
  auto r = call("GET", "/metrics", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(*r.raw.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.raw.body, "# HELP x_total X.\n# TYPE x_total counter\nx_total 4\n");
}

TEST_F(LiveRoutesTest, RegistrationsOfTheKeysTrunksOnly) {
  const auto a = account("acme"), b = account("globex");
  const auto ta = trunk(a, "pbx-a"), tb = trunk(b, "pbx-b");
  auto reg = [&](storage::Id t, std::string aor, std::int64_t expires) {
    storage::Registration g;
    g.trunkId = t;
    g.aor = std::move(aor);
    g.contact = "sip:pbx@192.0.2.5:5060";
    g.received = "udp:192.0.2.5:5060";
    g.callId = "c1";
    g.cseq = 1;
    g.expiresAtMs = expires;
    g.userAgent = "PBX/1.0";
    ASSERT_TRUE(registrations_->upsert(g));
  };
  reg(ta, "sip:a@example.com", now() + 60'000);
  reg(tb, "sip:b@example.com", now() + 60'000);
  reg(tb, "sip:old@example.com", now() - 1);  // expired, not yet swept

  auto all = call("GET", "/v1/registrations", admin_);
  ASSERT_EQ(all.status, 200) << all.raw.body;
  EXPECT_EQ(all.body["items"].size(), 2u);
  auto mine = call("GET", "/v1/registrations", makeKey(b));
  ASSERT_EQ(mine.body["items"].size(), 1u);
  EXPECT_EQ(mine.body["items"][0]["aor"], "sip:b@example.com");
  EXPECT_EQ(mine.body["items"][0]["account_id"], b);
  EXPECT_EQ(mine.body["items"][0]["user_agent"], "PBX/1.0");
  EXPECT_EQ(mine.body["items"][0]["received"], "udp:192.0.2.5:5060");
  EXPECT_EQ(call("GET", "/v1/registrations?trunk_id=" + std::to_string(ta), makeKey(b))
                .body["items"]
                .size(),
            0u);
  EXPECT_EQ(call("GET", "/v1/registrations?trunk_id=0", admin_).status, 400);
}

TEST_F(LiveRoutesTest, BandwidthAsTheCalculatorComputesIt) {
  auto r = call("GET", "/v1/bandwidth?codec=PCMU&ptime=20&calls=10", admin_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["per_call_bps"], 87200.0);  // the published G.711/Ethernet figure
  EXPECT_EQ(r.body["total_bps"], 872000.0);
  EXPECT_EQ(r.body["frame_bytes"], 218);
  auto g729 = call("GET", "/v1/bandwidth?codec=G729&ptime=20&ipv6=true&srtp=true", admin_);
  ASSERT_EQ(g729.status, 200);
  EXPECT_EQ(g729.body["ip"], "IPv6");
  EXPECT_GT(g729.body["per_call_bps"].get<double>(), 8000.0);
  auto bad = call("GET", "/v1/bandwidth?codec=xyz&ptime=0&link=token-ring", admin_);
  ASSERT_EQ(bad.status, 400);
  EXPECT_THAT(testing::fields(bad), ::testing::UnorderedElementsAre("ptime", "codec", "link"));
}

}  // namespace
}  // namespace trunkline::api
