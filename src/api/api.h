#pragma once
// The REST API's routes over the storage interfaces, and the service that runs a request
// through routing, authentication, rate limiting and the handler.
//
//   Router router;
//   api::registerCoreRoutes(router, {configStore, keyStore, clock, "trunkline", ready});
//   router.add("GET", "/v1/calls", Access::AnyKey, liveCallsHandler);  // more, from app/
//   ApiService service(router, keyStore, clock, {});
//   HttpServer server(loop, options, [&](const HttpRequest& r) { return service.handle(r); });
//
// Everything here runs on the API thread: the stores passed in are used by that thread
// only (their own SQLite connection), and the clock is shared.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/http.h"
#include "api/router.h"
#include "base/clock.h"
#include "base/result.h"
#include "storage/api_key_store.h"
#include "storage/rate_store.h"
#include "storage/repository.h"

namespace trunkline::api {

struct CoreDeps {
  storage::ConfigStore& config;
  storage::ApiKeyStore& keys;
  const base::Clock& clock;
  /// Digest realm given to credentials that name none (the node's [sip] realm).
  std::string defaultRealm = "trunkline";
  /// Readiness probe for /readyz (e.g. a query on the database); empty = always ready.
  std::function<base::Result<void>()> ready;
  /// Rate decks and usage summaries (/v1/rate-decks, /v1/usage, the deck fields of
  /// accounts and carriers); null = those routes answer 503. Same thread rule as above.
  storage::RateStore* rates = nullptr;
};

/// /healthz, /readyz, /v1/openapi.json, /v1/keys..., /v1/accounts, /v1/trunks, /v1/numbers,
/// /v1/carriers, /v1/routes (see src/api/openapi.json). `deps` must outlive the router.
void registerCoreRoutes(Router& router, const CoreDeps& deps);

/// The OpenAPI 3.0 document describing the core routes (src/api/openapi.json, compiled in).
std::string_view openApiDocument();

struct ServiceOptions {
  std::uint32_t ratePerS = 20;  // per API key; 0 = unlimited
  std::uint32_t burst = 40;
  /// Requests on the local control socket (HttpRequest::peerUid set) without an API key
  /// act as admin when the peer's uid is root or one of these; empty = root and the
  /// node's own effective uid. Other uids get 403 unless they send a key.
  std::vector<std::uint32_t> controlUids;
};

/// Runs one request: route (404/405), authenticate (401), rate-limit (429), scope (403),
/// content type (415), then the handler; anything a handler lets escape becomes a 500.
/// API thread only.
class ApiService {
 public:
  ApiService(const Router& router, storage::ApiKeyStore& keys, const base::Clock& clock,
             ServiceOptions options)
      : router_(router),
        keys_(keys),
        limiter_(clock, options.ratePerS, options.burst),
        controlUids_(std::move(options.controlUids)) {}
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse dispatch(const HttpRequest& request);

  const Router& router_;
  storage::ApiKeyStore& keys_;
  KeyRateLimiter limiter_;
  std::vector<std::uint32_t> controlUids_;
};

}  // namespace trunkline::api
