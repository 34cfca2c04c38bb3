// Provisioning subcommands for numbers, carriers, routes and registrations, and
// `provision apply`.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "app/provision_internal.h"
#include "storage/sqlite/runtime_stores.h"
#include "storage/validate.h"

namespace trunkline::app::provision {
namespace {

using base::Errc;
using base::fail;

struct NumberOpts {
  std::string dataDir = "./data";
  std::string e164, account, trunk;
  std::vector<std::string> backups;
  std::uint32_t ringTimeout = 30;
  bool json = false;
};

struct CarrierOpts {
  std::string dataDir = "./data";
  std::string name;
  std::vector<std::string> gateways;
  std::string username, password, realm;
  bool passwordStdin = false;
  std::vector<std::string> inboundIps;
  std::uint32_t probeInterval = 30;
  std::string srtp = "off";
  bool disabled = false;
  bool json = false;
};

struct RouteOpts {
  std::string dataDir = "./data";
  std::string prefix;
  bool defaultRoute = false;
  std::vector<std::string> carriers;
  std::string failoverCodes;
  std::uint32_t ringTimeout = 60;
  bool json = false;
};

template <class T>
base::Result<void> err(const base::Result<T>& r) {
  return tl::unexpected(r.error());
}

// Emits `rows` as a table, or as JSON objects keyed by the lower-cased header.
void emit(Session& s, bool json, const std::vector<std::string>& header,
          const std::vector<std::vector<std::string>>& rows) {
  if (!json) return printTable(s.out, header, rows);
  nlohmann::json j = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json o = nlohmann::json::object();
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string key = header[i];
      for (auto& c : key) c = c == '-' ? '_' : static_cast<char>(std::tolower(c));
      o[key] = row[i];
    }
    j.push_back(o);
  }
  s.out << j.dump(2) << '\n';
}

std::string routeLabel(const std::string& prefix) {
  return prefix.empty() ? "default route" : fmt::format("route '{}'", prefix);
}

}  // namespace

