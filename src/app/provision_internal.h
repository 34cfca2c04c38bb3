#pragma once
// Pieces shared by the provisioning sources (provision*.cc); not a public interface.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/provision.h"
#include "base/result.h"
#include "storage/model.h"
#include "storage/repository.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"

namespace trunkline::app {

struct ProvisionAccess {
  static void finish(ProvisionCommands& p, int code) {
    p.ran_ = true;
    p.exitCode_ = code;
  }
};

namespace provision {

/// Lowercase hex HA1 = H(username ":" realm ":" password) with "MD5" or "SHA-256".
std::string ha1(std::string_view algorithm, std::string_view username, std::string_view realm,
                std::string_view password);
/// A credential holding only the two HA1 hashes of `password`.
storage::DigestCredential makeCredential(std::string username, std::string realm,
                                         std::string_view password);

/// The first line of `in` without its line ending; error when empty.
base::Result<std::string> readPasswordLine(std::istream& in);

/// "udp:198.51.100.7:5060:prio=1:weight=10"; IPv6 hosts in brackets; port, prio and
/// weight optional (5060, 1, 1).
base::Result<storage::Gateway> parseGatewaySpec(std::string_view spec);
/// A carrier named in a route: "telco:prio=1:weight=5" (prio/weight optional).
struct CarrierRef {
  std::string name;
  std::uint32_t priority = 1;
  std::uint32_t weight = 1;
};
base::Result<CarrierRef> parseCarrierRef(std::string_view spec);
/// A number's backup: "trunk:NAME" (a trunk of the same account) or "external:+E164".
struct BackupRef {
  storage::BackupDestination::Kind kind = storage::BackupDestination::Kind::Trunk;
  std::string value;  // trunk name or E.164
};
base::Result<BackupRef> parseBackupSpec(std::string_view spec);
/// "408,500,503" → codes.
base::Result<std::vector<int>> parseCodes(std::string_view list);
std::vector<std::string> splitComma(std::string_view s);

/// Prints rows under a header, columns padded to their widest cell.
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);
std::string join(const std::vector<std::string>& v, std::string_view sep = ",");

/// JSON views for `list --json` (HA1 hashes are never printed: they are password
/// equivalents for digest).
nlohmann::json toJson(const storage::Account& a);
nlohmann::json toJson(const storage::Trunk& t, const std::string& account);
nlohmann::json toJson(const storage::Carrier& c);

/// An open database and store for one command.
struct Session {
  std::ostream& out;
  std::ostream& err;
  std::unique_ptr<storage::sqlite::Database> db;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> store;
};

/// Shared by every command: its output streams and the result holder.
struct Runner {
  std::ostream& out;
  std::ostream& err;
  std::shared_ptr<ProvisionCommands> result;

  /// Opens <dataDir>/trunkline.db (creating the directory), runs `body`, reports an error
  /// as "trunkline: message" and records the exit code.
  void run(const std::string& dataDir, const std::function<base::Result<void>(Session&)>& body);
};

/// Adds --data-dir to a leaf command.
void addDataDir(CLI::App* cmd, std::string& dataDir);
/// The `--account NAME` filter of list commands: nullopt (all) when `name` is empty,
/// else that account's id (NotFound error if there is none).
base::Result<std::optional<storage::Id>> accountFilter(Session& s, const std::string& name);

/// Registration of the command groups (provision.cc and provision_routing.cc).
void addAccountCommands(CLI::App& app, const std::shared_ptr<Runner>& runner);
void addTrunkCommands(CLI::App& app, const std::shared_ptr<Runner>& runner);
void addNumberCommands(CLI::App& app, const std::shared_ptr<Runner>& runner);
void addCarrierCommands(CLI::App& app, const std::shared_ptr<Runner>& runner);
void addRouteCommands(CLI::App& app, const std::shared_ptr<Runner>& runner);
void addRegistrationCommands(CLI::App& app, const std::shared_ptr<Runner>& runner);
void addApplyCommand(CLI::App& app, const std::shared_ptr<Runner>& runner);

}  // namespace provision
}  // namespace trunkline::app
