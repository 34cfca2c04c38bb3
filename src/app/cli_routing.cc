// API-backed command groups: carriers (and their status), routes, API keys, CDRs.
#include <chrono>
#include <ctime>
#include <iostream>

#include <fmt/format.h>

#include "app/cli_commands.h"
#include "app/provision_internal.h"
#include "storage/validate.h"

namespace trunkline::app::cli {
namespace {

using Kind = Opt::Kind;

Failure usage(std::string message) {
  return Failure{1, "error: " + std::move(message)};
}

std::string idText(const Json& j) {
  return cellText(jsonAt(j, "id"));
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ago(std::int64_t now, const Json& ms) {
  if (!ms.is_number_integer() || ms.get<std::int64_t>() <= 0) return "-";
  return fmt::format("{}s ago", std::max<std::int64_t>(0, now - ms.get<std::int64_t>()) / 1000);
}

std::string hostPort(const Json& g) {
  const std::string host = g.value("host", "");
  return fmt::format("{}:{}:{}", g.value("transport", ""),
                     host.find(':') != std::string::npos ? "[" + host + "]" : host,
                     cellText(jsonAt(g, "port")));
}

Outcome<void> removeItem(Context& ctx, const std::string& path, const Outcome<Json>& item,
                         const std::string& done) {
  if (!item) return tl::unexpected(item.error());
  auto r = ctx.call("DELETE", fmt::format("{}/{}", path, idText(*item)));
  if (!r) return tl::unexpected(r.error());
  ctx.out << done << '\n';
  return {};
}

void created(Context& ctx, const Values& v, const Json& obj, const std::string& message) {
  if (v.json)
    ctx.out << obj.dump(2) << '\n';
  else
    ctx.out << fmt::format("{} (id {})\n", message, idText(obj));
}

// ---- carriers ----
Outcome<void> carrierAdd(Context& ctx, const Values& v) {
  std::string pw = v.get("--password");
  if (v.flag("--password-stdin")) {
    auto line = provision::readPasswordLine(std::cin);
    if (!line) return tl::unexpected(usage(line.error().message));
    pw = *line;
  }
  Json body{{"name", v.get("--name")}};
  Json gateways = Json::array();
  for (const auto& spec : v.list("--gateway")) {
    auto g = provision::parseGatewaySpec(spec);
    if (!g) return tl::unexpected(usage(g.error().message));
    gateways.push_back({{"host", g->host},
                        {"port", g->port},
                        {"transport", std::string(storage::transportName(g->transport))},
                        {"priority", g->priority},
                        {"weight", g->weight}});
  }
  body["gateways"] = gateways;
  if (v.has("--username") || !pw.empty()) {
    if (!v.has("--username") || pw.empty() || !v.has("--realm"))
      return tl::unexpected(usage("carrier credentials need --username, --password and --realm"));
    body["credential"] = {
        {"username", v.get("--username")}, {"password", pw}, {"realm", v.get("--realm")}};
  }
  if (v.has("--inbound-ip")) body["inbound_ips"] = v.list("--inbound-ip");
  if (v.has("--probe-interval")) body["probe_interval_s"] = numberOrText(v.get("--probe-interval"));
  if (v.has("--down-after")) body["down_after"] = numberOrText(v.get("--down-after"));
  if (v.has("--up-after")) body["up_after"] = numberOrText(v.get("--up-after"));
  if (v.flag("--disabled")) body["enabled"] = false;
  auto r = ctx.call("POST", "/v1/carriers", &body);
  if (!r) return tl::unexpected(r.error());
  created(ctx, v, *r, fmt::format("carrier '{}' added", v.get("--name")));
  return {};
}

// One row per gateway and node that reports it (the API nests them); --json prints the
// same rows keyed by the lower-cased headers, as `carrier status --json` always has.
Outcome<void> carrierStatus(Context& ctx, const Values& v) {
  auto status = ctx.call("GET", "/v1/carriers/status");
  if (!status) return tl::unexpected(status.error());
  const std::int64_t now = nowMs();
  const std::vector<std::string> header{"CARRIER",  "GATEWAY",   "STATE",      "CHANGED",
                                        "FAILURES", "SUCCESSES", "LAST-PROBE", "NODE"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : (*status)["items"]) {
    const bool enabled = c.value("enabled", true);
    const bool probed = c.value("probe_interval_s", 0) != 0;
    for (const auto& g : c["gateways"]) {
      const std::string gw = hostPort(g);
      if (g["nodes"].empty())
        rows.push_back({c.value("name", ""), gw, enabled ? "unknown (no running node)" : "disabled",
                        "-", "-", "-", "-", "-"});
      for (const auto& n : g["nodes"]) {
        std::string state = !enabled               ? "disabled"
                            : !probed              ? "up (not probed)"
                            : n.value("up", false) ? "up"
                                                   : "down";
        if (n.value("stale", false)) state += " (stale: node stopped?)";
        const int code = n.value("last_probe_code", -1);
        const std::string probe = code < 0 ? "-"
                                  : code == 0
                                      ? "no answer " + ago(now, n["last_probe_ms"])
                                      : fmt::format("{} {}", code, ago(now, n["last_probe_ms"]));
        rows.push_back({c.value("name", ""), gw, state,
                        n.value("changes", 0) ? ago(now, n["last_change_ms"]) : "since start",
                        cellText(jsonAt(n, "consecutive_failures")),
                        cellText(jsonAt(n, "consecutive_successes")), probe,
                        n.value("node_id", "")});
      }
    }
  }
  if (!v.json) {
    ctx.out << renderTable(header, rows);
    return {};
  }
  Json out = Json::array();
  for (const auto& row : rows) {
    Json o = Json::object();
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string key = header[i];
      for (auto& ch : key) ch = ch == '-' ? '_' : static_cast<char>(std::tolower(ch));
      o[key] = row[i];
    }
    out.push_back(o);
  }
  ctx.out << out.dump(2) << '\n';
  return {};
}

// ---- routes ----
std::string routeLabel(const std::string& prefix) {
  return prefix.empty() ? "default route" : fmt::format("route '{}'", prefix);
}

Outcome<std::string> routePrefix(const Values& v) {
  if (v.has("--prefix") && v.flag("--default"))
    return tl::unexpected(usage("give --prefix DIGITS or --default, not both"));
  if (!v.has("--prefix") && !v.flag("--default"))
    return tl::unexpected(usage("give --prefix DIGITS or --default"));
  return v.get("--prefix");
}

Outcome<void> routeAdd(Context& ctx, const Values& v) {
  auto prefix = routePrefix(v);
  if (!prefix) return tl::unexpected(prefix.error());
  Json body{{"prefix", *prefix}};
  Json targets = Json::array();
  for (const auto& spec : v.list("--carrier")) {
    auto ref = provision::parseCarrierRef(spec);
    if (!ref) return tl::unexpected(usage(ref.error().message));
    auto c =
        ctx.findBy("/v1/carriers", "name", ref->name, fmt::format("carrier named '{}'", ref->name));
    if (!c) return tl::unexpected(c.error());
    targets.push_back(
        {{"carrier_id", (*c)["id"]}, {"priority", ref->priority}, {"weight", ref->weight}});
  }
  body["targets"] = targets;
  if (v.has("--failover-codes")) {
    auto codes = provision::parseCodes(v.get("--failover-codes"));
    if (!codes) return tl::unexpected(usage(codes.error().message));
    body["failover_codes"] = *codes;
  }
  if (v.has("--ring-timeout")) body["ring_timeout_s"] = numberOrText(v.get("--ring-timeout"));
  auto r = ctx.call("POST", "/v1/routes", &body);
  if (!r) return tl::unexpected(r.error());
  created(ctx, v, *r, fmt::format("{} added", routeLabel(*prefix)));
  return {};
}

// ---- CDRs ----
// --since/--until: epoch milliseconds, an ISO date or UTC time (2024-05-01,
// 2024-05-01T10:00:00Z), or an age (90s, 30m, 2h, 7d).
Outcome<std::int64_t> parseWhen(const std::string& text) {
  if (text.empty()) return tl::unexpected(usage("empty time"));
  const Json n = numberOrText(text);
  if (n.is_number_integer()) return n.get<std::int64_t>();
  const char unit = text.back();
  const Json count = numberOrText(text.substr(0, text.size() - 1));
  if (count.is_number_integer() && count.get<std::int64_t>() >= 0) {
    const std::int64_t k = count.get<std::int64_t>();
    const std::int64_t s = unit == 's'   ? 1
                           : unit == 'm' ? 60
                           : unit == 'h' ? 3600
                           : unit == 'd' ? 86400
                                         : 0;
    if (s != 0 && k < (std::int64_t{1} << 40) / s) return nowMs() - k * s * 1000;
  }
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char tail = 0;
  const int got =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail);
  if ((got == 3 && text.size() == 10) || (got == 7 && tail == 'Z') || got == 6) {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
      return tl::unexpected(usage(fmt::format("bad time '{}'", text)));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
  }
  return tl::unexpected(usage(fmt::format(
      "bad time '{}': give epoch ms, 2024-05-01, 2024-05-01T10:00:00Z or an age like 2h", text)));
}

std::string utcTime(const Json& ms) {
  if (!ms.is_number_integer() || ms.get<std::int64_t>() <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(ms.get<std::int64_t>() / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Outcome<void> cdrList(Context& ctx, const Values& v) {
  std::string query;
  auto add = [&](const std::string& k, const std::string& val) {
    query += (query.empty() ? "" : "&") + k + "=" + urlEncode(val);
  };
  if (v.has("--account")) {
    auto a = ctx.findBy("/v1/accounts", "name", v.get("--account"),
                        fmt::format("account named '{}'", v.get("--account")));
    if (!a) return tl::unexpected(a.error());
    add("account_id", idText(*a));
  }
  for (const auto& [opt, param] : {std::pair{"--since", "from"}, std::pair{"--until", "to"}})
    if (v.has(opt)) {
      auto ms = parseWhen(v.get(opt));
      if (!ms) return tl::unexpected(ms.error());
      add(param, std::to_string(*ms));
    }
  if (v.has("--disposition")) add("disposition", v.get("--disposition"));
  const Json limitJson = numberOrText(v.get("--limit", "50"));
  if (!limitJson.is_number_integer() || limitJson.get<std::int64_t>() < 1)
    return tl::unexpected(usage("--limit must be a positive integer"));
  const std::int64_t limit = limitJson.get<std::int64_t>();
  Json items = Json::array();
  std::string cursor;
  while (static_cast<std::int64_t>(items.size()) < limit) {
    const std::int64_t want = std::min<std::int64_t>(500, limit - items.size());
    std::string target = fmt::format("/v1/cdrs?limit={}", want);
    if (!query.empty()) target += "&" + query;
    if (!cursor.empty()) target += "&cursor=" + urlEncode(cursor);
    auto page = ctx.call("GET", target);
    if (!page) return tl::unexpected(page.error());
    for (auto& c : (*page)["items"]) items.push_back(std::move(c));
    const auto next = page->find("next_cursor");
    if (next == page->end() || !next->is_string()) break;
    cursor = next->get<std::string>();
  }
  printItems(
      ctx, v,
      {field("ID", "id"),
       {"START", [](const Json& c) { return utcTime(c["start_ms"]); }},
       field("DIRECTION", "direction"),
       {"ACCOUNT", [&ctx](const Json& c) { return ctx.nameOf("/v1/accounts", c["account_id"]); }},
       {"FROM",
        [](const Json& c) {
          return c.value("from_e164", "").empty() ? cellText(jsonAt(c, "from"))
                                                  : c.value("from_e164", "");
        }},
       {"TO",
        [](const Json& c) {
          return c.value("to_e164", "").empty() ? cellText(jsonAt(c, "to"))
                                                : c.value("to_e164", "");
        }},
       field("DISPOSITION", "disposition"),
       field("CODE", "final_code"),
       field("BILLABLE-S", "billable_s")},
      items);
  return {};
}

}  // namespace

Group carriersGroup() {
  Group g{"carrier", "Upstream carriers: add, list, remove, status", {}};
  g.leaves.push_back(
      {"add",
       "Add a carrier with its gateways",
       {{"--name", Kind::Text, "Unique name", true},
        {"--gateway", Kind::List,
         "TRANSPORT:HOST[:PORT][:prio=N][:weight=N] (repeatable), e.g. "
         "udp:198.51.100.7:5060:prio=1:weight=10",
         true},
        {"--username", Kind::Text, "Our digest username at the carrier"},
        {"--password", Kind::Text,
         "Our digest password (stored as HA1 only); prefer --password-stdin"},
        {"--password-stdin", Kind::Flag, "Read the password from the first line of stdin"},
        {"--realm", Kind::Text, "The carrier's digest realm (required with --username)"},
        {"--inbound-ip", Kind::List, "CIDR the carrier sends inbound calls from (repeatable)"},
        {"--probe-interval", Kind::Text, "OPTIONS probe every N s (0 = off; 30)"},
        {"--down-after", Kind::Text, "Failed probes before a gateway is down"},
        {"--up-after", Kind::Text, "Answered probes before it is up again"},
        {"--disabled", Kind::Flag, "Create disabled"}},
       true,
       carrierAdd});
  g.leaves.push_back(
      {"list", "List carriers", {}, true, [](Context& ctx, const Values& v) -> Outcome<void> {
         auto all = ctx.listAll("/v1/carriers");
         if (!all) return tl::unexpected(all.error());
         printItems(
             ctx, v,
             {field("ID", "id"),
              field("NAME", "name"),
              field("ENABLED", "enabled"),
              {"GATEWAYS",
               [](const Json& c) {
                 std::string out;
                 for (const auto& g : c["gateways"])
                   out +=
                       (out.empty() ? "" : " ") + fmt::format("{}:prio={}:weight={}", hostPort(g),
                                                              cellText(jsonAt(g, "priority")),
                                                              cellText(jsonAt(g, "weight")));
                 return out;
               }},
              {"CREDENTIAL",
               [](const Json& c) {
                 const Json& cr = c["credential"];
                 return cr.is_object() ? cr.value("username", "") + "@" + cr.value("realm", "")
                                       : std::string("-");
               }},
              field("INBOUND", "inbound_ips"),
              {"PROBE",
               [](const Json& c) {
                 return c.value("probe_interval_s", 0) ? cellText(jsonAt(c, "probe_interval_s"))
                                                       : std::string("off");
               }}},
             *all);
         return {};
       }});
  g.leaves.push_back({"remove",
                      "Remove a carrier (no route may use it)",
                      {{"--name", Kind::Text, "Carrier name", true}},
                      false,
                      [](Context& ctx, const Values& v) {
                        const auto name = v.get("--name");
                        return removeItem(ctx, "/v1/carriers",
                                          ctx.findBy("/v1/carriers", "name", name,
                                                     fmt::format("carrier named '{}'", name)),
                                          fmt::format("carrier '{}' removed", name));
                      }});
  g.leaves.push_back({"status",
                      "Gateway health as the running node(s) see it (OPTIONS probing)",
                      {},
                      true,
                      carrierStatus});
  return g;
}

Group routesGroup() {
  Group g{"route", "Outbound routes: add, list, remove", {}};
  const Opt prefix{"--prefix", Kind::Text,
                   "Leading digits of the E.164 number without '+', e.g. 1 or 44"};
  const Opt def{"--default", Kind::Flag, "The default route (any number)"};
  g.leaves.push_back(
      {"add",
       "Add a route: a prefix to an ordered carrier list",
       {prefix,
        def,
        {"--carrier", Kind::List,
         "NAME[:prio=N][:weight=N] in order (repeatable); lower prio first", true},
        {"--failover-codes", Kind::Text,
         "Responses that try the next carrier, e.g. 408,500,502,503,504 (empty = that default "
         "set)"},
        {"--ring-timeout", Kind::Text, "Seconds before trying the next carrier (60)"}},
       true,
       routeAdd});
  g.leaves.push_back(
      {"list", "List routes", {}, true, [](Context& ctx, const Values& v) -> Outcome<void> {
         auto all = ctx.listAll("/v1/routes");
         if (!all) return tl::unexpected(all.error());
         printItems(ctx, v,
                    {field("ID", "id"),
                     {"PREFIX",
                      [](const Json& r) {
                        const std::string p = r.value("prefix", "");
                        return p.empty() ? std::string("(default)") : p;
                      }},
                     {"CARRIERS",
                      [&ctx](const Json& r) {
                        std::string out;
                        for (const auto& t : r["targets"])
                          out += (out.empty() ? "" : " ") +
                                 fmt::format("{}:prio={}:weight={}",
                                             ctx.nameOf("/v1/carriers", t["carrier_id"]),
                                             cellText(jsonAt(t, "priority")),
                                             cellText(jsonAt(t, "weight")));
                        return out;
                      }},
                     {"FAILOVER-CODES",
                      [](const Json& r) {
                        return r["failover_codes"].empty() ? std::string("default")
                                                           : cellText(&r["failover_codes"]);
                      }},
                     field("RING-TIMEOUT", "ring_timeout_s")},
                    *all);
         return {};
       }});
  g.leaves.push_back({"remove",
                      "Remove a route",
                      {prefix, def},
                      false,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        auto p = routePrefix(v);
                        if (!p) return tl::unexpected(p.error());
                        return removeItem(ctx, "/v1/routes",
                                          ctx.findBy("/v1/routes", "prefix", *p, routeLabel(*p)),
                                          fmt::format("{} removed", routeLabel(*p)));
                      }});
  return g;
}

Group keysGroup() {
  Group g{"apikey", "REST API keys: create, list, revoke", {}};
  g.leaves.push_back(
      {"create",
       "Create a key; prints it once on stdout",
       {{"--admin", Kind::Flag, "Scope: everything"},
        {"--account", Kind::Text, "Scope: this account's resources only"},
        {"--name", Kind::Text, "A label for the key (who or what uses it)"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         if (v.flag("--admin") == v.has("--account"))
           return tl::unexpected(usage("give --admin or --account NAME"));
         std::string scope = "admin";
         if (v.has("--account")) {
           auto a = ctx.findBy("/v1/accounts", "name", v.get("--account"),
                               fmt::format("account named '{}'", v.get("--account")));
           if (!a) return tl::unexpected(a.error());
           scope = "account:" + idText(*a);
         }
         Json body{{"scope", scope}};
         if (v.has("--name")) body["name"] = v.get("--name");
         auto r = ctx.call("POST", "/v1/keys", &body);
         if (!r) return tl::unexpected(r.error());
         if (v.json) {
           ctx.out << r->dump(2) << '\n';
           return {};
         }
         // The key alone on stdout, for scripts: KEY=$(trunkline apikey create ...).
         ctx.out << r->value("key", "") << '\n';
         ctx.err << fmt::format("API key {} ({}) created; it is shown only now: store it safely\n",
                                idText(*r), r->value("scope", ""));
         return {};
       }});
  g.leaves.push_back({"list",
                      "List keys (never their secrets)",
                      {},
                      true,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        auto all = ctx.listAll("/v1/keys");
                        if (!all) return tl::unexpected(all.error());
                        printItems(ctx, v,
                                   {field("ID", "id"),
                                    field("PUBLIC-ID", "public_id"),
                                    field("SCOPE", "scope"),
                                    {"STATE",
                                     [](const Json& k) {
                                       return k["revoked_ms"].is_null() ? std::string("active")
                                                                        : std::string("revoked");
                                     }},
                                    field("NAME", "name")},
                                   *all);
                        return {};
                      }});
  g.leaves.push_back({"revoke",
                      "Revoke a key: it stops working at once",
                      {{"--id", Kind::Text, "Key id (from 'apikey list')", true}},
                      false,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        const Json id = numberOrText(v.get("--id"));
                        if (!id.is_number_integer())
                          return tl::unexpected(usage("--id must be a key id (a number)"));
                        auto r = ctx.call("DELETE", fmt::format("/v1/keys/{}", id.dump()));
                        if (!r) return tl::unexpected(r.error());
                        ctx.out << fmt::format("API key {} revoked\n", id.dump());
                        return {};
                      }});
  return g;
}

Group cdrsGroup() {
  Group g{"cdrs", "Call detail records, oldest first (filters: --account, --since, --until)", {}};
  g.leaves.push_back({"",
                      "",
                      {{"--account", Kind::Text, "Only this account's calls"},
                       {"--since", Kind::Text,
                        "From this time: epoch ms, 2024-05-01[T10:00:00Z], or an age (2h, 7d)"},
                       {"--until", Kind::Text, "Up to this time (same forms)"},
                       {"--disposition", Kind::Text,
                        "answered, busy, no_answer, failed, cancelled, rejected or no_media"},
                       {"--limit", Kind::Text, "At most this many records (50)"}},
                      true,
                      cdrList});
  return g;
}

}  // namespace trunkline::app::cli