void addNumberCommands(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("number", "DIDs: add, list, remove");
  group->require_subcommand(1);

  auto add = std::make_shared<NumberOpts>();
  auto* cmd = group->add_subcommand("add", "Add a number delivered to a trunk");
  cmd->add_option("--e164", add->e164, "The number, +E.164")->required();
  cmd->add_option("--account", add->account, "Account name")->required();
  cmd->add_option("--trunk", add->trunk, "Trunk of that account receiving the calls")->required();
  cmd->add_option("--backup", add->backups,
                  "Backup destination in order (repeatable): trunk:NAME or external:+E164");
  cmd->add_option("--ring-timeout", add->ringTimeout, "Seconds before trying the next backup")
      ->capture_default_str();
  addDataDir(cmd, add->dataDir);
  cmd->callback([runner, add] {
    runner->run(add->dataDir, [&](Session& s) -> base::Result<void> {
      auto a = s.store->findAccount(add->account);
      if (!a) return err(a);
      auto t = s.store->findTrunk(a->id, add->trunk);
      if (!t) return err(t);
      storage::Number n;
      n.e164 = add->e164;
      n.accountId = a->id;
      n.trunkId = t->id;
      n.ringTimeoutS = add->ringTimeout;
      for (const auto& spec : add->backups) {
        auto b = parseBackupSpec(spec);
        if (!b) return err(b);
        storage::BackupDestination d;
        d.kind = b->kind;
        if (b->kind == storage::BackupDestination::Kind::Trunk) {
          auto bt = s.store->findTrunk(a->id, b->value);
          if (!bt) return err(bt);
          d.trunkId = bt->id;
        } else {
          d.number = b->value;
        }
        n.backups.push_back(d);
      }
      auto id = s.store->addNumber(n);
      if (!id) return err(id);
      s.out << fmt::format("number {} added to trunk '{}' of account '{}' (id {})\n", n.e164,
                           add->trunk, add->account, *id);
      return {};
    });
  });

  auto list = std::make_shared<NumberOpts>();
  cmd = group->add_subcommand("list", "List numbers");
  cmd->add_option("--account", list->account, "Only this account's numbers");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  addDataDir(cmd, list->dataDir);
  cmd->callback([runner, list] {
    runner->run(list->dataDir, [&](Session& s) -> base::Result<void> {
      auto only = accountFilter(s, list->account);
      if (!only) return err(only);
      auto numbers = s.store->listNumbers(*only);
      if (!numbers) return err(numbers);
      auto accounts = s.store->listAccounts();
      auto trunks = s.store->listTrunks({});
      if (!accounts) return err(accounts);
      if (!trunks) return err(trunks);
      auto accountName = [&](storage::Id id) {
        for (const auto& a : *accounts)
          if (a.id == id) return a.name;
        return std::to_string(id);
      };
      auto trunkName = [&](storage::Id id) {
        for (const auto& t : *trunks)
          if (t.id == id) return t.name;
        return std::to_string(id);
      };
      std::vector<std::vector<std::string>> rows;
      for (const auto& n : *numbers) {
        std::vector<std::string> backups;
        for (const auto& b : n.backups)
          backups.push_back(b.kind == storage::BackupDestination::Kind::Trunk
                                ? "trunk:" + trunkName(b.trunkId)
                                : "external:" + b.number);
        rows.push_back({std::to_string(n.id), n.e164, accountName(n.accountId),
                        trunkName(n.trunkId), std::to_string(n.ringTimeoutS),
                        backups.empty() ? "-" : join(backups)});
      }
      emit(s, list->json, {"ID", "E164", "ACCOUNT", "TRUNK", "RING-TIMEOUT", "BACKUPS"}, rows);
      return {};
    });
  });

  auto rm = std::make_shared<NumberOpts>();
  cmd = group->add_subcommand("remove", "Remove a number");
  cmd->add_option("--e164", rm->e164, "The number")->required();
  addDataDir(cmd, rm->dataDir);
  cmd->callback([runner, rm] {
    runner->run(rm->dataDir, [&](Session& s) -> base::Result<void> {
      auto n = s.store->findNumber(rm->e164);
      if (!n) return err(n);
      if (auto r = s.store->removeNumber(n->id); !r) return r;
      s.out << fmt::format("number {} removed\n", rm->e164);
      return {};
    });
  });
}

