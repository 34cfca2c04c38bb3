// /v1/webhooks: subscriptions (url, events, secret) and the delivery log.
#include <charconv>

#include "api/resources_internal.h"
#include "api/webhook_routes.h"
#include "webhook/signature.h"
#include "webhook/url.h"

namespace trunkline::api {
namespace {

using detail::created;
using detail::fieldProblems;
using detail::noContent;
using detail::page;
using detail::pageQuery;
using detail::pathId;
using storage::Id;
using webhook::Delivery;
using webhook::EventType;
using webhook::Subscription;

constexpr std::size_t kMaxDescription = 256;

std::int64_t nowMs(const base::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
      .count();
}

Json eventsJson(std::uint32_t mask) {
  Json out = Json::array();
  for (std::size_t i = 0; i < webhook::kEventTypeCount; ++i)
    if (mask & (1u << i)) out.push_back(webhook::eventTypeName(static_cast<EventType>(i)));
  return out;
}

Json subscriptionJson(const Subscription& s) {
  return {{"id", s.id},
          {"account_id", s.accountId == 0 ? Json(nullptr) : Json(s.accountId)},
          {"url", s.url},
          {"events", eventsJson(s.types)},
          {"enabled", s.enabled},
          {"insecure_tls", s.insecureTls},
          {"description", s.description},
          {"disabled_reason", s.disabledReason.empty() ? Json(nullptr) : Json(s.disabledReason)},
          {"created_ms", s.createdMs},
          {"updated_ms", s.updatedMs}};
}

Json deliveryJson(const Delivery& d) {
  Json log = Json::array();
  for (const auto& a : d.log)
    log.push_back({{"number", a.number},
                   {"at_ms", a.atMs},
                   {"status", a.statusCode == 0 ? Json(nullptr) : Json(a.statusCode)},
                   {"error", a.error.empty() ? Json(nullptr) : Json(a.error)},
                   {"duration_ms", a.durationMs}});
  const bool pending = d.state == webhook::DeliveryState::Pending;
  return {{"id", d.id},
          {"subscription_id", d.subscriptionId},
          {"event_id", d.eventId},
          {"type", webhook::eventTypeName(d.type)},
          {"state", webhook::deliveryStateName(d.state)},
          {"attempt_count", d.attempts},
          {"last_status", d.lastStatus == 0 ? Json(nullptr) : Json(d.lastStatus)},
          {"last_error", d.lastError.empty() ? Json(nullptr) : Json(d.lastError)},
          {"next_attempt_ms", pending ? Json(d.nextAttemptMs) : Json(nullptr)},
          {"delivered_ms", d.deliveredMs == 0 ? Json(nullptr) : Json(d.deliveredMs)},
          {"created_ms", d.createdMs},
          {"attempts", std::move(log)}};
}

// "events": a non-empty array of event type names. Carrier events concern the operator's
// network: only operator-wide subscriptions may take them.
void readEvents(FieldReader& f, const Json& body, bool operatorWide, std::uint32_t& mask,
                bool required) {
  if (!body.contains("events")) {
    if (required) f.error("events", "is required");
    return;
  }
  const auto* arr = f.array("events");
  if (!arr) return;
  if (arr->empty()) {
    f.error("events", "must name at least one event type");
    return;
  }
  if (arr->size() > 32) {
    f.error("events", "has too many entries");
    return;
  }
  std::uint32_t out = 0;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& v = (*arr)[i];
    const auto field = fmt::format("events[{}]", i);
    auto type =
        v.is_string() ? webhook::parseEventType(v.get_ref<const std::string&>()) : std::nullopt;
    if (!type) {
      f.error(field,
              "must be one of call.started, call.answered, call.ended, carrier.up, "
              "carrier.down, balance.low");
      continue;
    }
    if (!operatorWide && (*type == EventType::CarrierUp || *type == EventType::CarrierDown)) {
      f.error(field, "carrier events go to operator-wide webhooks only (admin, no account_id)");
      continue;
    }
    out |= webhook::typeBit(*type);
  }
  mask = out;
}

void readUrl(FieldReader& f, std::string& url, bool required) {
  if (!f.str("url", url, required)) return;
  if (auto u = webhook::parseUrl(url); !u) f.error("url", u.error().message);
}

void readDescription(FieldReader& f, std::string& d) {
  if (f.str("description", d) && d.size() > kMaxDescription)
    f.error("description", "must be at most 256 characters");
}

// The subscription at {id} if the caller may see it; 404 otherwise (an account key does
// not learn that another account's webhook exists).
std::optional<Subscription> visible(webhook::WebhookStore& store, const Request& r,
                                    HttpResponse& error) {
  auto id = pathId(r);
  if (!id) {
    error = problem(Problem::NotFound, "no such webhook");
    return std::nullopt;
  }
  auto s = store.subscription(*id);
  if (!s) {
    error = fromError(s.error());
    return std::nullopt;
  }
  if (!r.principal->owns(s->accountId) || (s->accountId == 0 && !r.principal->admin())) {
    error = problem(Problem::NotFound, fmt::format("webhook {} not found", *id));
    return std::nullopt;
  }
  return std::move(*s);
}

}  // namespace

