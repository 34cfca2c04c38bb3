// /v1/cdrs and /v1/carriers/status over real SQLite stores.
#include "api/test/api_fixture.h"

namespace trunkline::api {
namespace {

class RuntimeRoutesTest : public testing::ApiFixture {
 protected:
  storage::Id account(const std::string& name) {
    auto id = config_->addAccount({0, name, "US", true});
    EXPECT_TRUE(id) << id.error().message;
    return *id;
  }
  storage::Cdr cdr(storage::Id accountId, std::int64_t startMs, storage::Disposition d) {
    storage::Cdr c;
    c.callUuid = "call-" + std::to_string(++n_);
    c.accountId = accountId;
    c.fromRaw = "alice, \"the boss\"";  // needs CSV quoting
    c.toE164 = "+14155550100";
    c.startMs = startMs;
    c.endMs = startMs + 1000;
    c.disposition = d;
    c.finalCode = d == storage::Disposition::Answered ? 200 : 486;
    c.media.anchored = true;
    c.media.fromCaller = {150, 2, 1000, 430};
    return c;
  }
  void store(std::vector<storage::Cdr> v) { ASSERT_TRUE(cdrs_->insertBatch(v)); }
  int n_ = 0;
};

TEST_F(RuntimeRoutesTest, CdrsFilteredPagedAndScopedToTheKeysAccount) {
  const auto a = account("acme"), b = account("globex");
  using D = storage::Disposition;
  store({cdr(a, 1000, D::Answered), cdr(a, 2000, D::Busy), cdr(b, 3000, D::Answered),
         cdr(a, 4000, D::Answered)});

  auto all = call("GET", "/v1/cdrs?limit=2", admin_);
  ASSERT_EQ(all.status, 200) << all.raw.body;
  ASSERT_EQ(all.body["items"].size(), 2u);
  EXPECT_EQ(all.body["items"][0]["disposition"], "answered");
  EXPECT_EQ(all.body["items"][0]["media"]["from_caller"]["mos"], 4.3);
  auto rest =
      call("GET", "/v1/cdrs?limit=2&cursor=" + all.body["next_cursor"].get<std::string>(), admin_);
  ASSERT_EQ(rest.body["items"].size(), 2u);
  EXPECT_TRUE(rest.body["next_cursor"].is_null());

  auto answered = call("GET", "/v1/cdrs?disposition=answered&from=1500", admin_);
  ASSERT_EQ(answered.body["items"].size(), 2u);  // b's at 3000 and a's at 4000

  // An account key sees its own account only, whatever it asks for.
  const auto keyB = makeKey(b);
  auto mine = call("GET", "/v1/cdrs", keyB);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.body["items"].size(), 1u);
  EXPECT_EQ(mine.body["items"][0]["account_id"], b);
  EXPECT_EQ(call("GET", "/v1/cdrs?account_id=" + std::to_string(a), keyB).body["items"].size(), 0u);

  auto bad = call("GET", "/v1/cdrs?disposition=lost&from=x", admin_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["errors"].size(), 2u);
}

TEST_F(RuntimeRoutesTest, CdrsAsCsvQuoteWhatNeedsIt) {
  const auto a = account("acme");
  store({cdr(a, 1000, storage::Disposition::Answered)});
  auto r = call("GET", "/v1/cdrs?format=csv", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(*r.raw.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.raw.body.rfind("id,call_uuid,account_id,", 0), 0u);
  EXPECT_NE(r.raw.body.find(",\"alice, \"\"the boss\"\"\","), std::string::npos) << r.raw.body;
  EXPECT_NE(r.raw.body.find(",answered,200,"), std::string::npos) << r.raw.body;
}

TEST_F(RuntimeRoutesTest, CarrierStatusShowsEachNodesViewForAdminsOnly) {
  storage::Carrier c;
  c.name = "telco";
  c.gateways = {{0, "192.0.2.10", 5060, storage::Transport::Udp, 1, 1}};
  ASSERT_TRUE(config_->addCarrier(c));
  auto carriers = config_->listCarriers();
  storage::GatewayStatus g;
  g.gatewayId = carriers->at(0).gateways.at(0).id;
  g.up = false;
  g.consecutiveFailures = 3;
  g.lastProbeCode = 0;
  g.updatedMs = 1;  // long ago: stale
  ASSERT_TRUE(gateways_->replaceAll("node-1", std::vector<storage::GatewayStatus>{g}));
  auto r = call("GET", "/v1/carriers/status", admin_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  const auto& node = r.body["items"][0]["gateways"][0]["nodes"][0];
  EXPECT_EQ(node["node_id"], "node-1");
  EXPECT_EQ(node["up"], false);
  EXPECT_EQ(node["consecutive_failures"], 3);
  EXPECT_EQ(node["stale"], true);
  EXPECT_EQ(call("GET", "/v1/carriers/status", makeKey(account("acme"))).status, 403);
}

}  // namespace
}  // namespace trunkline::api
