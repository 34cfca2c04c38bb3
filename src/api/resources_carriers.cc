// /v1/carriers (with gateways, credential, inbound IPs) and /v1/routes (with targets):
// the operator's side of the network, admin keys only.
#include "api/resources_internal.h"
#include "storage/validate.h"

namespace trunkline::api::detail {
namespace {

using storage::Carrier;
using storage::Id;
using storage::Route;

Json carrierJson(const Carrier& c) {
  Json gws = Json::array();
  for (const auto& g : c.gateways)
    gws.push_back({{"host", g.host},
                   {"port", g.port},
                   {"transport", storage::transportName(g.transport)},
                   {"priority", g.priority},
                   {"weight", g.weight}});
  return {{"id", c.id},
          {"name", c.name},
          {"enabled", c.enabled},
          {"gateways", gws},
          {"credential", c.credential ? credentialJson(*c.credential) : Json(nullptr)},
          {"inbound_ips", c.inboundCidrs},
          {"probe_interval_s", c.probeIntervalS},
          {"down_after", c.downAfter},
          {"up_after", c.upAfter},
          {"srtp", storage::srtpPolicyName(c.srtp)}};
}

std::optional<HttpResponse> applyCarrier(const Json& body, Carrier& c, std::optional<Id> id,
                                         const CoreDeps& deps) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(body,
                {"id", "name", "enabled", "gateways", "credential", "inbound_ips",
                 "probe_interval_s", "down_after", "up_after", "srtp"},
                unknown);
  checkReadOnlyId(body, id, invalid);
  FieldReader f(body, invalid);
  if (f.str("name", c.name, !id))
    if (auto r = storage::validateName("carrier", c.name); !r) f.error("name", r.error().message);
  f.boolean("enabled", c.enabled);
  if (!id && !body.contains("gateways")) f.error("gateways", "is required");
  if (const Json* list = f.array("gateways")) {
    std::vector<storage::Gateway> gws;
    const auto before = invalid.size();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto path = fmt::format("gateways[{}]", i);
      const auto& j = (*list)[i];
      if (!j.is_object()) {
        invalid.push_back({path, "must be an object {host, port, transport, priority, weight}"});
        continue;
      }
      rejectUnknown(j, {"host", "port", "transport", "priority", "weight"}, unknown, path + ".");
      FieldReader g(j, invalid, path + ".");
      storage::Gateway gw;
      g.str("host", gw.host, true);
      if (std::string s; g.str("transport", s)) {
        if (auto t = storage::parseTransport(s))
          gw.transport = *t;
        else
          g.error("transport", "must be udp, tcp or tls");
      }
      if (gw.transport == storage::Transport::Tls) gw.port = 5061;
      std::uint32_t port = gw.port;
      if (g.u32("port", port, 1, 65535)) gw.port = static_cast<std::uint16_t>(port);
      g.u32("priority", gw.priority, 0, 65535);
      g.u32("weight", gw.weight, 1, 65535);
      gws.push_back(std::move(gw));
    }
    if (list->empty() && invalid.size() == before)
      f.error("gateways", "needs at least one gateway");
    c.gateways = std::move(gws);
  }
  if (body.contains("credential")) {
    const auto& j = body["credential"];
    if (j.is_null()) {
      c.credential.reset();
    } else {
      std::vector<storage::DigestCredential> keep;
      if (c.credential) keep.push_back(*c.credential);
      if (auto cred = readCredential(j, "credential", deps.defaultRealm, keep, unknown, invalid))
        c.credential = std::move(*cred);
    }
  }
  if (f.strings("inbound_ips", c.inboundCidrs)) checkCidrs(c.inboundCidrs, "inbound_ips", invalid);
  f.u32("probe_interval_s", c.probeIntervalS, 0, 86'400);
  f.u32("down_after", c.downAfter, 1, 100);
  f.u32("up_after", c.upAfter, 1, 100);
  if (std::string s; f.str("srtp", s)) {
    if (auto p = storage::parseSrtpPolicy(s))
      c.srtp = *p;
    else
      f.error("srtp", "must be off, offer or required");
  }
  return fieldProblems(unknown, invalid);
}

HttpResponse carrierWriteError(const base::Error& e) {
  return writeError(e, {{"gateway", "gateways"},
                        {"credential", "credential"},
                        {"CIDR", "inbound_ips"},
                        {"down-after", "down_after"},
                        {"srtp", "srtp"},
                        {"name", "name"}});
}

Json routeJson(const Route& r) {
  Json targets = Json::array();
  for (const auto& t : r.targets)
    targets.push_back(
        {{"carrier_id", t.carrierId}, {"priority", t.priority}, {"weight", t.weight}});
  return {{"id", r.id},
          {"prefix", r.prefix},
          {"targets", targets},
          {"failover_codes", r.failoverCodes},
          {"ring_timeout_s", r.ringTimeoutS}};
}

std::optional<HttpResponse> applyRoute(const Json& body, Route& r, std::optional<Id> id) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(body, {"id", "prefix", "targets", "failover_codes", "ring_timeout_s"}, unknown);
  checkReadOnlyId(body, id, invalid);
  FieldReader f(body, invalid);
  if (f.str("prefix", r.prefix, !id)) {
    const bool digits =
        std::all_of(r.prefix.begin(), r.prefix.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || r.prefix.size() > 15)
      f.error("prefix", "up to 15 digits without '+'; \"\" is the default route");
  }
  if (!id && !body.contains("targets")) f.error("targets", "is required");
  if (const Json* list = f.array("targets")) {
    std::vector<storage::RouteTarget> targets;
    const auto before = invalid.size();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto path = fmt::format("targets[{}]", i);
      const auto& j = (*list)[i];
      if (!j.is_object()) {
        invalid.push_back({path, "must be an object {carrier_id, priority, weight}"});
        continue;
      }
      rejectUnknown(j, {"carrier_id", "priority", "weight"}, unknown, path + ".");
      FieldReader t(j, invalid, path + ".");
      storage::RouteTarget target;
      t.id("carrier_id", target.carrierId, true);
      t.u32("priority", target.priority, 0, 65535);
      t.u32("weight", target.weight, 1, 65535);
      targets.push_back(target);
    }
    if (list->empty() && invalid.size() == before) f.error("targets", "needs at least one carrier");
    r.targets = std::move(targets);
  }
  if (const Json* list = f.array("failover_codes")) {
    std::vector<int> codes;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& j = (*list)[i];
      if (!j.is_number_integer() || j.get<std::int64_t>() < 300 || j.get<std::int64_t>() > 699) {
        invalid.push_back({fmt::format("failover_codes[{}]", i),
                           "must be a final error response code from 300 to 699"});
        continue;
      }
      codes.push_back(j.get<int>());
    }
    r.failoverCodes = std::move(codes);
  }
  f.u32("ring_timeout_s", r.ringTimeoutS, 1, 600);
  return fieldProblems(unknown, invalid);
}

