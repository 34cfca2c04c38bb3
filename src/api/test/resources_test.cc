#include <algorithm>

#include "api/test/api_fixture.h"

namespace trunkline::api {
namespace {

using ::testing::Contains;
using testing::fields;

class ResourcesTest : public testing::ApiFixture {
 protected:
  storage::Id account(const std::string& name) {
    auto r = call("POST", "/v1/accounts", admin_, Json{{"name", name}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("id", storage::Id{0});
  }
  storage::Id trunk(storage::Id acct, const std::string& name, const std::string& key = {}) {
    auto r = call("POST", "/v1/trunks", key.empty() ? admin_ : key,
                  Json{{"account_id", acct}, {"name", name}, {"ips", {"203.0.113.0/24"}}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("id", storage::Id{0});
  }
};

TEST_F(ResourcesTest, AccountCrudWithLocationAndVersionBump) {
  const auto v0 = *config_->configVersion();
  auto r = call("POST", "/v1/accounts", admin_, Json{{"name", "acme"}, {"country", "gb"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto id = r.body["id"].get<storage::Id>();
  EXPECT_EQ(*r.raw.header("Location"), fmt::format("/v1/accounts/{}", id));
  EXPECT_EQ(r.body["country"], "GB");
  EXPECT_GT(*config_->configVersion(), v0);

  r = call("GET", fmt::format("/v1/accounts/{}", id), admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["name"], "acme");

  r = call("PATCH", fmt::format("/v1/accounts/{}", id), admin_, Json{{"enabled", false}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["enabled"], false);
  EXPECT_EQ(r.body["name"], "acme");

  r = call("POST", "/v1/accounts", admin_, Json{{"name", "acme"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["type"], "/problems/conflict");

  r = call("DELETE", fmt::format("/v1/accounts/{}", id), admin_);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.raw.body.empty());
  EXPECT_EQ(call("GET", fmt::format("/v1/accounts/{}", id), admin_).status, 404);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/accounts/{}", id), admin_).status, 404);
  EXPECT_EQ(call("GET", "/v1/accounts/abc", admin_).status, 404);
}

TEST_F(ResourcesTest, ValidationNamesEveryBadFieldAndUnknownFieldsAre400) {
  auto r = call("POST", "/v1/accounts", admin_, Json{{"name", "bad name!"}, {"country", "USA"}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.raw.header("content-type") ? *r.raw.header("content-type") : "",
            "application/problem+json");
  EXPECT_THAT(fields(r), Contains("name"));
  EXPECT_THAT(fields(r), Contains("country"));

  r = call("POST", "/v1/accounts", admin_, Json{{"name", "ok"}, {"colour", "red"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.body["type"], "/problems/unknown-field");
  EXPECT_EQ(fields(r), std::vector<std::string>{"colour"});

  r = call("POST", "/v1/accounts", admin_, Json{{"id", 5}, {"name", "ok"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"id"});

  r = call("POST", "/v1/accounts", admin_, std::string("{\"name\":"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["type"], "/problems/invalid-json");

  r = call("POST", "/v1/accounts", admin_, Json{{"country", "US"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"name"});

  const auto acme = account("acme");
  r = call("POST", "/v1/trunks", admin_,
           Json{{"account_id", acme},
                {"name", "pbx"},
                {"ips", {"10.0.0.1/8", "203.0.113.0/24"}},
                {"port", 0},
                {"transport", "sctp"},
                {"codecs", {"PCMU", 7}},
                {"credentials", {{{"username", "u"}}}}});
  ASSERT_EQ(r.status, 422) << r.raw.body;
  for (auto f : {"ips[0]", "port", "transport", "codecs[1]", "credentials[0].password"})
    EXPECT_THAT(fields(r), Contains(f)) << r.raw.body;

  // A cross-field rule of the store still names its field.
  r = call("POST", "/v1/trunks", admin_, Json{{"account_id", acme}, {"name", "pbx"}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"ips"});
  r = call(
      "POST", "/v1/trunks", admin_,
      Json{{"account_id", acme}, {"name", "pbx"}, {"ips", {"10.0.0.0/8"}}, {"codecs", {"AMR"}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"codecs"});
  r = call("POST", "/v1/trunks", admin_,
           Json{{"account_id", 999}, {"name", "x"}, {"ips", {"10.0.0.0/8"}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"account_id"});
}

TEST_F(ResourcesTest, TrunkCredentialsAreWriteOnlyAndKeptOnUpdate) {
  const auto acme = account("acme");
  auto r = call("POST", "/v1/trunks", admin_,
                Json{{"account_id", acme},
                     {"name", "branch"},
                     {"registration", true},
                     {"credentials", {{{"username", "acme-branch"}, {"password", "s3cret"}}}}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["credentials"][0], (Json{{"username", "acme-branch"}, {"realm", "trunkline"}}));
  EXPECT_EQ(r.raw.body.find("s3cret"), std::string::npos);
  const auto id = r.body["id"].get<storage::Id>();
  const auto stored = *config_->getTrunk(id);
  ASSERT_EQ(stored.credentials.size(), 1u);
  EXPECT_EQ(stored.credentials[0].ha1Md5.size(), 32u);

  // Naming the credential without a password keeps its hashes.
  r = call("PATCH", fmt::format("/v1/trunks/{}", id), admin_,
           Json{{"cps_limit", 5}, {"credentials", {{{"username", "acme-branch"}}}}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["cps_limit"], 5);
  EXPECT_EQ(config_->getTrunk(id)->credentials[0].ha1Sha256, stored.credentials[0].ha1Sha256);

  r = call("PATCH", fmt::format("/v1/trunks/{}", id), admin_, Json{{"account_id", acme + 1}});
  EXPECT_EQ(r.status, 422);
  r = call("PUT", fmt::format("/v1/trunks/{}", id), admin_, Json{{"name", "x"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.raw.header("Allow"), nullptr);
}

TEST_F(ResourcesTest, NumbersBackupsConflictsAndReferences) {
  const auto acme = account("acme");
  const auto pbx = trunk(acme, "pbx");
  const auto branch = trunk(acme, "branch");
  auto r = call("POST", "/v1/numbers", admin_,
                Json{{"e164", "+14155550100"},
                     {"trunk_id", pbx},
                     {"ring_timeout_s", 20},
                     {"backups", {{{"trunk_id", branch}}, {{"number", "+14155550199"}}}}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["account_id"], acme);
  ASSERT_EQ(r.body["backups"].size(), 2u);
  EXPECT_EQ(r.body["backups"][0], (Json{{"type", "trunk"}, {"trunk_id", branch}}));
  EXPECT_EQ(r.body["backups"][1], (Json{{"type", "external"}, {"number", "+14155550199"}}));
  const auto num = r.body["id"].get<storage::Id>();

  r = call("POST", "/v1/numbers", admin_, Json{{"e164", "+14155550100"}, {"trunk_id", branch}});
  EXPECT_EQ(r.status, 409);

  r = call("POST", "/v1/numbers", admin_,
           Json{{"e164", "14155550100"}, {"trunk_id", 9999}, {"backups", {{{"type", "fax"}}}}});
  ASSERT_EQ(r.status, 422);
  for (auto f : {"e164", "trunk_id", "backups[0].type"}) EXPECT_THAT(fields(r), Contains(f));

  // The trunk is in use: deleting it is a conflict, not a validation error.
  r = call("DELETE", fmt::format("/v1/trunks/{}", branch), admin_);
  EXPECT_EQ(r.status, 409) << r.raw.body;
  r = call("PATCH", fmt::format("/v1/numbers/{}", num), admin_, Json{{"backups", Json::array()}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(call("DELETE", fmt::format("/v1/trunks/{}", branch), admin_).status, 204);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/numbers/{}", num), admin_).status, 204);
  EXPECT_EQ(call("GET", fmt::format("/v1/numbers/{}", num), admin_).status, 404);
}

TEST_F(ResourcesTest, SrtpPolicyOfTrunksAndCarriers) {
  const auto acme = account("acme");
  auto r = call("POST", "/v1/trunks", admin_,
                Json{{"account_id", acme}, {"name", "pbx"}, {"ips", {"10.0.0.0/8"}}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["srtp"], "off");  // the default
  const auto id = r.body["id"].get<storage::Id>();
  r = call("PATCH", fmt::format("/v1/trunks/{}", id), admin_, Json{{"srtp", "required"}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["srtp"], "required");
  EXPECT_EQ(config_->getTrunk(id)->srtp, storage::SrtpPolicy::Required);
  r = call("PATCH", fmt::format("/v1/trunks/{}", id), admin_, Json{{"srtp", "sometimes"}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"srtp"});
  r = call("PATCH", fmt::format("/v1/trunks/{}", id), admin_, Json{{"srtp", true}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"srtp"});

  r = call("POST", "/v1/carriers", admin_,
           Json{{"name", "telco"}, {"gateways", {{{"host", "198.51.100.7"}}}}, {"srtp", "offer"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["srtp"], "offer");
  EXPECT_EQ(config_->getCarrier(r.body["id"].get<storage::Id>())->srtp, storage::SrtpPolicy::Offer);
  r = call("POST", "/v1/carriers", admin_,
           Json{{"name", "telco2"}, {"gateways", {{{"host", "198.51.100.8"}}}}, {"srtp", "on"}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"srtp"});
}

TEST_F(ResourcesTest, CarriersAndRoutes) {
  auto r =
      call("POST", "/v1/carriers", admin_,
           Json{{"name", "telco"},
                {"gateways",
                 {{{"host", "198.51.100.7"}, {"weight", 10}},
                  {{"host", "2001:db8::7"}, {"transport", "tls"}, {"priority", 2}}}},
                {"credential", {{"username", "acct42"}, {"password", "x"}, {"realm", "telco"}}},
                {"inbound_ips", {"198.51.100.0/24"}}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["gateways"][1]["port"], 5061);
  EXPECT_EQ(r.body["credential"], (Json{{"username", "acct42"}, {"realm", "telco"}}));
  const auto telco = r.body["id"].get<storage::Id>();

  r = call("POST", "/v1/carriers", admin_,
           Json{{"name", "bad"}, {"gateways", {{{"host", "a b"}, {"port", 99999}, {"extra", 1}}}}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(fields(r), std::vector<std::string>{"gateways[0].extra"});
  r = call("POST", "/v1/carriers", admin_, Json{{"name", "bad"}, {"gateways", Json::array()}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"gateways"});
  r = call("POST", "/v1/carriers", admin_,
           Json{{"name", "bad"}, {"gateways", {{{"host", "a b"}}}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"gateways"});

  r = call(
      "POST", "/v1/routes", admin_,
      Json{
          {"prefix", "1"}, {"targets", {{{"carrier_id", telco}}}}, {"failover_codes", {503, 200}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"failover_codes[1]"});
  r = call("POST", "/v1/routes", admin_,
           Json{{"prefix", "1"}, {"targets", {{{"carrier_id", 777}}}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"targets"});
  r = call("POST", "/v1/routes", admin_,
           Json{{"prefix", ""}, {"targets", {{{"carrier_id", telco}}}}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto route = r.body["id"].get<storage::Id>();
  r = call("PATCH", fmt::format("/v1/routes/{}", route), admin_, Json{{"ring_timeout_s", 30}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["ring_timeout_s"], 30);
  EXPECT_EQ(r.body["prefix"], "");

  EXPECT_EQ(call("DELETE", fmt::format("/v1/carriers/{}", telco), admin_).status, 409);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/routes/{}", route), admin_).status, 204);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/carriers/{}", telco), admin_).status, 204);
}

TEST_F(ResourcesTest, AccountKeysSeeOnlyTheirAccount) {
  const auto a = account("alpha");
  const auto b = account("beta");
  const auto keyA = makeKey(a);
  const auto keyB = makeKey(b);
  const auto trunkB = trunk(b, "pbx-b");
  const auto trunkA = trunk(a, "pbx-a", keyA);  // an account key creates in its own account
  ASSERT_GT(trunkA, 0);

  // B's things look exactly like missing ones.
  auto r = call("GET", fmt::format("/v1/trunks/{}", trunkB), keyA);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(call("GET", "/v1/trunks/99999", keyA).body["detail"], "trunk 99999 not found");
  EXPECT_EQ(r.body["detail"], fmt::format("trunk {} not found", trunkB));
  EXPECT_EQ(
      call("PATCH", fmt::format("/v1/trunks/{}", trunkB), keyA, Json{{"enabled", false}}).status,
      404);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/trunks/{}", trunkB), keyA).status, 404);
  EXPECT_EQ(call("GET", fmt::format("/v1/accounts/{}", b), keyA).status, 404);
  EXPECT_TRUE(config_->getTrunk(trunkB)->enabled);

  // Cannot create in B, nor point a number at B's trunk.
  r = call("POST", "/v1/trunks", keyA,
           Json{{"account_id", b}, {"name", "sneaky"}, {"ips", {"10.0.0.0/8"}}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"account_id"});
  r = call("POST", "/v1/numbers", keyA, Json{{"e164", "+14155550111"}, {"trunk_id", trunkB}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(fields(r), std::vector<std::string>{"trunk_id"});
  EXPECT_EQ(config_->listTrunks(b)->size(), 1u);

  // Lists are filtered.
  r = call("GET", "/v1/trunks", keyA);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["id"], trunkA);
  r = call("GET", fmt::format("/v1/trunks?account_id={}", b), keyA);
  EXPECT_TRUE(r.body["items"].empty());
  r = call("GET", "/v1/accounts", keyB);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["id"], b);

  // Admin-only operations.
  EXPECT_EQ(call("GET", "/v1/carriers", keyA).status, 403);
  EXPECT_EQ(call("POST", "/v1/accounts", keyA, Json{{"name", "x"}}).status, 403);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/accounts/{}", a), keyA).status, 403);
  EXPECT_EQ(call("POST", "/v1/keys", keyA, Json{{"scope", "admin"}}).status, 403);
  r = call("GET", "/v1/keys/self", keyA);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["scope"], fmt::format("account:{}", a));
}

TEST_F(ResourcesTest, KeysLifecycleAndAuthenticationFailures) {
  const auto acme = account("acme");
  auto r = call("POST", "/v1/keys", admin_,
                Json{{"scope", fmt::format("account:{}", acme)}, {"name", "pbx"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto key = r.body["key"].get<std::string>();
  const auto id = r.body["id"].get<storage::Id>();
  EXPECT_EQ(call("GET", "/v1/trunks", key).status, 200);
  r = call("GET", fmt::format("/v1/keys/{}", id), admin_);
  EXPECT_FALSE(r.body.contains("key"));
  EXPECT_EQ(r.raw.body.find(key), std::string::npos);

  EXPECT_EQ(call("POST", "/v1/keys", admin_, Json{{"scope", "account:999"}}).status, 422);
  EXPECT_EQ(call("POST", "/v1/keys", admin_, Json{{"scope", "root"}}).status, 422);

  EXPECT_EQ(call("DELETE", fmt::format("/v1/keys/{}", id), admin_).status, 204);
  r = call("GET", "/v1/trunks", key);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["detail"], "this API key has been revoked");
  r = call("GET", fmt::format("/v1/keys/{}", id), admin_);
  EXPECT_TRUE(r.body["revoked_ms"].is_number());

  r = call("GET", "/v1/trunks", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(*r.raw.header("WWW-Authenticate"), "Bearer realm=\"trunkline\"");
  r = call("GET", "/v1/trunks", "tlk_nonsense");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.raw.header("WWW-Authenticate")->find("invalid_token"), std::string::npos);
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(call("GET", "/readyz", "").status, 200);
}

TEST_F(ResourcesTest, CursorPaginationWalksEveryItemOnce) {
  for (int i = 0; i < 7; ++i) account(fmt::format("acct{}", i));
  std::vector<storage::Id> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r =
        call("GET", "/v1/accounts?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), admin_);
    ASSERT_EQ(r.status, 200);
    for (const auto& a : r.body["items"]) seen.push_back(a["id"].get<storage::Id>());
    if (r.body["next_cursor"].is_null()) break;
    cursor = r.body["next_cursor"].get<std::string>();
  }
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(call("GET", "/v1/accounts?limit=0", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/accounts?limit=501", admin_).status, 400);
  auto r = call("GET", "/v1/accounts?cursor=x", admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(fields(r), std::vector<std::string>{"cursor"});
}

TEST_F(ResourcesTest, RateLimitPerKeyAndMediaType) {
  ApiService limited(router_, *keys_, clock_, ServiceOptions{1, 2});
  HttpRequest req;
  req.method = "GET";
  req.path = req.target = "/v1/accounts";
  req.headers = {{"Host", "t"}, {"Authorization", "Bearer " + admin_}};
  EXPECT_EQ(limited.handle(req).status, 200);
  EXPECT_EQ(limited.handle(req).status, 200);
  auto r = limited.handle(req);
  EXPECT_EQ(r.status, 429);
  ASSERT_NE(r.header("Retry-After"), nullptr);
  EXPECT_EQ(*r.header("Retry-After"), "1");
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(limited.handle(req).status, 200);

  HttpRequest post;
  post.method = "POST";
  post.path = post.target = "/v1/accounts";
  post.headers = {
      {"Host", "t"}, {"Authorization", "Bearer " + admin_}, {"Content-Type", "text/plain"}};
  post.body = "{\"name\":\"x\"}";
  EXPECT_EQ(service_->handle(post).status, 415);
  post.headers[2].value = "application/json; charset=utf-8";
  EXPECT_EQ(service_->handle(post).status, 201);
}

}  // namespace
}  // namespace trunkline::api
