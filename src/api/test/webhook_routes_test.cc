#include "api/test/api_fixture.h"
#include "webhook/signature.h"

namespace trunkline::api {
namespace {

using testing::fields;

class WebhookRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    storage::Account a;
    a.name = "acme";
    acme_ = *config_->addAccount(a);
    a.name = "other";
    other_ = *config_->addAccount(a);
    acmeKey_ = makeKey(acme_);
    otherKey_ = makeKey(other_);
  }
  storage::Id acme_ = 0, other_ = 0;
  std::string acmeKey_, otherKey_;
};

TEST_F(WebhookRoutesTest, CreateShowsTheSecretOnceAndScopesToTheAccount) {
  auto r = call("POST", "/v1/webhooks", acmeKey_,
                Json{{"url", "https://hooks.acme.example/tl"},
                     {"events", {"call.started", "call.ended"}},
                     {"description", "CRM"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto id = r.body["id"].get<storage::Id>();
  EXPECT_EQ(r.body["account_id"], acme_);
  EXPECT_EQ(r.body["events"], Json({"call.started", "call.ended"}));
  const auto secret = r.body["secret"].get<std::string>();
  EXPECT_TRUE(secret.starts_with(webhook::kSecretPrefix));
  EXPECT_EQ(*r.raw.header("Location"), fmt::format("/v1/webhooks/{}", id));
  EXPECT_EQ(webhookChanges_, 1);
  EXPECT_EQ(webhookStore_->subscription(id)->secret, secret);  // stored to sign with

  auto got = call("GET", fmt::format("/v1/webhooks/{}", id), acmeKey_);
  ASSERT_EQ(got.status, 200);
  EXPECT_FALSE(got.body.contains("secret"));
  // Another account neither sees nor changes it; admin sees it.
  EXPECT_EQ(call("GET", fmt::format("/v1/webhooks/{}", id), otherKey_).status, 404);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/webhooks/{}", id), otherKey_).status, 404);
  EXPECT_EQ(call("GET", "/v1/webhooks", otherKey_).body["items"].size(), 0u);
  EXPECT_EQ(call("GET", "/v1/webhooks", admin_).body["items"].size(), 1u);
  EXPECT_EQ(call("GET", "/v1/webhooks", acmeKey_).body["items"].size(), 1u);

  // Rotation: a new secret, shown once.
  auto rot = call("POST", fmt::format("/v1/webhooks/{}/rotate-secret", id), acmeKey_);
  ASSERT_EQ(rot.status, 200);
  EXPECT_NE(rot.body["secret"], secret);
  EXPECT_EQ(webhookStore_->subscription(id)->secret, rot.body["secret"]);

  auto patched = call("PATCH", fmt::format("/v1/webhooks/{}", id), acmeKey_,
                      Json{{"enabled", false}, {"events", {"call.answered"}}});
  ASSERT_EQ(patched.status, 200) << patched.raw.body;
  EXPECT_EQ(patched.body["enabled"], false);
  EXPECT_EQ(patched.body["events"], Json({"call.answered"}));

  EXPECT_EQ(call("DELETE", fmt::format("/v1/webhooks/{}", id), acmeKey_).status, 204);
  EXPECT_EQ(call("GET", fmt::format("/v1/webhooks/{}", id), admin_).status, 404);
}

TEST_F(WebhookRoutesTest, ValidationNamesTheField) {
  auto r = call("POST", "/v1/webhooks", acmeKey_,
                Json{{"url", "ftp://x.example/"}, {"events", {"call.ended", "call.exploded"}}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ::testing::UnorderedElementsAre("url", "events[1]"));

  r = call("POST", "/v1/webhooks", acmeKey_, Json{{"url", "http://x.example/"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ::testing::ElementsAre("events"));

  r = call("POST", "/v1/webhooks", acmeKey_,
           Json{{"url", "http://x.example/"}, {"events", Json::array()}});
  EXPECT_THAT(fields(r), ::testing::ElementsAre("events"));

  // Carrier events are operator-level.
  r = call("POST", "/v1/webhooks", acmeKey_,
           Json{{"url", "http://x.example/"}, {"events", {"carrier.down"}}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ::testing::ElementsAre("events[0]"));
  EXPECT_EQ(call("POST", "/v1/webhooks", admin_,
                 Json{{"url", "http://x.example/"}, {"events", {"carrier.down", "carrier.up"}}})
                .status,
            201);

  // An account key cannot create for another account; unknown fields are refused.
  r = call("POST", "/v1/webhooks", acmeKey_,
           Json{{"url", "http://x.example/"}, {"events", {"call.ended"}}, {"account_id", other_}});
  EXPECT_THAT(fields(r), ::testing::ElementsAre("account_id"));
  r = call("POST", "/v1/webhooks", acmeKey_,
           Json{{"url", "http://x.example/"}, {"events", {"call.ended"}}, {"secret", "mine"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(fields(r), ::testing::ElementsAre("secret"));
  r = call("POST", "/v1/webhooks", admin_,
           Json{{"url", "http://x.example/"}, {"events", {"call.ended"}}, {"account_id", 9999}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ::testing::ElementsAre("account_id"));
}

TEST_F(WebhookRoutesTest, OperatorWideWebhooksAreAdminOnly) {
  auto r = call("POST", "/v1/webhooks", admin_,
                Json{{"url", "http://ops.example/"}, {"events", {"call.ended"}}});
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(r.body["account_id"].is_null());
  const auto id = r.body["id"].get<storage::Id>();
  EXPECT_EQ(call("GET", fmt::format("/v1/webhooks/{}", id), acmeKey_).status, 404);
  EXPECT_EQ(call("GET", fmt::format("/v1/webhooks/{}/deliveries", id), acmeKey_).status, 404);
}

TEST_F(WebhookRoutesTest, DeliveryLogPagesNewestFirstWithAttempts) {
  auto r = call("POST", "/v1/webhooks", acmeKey_,
                Json{{"url", "http://x.example/"}, {"events", {"call.ended"}}});
  const auto sid = r.body["id"].get<storage::Id>();
  std::vector<webhook::Delivery> rows(3);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].subscriptionId = sid;
    rows[i].eventId = fmt::format("evt_{}", i);
    rows[i].type = webhook::EventType::CallEnded;
    rows[i].body = "{}";
    rows[i].nextAttemptMs = rows[i].createdMs = 1000 + static_cast<std::int64_t>(i);
  }
  ASSERT_TRUE(webhookStore_->addDeliveries(rows));
  ASSERT_TRUE(webhookStore_->recordAttempt(rows[2].id, {1, 2000, 500, "", 5},
                                           webhook::DeliveryState::Pending, 3000));
  ASSERT_TRUE(webhookStore_->recordAttempt(rows[2].id, {2, 3000, 200, "", 4},
                                           webhook::DeliveryState::Delivered, 3000));

  auto page1 = call("GET", fmt::format("/v1/webhooks/{}/deliveries?limit=2", sid), acmeKey_);
  ASSERT_EQ(page1.status, 200) << page1.raw.body;
  ASSERT_EQ(page1.body["items"].size(), 2u);
  const auto& newest = page1.body["items"][0];
  EXPECT_EQ(newest["event_id"], "evt_2");
  EXPECT_EQ(newest["state"], "delivered");
  EXPECT_EQ(newest["attempt_count"], 2);
  ASSERT_EQ(newest["attempts"].size(), 2u);
  EXPECT_EQ(newest["attempts"][0]["status"], 500);
  EXPECT_EQ(newest["attempts"][1]["status"], 200);
  EXPECT_EQ(newest["delivered_ms"], 3000);
  EXPECT_EQ(page1.body["items"][1]["state"], "pending");
  ASSERT_TRUE(page1.body["next_cursor"].is_string());
  auto page2 = call("GET",
                    fmt::format("/v1/webhooks/{}/deliveries?limit=2&cursor={}", sid,
                                page1.body["next_cursor"].get<std::string>()),
                    acmeKey_);
  ASSERT_EQ(page2.body["items"].size(), 1u);
  EXPECT_EQ(page2.body["items"][0]["event_id"], "evt_0");
  EXPECT_TRUE(page2.body["next_cursor"].is_null());
  EXPECT_EQ(call("GET", fmt::format("/v1/webhooks/{}/deliveries", sid), otherKey_).status, 404);
}

}  // namespace
}  // namespace trunkline::api
