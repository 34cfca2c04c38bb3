// trunkline: the SIP trunking node.
//
//   trunkline [run] [--config FILE] [--listen SPEC]... [--data-dir DIR] [--log-level L]
//   trunkline check-config [--config FILE] [...same overrides]
//   trunkline account|trunk|number|carrier|route add|list|remove, carrier status, cdrs,
//   trunkline apikey create|list|revoke         (through the API: app/cli_commands.h)
//   trunkline registration list | provision apply FILE   (on the database file)
//   trunkline --version | --help
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "api/auth.h"
#include "app/bandwidth_cmd.h"
#include "app/cli_commands.h"
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
  auto provisioning = app::addDatabaseCommands(app);
  auto viaApi = app::cli::addApiCommands(app, std::cout, std::cerr);
  auto bandwidth = app::addBandwidthCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (provisioning->ran()) return provisioning->exitCode();
  if (viaApi->ran) return viaApi->exitCode;
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
