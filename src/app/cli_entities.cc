// The API-backed command groups as tables: options → JSON fields, items → columns.
// Validation is the API's: values go as given (numbers as numbers when they are ones),
// and a refused field comes back named in the API's problem.
#include <chrono>
#include <ctime>
#include <iostream>

#include <fmt/format.h>

#include "app/cli_commands.h"
#include "app/provision_internal.h"

namespace trunkline::app::cli {
namespace {

using Kind = Opt::Kind;

Failure usage(std::string message) {
  return Failure{1, "error: " + std::move(message)};
}

template <class T>
Outcome<void> fromResult(const base::Result<T>& r) {
  return tl::unexpected(usage(r.error().message));
}

// The field `json` of `body` from option `opt` when given.
void putText(Json& body, const Values& v, const std::string& opt, const std::string& json) {
  if (v.has(opt)) body[json] = v.get(opt);
}
void putNumber(Json& body, const Values& v, const std::string& opt, const std::string& json) {
  if (v.has(opt)) body[json] = numberOrText(v.get(opt));
}
void putList(Json& body, const Values& v, const std::string& opt, const std::string& json) {
  if (v.has(opt)) body[json] = v.list(opt);
}

// --password or the first line of standard input (kept out of argv and shell history).
Outcome<std::string> password(const Values& v) {
  if (!v.flag("--password-stdin")) return v.get("--password");
  auto pw = provision::readPasswordLine(std::cin);
  if (!pw) return tl::unexpected(usage(pw.error().message));
  return *pw;
}

std::string idText(const Json& j) {
  return cellText(jsonAt(j, "id"));
}

Outcome<void> remove(Context& ctx, const std::string& path, const Outcome<Json>& item,
                     const std::string& done) {
  if (!item) return tl::unexpected(item.error());
  auto r = ctx.call("DELETE", fmt::format("{}/{}", path, idText(*item)));
  if (!r) return tl::unexpected(r.error());
  ctx.out << done << '\n';
  return {};
}

// Prints what `add` created: the API's object with --json, else `message`.
void created(Context& ctx, const Values& v, const Json& obj, const std::string& message) {
  if (v.json)
    ctx.out << obj.dump(2) << '\n';
  else
    ctx.out << fmt::format("{} (id {})\n", message, idText(obj));
}

Outcome<Json> account(Context& ctx, const std::string& name) {
  return ctx.findBy("/v1/accounts", "name", name, fmt::format("account named '{}'", name));
}

Outcome<Json> trunkOf(Context& ctx, const Json& account, const std::string& name) {
  auto all = ctx.listAll("/v1/trunks", "account_id=" + idText(account));
  if (!all) return all;
  for (const auto& t : *all)
    if (t.value("name", "") == name) return t;
  return tl::unexpected(
      usage(fmt::format("no trunk named '{}' in account '{}'", name, account.value("name", ""))));
}

// ---- accounts ----
Group accounts() {
  Group g{"account", "Customers: add, list, remove", {}};
  g.leaves.push_back(
      {"add",
       "Add an account",
       {{"--name", Kind::Text, "Unique name (A-Z a-z 0-9 . _ -)", true},
        {"--country", Kind::Text, "ISO 3166-1 alpha-2 country for number formats (default US)"},
        {"--disabled", Kind::Flag, "Create disabled (its trunks authenticate nobody)"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         Json body{{"name", v.get("--name")}};
         putText(body, v, "--country", "country");
         if (v.flag("--disabled")) body["enabled"] = false;
         auto r = ctx.call("POST", "/v1/accounts", &body);
         if (!r) return tl::unexpected(r.error());
         created(ctx, v, *r, fmt::format("account '{}' added", v.get("--name")));
         return {};
       }});
  g.leaves.push_back(
      {"list", "List accounts", {}, true, [](Context& ctx, const Values& v) -> Outcome<void> {
         auto all = ctx.listAll("/v1/accounts");
         if (!all) return tl::unexpected(all.error());
         printItems(ctx, v,
                    {field("ID", "id"), field("NAME", "name"), field("COUNTRY", "country"),
                     field("ENABLED", "enabled")},
                    *all);
         return {};
       }});
  g.leaves.push_back({"remove",
                      "Remove an account (it must have no trunks or numbers)",
                      {{"--name", Kind::Text, "Account name", true}},
                      false,
                      [](Context& ctx, const Values& v) {
                        return remove(ctx, "/v1/accounts", account(ctx, v.get("--name")),
                                      fmt::format("account '{}' removed", v.get("--name")));
                      }});
  return g;
}

// ---- trunks ----
Group trunks() {
  Group g{"trunk", "Customer trunks: add, list, remove", {}};
  g.leaves.push_back(
      {"add",
       "Add a trunk to an account",
       {{"--account", Kind::Text, "Account name", true},
        {"--name", Kind::Text, "Trunk name, unique in the account", true},
        {"--ip", Kind::List, "Source CIDR allowed to call as this trunk (repeatable)"},
        {"--username", Kind::Text, "Digest username"},
        {"--password", Kind::Text,
         "Digest password (stored only as HA1 hashes); prefer --password-stdin"},
        {"--password-stdin", Kind::Flag, "Read the digest password from the first line of stdin"},
        {"--realm", Kind::Text, "Digest realm (default: the node's [sip] realm)"},
        {"--registration", Kind::Flag, "The PBX registers (needs --username)"},
        {"--host", Kind::Text, "Where inbound calls go (IP trunks)"},
        {"--port", Kind::Text, "Port of --host (5060)"},
        {"--transport", Kind::Text, "udp, tcp or tls (udp)"},
        {"--channels", Kind::Text, "Concurrent call limit (0 = none)"},
        {"--cps", Kind::Text, "New calls per second limit (0 = none)"},
        {"--codecs", Kind::Text, "Allowed codecs in order, e.g. PCMU,PCMA (empty = any)"},
        {"--caller-id-policy", Kind::Text, "passthrough, fixed or account"},
        {"--fixed-caller-id", Kind::Text, "E.164 caller ID for policy fixed"},
        {"--max-duration", Kind::Text, "Maximum call duration, s (0 = none)"},
        {"--disabled", Kind::Flag, "Create disabled"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         auto pw = password(v);
         if (!pw) return tl::unexpected(pw.error());
         if (v.has("--username") != !pw->empty())
           return tl::unexpected(usage("--username and --password go together"));
         auto a = account(ctx, v.get("--account"));
         if (!a) return tl::unexpected(a.error());
         Json body{{"account_id", (*a)["id"]}, {"name", v.get("--name")}};
         putList(body, v, "--ip", "ips");
         if (v.has("--username")) {
           Json cred{{"username", v.get("--username")}, {"password", *pw}};
           putText(cred, v, "--realm", "realm");
           body["credentials"] = Json::array({cred});
         }
         if (v.flag("--registration")) body["registration"] = true;
         putText(body, v, "--host", "host");
         putNumber(body, v, "--port", "port");
         putText(body, v, "--transport", "transport");
         putNumber(body, v, "--channels", "channel_limit");
         putNumber(body, v, "--cps", "cps_limit");
         if (v.has("--codecs")) body["codecs"] = provision::splitComma(v.get("--codecs"));
         putText(body, v, "--caller-id-policy", "caller_id_policy");
         putText(body, v, "--fixed-caller-id", "fixed_caller_id");
         putNumber(body, v, "--max-duration", "max_duration_s");
         if (v.flag("--disabled")) body["enabled"] = false;
         auto r = ctx.call("POST", "/v1/trunks", &body);
         if (!r) return tl::unexpected(r.error());
         created(
             ctx, v, *r,
             fmt::format("trunk '{}' added to account '{}'", v.get("--name"), v.get("--account")));
         return {};
       }});
  g.leaves.push_back(
      {"list",
       "List trunks",
       {{"--account", Kind::Text, "Only this account's trunks"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         std::string query;
         if (v.has("--account")) {
           auto a = account(ctx, v.get("--account"));
           if (!a) return tl::unexpected(a.error());
           query = "account_id=" + idText(*a);
         }
         auto all = ctx.listAll("/v1/trunks", query);
         if (!all) return tl::unexpected(all.error());
         auto limit = [](const char* path) {
           return [path](const Json& t) {
             auto s = cellText(jsonAt(t, path));
             return s == "0" ? std::string("-") : s;
           };
         };
         printItems(
             ctx, v,
             {field("ID", "id"),
              {"ACCOUNT",
               [&ctx](const Json& t) { return ctx.nameOf("/v1/accounts", t["account_id"]); }},
              field("NAME", "name"),
              field("ENABLED", "enabled"),
              {"AUTH",
               [](const Json& t) {
                 std::string auth = t["ips"].empty() ? "" : cellText(&t["ips"]);
                 std::string users;
                 for (const auto& c : t["credentials"])
                   users += (users.empty() ? "" : ",") + c.value("username", "");
                 if (!users.empty()) auth += (auth.empty() ? "" : " ") + ("digest:" + users);
                 return auth.empty() ? std::string("-") : auth;
               }},
              {"DESTINATION",
               [](const Json& t) {
                 if (t.value("registration", false)) return std::string("(registers)");
                 if (t.value("host", "").empty()) return std::string("-");
                 return fmt::format("{}:{}:{}", t.value("transport", ""), t.value("host", ""),
                                    cellText(jsonAt(t, "port")));
               }},
              {"CHANNELS", limit("channel_limit")},
              {"CPS", limit("cps_limit")},
              {"CODECS",
               [](const Json& t) { return t["codecs"].empty() ? "any" : cellText(&t["codecs"]); }},
              {"CALLER-ID",
               [](const Json& t) {
                 std::string fixed = t.value("fixed_caller_id", "");
                 return t.value("caller_id_policy", "") + (fixed.empty() ? "" : " " + fixed);
               }},
              {"MAX-DURATION", limit("max_duration_s")}},
             *all);
         return {};
       }});
  g.leaves.push_back({"remove",
                      "Remove a trunk (no number may point at it)",
                      {{"--account", Kind::Text, "Account name", true},
                       {"--name", Kind::Text, "Trunk name", true}},
                      false,
                      [](Context& ctx, const Values& v) -> Outcome<void> {
                        auto a = account(ctx, v.get("--account"));
                        if (!a) return tl::unexpected(a.error());
                        return remove(ctx, "/v1/trunks", trunkOf(ctx, *a, v.get("--name")),
                                      fmt::format("trunk '{}' removed from account '{}'",
                                                  v.get("--name"), v.get("--account")));
                      }});
  return g;
}

// ---- numbers ----
Group numbers() {
  Group g{"number", "DIDs: add, list, remove", {}};
  g.leaves.push_back(
      {"add",
       "Add a number delivered to a trunk",
       {{"--e164", Kind::Text, "The number, +E.164", true},
        {"--account", Kind::Text, "Account name", true},
        {"--trunk", Kind::Text, "Trunk of that account receiving the calls", true},
        {"--backup", Kind::List,
         "Backup destination in order (repeatable): trunk:NAME or external:+E164"},
        {"--ring-timeout", Kind::Text, "Seconds before trying the next backup (30)"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         auto a = account(ctx, v.get("--account"));
         if (!a) return tl::unexpected(a.error());
         auto t = trunkOf(ctx, *a, v.get("--trunk"));
         if (!t) return tl::unexpected(t.error());
         Json body{{"e164", v.get("--e164")}, {"account_id", (*a)["id"]}, {"trunk_id", (*t)["id"]}};
         putNumber(body, v, "--ring-timeout", "ring_timeout_s");
         if (v.has("--backup")) {
           Json backups = Json::array();
           for (const auto& spec : v.list("--backup")) {
             auto b = provision::parseBackupSpec(spec);
             if (!b) return fromResult(b);
             if (b->kind == storage::BackupDestination::Kind::Trunk) {
               auto bt = trunkOf(ctx, *a, b->value);
               if (!bt) return tl::unexpected(bt.error());
               backups.push_back({{"type", "trunk"}, {"trunk_id", (*bt)["id"]}});
             } else {
               backups.push_back({{"type", "external"}, {"number", b->value}});
             }
           }
           body["backups"] = backups;
         }
         auto r = ctx.call("POST", "/v1/numbers", &body);
         if (!r) return tl::unexpected(r.error());
         created(
             ctx, v, *r,
             fmt::format("number {} added to trunk '{}' of account '{}'",
                         r->value("e164", v.get("--e164")), v.get("--trunk"), v.get("--account")));
         return {};
       }});
  g.leaves.push_back(
      {"list",
       "List numbers",
       {{"--account", Kind::Text, "Only this account's numbers"}},
       true,
       [](Context& ctx, const Values& v) -> Outcome<void> {
         Json only;
         if (v.has("--account")) {
           auto a = account(ctx, v.get("--account"));
           if (!a) return tl::unexpected(a.error());
           only = (*a)["id"];
         }
         auto all = ctx.listAll("/v1/numbers");
         if (!all) return tl::unexpected(all.error());
         Json items = Json::array();
         for (auto& n : *all)
           if (only.is_null() || n["account_id"] == only) items.push_back(std::move(n));
         auto trunk = [&ctx](const Json& id) { return ctx.nameOf("/v1/trunks", id); };
         printItems(
             ctx, v,
             {field("ID", "id"),
              field("E164", "e164"),
              {"ACCOUNT",
               [&ctx](const Json& n) { return ctx.nameOf("/v1/accounts", n["account_id"]); }},
              {"TRUNK", [trunk](const Json& n) { return trunk(n["trunk_id"]); }},
              field("RING-TIMEOUT", "ring_timeout_s"),
              {"BACKUPS",
               [trunk](const Json& n) {
                 std::string out;
                 for (const auto& b : n["backups"])
                   out += (out.empty() ? "" : ",") + (b.value("type", "") == "trunk"
                                                          ? "trunk:" + trunk(b["trunk_id"])
                                                          : "external:" + b.value("number", ""));
                 return out.empty() ? std::string("-") : out;
               }}},
             items);
         return {};
       }});
  g.leaves.push_back({"remove",
                      "Remove a number",
                      {{"--e164", Kind::Text, "The number", true}},
                      false,
                      [](Context& ctx, const Values& v) {
                        const auto e164 = v.get("--e164");
                        return remove(
                            ctx, "/v1/numbers",
                            ctx.findBy("/v1/numbers", "e164", e164, fmt::format("number {}", e164)),
                            fmt::format("number {} removed", e164));
                      }});
  return g;
}

}  // namespace

Group carriersGroup();
Group routesGroup();
Group keysGroup();
Group cdrsGroup();
std::vector<Group> billingGroups();  // cli_billing.cc

std::vector<Group> apiGroups() {
  std::vector<Group> groups = {accounts(),    trunks(),    numbers(),  carriersGroup(),
                               routesGroup(), keysGroup(), cdrsGroup()};
  for (auto& g : billingGroups()) groups.push_back(std::move(g));
  return groups;
}

}  // namespace trunkline::app::cli
