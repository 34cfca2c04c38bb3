// /v1/keys: API keys (admin), and /v1/keys/self (any key: who am I).
#include "api/resources_internal.h"

namespace trunkline::api::detail {
namespace {

using storage::ApiKey;
using storage::Id;

Json keyJson(const ApiKey& k) {
  return {{"id", k.id},
          {"public_id", k.publicId},
          {"scope", scopeText(k.accountId)},
          {"name", k.name},
          {"created_ms", k.createdMs},
          {"revoked_ms", k.revokedMs == 0 ? Json(nullptr) : Json(k.revokedMs)}};
}

std::int64_t nowMs(const base::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
      .count();
}

}  // namespace

void registerKeyRoutes(Router& router, const CoreDeps& deps) {
  auto& keys = deps.keys;
  router.add("GET", "/v1/keys/self", Access::AnyKey, [&keys](const Request& r) {
    auto k = keys.get(r.principal->keyId);
    if (!k) return fromError(k.error());
    return jsonResponse(200, keyJson(*k));
  });
  router.add("GET", "/v1/keys", Access::Admin, [&keys](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    auto all = keys.list({});
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, keyJson);
  });
  router.add("GET", "/v1/keys/{id}", Access::Admin, [&keys](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such API key");
    auto k = keys.get(*id);
    if (!k) return fromError(k.error());
    return jsonResponse(200, keyJson(*k));
  });
  router.add("POST", "/v1/keys", Access::Admin, [&deps](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    std::vector<FieldError> unknown, invalid;
    rejectUnknown(*body, {"scope", "name"}, unknown);
    FieldReader f(*body, invalid);
    std::string scope, name;
    std::optional<Id> account;
    if (f.str("scope", scope, true)) {
      account = parseScope(scope);
      if (!account) f.error("scope", "must be \"admin\" or \"account:<id>\"");
    }
    if (f.str("name", name) && name.size() > 128) f.error("name", "must be at most 128 characters");
    if (auto p = fieldProblems(unknown, invalid)) return *p;
    auto made = generateKey(*account, name, nowMs(deps.clock));
    if (!made) return fromError(made.error());
    auto id = deps.keys.add(made->record);
    if (!id) {
      if (id.error().code == base::Errc::NotFound)
        return problem(Problem::Validation, id.error().message, {{"scope", id.error().message}});
      return fromError(id.error());
    }
    made->record.id = *id;
    auto out = keyJson(made->record);
    out["key"] = made->text;  // the only time the key is ever shown
    return created("keys", *id, out);
  });
  router.add("DELETE", "/v1/keys/{id}", Access::Admin, [&deps](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such API key");
    if (auto d = deps.keys.revoke(*id, nowMs(deps.clock)); !d) return fromError(d.error());
    return noContent();
  });
}

}  // namespace trunkline::api::detail