void addCarrierCommands(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("carrier", "Upstream carriers: add, list, remove, status");
  group->require_subcommand(1);

  auto add = std::make_shared<CarrierOpts>();
  auto* cmd = group->add_subcommand("add", "Add a carrier with its gateways");
  cmd->add_option("--name", add->name, "Unique name")->required();
  cmd->add_option("--gateway", add->gateways,
                  "TRANSPORT:HOST[:PORT][:prio=N][:weight=N] (repeatable), e.g. "
                  "udp:198.51.100.7:5060:prio=1:weight=10")
      ->required();
  cmd->add_option("--username", add->username, "Our digest username at the carrier");
  cmd->add_option("--password", add->password, "Our digest password (stored as HA1 only)");
  cmd->add_flag("--password-stdin", add->passwordStdin,
                "Read the password from the first line of standard input");
  cmd->add_option("--realm", add->realm, "The carrier's digest realm (required with --username)");
  cmd->add_option("--inbound-ip", add->inboundIps,
                  "CIDR the carrier sends inbound calls from (repeatable)");
  cmd->add_option("--probe-interval", add->probeInterval, "OPTIONS probe every N s (0 = off)")
      ->capture_default_str();
  cmd->add_option("--srtp", add->srtp,
                  "SRTP (SDES) towards the carrier: off, offer (RTP/AVP with a=crypto) or "
                  "required (RTP/SAVP)")
      ->capture_default_str();
  cmd->add_flag("--disabled", add->disabled, "Create disabled");
  addDataDir(cmd, add->dataDir);
  cmd->callback([runner, add] {
    runner->run(add->dataDir, [&](Session& s) -> base::Result<void> {
      if (add->passwordStdin) {
        auto pw = readPasswordLine(std::cin);
        if (!pw) return err(pw);
        add->password = *pw;
      }
      storage::Carrier c;
      auto srtp = storage::parseSrtpPolicy(add->srtp);
      if (!srtp)
        return fail(Errc::InvalidArgument,
                    fmt::format("bad --srtp '{}': off, offer or required", add->srtp));
      c.srtp = *srtp;
      c.name = add->name;
      c.enabled = !add->disabled;
      for (const auto& spec : add->gateways) {
        auto g = parseGatewaySpec(spec);
        if (!g) return err(g);
        c.gateways.push_back(*g);
      }
      if (!add->username.empty() || !add->password.empty()) {
        if (add->username.empty() || add->password.empty() || add->realm.empty())
          return fail(Errc::InvalidArgument,
                      "carrier credentials need --username, --password and --realm");
        c.credential = makeCredential(add->username, add->realm, add->password);
      }
      c.inboundCidrs = add->inboundIps;
      c.probeIntervalS = add->probeInterval;
      auto id = s.store->addCarrier(c);
      if (!id) return err(id);
      s.out << fmt::format("carrier '{}' added (id {})\n", c.name, *id);
      return {};
    });
  });

  auto list = std::make_shared<CarrierOpts>();
  cmd = group->add_subcommand("list", "List carriers");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  addDataDir(cmd, list->dataDir);
  cmd->callback([runner, list] {
    runner->run(list->dataDir, [&](Session& s) -> base::Result<void> {
      auto carriers = s.store->listCarriers();
      if (!carriers) return err(carriers);
      if (list->json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& c : *carriers) j.push_back(toJson(c));
        s.out << j.dump(2) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : *carriers) {
        std::vector<std::string> gws;
        for (const auto& g : c.gateways)
          gws.push_back(
              fmt::format("{}:{}:{}:prio={}:weight={}", storage::transportName(g.transport),
                          g.host.find(':') != std::string::npos ? "[" + g.host + "]" : g.host,
                          g.port, g.priority, g.weight));
        rows.push_back({std::to_string(c.id), c.name, c.enabled ? "yes" : "no", join(gws, " "),
                        c.credential ? c.credential->username + "@" + c.credential->realm : "-",
                        c.inboundCidrs.empty() ? "-" : join(c.inboundCidrs),
                        c.probeIntervalS ? std::to_string(c.probeIntervalS) : "off",
                        std::string(storage::srtpPolicyName(c.srtp))});
      }
      printTable(s.out,
                 {"ID", "NAME", "ENABLED", "GATEWAYS", "CREDENTIAL", "INBOUND", "PROBE", "SRTP"},
                 rows);
      return {};
    });
  });

  auto rm = std::make_shared<CarrierOpts>();
  cmd = group->add_subcommand("remove", "Remove a carrier (no route may use it)");
  cmd->add_option("--name", rm->name, "Carrier name")->required();
  addDataDir(cmd, rm->dataDir);
  cmd->callback([runner, rm] {
    runner->run(rm->dataDir, [&](Session& s) -> base::Result<void> {
      auto c = s.store->findCarrier(rm->name);
      if (!c) return err(c);
      if (auto r = s.store->removeCarrier(c->id); !r) return r;
      s.out << fmt::format("carrier '{}' removed\n", rm->name);
      return {};
    });
  });

  auto st = std::make_shared<CarrierOpts>();
  cmd = group->add_subcommand("status",
                              "Gateway health as the running node(s) see it (OPTIONS probing)");
  cmd->add_flag("--json", st->json, "JSON instead of a table");
  addDataDir(cmd, st->dataDir);
  cmd->callback([runner, st] {
    runner->run(st->dataDir, [&](Session& s) -> base::Result<void> {
      auto carriers = s.store->listCarriers();
      if (!carriers) return err(carriers);
      storage::sqlite::SqliteGatewayStatusStore store(*s.db);
      auto status = store.list();
      if (!status) return err(status);
      const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      auto ago = [now](std::int64_t ms) {
        return ms <= 0 ? std::string("-")
                       : fmt::format("{}s ago", std::max<std::int64_t>(0, now - ms) / 1000);
      };
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : *carriers) {
        for (const auto& g : c.gateways) {
          const std::string gw = fmt::format(
              "{}:{}:{}", storage::transportName(g.transport),
              g.host.find(':') != std::string::npos ? "[" + g.host + "]" : g.host, g.port);
          bool any = false;
          for (const auto& row : *status) {
            if (row.status.gatewayId != g.id) continue;
            any = true;
            const auto& h = row.status;
            std::string state = !c.enabled              ? "disabled"
                                : c.probeIntervalS == 0 ? "up (not probed)"
                                : h.up                  ? "up"
                                                        : "down";
            // A node writes at least every 10 s while it runs: older rows are its last word.
            if (now - h.updatedMs > 30'000) state += " (stale: node stopped?)";
            std::string probe = h.lastProbeCode < 0 ? "-"
                                : h.lastProbeCode == 0
                                    ? "no answer " + ago(h.lastProbeMs)
                                    : fmt::format("{} {}", h.lastProbeCode, ago(h.lastProbeMs));
            rows.push_back({c.name, gw, state, h.changes ? ago(h.lastChangeMs) : "since start",
                            std::to_string(h.consecutiveFailures),
                            std::to_string(h.consecutiveSuccesses), probe, row.nodeId});
          }
          if (!any)
            rows.push_back({c.name, gw, c.enabled ? "unknown (no running node)" : "disabled", "-",
                            "-", "-", "-", "-"});
        }
      }
      emit(
          s, st->json,
          {"CARRIER", "GATEWAY", "STATE", "CHANGED", "FAILURES", "SUCCESSES", "LAST-PROBE", "NODE"},
          rows);
      return {};
    });
  });
}

