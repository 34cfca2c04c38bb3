#pragma once
// Routes over the running node's live state, registered by app/: Prometheus /metrics,
// live calls (list, inspect, hang up), registrations, and the bandwidth calculator.
//
//   GET    /metrics               text format 0.0.4; public or admin key ([api] metrics_auth)
//   GET    /v1/calls              live calls (?account_id, trunk_id, direction, state)
//   GET    /v1/calls/{uuid}       one live call
//   DELETE /v1/calls/{uuid}       hang it up (the B2BUA, on its shard) → 204
//   GET    /v1/registrations      bindings of the caller's trunks (?trunk_id, account_id)
//   GET    /v1/bandwidth          media/bandwidth.h for ?codec&ptime&calls...
//
// Account keys see only their own account's calls and registrations; another account's
// call is 404, as if it did not exist. Handlers run on the API thread: live calls come
// from LiveCalls' published views, never from the shard's tables; a hang-up is posted to
// the shard and waited for with a bound.
#include <cstdint>
#include <functional>

#include "api/router.h"
#include "metrics/live_calls.h"
#include "metrics/registry.h"
#include "storage/repository.h"

namespace trunkline::api {

enum class HangupResult { Done, NotFound, Timeout };

struct LiveDeps {
  const metrics::Registry* metrics = nullptr;  // null: no /metrics route
  bool metricsPublic = false;                  // [api] metrics_auth = none
  const metrics::LiveCalls* calls = nullptr;   // null: no /v1/calls routes
  /// Ends call `callId` of shard `shard` (runs B2bua::hangup there); waits a bounded time.
  std::function<HangupResult(std::uint32_t shard, std::uint64_t callId)> hangup;
  storage::RegistrationStore* registrations = nullptr;  // the API thread's connection
  storage::ConfigStore* config = nullptr;               // trunk → account, for scoping
};

/// `deps` (and what it points at) must outlive the router.
void registerLiveRoutes(Router& router, const LiveDeps& deps);

}  // namespace trunkline::api