void registerWebhookRoutes(Router& router, const WebhookDeps& deps) {
  auto notify = [&deps] {
    if (deps.changed) deps.changed();
  };

  router.add("GET", "/v1/webhooks", Access::AnyKey, [&deps](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    std::optional<Id> only;
    if (!r.principal->admin()) only = r.principal->accountId;
    auto all = deps.store.subscriptions(only);
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, subscriptionJson);
  });

  router.add("GET", "/v1/webhooks/{id}", Access::AnyKey, [&deps](const Request& r) {
    HttpResponse err;
    auto s = visible(deps.store, r, err);
    if (!s) return err;
    return jsonResponse(200, subscriptionJson(*s));
  });

  router.add("POST", "/v1/webhooks", Access::AnyKey, [&deps, notify](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    std::vector<FieldError> unknown, invalid;
    detail::checkReadOnlyId(*body, std::nullopt, invalid);
    rejectUnknown(*body,
                  {"id", "account_id", "url", "events", "enabled", "insecure_tls", "description"},
                  unknown);
    FieldReader f(*body, invalid);
    Subscription s;
    // An account key's webhooks belong to its account; an admin names one or none.
    s.accountId = r.principal->accountId;
    if (body->contains("account_id") && !(*body)["account_id"].is_null()) {
      std::int64_t account = 0;
      if (f.id("account_id", account)) {
        if (!r.principal->owns(account))
          f.error("account_id", "an account key creates webhooks of its own account only");
        else
          s.accountId = account;
      }
    }
    readUrl(f, s.url, true);
    readEvents(f, *body, s.accountId == 0, s.types, true);
    f.boolean("enabled", s.enabled);
    f.boolean("insecure_tls", s.insecureTls);
    readDescription(f, s.description);
    if (auto p = fieldProblems(unknown, invalid)) return *p;
    auto secret = webhook::generateSecret();
    if (!secret) return fromError(secret.error());
    s.secret = *secret;
    s.createdMs = s.updatedMs = nowMs(deps.clock);
    auto id = deps.store.addSubscription(s);
    if (!id) {
      if (id.error().code == base::Errc::NotFound)
        return problem(Problem::Validation, id.error().message,
                       {{"account_id", id.error().message}});
      return fromError(id.error());
    }
    s.id = *id;
    notify();
    auto out = subscriptionJson(s);
    out["secret"] = s.secret;  // shown here and on rotate-secret only
    return created("webhooks", *id, out);
  });

  router.add("PATCH", "/v1/webhooks/{id}", Access::AnyKey, [&deps, notify](const Request& r) {
    HttpResponse err;
    auto s = visible(deps.store, r, err);
    if (!s) return err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    std::vector<FieldError> unknown, invalid;
    detail::checkReadOnlyId(*body, s->id, invalid);
    rejectUnknown(*body, {"id", "url", "events", "enabled", "insecure_tls", "description"},
                  unknown);
    FieldReader f(*body, invalid);
    readUrl(f, s->url, false);
    readEvents(f, *body, s->accountId == 0, s->types, false);
    bool enabled = s->enabled;
    if (f.boolean("enabled", enabled) && enabled && !s->enabled) s->disabledReason.clear();
    s->enabled = enabled;
    f.boolean("insecure_tls", s->insecureTls);
    readDescription(f, s->description);
    if (auto p = fieldProblems(unknown, invalid)) return *p;
    s->updatedMs = nowMs(deps.clock);
    if (auto u = deps.store.updateSubscription(*s); !u) return fromError(u.error());
    notify();
    return jsonResponse(200, subscriptionJson(*s));
  });

  router.add("DELETE", "/v1/webhooks/{id}", Access::AnyKey, [&deps, notify](const Request& r) {
    HttpResponse err;
    auto s = visible(deps.store, r, err);
    if (!s) return err;
    if (auto d = deps.store.removeSubscription(s->id); !d) return fromError(d.error());
    notify();
    return noContent();
  });

  router.add("POST", "/v1/webhooks/{id}/rotate-secret", Access::AnyKey,
             [&deps, notify](const Request& r) {
               HttpResponse err;
               auto s = visible(deps.store, r, err);
               if (!s) return err;
               auto secret = webhook::generateSecret();
               if (!secret) return fromError(secret.error());
               s->secret = *secret;
               s->updatedMs = nowMs(deps.clock);
               if (auto u = deps.store.updateSubscription(*s); !u) return fromError(u.error());
               notify();
               auto out = subscriptionJson(*s);
               out["secret"] = s->secret;
               return jsonResponse(200, out);
             });

  router.add("GET", "/v1/webhooks/{id}/deliveries", Access::AnyKey, [&deps](const Request& r) {
    HttpResponse err;
    auto s = visible(deps.store, r, err);
    if (!s) return err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    // Newest first: the cursor is the smallest id of the previous page.
    auto rows = deps.store.deliveries(s->id, q->after, q->limit + 1);
    if (!rows) return fromError(rows.error());
    Json items = Json::array();
    Json next = nullptr;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      if (i == q->limit) {
        next = std::to_string((*rows)[i - 1].id);
        break;
      }
      items.push_back(deliveryJson((*rows)[i]));
    }
    return jsonResponse(200, Json{{"items", std::move(items)}, {"next_cursor", next}});
  });
}

}  // namespace trunkline::api
