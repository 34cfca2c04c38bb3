#pragma once
// A real SQLite database, the core routes and an ApiService, driven by building
// HttpRequests directly (no sockets): for the resource and scoping tests.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "api/api.h"
#include "api/json_util.h"
#include "api/live_routes.h"
#include "api/runtime_routes.h"
#include "api/webhook_routes.h"
#include "storage/sqlite/api_key_store.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/runtime_stores.h"
#include "webhook/sqlite_store.h"

namespace trunkline::api::testing {

struct Reply {
  int status = 0;
  Json body;
  HttpResponse raw;
};

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir =
        std::filesystem::temp_directory_path() /
        fmt::format("tl-api-{}-{}", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                    ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto db = storage::sqlite::Database::open((dir / "trunkline.db").string());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    config_ = std::make_unique<storage::sqlite::SqliteConfigStore>(*db_);
    keys_ = std::make_unique<storage::sqlite::SqliteApiKeyStore>(*db_);
    deps_ = std::make_unique<CoreDeps>(CoreDeps{*config_, *keys_, clock_, "trunkline", {}});
    registerCoreRoutes(router_, *deps_);
    cdrs_ = std::make_unique<storage::sqlite::SqliteCdrStore>(*db_);
    gateways_ = std::make_unique<storage::sqlite::SqliteGatewayStatusStore>(*db_);
    runtime_ = std::make_unique<RuntimeDeps>(RuntimeDeps{*cdrs_, *gateways_, *config_});
    registerRuntimeRoutes(router_, *runtime_);
    registrations_ = std::make_unique<storage::sqlite::SqliteRegistrationStore>(*db_);
    live_ = std::make_unique<LiveDeps>();
    live_->metrics = &metrics_;
    live_->calls = &liveCalls_;
    live_->registrations = registrations_.get();
    live_->config = config_.get();
    live_->hangup = [this](std::uint32_t shard, std::uint64_t callId) {
      hangups_.emplace_back(shard, callId);
      return hangupResult_;
    };
    registerLiveRoutes(router_, *live_);
    webhookStore_ = std::make_unique<webhook::SqliteWebhookStore>(*db_);
    webhooks_ = std::make_unique<WebhookDeps>(
        WebhookDeps{*webhookStore_, clock_, [this] { ++webhookChanges_; }});
    registerWebhookRoutes(router_, *webhooks_);
    service_ = std::make_unique<ApiService>(router_, *keys_, clock_, ServiceOptions{0, 0});
    admin_ = makeKey(0);
  }

  std::string makeKey(storage::Id account) {
    auto k = generateKey(account, "test", 1);
    EXPECT_TRUE(k);
    auto id = keys_->add(k->record);
    EXPECT_TRUE(id) << id.error().message;
    return k->text;
  }

  Reply call(const std::string& method, const std::string& target, const std::string& key,
             const std::string& body = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.headers.push_back({"Host", "test"});
    if (!key.empty()) r.headers.push_back({"Authorization", "Bearer " + key});
    if (!body.empty()) r.headers.push_back({"Content-Type", "application/json"});
    r.body = body;
    Reply out;
    out.raw = service_->handle(r);
    out.status = out.raw.status;
    if (!out.raw.body.empty()) out.body = Json::parse(out.raw.body, nullptr, false);
    return out;
  }
  Reply call(const std::string& method, const std::string& target, const std::string& key,
             const Json& body) {
    return call(method, target, key, body.dump());
  }

  base::ManualClock clock_;
  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> config_;
  std::unique_ptr<storage::sqlite::SqliteApiKeyStore> keys_;
  std::unique_ptr<CoreDeps> deps_;
  std::unique_ptr<storage::sqlite::SqliteCdrStore> cdrs_;
  std::unique_ptr<storage::sqlite::SqliteGatewayStatusStore> gateways_;
  std::unique_ptr<RuntimeDeps> runtime_;
  metrics::Registry metrics_;
  metrics::LiveCalls liveCalls_{2};
  std::unique_ptr<storage::sqlite::SqliteRegistrationStore> registrations_;
  std::unique_ptr<LiveDeps> live_;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> hangups_;  // what DELETE asked for
  HangupResult hangupResult_ = HangupResult::Done;
  std::unique_ptr<webhook::SqliteWebhookStore> webhookStore_;
  std::unique_ptr<WebhookDeps> webhooks_;
  int webhookChanges_ = 0;  // how often the routes told the dispatcher to reload
  Router router_;
  std::unique_ptr<ApiService> service_;
  std::string admin_;
};

/// The field names of a problem's errors list.
inline std::vector<std::string> fields(const Reply& r) {
  std::vector<std::string> out;
  if (r.body.is_object() && r.body.contains("errors"))
    for (const auto& e : r.body["errors"]) out.push_back(e["field"].get<std::string>());
  return out;
}

}  // namespace trunkline::api::testing