HttpResponse routeWriteError(const base::Error& e) {
  return writeError(e, {{"carrier", "targets"},
                        {"prefix", "prefix"},
                        {"failover", "failover_codes"},
                        {"ring timeout", "ring_timeout_s"}});
}

// Routes are found by prefix in the store; by id is a scan (a route table is small).
base::Result<Route> routeById(storage::ConfigStore& store, Id id) {
  auto all = store.listRoutes();
  if (!all) return tl::unexpected(all.error());
  for (auto& r : *all)
    if (r.id == id) return std::move(r);
  return base::fail(base::Errc::NotFound, fmt::format("route {} not found", id));
}

}  // namespace

void registerCarrierRoutes(Router& router, const CoreDeps& deps) {
  auto& store = deps.config;
  router.add("GET", "/v1/carriers", Access::Admin, [&store, &deps](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    auto all = store.listCarriers();
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, [&deps](const Carrier& c) {
      return withDeckField(deps, DeckOwner::Carrier, carrierJson(c));
    });
  });
  router.add("GET", "/v1/carriers/{id}", Access::Admin, [&store, &deps](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such carrier");
    auto c = store.getCarrier(*id);
    if (!c) return fromError(c.error());
    return jsonResponse(200, withDeckField(deps, DeckOwner::Carrier, carrierJson(*c)));
  });
  router.add("POST", "/v1/carriers", Access::Admin, [&store, &deps](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto deck = takeDeckField(deps, DeckOwner::Carrier, *body, err);
    if (!deck) return err;
    Carrier c;
    if (auto p = applyCarrier(*body, c, std::nullopt, deps)) return *p;
    auto id = store.addCarrier(c);
    if (!id) return carrierWriteError(id.error());
    if (auto p = storeDeckField(deps, DeckOwner::Carrier, *id, *deck)) return *p;
    auto stored = store.getCarrier(*id);
    if (!stored) return fromError(stored.error());
    return created("carriers", *id, withDeckField(deps, DeckOwner::Carrier, carrierJson(*stored)));
  });
  router.add("PATCH", "/v1/carriers/{id}", Access::Admin, [&store, &deps](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such carrier");
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto c = store.getCarrier(*id);
    if (!c) return fromError(c.error());
    auto deck = takeDeckField(deps, DeckOwner::Carrier, *body, err);
    if (!deck) return err;
    if (auto p = applyCarrier(*body, *c, *id, deps)) return *p;
    if (auto u = store.updateCarrier(*c); !u) return carrierWriteError(u.error());
    if (auto p = storeDeckField(deps, DeckOwner::Carrier, *id, *deck)) return *p;
    auto stored = store.getCarrier(*id);
    if (!stored) return fromError(stored.error());
    return jsonResponse(200, withDeckField(deps, DeckOwner::Carrier, carrierJson(*stored)));
  });
  router.add("DELETE", "/v1/carriers/{id}", Access::Admin, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such carrier");
    if (auto d = store.removeCarrier(*id); !d) return removeError(d.error());
    return noContent();
  });
}

