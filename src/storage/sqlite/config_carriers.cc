// Carriers (gateways, our credential towards them, inbound CIDRs) and outbound routes.
#include <fmt/format.h>

#include <charconv>

#include "storage/sqlite/config_store.h"
#include "storage/validate.h"

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

namespace {
constexpr std::string_view kCarrierById =
    "SELECT id, name, enabled, probe_interval_s, down_after, up_after, srtp FROM carriers WHERE id "
    "= ?1";
constexpr std::string_view kCarrierByName =
    "SELECT id, name, enabled, probe_interval_s, down_after, up_after, srtp FROM carriers "
    "WHERE name = ?2";
constexpr std::string_view kAllCarriers =
    "SELECT id, name, enabled, probe_interval_s, down_after, up_after, srtp FROM carriers ORDER BY "
    "name";
constexpr std::string_view kRouteByPrefix =
    "SELECT id, prefix, failover_codes, ring_timeout_s FROM routes WHERE prefix = ?1";
constexpr std::string_view kAllRoutes =
    "SELECT id, prefix, failover_codes, ring_timeout_s FROM routes ORDER BY prefix";

std::string routeName(std::string_view prefix) {
  return prefix.empty() ? std::string("default route") : fmt::format("route '{}'", prefix);
}
}  // namespace

base::Result<std::vector<Carrier>> SqliteConfigStore::selectCarriers(
    std::string_view sql, std::optional<std::int64_t> iarg, std::string_view sarg) {
  std::vector<Carrier> out;
  {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    if (iarg) q->bind(1, *iarg);
    if (!sarg.empty()) q->bind(2, sarg);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      Carrier c;
      c.id = q->i64(0);
      c.name = q->text(1);
      c.enabled = q->i64(2) != 0;
      c.probeIntervalS = static_cast<std::uint32_t>(q->i64(3));
      c.downAfter = static_cast<std::uint32_t>(q->i64(4));
      c.upAfter = static_cast<std::uint32_t>(q->i64(5));
      c.srtp = static_cast<SrtpPolicy>(q->i64(6));
      out.push_back(std::move(c));
    }
  }
  for (auto& c : out) {
    auto g = stmts_.get(
        "SELECT id, host, port, transport, priority, weight FROM gateways WHERE carrier_id = ?1 "
        "ORDER BY id");
    if (!g) return tl::unexpected(g.error());
    g->bind(1, c.id);
    for (;;) {
      auto row = g->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      c.gateways.push_back({g->i64(0), g->text(1), static_cast<std::uint16_t>(g->i64(2)),
                            static_cast<Transport>(g->i64(3)),
                            static_cast<std::uint32_t>(g->i64(4)),
                            static_cast<std::uint32_t>(g->i64(5))});
    }
    auto d = stmts_.get(
        "SELECT id, username, realm, ha1_md5, ha1_sha256 FROM credentials WHERE carrier_id = ?1");
    if (!d) return tl::unexpected(d.error());
    d->bind(1, c.id);
    auto row = d->step();
    if (!row) return tl::unexpected(row.error());
    if (*row)
      c.credential = DigestCredential{d->i64(0), d->text(1), d->text(2), d->text(3), d->text(4)};
    auto n = stmts_.get("SELECT cidr FROM carrier_cidrs WHERE carrier_id = ?1 ORDER BY id");
    if (!n) return tl::unexpected(n.error());
    n->bind(1, c.id);
    for (;;) {
      auto r = n->step();
      if (!r) return tl::unexpected(r.error());
      if (!*r) break;
      c.inboundCidrs.push_back(n->text(0));
    }
  }
  return out;
}

