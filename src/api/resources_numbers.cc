// /v1/numbers: DIDs with their ordered backup destinations.
#include "api/resources_internal.h"
#include "storage/validate.h"

namespace trunkline::api::detail {
namespace {

using storage::BackupDestination;
using storage::Id;
using storage::Number;

Json numberJson(const Number& n) {
  Json backups = Json::array();
  for (const auto& b : n.backups) {
    if (b.kind == BackupDestination::Kind::Trunk)
      backups.push_back({{"type", "trunk"}, {"trunk_id", b.trunkId}});
    else
      backups.push_back({{"type", "external"}, {"number", b.number}});
  }
  return {{"id", n.id},
          {"e164", n.e164},
          {"account_id", n.accountId},
          {"trunk_id", n.trunkId},
          {"ring_timeout_s", n.ringTimeoutS},
          {"backups", backups}};
}

// The stores find numbers by E.164; by id is a scan of the account's (or all) numbers.
base::Result<Number> numberById(storage::ConfigStore& store, const Principal& p, Id id) {
  std::optional<Id> only;
  if (!p.admin()) only = p.accountId;
  auto all = store.listNumbers(only);
  if (!all) return tl::unexpected(all.error());
  for (auto& n : *all)
    if (n.id == id && p.owns(n.accountId)) return std::move(n);
  return base::fail(base::Errc::NotFound, fmt::format("number {} not found", id));
}

// A trunk the caller may point a number at; otherwise the same answer as a missing one.
std::optional<storage::Trunk> usableTrunk(storage::ConfigStore& store, const Principal& p, Id id) {
  auto t = store.getTrunk(id);
  if (!t || !p.owns(t->accountId)) return std::nullopt;
  return *t;
}

std::optional<HttpResponse> applyNumber(const Json& body, Number& n, std::optional<Id> id,
                                        storage::ConfigStore& store, const Principal& p) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(body, {"id", "e164", "account_id", "trunk_id", "ring_timeout_s", "backups"},
                unknown);
  checkReadOnlyId(body, id, invalid);
  FieldReader f(body, invalid);
  if (f.str("e164", n.e164, !id))
    if (auto r = storage::validateE164(n.e164); !r) f.error("e164", r.error().message);
  const bool accountGiven = f.id("account_id", n.accountId);
  if (f.id("trunk_id", n.trunkId, !id)) {
    auto t = usableTrunk(store, p, n.trunkId);
    if (!t) {
      f.error("trunk_id", fmt::format("trunk {} not found", n.trunkId));
    } else if (!accountGiven && !id) {
      n.accountId = t->accountId;  // a new number belongs to its trunk's account
    } else if (t->accountId != n.accountId) {
      f.error("trunk_id", fmt::format("trunk {} belongs to another account", n.trunkId));
    }
  }
  if (accountGiven && !p.owns(n.accountId))
    f.error("account_id", fmt::format("account {} not found", n.accountId));
  f.u32("ring_timeout_s", n.ringTimeoutS, 1, 600);
  if (const Json* list = f.array("backups")) {
    std::vector<BackupDestination> backups;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto path = fmt::format("backups[{}]", i);
      const auto& j = (*list)[i];
      if (!j.is_object()) {
        invalid.push_back({path, "must be an object {type, trunk_id | number}"});
        continue;
      }
      rejectUnknown(j, {"type", "trunk_id", "number"}, unknown, path + ".");
      FieldReader b(j, invalid, path + ".");
      BackupDestination d;
      std::string type;
      b.str("type", type);
      if (type.empty()) type = j.contains("number") ? "external" : "trunk";
      if (type == "trunk") {
        if (b.id("trunk_id", d.trunkId, true)) {
          auto t = usableTrunk(store, p, d.trunkId);
          if (!t || (n.accountId != 0 && t->accountId != n.accountId))
            b.error("trunk_id",
                    fmt::format("trunk {} not found in the number's account", d.trunkId));
          else if (d.trunkId == n.trunkId)
            b.error("trunk_id", "is the number's own trunk");
        }
        if (j.contains("number")) b.error("number", "only for type external");
      } else if (type == "external") {
        d.kind = BackupDestination::Kind::External;
        if (b.str("number", d.number, true))
          if (auto r = storage::validateE164(d.number); !r) b.error("number", r.error().message);
        if (j.contains("trunk_id")) b.error("trunk_id", "only for type trunk");
      } else {
        b.error("type", "must be trunk or external");
      }
      backups.push_back(std::move(d));
    }
    n.backups = std::move(backups);
  }
  return fieldProblems(unknown, invalid);
}

HttpResponse numberWriteError(const base::Error& e) {
  return writeError(e, {{"backup", "backups"},
                        {"ring timeout", "ring_timeout_s"},
                        {"trunk", "trunk_id"},
                        {"account", "account_id"},
                        {"E.164", "e164"}});
}

}  // namespace

void registerNumberRoutes(Router& router, const CoreDeps& deps) {
  auto& store = deps.config;
  router.add("GET", "/v1/numbers", Access::AnyKey, [&store](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    std::optional<Id> only;
    if (!r.principal->admin()) only = r.principal->accountId;
    auto all = store.listNumbers(only);
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, numberJson);
  });
  router.add("GET", "/v1/numbers/{id}", Access::AnyKey, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such number");
    auto n = numberById(store, *r.principal, *id);
    if (!n) return fromError(n.error());
    return jsonResponse(200, numberJson(*n));
  });
  router.add("POST", "/v1/numbers", Access::AnyKey, [&store](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    Number n;
    if (auto p = applyNumber(*body, n, std::nullopt, store, *r.principal)) return *p;
    auto id = store.addNumber(n);
    if (!id) {
      // Another account's number must not be confirmed to an account key: the conflict
      // says only that the number is taken.
      if (id.error().code == base::Errc::AlreadyExists)
        return problem(Problem::Conflict, fmt::format("number {} is already taken", n.e164));
      return numberWriteError(id.error());
    }
    auto stored = numberById(store, *r.principal, *id);
    if (!stored) return fromError(stored.error());
    return created("numbers", *id, numberJson(*stored));
  });
  router.add("PATCH", "/v1/numbers/{id}", Access::AnyKey, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such number");
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto n = numberById(store, *r.principal, *id);
    if (!n) return fromError(n.error());
    if (auto p = applyNumber(*body, *n, *id, store, *r.principal)) return *p;
    if (auto u = store.updateNumber(*n); !u) {
      if (u.error().code == base::Errc::AlreadyExists)
        return problem(Problem::Conflict, fmt::format("number {} is already taken", n->e164));
      return numberWriteError(u.error());
    }
    auto stored = numberById(store, *r.principal, *id);
    if (!stored) return fromError(stored.error());
    return jsonResponse(200, numberJson(*stored));
  });
  router.add("DELETE", "/v1/numbers/{id}", Access::AnyKey, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such number");
    auto n = numberById(store, *r.principal, *id);
    if (!n) return fromError(n.error());
    if (auto d = store.removeNumber(*id); !d) return removeError(d.error());
    return noContent();
  });
}

}  // namespace trunkline::api::detail
