// trunkline: the SIP trunking node.
//
//   trunkline [run] [--config FILE] [--listen SPEC]... [--data-dir DIR] [--log-level L]
//   trunkline check-config [--config FILE] [...same overrides]
//   trunkline account|trunk|number|carrier|route|registration ... | provision apply FILE
//   trunkline apikey create --admin|--account NAME [--name LABEL] | list | revoke --id N
//   trunkline --version | --help
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "api/auth.h"
#include "app/bandwidth_cmd.h"
#include "app/options.h"
#include "app/provision.h"
#include "app/server.h"
#include "app/version.h"
#include "storage/sqlite/api_key_store.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"

namespace {

void addNodeOptions(CLI::App& app, trunkline::app::CommandLine& cl) {
  app.add_option("-c,--config", cl.configPath, "Node config file (TOML)");
  app.add_option("-l,--listen", cl.listen,
                 "Listen address, repeatable: udp:IP:PORT, tcp:IP:PORT, tls:IP:PORT "
                 "(IPv6 as [::1]); replaces [sip] listen");
  app.add_option("-d,--data-dir", cl.dataDir, "Data directory (SQLite database, state)");
  app.add_option("--log-level", cl.logLevel, "trace, debug, info, warn, error or off");
  app.add_option("--threads", cl.threads, "Signalling threads (0 = one per core)");
}

// `trunkline apikey create|list|revoke`: API keys, written straight into the node's
// database (like the provisioning commands), so the first admin key can be made before
// any key exists. The key text is printed once, alone on stdout, for scripts.
struct ApiKeyOpts {
  std::string dataDir = "./data";
  bool admin = false;
  std::string account;
  std::string name;
  std::int64_t id = 0;
  bool json = false;
};

struct ApiKeyCommands {
  bool ran = false;
  int exitCode = 0;
};

using ApiKeyBody =
    std::function<trunkline::base::Result<void>(trunkline::storage::sqlite::SqliteConfigStore&,
                                                trunkline::storage::sqlite::SqliteApiKeyStore&)>;

void runApiKeyCommand(ApiKeyCommands& result, const std::string& dataDir, const ApiKeyBody& body) {
  using namespace trunkline;
  result.ran = true;
  auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "trunkline: %s\n", message.c_str());
    result.exitCode = 1;
  };
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return fail(fmt::format("{}: cannot create data directory: {}", dataDir, ec.message()));
  auto db = storage::sqlite::Database::open(dataDir + "/trunkline.db");
  if (!db) return fail(db.error().message);
  storage::sqlite::SqliteConfigStore config(**db);
  storage::sqlite::SqliteApiKeyStore keys(**db);
  if (auto r = body(config, keys); !r) return fail(r.error().message);
}