base::Result<void> SqliteConfigStore::writeCarrierChildren(const Carrier& c) {
  for (auto sql : {"DELETE FROM gateways WHERE carrier_id = ?1",
                   "DELETE FROM credentials WHERE carrier_id = ?1",
                   "DELETE FROM carrier_cidrs WHERE carrier_id = ?1"}) {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bind(1, c.id).run(); !r) return r;
  }
  for (const auto& g : c.gateways) {
    auto q = stmts_.get(
        "INSERT INTO gateways (carrier_id, host, port, transport, priority, weight) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!q) return tl::unexpected(q.error());
    auto r =
        q->bindAll(c.id, g.host, g.port, static_cast<int>(g.transport), g.priority, g.weight).run();
    if (!r) return r;
  }
  if (c.credential) {
    auto q = stmts_.get(
        "INSERT INTO credentials (carrier_id, username, realm, ha1_md5, ha1_sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!q) return tl::unexpected(q.error());
    const auto& d = *c.credential;
    if (auto r = q->bindAll(c.id, d.username, d.realm, d.ha1Md5, d.ha1Sha256).run(); !r) return r;
  }
  for (const auto& cidr : c.inboundCidrs) {
    auto q = stmts_.get("INSERT INTO carrier_cidrs (carrier_id, cidr) VALUES (?1, ?2)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(c.id, cidr).run(); !r) return r;
  }
  return {};
}

base::Result<Id> SqliteConfigStore::addCarrier(Carrier c) {
  if (auto r = normalize(c); !r) return tl::unexpected(r.error());
  return write([&]() -> base::Result<Id> {
    if (findCarrier(c.name))
      return fail(Errc::AlreadyExists, fmt::format("carrier '{}' already exists", c.name));
    auto q = stmts_.get(
        "INSERT INTO carriers (name, enabled, probe_interval_s, down_after, up_after, srtp) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!q) return tl::unexpected(q.error());
    auto r = q->bindAll(c.name, c.enabled ? 1 : 0, c.probeIntervalS, c.downAfter, c.upAfter,
                        static_cast<int>(c.srtp))
                 .run();
    if (!r) return tl::unexpected(r.error());
    c.id = sqlite3_last_insert_rowid(db_.handle());
    if (auto w = writeCarrierChildren(c); !w) return tl::unexpected(w.error());
    return c.id;
  });
}

base::Result<void> SqliteConfigStore::updateCarrier(Carrier c) {
  if (auto r = normalize(c); !r) return r;
  return write([&]() -> base::Result<void> {
    if (auto old = getCarrier(c.id); !old) return tl::unexpected(old.error());
    if (auto other = findCarrier(c.name); other && other->id != c.id)
      return fail(Errc::AlreadyExists, fmt::format("carrier '{}' already exists", c.name));
    auto q = stmts_.get(
        "UPDATE carriers SET name = ?2, enabled = ?3, probe_interval_s = ?4, down_after = ?5, "
        "up_after = ?6, srtp = ?7 WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    auto r = q->bindAll(c.id, c.name, c.enabled ? 1 : 0, c.probeIntervalS, c.downAfter, c.upAfter,
                        static_cast<int>(c.srtp))
                 .run();
    if (!r) return r;
    return writeCarrierChildren(c);
  });
}

base::Result<void> SqliteConfigStore::removeCarrier(Id id) {
  return write([&]() -> base::Result<void> {
    auto c = getCarrier(id);
    if (!c) return tl::unexpected(c.error());
    auto q = stmts_.get(
        "SELECT r.prefix FROM route_targets t JOIN routes r ON r.id = t.route_id "
        "WHERE t.carrier_id = ?1 ORDER BY r.prefix");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, id);
    std::vector<std::string> routes;
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      routes.push_back(routeName(q->text(0)));
    }
    if (!routes.empty())
      return fail(Errc::InvalidArgument,
                  fmt::format("carrier '{}' is used by {}{}; remove it from the route(s) first",
                              c->name, routes.front(),
                              routes.size() > 1 ? fmt::format(" and {} more", routes.size() - 1)
                                                : std::string()));
    return deleteRow("carriers", "carrier", id);
  });
}

base::Result<Carrier> SqliteConfigStore::getCarrier(Id id) {
  auto v = selectCarriers(kCarrierById, id);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("carrier {} not found", id));
  return std::move(v->front());
}

base::Result<Carrier> SqliteConfigStore::findCarrier(std::string_view name) {
  auto v = selectCarriers(kCarrierByName, std::nullopt, name);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("carrier '{}' not found", name));
  return std::move(v->front());
}

base::Result<std::vector<Carrier>> SqliteConfigStore::listCarriers() {
  return selectCarriers(kAllCarriers, std::nullopt);
}

// --- routes ---

