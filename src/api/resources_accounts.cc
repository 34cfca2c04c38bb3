// /v1/accounts and /v1/trunks (with their IP ACL `ips` and digest `credentials`).
#include <charconv>

#include "api/resources_internal.h"
#include "storage/validate.h"

namespace trunkline::api::detail {
namespace {

using storage::Account;
using storage::Id;
using storage::Trunk;

Json accountJson(const Account& a) {
  return {{"id", a.id}, {"name", a.name}, {"country", a.country}, {"enabled", a.enabled}};
}

// Applies the fields present in `body` to `a`.
std::optional<HttpResponse> applyAccount(const Json& body, Account& a, std::optional<Id> id) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(body, {"id", "name", "country", "enabled"}, unknown);
  checkReadOnlyId(body, id, invalid);
  FieldReader f(body, invalid);
  if (f.str("name", a.name, !id))
    if (auto r = storage::validateName("account", a.name); !r) f.error("name", r.error().message);
  if (f.str("country", a.country)) {
    if (a.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(a.country[0])) ||
        !std::isalpha(static_cast<unsigned char>(a.country[1])))
      f.error("country", "must be an ISO 3166-1 alpha-2 code such as US");
  }
  f.boolean("enabled", a.enabled);
  return fieldProblems(unknown, invalid);
}

// The account a key may see, or 404 (another account's looks exactly like a missing one).
base::Result<Account> visibleAccount(storage::ConfigStore& store, const Principal& p, Id id) {
  if (!p.owns(id)) return base::fail(base::Errc::NotFound, fmt::format("account {} not found", id));
  return store.getAccount(id);
}

Json trunkJson(const Trunk& t) {
  Json creds = Json::array();
  for (const auto& c : t.credentials) creds.push_back(credentialJson(c));
  return {{"id", t.id},
          {"account_id", t.accountId},
          {"name", t.name},
          {"enabled", t.enabled},
          {"ips", t.allowedCidrs},
          {"credentials", creds},
          {"registration", t.registration},
          {"host", t.host},
          {"port", t.port},
          {"transport", storage::transportName(t.transport)},
          {"channel_limit", t.channelLimit},
          {"cps_limit", t.cpsLimit},
          {"codecs", t.codecs},
          {"caller_id_policy", storage::callerIdPolicyName(t.callerIdPolicy)},
          {"fixed_caller_id", t.fixedCallerId},
          {"max_duration_s", t.maxDurationS},
          {"srtp", storage::srtpPolicyName(t.srtp)}};
}

