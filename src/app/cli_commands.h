#pragma once
// The CLI commands that go through the REST API (docs/cli.md):
//
//   trunkline account|trunk|number|carrier|route add|list|remove ...
//   trunkline carrier status | apikey create|list|revoke | cdrs [filters]
//
// Every command builds the API request from its options, sends it over the transport
// chosen by the connection options (cli_client.h: the node's control socket when a node
// answers on it, `--api URL` with a key, or `--offline` / no node: the API's handlers on
// the database file) and prints the answer as an aligned table or, with --json, the
// API's JSON. Validation is the API's; errors are its problem+json, printed on one line.
//
// Adding an entity is a table: its options and the JSON field each fills, its columns
// (cli_entities.cc). Main thread of a short-lived process; nothing kept between commands.
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/cli_client.h"
#include "app/cli_table.h"

namespace trunkline::app::cli {

/// A command's outcome as an exit status and, when not 0, the line printed on stderr.
struct Failure {
  int exitCode = 1;
  std::string message;
};
template <class T>
using Outcome = tl::expected<T, Failure>;

/// How to reach the API: filled from the connection options of a leaf command.
struct Connection {
  std::string dataDir = "./data";
  std::string configPath;  // node config: its data_dir, control socket and realm
  std::string socketPath;  // explicit control socket
  std::string apiUrl;      // --api (or TRUNKLINE_API)
  std::string keyFile;
  std::string caFile;
  bool insecure = false;
  bool offline = false;
  unsigned timeoutS = 15;
};

/// Picks the transport for `c` (see the file comment); `note` gets a line for --verbose.
Outcome<std::unique_ptr<ApiTransport>> connect(const Connection& c);

/// What a running command has: the transport, its streams, and lookups with a cache.
class Context {
 public:
  Context(ApiTransport& api, std::ostream& out, std::ostream& err)
      : out(out), err(err), api_(api) {}

  /// One request; 2xx → the parsed body (null for an empty one), else the API's
  /// problem as a Failure.
  Outcome<Json> call(const std::string& method, const std::string& target,
                     const Json* body = nullptr);
  /// Every item of a list resource, following next_cursor (bounded).
  Outcome<Json> listAll(const std::string& path, const std::string& query = "");
  /// The item of `path` whose `field` equals `value` (a string), or a "no such" Failure.
  Outcome<Json> findBy(const std::string& path, const std::string& field, const std::string& value,
                       const std::string& what);
  /// The `name` of item `id` of `path` (the list loaded once), or the id as text.
  std::string nameOf(const std::string& path, const Json& id);

  std::ostream& out;
  std::ostream& err;

 private:
  ApiTransport& api_;
  std::map<std::string, Json> lists_;
};

/// The values a leaf command's options received, by option name ("--ip").
struct Values {
  std::map<std::string, std::string> one;
  std::map<std::string, std::vector<std::string>> many;
  std::map<std::string, bool> flags;
  bool json = false;

  bool has(const std::string& o) const;
  std::string get(const std::string& o, const std::string& fallback = "") const;
  const std::vector<std::string>& list(const std::string& o) const;
  bool flag(const std::string& o) const;
};

/// An option of a leaf command and where its value goes.
struct Opt {
  enum class Kind { Text, List, Flag };
  std::string name;  // "--ip" or "-n,--name" (the last long name is the key)
  Kind kind = Kind::Text;
  std::string help;
  bool required = false;
};

/// A leaf command: its options and what it does with their values.
struct Leaf {
  std::string name;  // "add"
  std::string help;
  std::vector<Opt> opts;
  bool json = true;  // offers --json
  std::function<Outcome<void>(Context&, const Values&)> run;
};

/// A command group ("trunk") with its leaves.
struct Group {
  std::string name;
  std::string help;
  std::vector<Leaf> leaves;
};

/// The API-backed groups (cli_entities.cc).
std::vector<Group> apiGroups();

/// Holds what ran, for main(): `if (r->ran) return r->exitCode;`.
struct CommandResult {
  bool ran = false;
  int exitCode = 0;
};

/// Registers apiGroups() on `app` (each leaf with the connection options). When a group
/// of that name exists already (e.g. `carrier` with offline-only leaves), the leaves are
/// added to it.
std::shared_ptr<CommandResult> addApiCommands(CLI::App& app, std::ostream& out, std::ostream& err);

/// JSON number for an option value: an integer when it is one, else the text itself (the
/// API then names the field and why it is refused).
Json numberOrText(const std::string& v);

/// A table of `items` or, with --json, the items themselves as a JSON array.
void printItems(Context& ctx, const Values& v, const std::vector<Column>& columns,
                const Json& items);

}  // namespace trunkline::app::cli