void addRouteCommands(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("route", "Outbound routes: add, list, remove");
  group->require_subcommand(1);

  auto add = std::make_shared<RouteOpts>();
  auto* cmd = group->add_subcommand("add", "Add a route: a prefix to an ordered carrier list");
  auto* prefix = cmd->add_option("--prefix", add->prefix,
                                 "Leading digits of the E.164 number without '+', e.g. 1 or 44");
  auto* def = cmd->add_flag("--default", add->defaultRoute, "The default route (any number)");
  prefix->excludes(def);
  cmd->add_option("--carrier", add->carriers,
                  "NAME[:prio=N][:weight=N] in order (repeatable); lower prio first")
      ->required();
  cmd->add_option("--failover-codes", add->failoverCodes,
                  "Responses that try the next carrier, e.g. 408,500,502,503,504 (empty = "
                  "that default set)");
  cmd->add_option("--ring-timeout", add->ringTimeout, "Seconds before trying the next carrier")
      ->capture_default_str();
  addDataDir(cmd, add->dataDir);
  cmd->callback([runner, add] {
    runner->run(add->dataDir, [&](Session& s) -> base::Result<void> {
      if (add->prefix.empty() && !add->defaultRoute)
        return fail(Errc::InvalidArgument, "give --prefix DIGITS or --default");
      storage::Route r;
      r.prefix = add->prefix;
      r.ringTimeoutS = add->ringTimeout;
      auto codes = parseCodes(add->failoverCodes);
      if (!codes) return err(codes);
      r.failoverCodes = *codes;
      for (const auto& spec : add->carriers) {
        auto ref = parseCarrierRef(spec);
        if (!ref) return err(ref);
        auto c = s.store->findCarrier(ref->name);
        if (!c) return err(c);
        r.targets.push_back({c->id, ref->priority, ref->weight});
      }
      auto id = s.store->addRoute(r);
      if (!id) return err(id);
      s.out << fmt::format("{} added (id {})\n", routeLabel(r.prefix), *id);
      return {};
    });
  });

  auto list = std::make_shared<RouteOpts>();
  cmd = group->add_subcommand("list", "List routes");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  addDataDir(cmd, list->dataDir);
  cmd->callback([runner, list] {
    runner->run(list->dataDir, [&](Session& s) -> base::Result<void> {
      auto routes = s.store->listRoutes();
      if (!routes) return err(routes);
      auto carriers = s.store->listCarriers();
      if (!carriers) return err(carriers);
      std::vector<std::vector<std::string>> rows;
      for (const auto& r : *routes) {
        std::vector<std::string> targets, codes;
        for (const auto& t : r.targets) {
          std::string name = std::to_string(t.carrierId);
          for (const auto& c : *carriers)
            if (c.id == t.carrierId) name = c.name;
          targets.push_back(fmt::format("{}:prio={}:weight={}", name, t.priority, t.weight));
        }
        for (int c : r.failoverCodes) codes.push_back(std::to_string(c));
        rows.push_back({std::to_string(r.id), r.prefix.empty() ? "(default)" : r.prefix,
                        join(targets, " "), codes.empty() ? "default" : join(codes),
                        std::to_string(r.ringTimeoutS)});
      }
      emit(s, list->json, {"ID", "PREFIX", "CARRIERS", "FAILOVER-CODES", "RING-TIMEOUT"}, rows);
      return {};
    });
  });

  auto rm = std::make_shared<RouteOpts>();
  cmd = group->add_subcommand("remove", "Remove a route");
  prefix = cmd->add_option("--prefix", rm->prefix, "The route's prefix");
  def = cmd->add_flag("--default", rm->defaultRoute, "The default route");
  prefix->excludes(def);
  addDataDir(cmd, rm->dataDir);
  cmd->callback([runner, rm] {
    runner->run(rm->dataDir, [&](Session& s) -> base::Result<void> {
      if (rm->prefix.empty() && !rm->defaultRoute)
        return fail(Errc::InvalidArgument, "give --prefix DIGITS or --default");
      auto r = s.store->findRoute(rm->prefix);
      if (!r) return err(r);
      if (auto d = s.store->removeRoute(r->id); !d) return d;
      s.out << fmt::format("{} removed\n", routeLabel(rm->prefix));
      return {};
    });
  });
}

