#include "routing/selector.h"

#include <algorithm>
#include <unordered_set>

#include "routing/e164.h"

namespace trunkline::routing {

using base::Errc;
using base::fail;

base::Result<RouteTable> RouteTable::build(std::vector<storage::Route> routes,
                                           std::vector<storage::Carrier> carriers) {
  RouteTable t;
  for (storage::Carrier& c : carriers) {
    storage::Id id = c.id;
    if (!t.carriers_.emplace(id, std::move(c)).second) {
      return fail(Errc::InvalidArgument, "carrier " + std::to_string(id) + " listed twice");
    }
  }
  t.routes_ = std::move(routes);
  for (std::size_t i = 0; i < t.routes_.size(); ++i) {
    const storage::Route& r = t.routes_[i];
    if (!std::all_of(r.prefix.begin(), r.prefix.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return fail(Errc::InvalidArgument,
                  "route " + std::to_string(r.id) + ": prefix '" + r.prefix + "' is not digits");
    }
    if (!t.byPrefix_.emplace(r.prefix, i).second) {
      return fail(Errc::AlreadyExists, "two routes with prefix '" + r.prefix + "'");
    }
    for (const storage::RouteTarget& target : r.targets) {
      if (!t.carriers_.contains(target.carrierId)) {
        return fail(Errc::NotFound, "route " + std::to_string(r.id) + ": unknown carrier " +
                                        std::to_string(target.carrierId));
      }
    }
    t.maxPrefix_ = std::max(t.maxPrefix_, r.prefix.size());
  }
  return t;
}

const storage::Route* RouteTable::match(std::string_view number) const {
  std::string_view digits = e164Digits(number);
  std::string key(digits.substr(0, std::min(digits.size(), maxPrefix_)));
  // At most 16 hash lookups (E.164 has 15 digits), longest first.
  for (;;) {
    if (auto it = byPrefix_.find(key); it != byPrefix_.end()) return &routes_[it->second];
    if (key.empty()) return nullptr;
    key.pop_back();
  }
}

const storage::Carrier* RouteTable::carrier(storage::Id id) const {
  auto it = carriers_.find(id);
  return it == carriers_.end() ? nullptr : &it->second;
}

Selection RouteTable::select(std::string_view number, Random& random,
                             const GatewayStatus* health) const {
  Selection out;
  out.route = match(number);
  if (out.route == nullptr) return out;
  const storage::Route& route = *out.route;

  // Usable carriers: enabled, with at least one gateway up; a carrier listed twice in a
  // route counts once (its first entry).
  std::vector<storage::RouteTarget> targets;
  std::unordered_set<storage::Id> seen;
  for (const storage::RouteTarget& t : route.targets) {
    if (!seen.insert(t.carrierId).second) continue;
    const storage::Carrier* c = carrier(t.carrierId);
    if (c == nullptr || !c->enabled) continue;
    bool anyUp = std::any_of(c->gateways.begin(), c->gateways.end(), [&](const auto& g) {
      return health == nullptr || health->isUp(g.id);
    });
    if (anyUp) targets.push_back(t);
  }
  orderByPriorityAndWeight(
      targets, [](const storage::RouteTarget& t) { return t.priority; },
      [](const storage::RouteTarget& t) { return t.weight; }, random);

  for (const storage::RouteTarget& t : targets) {
    const storage::Carrier& c = *carrier(t.carrierId);
    std::vector<const storage::Gateway*> gateways;
    for (const storage::Gateway& g : c.gateways) {
      if (health == nullptr || health->isUp(g.id)) gateways.push_back(&g);
    }
    orderByPriorityAndWeight(
        gateways, [](const storage::Gateway* g) { return g->priority; },
        [](const storage::Gateway* g) { return g->weight; }, random);
    for (const storage::Gateway* g : gateways) {
      out.attempts.push_back(Attempt{route.id, c.id, *g, route.failoverCodes, route.ringTimeoutS});
    }
  }
  return out;
}

}  // namespace trunkline::routing