std::optional<HttpResponse> applyTrunk(const Json& body, Trunk& t, std::optional<Id> id,
                                       const CoreDeps& deps) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(body,
                {"id", "account_id", "name", "enabled", "ips", "credentials", "registration",
                 "host", "port", "transport", "channel_limit", "cps_limit", "codecs",
                 "caller_id_policy", "fixed_caller_id", "max_duration_s", "srtp"},
                unknown);
  checkReadOnlyId(body, id, invalid);
  FieldReader f(body, invalid);
  if (Id account = 0; f.id("account_id", account)) {
    if (id && account != t.accountId)
      f.error("account_id", "a trunk cannot move to another account; remove and add it");
    t.accountId = account;
  }
  if (f.str("name", t.name, !id))
    if (auto r = storage::validateName("trunk", t.name); !r) f.error("name", r.error().message);
  f.boolean("enabled", t.enabled);
  if (f.strings("ips", t.allowedCidrs)) checkCidrs(t.allowedCidrs, "ips", invalid);
  if (const Json* list = f.array("credentials")) {
    std::vector<storage::DigestCredential> creds;
    for (std::size_t i = 0; i < list->size(); ++i)
      if (auto c = readCredential((*list)[i], fmt::format("credentials[{}]", i), deps.defaultRealm,
                                  t.credentials, unknown, invalid))
        creds.push_back(std::move(*c));
    t.credentials = std::move(creds);
  }
  f.boolean("registration", t.registration);
  f.str("host", t.host);
  std::uint32_t port = t.port;
  if (f.u32("port", port, 1, 65535)) t.port = static_cast<std::uint16_t>(port);
  if (std::string s; f.str("transport", s)) {
    if (auto tr = storage::parseTransport(s))
      t.transport = *tr;
    else
      f.error("transport", "must be udp, tcp or tls");
  }
  f.u32("channel_limit", t.channelLimit, 0, 1'000'000);
  f.u32("cps_limit", t.cpsLimit, 0, 1'000'000);
  f.strings("codecs", t.codecs);
  if (std::string s; f.str("caller_id_policy", s)) {
    if (auto p = storage::parseCallerIdPolicy(s))
      t.callerIdPolicy = *p;
    else
      f.error("caller_id_policy", "must be passthrough, fixed or account");
  }
  if (f.str("fixed_caller_id", t.fixedCallerId) && !t.fixedCallerId.empty())
    if (auto r = storage::validateE164(t.fixedCallerId); !r)
      f.error("fixed_caller_id", r.error().message);
  f.u32("max_duration_s", t.maxDurationS, 0, 7 * 86'400);
  if (std::string s; f.str("srtp", s)) {
    if (auto p = storage::parseSrtpPolicy(s))
      t.srtp = *p;
    else
      f.error("srtp", "must be off, offer or required");
  }
  return fieldProblems(unknown, invalid);
}

// Phrases of the store's trunk messages → the field they are about.
HttpResponse trunkWriteError(const base::Error& e) {
  return writeError(e, {{"account", "account_id"},
                        {"CIDR", "ips"},
                        {"no way to authenticate", "ips"},
                        {"registration trunk", "credentials"},
                        {"digest", "credentials"},
                        {"username", "credentials"},
                        {"HA1", "credentials"},
                        {"bad host", "host"},
                        {"port", "port"},
                        {"codec", "codecs"},
                        {"caller ID", "fixed_caller_id"},
                        {"srtp", "srtp"},
                        {"name", "name"}});
}

base::Result<Trunk> visibleTrunk(storage::ConfigStore& store, const Principal& p, Id id) {
  auto t = store.getTrunk(id);
  if (t && !p.owns(t->accountId))
    return base::fail(base::Errc::NotFound, fmt::format("trunk {} not found", id));
  return t;
}

}  // namespace

void registerAccountRoutes(Router& router, const CoreDeps& deps) {
  auto& store = deps.config;
  router.add("GET", "/v1/accounts", Access::AnyKey, [&store, &deps](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    auto all = store.listAccounts();
    if (!all) return fromError(all.error());
    std::erase_if(*all, [&](const Account& a) { return !r.principal->owns(a.id); });
    return page(std::move(*all), *q, [&deps](const Account& a) {
      return withDeckField(deps, DeckOwner::Account, accountJson(a));
    });
  });
  router.add("GET", "/v1/accounts/{id}", Access::AnyKey, [&store, &deps](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such account");
    auto a = visibleAccount(store, *r.principal, *id);
    if (!a) return fromError(a.error());
    return jsonResponse(200, withDeckField(deps, DeckOwner::Account, accountJson(*a)));
  });
  router.add("POST", "/v1/accounts", Access::Admin, [&store, &deps](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto deck = takeDeckField(deps, DeckOwner::Account, *body, err);
    if (!deck) return err;
    Account a;
    if (auto p = applyAccount(*body, a, std::nullopt)) return *p;
    auto id = store.addAccount(a);
    if (!id) return writeError(id.error(), {{"country", "country"}, {"name", "name"}});
    if (auto p = storeDeckField(deps, DeckOwner::Account, *id, *deck)) return *p;
    auto stored = store.getAccount(*id);
    if (!stored) return fromError(stored.error());
    return created("accounts", *id, withDeckField(deps, DeckOwner::Account, accountJson(*stored)));
  });
  router.add("PATCH", "/v1/accounts/{id}", Access::Admin, [&store, &deps](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such account");
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto a = store.getAccount(*id);
    if (!a) return fromError(a.error());
    auto deck = takeDeckField(deps, DeckOwner::Account, *body, err);
    if (!deck) return err;
    if (auto p = applyAccount(*body, *a, *id)) return *p;
    if (auto u = store.updateAccount(*a); !u)
      return writeError(u.error(), {{"country", "country"}, {"name", "name"}});
    if (auto p = storeDeckField(deps, DeckOwner::Account, *id, *deck)) return *p;
    auto stored = store.getAccount(*id);
    if (!stored) return fromError(stored.error());
    return jsonResponse(200, withDeckField(deps, DeckOwner::Account, accountJson(*stored)));
  });
  router.add("DELETE", "/v1/accounts/{id}", Access::Admin, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such account");
    if (auto d = store.removeAccount(*id); !d) return removeError(d.error());
    return noContent();
  });
}

