#pragma once
// Read-only routes over what the running node records: CDRs (filtered, cursor-paged, JSON
// or CSV) and carrier gateway health as each node sees it. Account keys see only their
// own account's CDRs; gateway health is for admin keys.
//
// The stores are used on the API thread only (give them the API's own connection).
#include "api/router.h"
#include "storage/repository.h"

namespace trunkline::api {

struct RuntimeDeps {
  storage::CdrStore& cdrs;
  storage::GatewayStatusStore& gateways;
  storage::ConfigStore& config;
};

/// GET /v1/cdrs, GET /v1/carriers/status (see src/api/openapi.json). `deps` must outlive
/// the router.
void registerRuntimeRoutes(Router& router, const RuntimeDeps& deps);

}  // namespace trunkline::api
