#include "storage/sqlite/database.h"

#include "storage/sqlite/api_key_store.h"
#include "storage/sqlite/schema.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include <random>

namespace trunkline::storage::sqlite {
namespace {
using base::Errc;

// Append only: a released migration is never edited; fix forward with a new one.
const std::vector<Migration> kMigrations = {
    {1, "node identity", "CREATE TABLE node_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
    {2, "configuration, registrations and CDRs", schemaV2()},
    {3, "carrier gateway health", schemaV3()},
    {4, "API keys", schemaV4()},
    {5, "CDR media quality", schemaV5()},
    {6, "SRTP policy of trunks and carriers", schemaV6()},
    {7, "rate decks and CDR rating", schemaV7()},
    // 8 was reserved for balances and never shipped: the next migration is 11, never 8
    // (a database at 10 would skip a later 8).
    {9, "webhooks", schemaV9()},
    {10, "CDR indexes: disposition per account, numbers", schemaV10()},
};

std::string randomNodeId() {
  std::random_device rd;
  std::uniform_int_distribution<int> d(0, 15);
  std::string id;
  for (int i = 0; i < 16; ++i) id += "0123456789abcdef"[d(rd)];
  return id;
}
}  // namespace

const std::vector<Migration>& migrations() {
  return kMigrations;
}

base::Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return base::fail(Errc::Io, fmt::format("{}: cannot open database: {}", path, msg));
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, 5000);
  for (auto pragma :
       {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;", "PRAGMA foreign_keys=ON;"}) {
    if (auto r = db->exec(pragma); !r) return tl::unexpected(r.error());
  }
  if (auto r = db->migrate(); !r) return tl::unexpected(r.error());
  if (auto r = db->loadNodeId(); !r) return tl::unexpected(r.error());
  return db;
}

Database::~Database() {
  // _v2: statements still cached by a repository do not keep the file open forever.
  sqlite3_close_v2(db_);
}

base::Result<void> Database::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return base::fail(Errc::Io, fmt::format("{}: {}", path_, msg));
  }
  return {};
}

base::Result<void> Database::migrate() {
  if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                    "applied_at INTEGER NOT NULL);");
      !r)
    return r;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &st,
                     nullptr);
  version_ = (sqlite3_step(st) == SQLITE_ROW) ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  if (version_ > kMigrations.back().version)
    return base::fail(Errc::Config,
                      fmt::format("{}: schema version {} is newer than this build knows ({}); "
                                  "refusing to run an older trunkline on it",
                                  path_, version_, kMigrations.back().version));
  for (const auto& m : kMigrations) {
    if (m.version <= version_) continue;
    auto body = fmt::format(
        "BEGIN IMMEDIATE; {} INSERT INTO schema_migrations VALUES ({}, '{}', "
        "CAST(strftime('%s','now') AS INTEGER)); COMMIT;",
        m.sql, m.version, m.description);
    if (auto r = exec(body); !r) {
      (void)exec("ROLLBACK;");
      return base::fail(Errc::Io, fmt::format("migration {} ({}) failed: {}", m.version,
                                              m.description, r.error().message));
    }
    version_ = m.version;
  }
  return {};
}

base::Result<void> Database::loadNodeId() {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT value FROM node_meta WHERE key='node_id'", -1, &st, nullptr);
  if (sqlite3_step(st) == SQLITE_ROW) {
    nodeId_ = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return {};
  }
  sqlite3_finalize(st);
  nodeId_ = randomNodeId();
  return exec(fmt::format("INSERT INTO node_meta VALUES ('node_id', '{}');", nodeId_));
}

}  // namespace trunkline::storage::sqlite