void registerTrunkRoutes(Router& router, const CoreDeps& deps) {
  auto& store = deps.config;
  router.add("GET", "/v1/trunks", Access::AnyKey, [&store](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    std::optional<Id> only;
    if (!r.principal->admin()) only = r.principal->accountId;
    if (auto a = r.http.queryParam("account_id")) {
      Id want = 0;
      auto [p, ec] = std::from_chars(a->data(), a->data() + a->size(), want);
      if (ec != std::errc() || p != a->data() + a->size() || want < 1)
        return problem(Problem::BadRequest, "bad query parameter 'account_id'",
                       {{"account_id", "must be an account id"}});
      if (!r.principal->owns(want)) return page(std::vector<Trunk>{}, *q, trunkJson);
      only = want;
    }
    auto all = store.listTrunks(only);
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, trunkJson);
  });
  router.add("GET", "/v1/trunks/{id}", Access::AnyKey, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such trunk");
    auto t = visibleTrunk(store, *r.principal, *id);
    if (!t) return fromError(t.error());
    return jsonResponse(200, trunkJson(*t));
  });
  router.add("POST", "/v1/trunks", Access::AnyKey, [&store, &deps](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    Trunk t;
    t.accountId = r.principal->accountId;  // an account key's own account by default
    if (auto p = applyTrunk(*body, t, std::nullopt, deps)) return *p;
    if (t.accountId == 0)
      return problem(Problem::Validation, "account_id: is required",
                     {{"account_id", "is required"}});
    if (!r.principal->owns(t.accountId)) {
      const auto msg = fmt::format("account {} not found", t.accountId);
      return problem(Problem::Validation, msg, {{"account_id", msg}});
    }
    auto id = store.addTrunk(t);
    if (!id) return trunkWriteError(id.error());
    auto stored = store.getTrunk(*id);
    if (!stored) return fromError(stored.error());
    return created("trunks", *id, trunkJson(*stored));
  });
  router.add("PATCH", "/v1/trunks/{id}", Access::AnyKey, [&store, &deps](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such trunk");
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto t = visibleTrunk(store, *r.principal, *id);
    if (!t) return fromError(t.error());
    if (auto p = applyTrunk(*body, *t, *id, deps)) return *p;
    if (auto u = store.updateTrunk(*t); !u) return trunkWriteError(u.error());
    auto stored = store.getTrunk(*id);
    if (!stored) return fromError(stored.error());
    return jsonResponse(200, trunkJson(*stored));
  });
  router.add("DELETE", "/v1/trunks/{id}", Access::AnyKey, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such trunk");
    auto t = visibleTrunk(store, *r.principal, *id);
    if (!t) return fromError(t.error());
    if (auto d = store.removeTrunk(*id); !d) return removeError(d.error());
    return noContent();
  });
}

}  // namespace trunkline::api::detail