void registerRouteRoutes(Router& router, const CoreDeps& deps) {
  auto& store = deps.config;
  router.add("GET", "/v1/routes", Access::Admin, [&store](const Request& r) {
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    auto all = store.listRoutes();
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, routeJson);
  });
  router.add("GET", "/v1/routes/{id}", Access::Admin, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such route");
    auto route = routeById(store, *id);
    if (!route) return fromError(route.error());
    return jsonResponse(200, routeJson(*route));
  });
  router.add("POST", "/v1/routes", Access::Admin, [&store](const Request& r) {
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    Route route;
    if (auto p = applyRoute(*body, route, std::nullopt)) return *p;
    auto id = store.addRoute(route);
    if (!id) return routeWriteError(id.error());
    auto stored = routeById(store, *id);
    if (!stored) return fromError(stored.error());
    return created("routes", *id, routeJson(*stored));
  });
  router.add("PATCH", "/v1/routes/{id}", Access::Admin, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such route");
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto route = routeById(store, *id);
    if (!route) return fromError(route.error());
    if (auto p = applyRoute(*body, *route, *id)) return *p;
    if (auto u = store.updateRoute(*route); !u) return routeWriteError(u.error());
    auto stored = routeById(store, *id);
    if (!stored) return fromError(stored.error());
    return jsonResponse(200, routeJson(*stored));
  });
  router.add("DELETE", "/v1/routes/{id}", Access::Admin, [&store](const Request& r) {
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such route");
    if (auto d = store.removeRoute(*id); !d) return removeError(d.error());
    return noContent();
  });
}

}  // namespace trunkline::api::detail
