// Provisioning subcommands: registration on the CLI11 app, accounts and trunks.
// Numbers, carriers, routes and registrations: provision_routing.cc; the declarative
// file: provision_file.cc.
#include "app/provision.h"

#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "app/provision_internal.h"
#include "storage/validate.h"

namespace trunkline::app {
namespace provision {
namespace {

using base::Errc;
using base::fail;

struct AccountOpts {
  std::string dataDir = "./data";
  std::string name;
  std::string country = "US";
  bool disabled = false;
  bool json = false;
};

struct TrunkOpts {
  std::string dataDir = "./data";
  std::string account;
  std::string name;
  std::vector<std::string> ips;
  std::string username, password, realm = "trunkline";
  bool passwordStdin = false;
  bool registration = false;
  std::string host;
  std::uint16_t port = 5060;
  std::string transport = "udp";
  std::uint32_t channels = 0, cps = 0, maxDuration = 0;
  std::string codecs;
  std::string callerIdPolicy = "passthrough";
  std::string fixedCallerId;
  std::string srtp = "off";
  bool disabled = false;
  bool json = false;
};

std::string onOff(bool enabled) {
  return enabled ? "yes" : "no";
}

std::string limit(std::uint32_t n) {
  return n == 0 ? "-" : std::to_string(n);
}

}  // namespace

void addAccountCommands(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("account", "Customers: add, list, remove");
  group->require_subcommand(1);

  auto add = std::make_shared<AccountOpts>();
  auto* cmd = group->add_subcommand("add", "Add an account");
  cmd->add_option("--name", add->name, "Unique name (A-Z a-z 0-9 . _ -)")->required();
  cmd->add_option("--country", add->country, "ISO 3166-1 alpha-2 country for number formats")
      ->capture_default_str();
  cmd->add_flag("--disabled", add->disabled, "Create disabled (its trunks authenticate nobody)");
  addDataDir(cmd, add->dataDir);
  cmd->callback([runner, add] {
    runner->run(add->dataDir, [&](Session& s) -> base::Result<void> {
      auto id = s.store->addAccount({0, add->name, add->country, !add->disabled});
      if (!id) return tl::unexpected(id.error());
      s.out << fmt::format("account '{}' added (id {})\n", add->name, *id);
      return {};
    });
  });

  auto list = std::make_shared<AccountOpts>();
  cmd = group->add_subcommand("list", "List accounts");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  addDataDir(cmd, list->dataDir);
  cmd->callback([runner, list] {
    runner->run(list->dataDir, [&](Session& s) -> base::Result<void> {
      auto accounts = s.store->listAccounts();
      if (!accounts) return tl::unexpected(accounts.error());
      if (list->json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& a : *accounts) j.push_back(toJson(a));
        s.out << j.dump(2) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& a : *accounts)
        rows.push_back({std::to_string(a.id), a.name, a.country, onOff(a.enabled)});
      printTable(s.out, {"ID", "NAME", "COUNTRY", "ENABLED"}, rows);
      return {};
    });
  });