void addRegistrationCommands(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("registration", "Registered PBX contacts: list");
  group->require_subcommand(1);
  auto list = std::make_shared<NumberOpts>();
  auto* cmd = group->add_subcommand("list", "List current registrations (bindings)");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  addDataDir(cmd, list->dataDir);
  cmd->callback([runner, list] {
    runner->run(list->dataDir, [&](Session& s) -> base::Result<void> {
      storage::sqlite::SqliteRegistrationStore regs(*s.db);
      auto bindings = regs.list({});
      if (!bindings) return err(bindings);
      auto trunks = s.store->listTrunks({});
      if (!trunks) return err(trunks);
      auto accounts = s.store->listAccounts();
      if (!accounts) return err(accounts);
      std::vector<std::vector<std::string>> rows;
      for (const auto& b : *bindings) {
        std::string trunk = std::to_string(b.trunkId);
        for (const auto& t : *trunks)
          if (t.id == b.trunkId)
            for (const auto& a : *accounts)
              if (a.id == t.accountId) trunk = a.name + "/" + t.name;
        rows.push_back(
            {trunk, b.aor, b.contact, b.received, std::to_string(b.expiresAtMs), b.userAgent});
      }
      emit(s, list->json, {"TRUNK", "AOR", "CONTACT", "RECEIVED", "EXPIRES-AT-MS", "USER-AGENT"},
           rows);
      return {};
    });
  });
}

void addApplyCommand(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("provision", "Declarative setup: apply a TOML file");
  group->require_subcommand(1);
  struct ApplyOpts {
    std::string dataDir = "./data";
    std::string file;
  };
  auto opts = std::make_shared<ApplyOpts>();
  auto* cmd = group->add_subcommand(
      "apply", "Create or update everything the file describes, in one transaction");
  cmd->add_option("file", opts->file, "The setup file (TOML)")->required();
  addDataDir(cmd, opts->dataDir);
  cmd->callback([runner, opts] {
    runner->run(opts->dataDir, [&](Session& s) -> base::Result<void> {
      auto report = applyProvisioningFile(*s.store, opts->file);
      if (!report) return err(report);
      for (const auto& line : report->changes) s.out << line << '\n';
      s.out << fmt::format("{}: {} created, {} updated, {} unchanged\n", opts->file,
                           report->created, report->updated, report->unchanged);
      return {};
    });
  });
}

}  // namespace trunkline::app::provision
