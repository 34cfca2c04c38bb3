#pragma once
// The embedded default store: one SQLite file in the node's data directory.
//
// Database owns one connection, opened in WAL mode with full fsync (a CDR reported as
// written must survive a crash), and brings the schema up to date with numbered,
// append-only migrations at open. Not thread-safe: owned by the storage thread that
// uses it; SIP threads never call it (they read in-memory snapshots).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct sqlite3;

namespace trunkline::storage::sqlite {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

class Database {
 public:
  /// Opens (creating if needed) `path` and applies pending migrations in one transaction
  /// each. Errors name the file and the failing step.
  static base::Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Highest migration applied.
  int schemaVersion() const { return version_; }
  /// This node's persistent identity (created with the database).
  const std::string& nodeId() const { return nodeId_; }
  const std::string& path() const { return path_; }
  /// Runs statements without results; error text carries SQLite's message.
  base::Result<void> exec(std::string_view sql);
  sqlite3* handle() { return db_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  base::Result<void> migrate();
  base::Result<void> loadNodeId();

  sqlite3* db_;
  std::string path_;
  int version_ = 0;
  std::string nodeId_;
};

/// The migrations this build knows, in order.
const std::vector<Migration>& migrations();

}  // namespace trunkline::storage::sqlite
