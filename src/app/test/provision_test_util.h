#pragma once
// Drives the provisioning commands in-process, as `trunkline ARGS...` would.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "app/provision.h"

namespace trunkline::app::testing {

struct CliResult {
  int code = -1;  // exit status; -1 when no provisioning command ran
  std::string out;
  std::string err;
};

inline CliResult runCli(std::vector<std::string> args) {
  CLI::App app{"trunkline", "trunkline"};
  app.require_subcommand(0, 1);
  std::ostringstream out, err;
  auto p = addProvisionCommands(app, out, err);
  args.insert(args.begin(), "trunkline");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  CliResult r;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    r.code = p->ran() ? p->exitCode() : -1;
  } catch (const CLI::ParseError& e) {
    r.code = app.exit(e, out, err);
  }
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline std::string freshDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("tl-prov-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

}  // namespace trunkline::app::testing