base::Result<std::vector<Route>> SqliteConfigStore::selectRoutes(
    std::string_view sql, std::optional<std::string_view> prefix) {
  std::vector<Route> out;
  {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    if (prefix) q->bind(1, *prefix);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      Route r;
      r.id = q->i64(0);
      r.prefix = q->text(1);
      for (const auto& code : detail::splitList(q->text(2))) {
        int v = 0;
        std::from_chars(code.data(), code.data() + code.size(), v);
        r.failoverCodes.push_back(v);
      }
      r.ringTimeoutS = static_cast<std::uint32_t>(q->i64(3));
      out.push_back(std::move(r));
    }
  }
  for (auto& r : out) {
    auto q = stmts_.get(
        "SELECT carrier_id, priority, weight FROM route_targets WHERE route_id = ?1 "
        "ORDER BY position");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, r.id);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      r.targets.push_back({q->i64(0), static_cast<std::uint32_t>(q->i64(1)),
                           static_cast<std::uint32_t>(q->i64(2))});
    }
  }
  return out;
}

base::Result<void> SqliteConfigStore::checkRouteRefs(const Route& r) {
  for (const auto& t : r.targets) {
    if (auto c = getCarrier(t.carrierId); !c)
      return fail(c.error().code, fmt::format("{}: {}", routeName(r.prefix), c.error().message));
  }
  if (auto other = findRoute(r.prefix); other && other->id != r.id)
    return fail(Errc::AlreadyExists, fmt::format("{} already exists", routeName(r.prefix)));
  return {};
}

base::Result<void> SqliteConfigStore::writeRouteChildren(const Route& r) {
  {
    auto q = stmts_.get("DELETE FROM route_targets WHERE route_id = ?1");
    if (!q) return tl::unexpected(q.error());
    if (auto d = q->bind(1, r.id).run(); !d) return d;
  }
  int position = 0;
  for (const auto& t : r.targets) {
    auto q = stmts_.get(
        "INSERT INTO route_targets (route_id, position, carrier_id, priority, weight) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!q) return tl::unexpected(q.error());
    if (auto i = q->bindAll(r.id, position++, t.carrierId, t.priority, t.weight).run(); !i)
      return i;
  }
  return {};
}

static std::string joinCodes(const std::vector<int>& codes) {
  std::vector<std::string> s;
  for (int c : codes) s.push_back(std::to_string(c));
  return detail::joinList(s);
}

base::Result<Id> SqliteConfigStore::addRoute(Route r) {
  if (auto v = normalize(r); !v) return tl::unexpected(v.error());
  return write([&]() -> base::Result<Id> {
    r.id = 0;
    if (auto c = checkRouteRefs(r); !c) return tl::unexpected(c.error());
    auto q = stmts_.get(
        "INSERT INTO routes (prefix, failover_codes, ring_timeout_s) VALUES (?1, ?2, ?3)");
    if (!q) return tl::unexpected(q.error());
    if (auto i = q->bindAll(r.prefix, joinCodes(r.failoverCodes), r.ringTimeoutS).run(); !i)
      return tl::unexpected(i.error());
    r.id = sqlite3_last_insert_rowid(db_.handle());
    if (auto w = writeRouteChildren(r); !w) return tl::unexpected(w.error());
    return r.id;
  });
}

base::Result<void> SqliteConfigStore::updateRoute(Route r) {
  if (auto v = normalize(r); !v) return v;
  return write([&]() -> base::Result<void> {
    if (auto c = checkRouteRefs(r); !c) return c;
    auto q = stmts_.get(
        "UPDATE routes SET prefix = ?2, failover_codes = ?3, ring_timeout_s = ?4 WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    if (auto u = q->bindAll(r.id, r.prefix, joinCodes(r.failoverCodes), r.ringTimeoutS).run(); !u)
      return u;
    if (sqlite3_changes(db_.handle()) == 0)
      return fail(Errc::NotFound, fmt::format("route {} not found", r.id));
    return writeRouteChildren(r);
  });
}

base::Result<void> SqliteConfigStore::removeRoute(Id id) {
  return write([&] { return deleteRow("routes", "route", id); });
}

base::Result<Route> SqliteConfigStore::findRoute(std::string_view prefix) {
  auto v = selectRoutes(kRouteByPrefix, prefix);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("{} not found", routeName(prefix)));
  return std::move(v->front());
}

base::Result<std::vector<Route>> SqliteConfigStore::listRoutes() {
  return selectRoutes(kAllRoutes, std::nullopt);
}

}  // namespace trunkline::storage::sqlite