  auto rm = std::make_shared<AccountOpts>();
  cmd = group->add_subcommand("remove", "Remove an account (it must have no trunks or numbers)");
  cmd->add_option("--name", rm->name, "Account name")->required();
  addDataDir(cmd, rm->dataDir);
  cmd->callback([runner, rm] {
    runner->run(rm->dataDir, [&](Session& s) -> base::Result<void> {
      auto a = s.store->findAccount(rm->name);
      if (!a) return tl::unexpected(a.error());
      if (auto r = s.store->removeAccount(a->id); !r) return r;
      s.out << fmt::format("account '{}' removed\n", rm->name);
      return {};
    });
  });
}

namespace {
base::Result<storage::Trunk> trunkFromOpts(const TrunkOpts& o, storage::Id accountId) {
  storage::Trunk t;
  t.accountId = accountId;
  t.name = o.name;
  t.enabled = !o.disabled;
  t.allowedCidrs = o.ips;
  if (!o.username.empty() || !o.password.empty()) {
    if (o.username.empty() || o.password.empty())
      return fail(Errc::InvalidArgument, "--username and --password go together");
    t.credentials.push_back(makeCredential(o.username, o.realm, o.password));
  }
  t.registration = o.registration;
  t.host = o.host;
  t.port = o.port;
  auto transport = storage::parseTransport(o.transport);
  if (!transport)
    return fail(Errc::InvalidArgument,
                fmt::format("bad --transport '{}': udp, tcp or tls", o.transport));
  t.transport = *transport;
  t.channelLimit = o.channels;
  t.cpsLimit = o.cps;
  t.codecs = splitComma(o.codecs);
  auto policy = storage::parseCallerIdPolicy(o.callerIdPolicy);
  if (!policy)
    return fail(Errc::InvalidArgument,
                fmt::format("bad --caller-id-policy '{}': passthrough, fixed or account",
                            o.callerIdPolicy));
  t.callerIdPolicy = *policy;
  t.fixedCallerId = o.fixedCallerId;
  t.maxDurationS = o.maxDuration;
  auto srtp = storage::parseSrtpPolicy(o.srtp);
  if (!srtp)
    return fail(Errc::InvalidArgument,
                fmt::format("bad --srtp '{}': off, offer or required", o.srtp));
  t.srtp = *srtp;
  return t;
}
}  // namespace

void addTrunkCommands(CLI::App& app, const std::shared_ptr<Runner>& runner) {
  auto* group = app.add_subcommand("trunk", "Customer trunks: add, list, remove");
  group->require_subcommand(1);

  auto add = std::make_shared<TrunkOpts>();
  auto* cmd = group->add_subcommand("add", "Add a trunk to an account");
  cmd->add_option("--account", add->account, "Account name")->required();
  cmd->add_option("--name", add->name, "Trunk name, unique in the account")->required();
  cmd->add_option("--ip", add->ips, "Source CIDR allowed to call as this trunk (repeatable)");
  cmd->add_option("--username", add->username, "Digest username");
  cmd->add_option("--password", add->password,
                  "Digest password (stored only as MD5 and SHA-256 HA1 hashes)");
  cmd->add_flag("--password-stdin", add->passwordStdin,
                "Read the digest password from the first line of standard input (keeps it "
                "out of the process list and shell history)");
  cmd->add_option("--realm", add->realm, "Digest realm")->capture_default_str();
  cmd->add_flag("--registration", add->registration, "The PBX registers (needs --username)");
  cmd->add_option("--host", add->host, "Where inbound calls go (IP trunks)");
  cmd->add_option("--port", add->port, "Port of --host")->capture_default_str();
  cmd->add_option("--transport", add->transport, "udp, tcp or tls")->capture_default_str();
  cmd->add_option("--channels", add->channels, "Concurrent call limit (0 = none)");
  cmd->add_option("--cps", add->cps, "New calls per second limit (0 = none)");
  cmd->add_option("--codecs", add->codecs,
                  "Allowed codecs in order, e.g. PCMU,PCMA (PCMU PCMA G729 G722 opus "
                  "telephone-event; empty = any)");
  cmd->add_option("--caller-id-policy", add->callerIdPolicy, "passthrough, fixed or account")
      ->capture_default_str();
  cmd->add_option("--fixed-caller-id", add->fixedCallerId, "E.164 caller ID for policy fixed");
  cmd->add_option("--max-duration", add->maxDuration, "Maximum call duration, s (0 = none)");
  cmd->add_option("--srtp", add->srtp,
                  "SRTP (SDES) towards the PBX: off, offer (RTP/AVP with a=crypto) or required "
                  "(RTP/SAVP; plain RTP refused with 488)")
      ->capture_default_str();
  cmd->add_flag("--disabled", add->disabled, "Create disabled");
  addDataDir(cmd, add->dataDir);
  cmd->callback([runner, add] {
    runner->run(add->dataDir, [&](Session& s) -> base::Result<void> {
      if (add->passwordStdin) {
        auto pw = readPasswordLine(std::cin);
        if (!pw) return tl::unexpected(pw.error());
        add->password = *pw;
      }
      auto account = s.store->findAccount(add->account);
      if (!account) return tl::unexpected(account.error());
      auto t = trunkFromOpts(*add, account->id);
      if (!t) return tl::unexpected(t.error());
      auto id = s.store->addTrunk(*t);
      if (!id) return tl::unexpected(id.error());
      s.out << fmt::format("trunk '{}' added to account '{}' (id {})\n", add->name, add->account,
                           *id);
      return {};
    });
  });

  auto list = std::make_shared<TrunkOpts>();
  cmd = group->add_subcommand("list", "List trunks");
  cmd->add_option("--account", list->account, "Only this account's trunks");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  addDataDir(cmd, list->dataDir);
  cmd->callback([runner, list] {
    runner->run(list->dataDir, [&](Session& s) -> base::Result<void> {
      auto only = accountFilter(s, list->account);
      if (!only) return tl::unexpected(only.error());
      auto trunks = s.store->listTrunks(*only);
      if (!trunks) return tl::unexpected(trunks.error());
      auto accounts = s.store->listAccounts();
      if (!accounts) return tl::unexpected(accounts.error());
      auto accountName = [&](storage::Id id) {
        for (const auto& a : *accounts)
          if (a.id == id) return a.name;
        return std::to_string(id);
      };
      if (list->json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& t : *trunks) j.push_back(toJson(t, accountName(t.accountId)));
        s.out << j.dump(2) << '\n';
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : *trunks) {
        std::vector<std::string> users;
        for (const auto& c : t.credentials) users.push_back(c.username);
        std::string auth = join(t.allowedCidrs);
        if (!users.empty()) auth += (auth.empty() ? "" : " ") + ("digest:" + join(users));
        std::string dest =
            t.registration ? std::string("(registers)")
            : t.host.empty()
                ? std::string("-")
                : fmt::format("{}:{}:{}", storage::transportName(t.transport), t.host, t.port);
        rows.push_back({std::to_string(t.id), accountName(t.accountId), t.name, onOff(t.enabled),
                        auth, dest, limit(t.channelLimit), limit(t.cpsLimit),
                        t.codecs.empty() ? "any" : join(t.codecs),
                        std::string(storage::callerIdPolicyName(t.callerIdPolicy)) +
                            (t.fixedCallerId.empty() ? "" : " " + t.fixedCallerId),
                        limit(t.maxDurationS), std::string(storage::srtpPolicyName(t.srtp))});
      }
      printTable(s.out,
                 {"ID", "ACCOUNT", "NAME", "ENABLED", "AUTH", "DESTINATION", "CHANNELS", "CPS",
                  "CODECS", "CALLER-ID", "MAX-DURATION", "SRTP"},
                 rows);
      return {};
    });
  });

