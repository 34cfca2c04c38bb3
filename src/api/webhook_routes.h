#pragma once
// /v1/webhooks: webhook subscriptions and their delivery log (src/webhook/). Account keys
// manage their own account's subscriptions; admin keys all, including operator-wide ones
// (no account: every event, and the only ones that receive carrier.up/down). The signing
// secret is returned once, on create and on rotate-secret.
//
// The store is used on the API thread only (its own connection); `changed` tells the
// dispatcher to reload subscriptions (any thread).
#include <functional>

#include "api/router.h"
#include "base/clock.h"
#include "webhook/store.h"

namespace trunkline::api {

struct WebhookDeps {
  webhook::WebhookStore& store;
  const base::Clock& clock;
  std::function<void()> changed;  // may be empty
};

/// POST/GET /v1/webhooks, GET/PATCH/DELETE /v1/webhooks/{id},
/// POST /v1/webhooks/{id}/rotate-secret, GET /v1/webhooks/{id}/deliveries.
/// `deps` must outlive the router.
void registerWebhookRoutes(Router& router, const WebhookDeps& deps);

}  // namespace trunkline::api