std::shared_ptr<ApiKeyCommands> addApiKeyCommands(CLI::App& app) {
  using namespace trunkline;
  auto result = std::make_shared<ApiKeyCommands>();
  auto* group = app.add_subcommand("apikey", "REST API keys: create, list, revoke");
  group->require_subcommand(1);

  auto create = std::make_shared<ApiKeyOpts>();
  auto* cmd = group->add_subcommand("create", "Create a key; prints it once on stdout");
  auto* adminFlag = cmd->add_flag("--admin", create->admin, "Scope: everything");
  auto* accountOpt =
      cmd->add_option("--account", create->account, "Scope: this account's resources only");
  adminFlag->excludes(accountOpt);
  cmd->add_option("--name", create->name, "A label for the key (who or what uses it)");
  cmd->add_option("-d,--data-dir", create->dataDir, "Data directory holding trunkline.db")
      ->capture_default_str();
  cmd->callback([result, create] {
    runApiKeyCommand(*result, create->dataDir, [&](auto& config, auto& keys) -> base::Result<void> {
      if (!create->admin && create->account.empty())
        return base::fail(base::Errc::InvalidArgument, "give --admin or --account NAME");
      storage::Id accountId = 0;
      if (!create->admin) {
        auto a = config.findAccount(create->account);
        if (!a) return tl::unexpected(a.error());
        accountId = a->id;
      }
      const auto nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      auto made = api::generateKey(accountId, create->name, nowMs);
      if (!made) return tl::unexpected(made.error());
      auto id = keys.add(made->record);
      if (!id) return tl::unexpected(id.error());
      std::printf("%s\n", made->text.c_str());
      std::fprintf(stderr, "API key %lld (%s) created; it is shown only now: store it safely\n",
                   static_cast<long long>(*id), api::scopeText(accountId).c_str());
      return {};
    });
  });

  auto list = std::make_shared<ApiKeyOpts>();
  cmd = group->add_subcommand("list", "List keys (never their secrets)");
  cmd->add_flag("--json", list->json, "JSON instead of a table");
  cmd->add_option("-d,--data-dir", list->dataDir, "Data directory holding trunkline.db")
      ->capture_default_str();
  cmd->callback([result, list] {
    runApiKeyCommand(*result, list->dataDir, [&](auto&, auto& keys) -> base::Result<void> {
      auto all = keys.list({});
      if (!all) return tl::unexpected(all.error());
      if (list->json) {
        std::string out = "[";
        for (const auto& k : *all)
          out += fmt::format(
              "{}{{\"id\": {}, \"public_id\": \"{}\", \"scope\": \"{}\", \"created_ms\": {}, "
              "\"revoked_ms\": {}}}",
              out.size() > 1 ? ", " : "", k.id, k.publicId, api::scopeText(k.accountId),
              k.createdMs, k.revokedMs == 0 ? std::string("null") : std::to_string(k.revokedMs));
        std::printf("%s]\n", out.c_str());
        return {};
      }
      std::printf("%-6s %-18s %-14s %-8s %s\n", "ID", "PUBLIC-ID", "SCOPE", "STATE", "NAME");
      for (const auto& k : *all)
        std::printf("%-6lld %-18s %-14s %-8s %s\n", static_cast<long long>(k.id),
                    k.publicId.c_str(), api::scopeText(k.accountId).c_str(),
                    k.revoked() ? "revoked" : "active", k.name.c_str());
      return {};
    });
  });

  auto revoke = std::make_shared<ApiKeyOpts>();
  cmd = group->add_subcommand("revoke", "Revoke a key: it stops working at once");
  cmd->add_option("--id", revoke->id, "Key id (from 'apikey list')")->required();
  cmd->add_option("-d,--data-dir", revoke->dataDir, "Data directory holding trunkline.db")
      ->capture_default_str();
  cmd->callback([result, revoke] {
    runApiKeyCommand(*result, revoke->dataDir, [&](auto&, auto& keys) -> base::Result<void> {
      const auto nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      if (auto r = keys.revoke(revoke->id, nowMs); !r) return r;
      std::printf("API key %lld revoked\n", static_cast<long long>(revoke->id));
      return {};
    });
  });
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trunkline;
  // Signalling allocates and frees per message and per call. glibc gives the top of the
  // heap back to the kernel whenever 128 KiB are free there, and the next burst faults
  // the pages in again, zeroed (perf in bench/calls: clear_page under malloc, ~4% of the
  // CPU per call; 0.1% with these settings). Keep up to 64 MiB of freed heap, and grow
  // it in 8 MiB steps.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 8 << 20);
  CLI::App app{fmt::format("Trunkline {} — SIP trunking platform", app::kVersion), "trunkline"};
  app.set_version_flag("-V,--version", fmt::format("trunkline {}", app::kVersion));
  app.require_subcommand(0, 1);

  app::CommandLine runOpts;
  addNodeOptions(app, runOpts);
  auto* run = app.add_subcommand("run", "Run the node (the default)");
  app::CommandLine subRunOpts;
  addNodeOptions(*run, subRunOpts);

  auto* check = app.add_subcommand("check-config", "Validate the config and exit (0 = valid)");
  app::CommandLine checkOpts;
  addNodeOptions(*check, checkOpts);

  // account/trunk/number/carrier/route/registration/provision: run during parse.
  auto provisioning = app::addProvisionCommands(app);
  auto apiKeys = addApiKeyCommands(app);
  auto bandwidth = app::addBandwidthCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (provisioning->ran()) return provisioning->exitCode();
  if (apiKeys->ran) return apiKeys->exitCode;
  if (bandwidth->ran) return bandwidth->exitCode;

  if (*check) {
    auto cfg = app::resolveConfig(checkOpts);
    if (!cfg) {
      std::fprintf(stderr, "trunkline: invalid configuration: %s\n", cfg.error().message.c_str());
      return 2;
    }
    std::printf("configuration OK%s%s\n", cfg->sourceFile.empty() ? " (defaults)" : ": ",
                cfg->sourceFile.c_str());
    for (const auto& l : cfg->sip.listen) std::printf("  listen %s\n", l.c_str());
    if (cfg->api.enabled)
      std::printf("  api %s://%s\n", cfg->api.tls ? "https" : "http", cfg->api.listen.c_str());
    std::printf("  data directory %s\n", cfg->dataDir.c_str());
    return 0;
  }

  const app::CommandLine& cl = *run ? subRunOpts : runOpts;
  auto cfg = app::resolveConfig(cl);
  if (!cfg) {
    std::fprintf(stderr, "trunkline: invalid configuration: %s\n", cfg.error().message.c_str());
    return 2;
  }
  return app::runServer(*cfg);
}