  auto rm = std::make_shared<TrunkOpts>();
  cmd = group->add_subcommand("remove", "Remove a trunk (no number may point at it)");
  cmd->add_option("--account", rm->account, "Account name")->required();
  cmd->add_option("--name", rm->name, "Trunk name")->required();
  addDataDir(cmd, rm->dataDir);
  cmd->callback([runner, rm] {
    runner->run(rm->dataDir, [&](Session& s) -> base::Result<void> {
      auto a = s.store->findAccount(rm->account);
      if (!a) return tl::unexpected(a.error());
      auto t = s.store->findTrunk(a->id, rm->name);
      if (!t) return tl::unexpected(t.error());
      if (auto r = s.store->removeTrunk(t->id); !r) return r;
      s.out << fmt::format("trunk '{}' removed from account '{}'\n", rm->name, rm->account);
      return {};
    });
  });
}

}  // namespace provision

std::shared_ptr<ProvisionCommands> addProvisionCommands(CLI::App& app, std::ostream& out,
                                                        std::ostream& err) {
  auto result = std::make_shared<ProvisionCommands>();
  auto runner = std::make_shared<provision::Runner>(provision::Runner{out, err, result});
  provision::addAccountCommands(app, runner);
  provision::addTrunkCommands(app, runner);
  provision::addNumberCommands(app, runner);
  provision::addCarrierCommands(app, runner);
  provision::addRouteCommands(app, runner);
  provision::addRegistrationCommands(app, runner);
  provision::addApplyCommand(app, runner);
  return result;
}

std::shared_ptr<ProvisionCommands> addDatabaseCommands(CLI::App& app) {
  auto result = std::make_shared<ProvisionCommands>();
  auto runner =
      std::make_shared<provision::Runner>(provision::Runner{std::cout, std::cerr, result});
  provision::addRegistrationCommands(app, runner);
  provision::addApplyCommand(app, runner);
  return result;
}

std::shared_ptr<ProvisionCommands> addProvisionCommands(CLI::App& app) {
  return addProvisionCommands(app, std::cout, std::cerr);
}

}  // namespace trunkline::app
