#include "app/cli_offline.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "api/api.h"
#include "api/runtime_routes.h"
#include "base/clock.h"
#include "storage/sqlite/api_key_store.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/rate_store.h"
#include "storage/sqlite/runtime_stores.h"

namespace trunkline::app::cli {
namespace {

class OfflineTransport final : public ApiTransport {
 public:
  OfflineTransport(std::string dataDir, std::unique_ptr<storage::sqlite::Database> db,
                   const std::string& realm)
      : dataDir_(std::move(dataDir)),
        db_(std::move(db)),
        config_(*db_),
        keys_(*db_),
        cdrs_(*db_),
        gateways_(*db_),
        rates_(*db_),
        core_{config_, keys_, clock_, realm, {}, &rates_},
        runtime_{cdrs_, gateways_, config_} {
    api::registerCoreRoutes(router_, core_);
    api::registerRuntimeRoutes(router_, runtime_);
    service_ = std::make_unique<api::ApiService>(router_, keys_, clock_, api::ServiceOptions{});
  }

  std::string describe() const override { return "offline " + dataDir_; }

  base::Result<ApiReply> send(std::string_view method, std::string_view target,
                              std::string_view body) override {
    api::HttpRequest req;
    req.method = std::string(method);
    req.target = std::string(target);
    const std::size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    if (!body.empty())
      req.headers.push_back(
          {"Content-Type", body.front() != '{' ? "text/csv" : "application/json"});
    req.body = std::string(body);
    // This process is the operator on its own files: the same principal the control
    // socket gives the node's user.
    req.peerUid = static_cast<std::uint32_t>(::geteuid());
    auto resp = service_->handle(req);
    ApiReply r;
    r.status = resp.status;
    if (const auto* ct = resp.header("Content-Type")) r.contentType = *ct;
    r.body = std::move(resp.body);
    return r;
  }

 private:
  std::string dataDir_;
  base::SystemClock clock_;
  std::unique_ptr<storage::sqlite::Database> db_;
  storage::sqlite::SqliteConfigStore config_;
  storage::sqlite::SqliteApiKeyStore keys_;
  storage::sqlite::SqliteCdrStore cdrs_;
  storage::sqlite::SqliteGatewayStatusStore gateways_;
  storage::sqlite::SqliteRateStore rates_;
  api::CoreDeps core_;
  api::RuntimeDeps runtime_;
  api::Router router_;
  std::unique_ptr<api::ApiService> service_;
};

}  // namespace

base::Result<std::unique_ptr<ApiTransport>> makeOfflineTransport(const std::string& dataDir,
                                                                 const std::string& realm) {
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec)
    return base::fail(base::Errc::Io,
                      fmt::format("{}: cannot create data directory: {}", dataDir, ec.message()));
  auto db = storage::sqlite::Database::open(dataDir + "/trunkline.db");
  if (!db) return tl::unexpected(db.error());
  return std::unique_ptr<ApiTransport>(
      std::make_unique<OfflineTransport>(dataDir, std::move(*db), realm));
}

}  // namespace trunkline::app::cli
