#pragma once
// Provisioning from the command line until the REST API exists:
//
//   trunkline account  add|list|remove     trunkline carrier add|list|remove
//   trunkline trunk    add|list|remove     trunkline route   add|list|remove
//   trunkline number   add|list|remove     trunkline registration list
//   trunkline provision apply FILE         (declarative TOML, one transaction, idempotent)
//
// Every command opens <--data-dir>/trunkline.db directly (default ./data), without the
// data-directory lock, so it works while the server runs; the server notices the change
// within about a second (storage::SnapshotSource). Passwords become HA1 hashes (MD5 and
// SHA-256) at once and are never stored or printed. Later these commands will talk to the
// REST API instead of the file (see docs/provisioning.md).
//
// Runs on the main thread of a short-lived `trunkline` process; holds no state between
// commands.
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "storage/repository.h"

namespace trunkline::app {

/// What a command did, filled in while CLI11 parses (the commands run as subcommand
/// callbacks).
class ProvisionCommands {
 public:
  /// True when one of the provisioning subcommands was given (it has then already run).
  bool ran() const { return ran_; }
  /// Process exit status of that command: 0 done, 1 refused or failed (message on stderr).
  int exitCode() const { return exitCode_; }

 private:
  friend struct ProvisionAccess;
  bool ran_ = false;
  int exitCode_ = 0;
};

/// Registers the provisioning subcommands on `app`. Output goes to `out`, messages to
/// `err`. After app.parse(): `if (p->ran()) return p->exitCode();`.
std::shared_ptr<ProvisionCommands> addProvisionCommands(CLI::App& app, std::ostream& out,
                                                        std::ostream& err);
/// Same, with std::cout and std::cerr.
std::shared_ptr<ProvisionCommands> addProvisionCommands(CLI::App& app);

/// Only the commands that still work on the database file itself, `registration list`
/// and `provision apply`; main() uses this, the other groups go through the API
/// (cli_commands.h).
std::shared_ptr<ProvisionCommands> addDatabaseCommands(CLI::App& app);

/// Outcome of applying a declarative file.
struct ApplyReport {
  int created = 0;
  int updated = 0;
  int unchanged = 0;
  std::vector<std::string> changes;  // "created trunk acme/pbx1", ...
};

/// Applies a declarative setup (TOML text; `name` is used in "name:line: problem" errors)
/// to `store` in ONE transaction: entities are matched by name (account, account/trunk,
/// carrier, route prefix, number), created when missing, updated when different, left
/// alone when equal, so applying the same file twice changes nothing. Entities absent
/// from the file are kept.
base::Result<ApplyReport> applyProvisioning(storage::ConfigStore& store, const std::string& text,
                                            const std::string& name);
/// Reads `path` and applies it.
base::Result<ApplyReport> applyProvisioningFile(storage::ConfigStore& store,
                                                const std::string& path);

}  // namespace trunkline::app
