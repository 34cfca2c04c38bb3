#pragma once
// Small helpers over the SQLite C API for the repositories: a per-connection cache of
// prepared statements, a scoped Query that binds parameters and resets its statement, and
// a write transaction guard that nests (BEGIN IMMEDIATE outside, SAVEPOINT inside). All
// user values go through bind parameters. Same thread rules as Database.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "storage/sqlite/database.h"

namespace trunkline::storage::sqlite {

/// Maps a failed SQLite call to an Error: constraint failures become AlreadyExists
/// (UNIQUE/PRIMARY KEY) or InvalidArgument (FOREIGN KEY/CHECK); the rest Io.
base::Error sqliteError(sqlite3* db, int rc, std::string_view context);

/// A cached statement in use: bind, step, read columns. Resets and clears the statement
/// when it goes out of scope so the cache can hand it out again.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  Query(Query&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Query& operator=(Query&&) = delete;
  ~Query();

  Query& bind(int index, std::int64_t v);
  Query& bind(int index, std::string_view v);
  Query& bindNull(int index);
  /// Binds arguments to ?1, ?2, ... in order.
  template <class... A>
  Query& bindAll(const A&... args) {
    int i = 0;
    (bindOne(++i, args), ...);
    return *this;
  }

  /// true: a row is available; false: done.
  base::Result<bool> step();
  /// Steps to completion (statements without rows).
  base::Result<void> run();

  std::int64_t i64(int col) const { return sqlite3_column_int64(st_, col); }
  std::string text(int col) const;
  bool isNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }

 private:
  template <class T>
  void bindOne(int i, const T& v) {
    if constexpr (std::is_same_v<T, std::nullptr_t>)
      bindNull(i);
    else if constexpr (std::is_convertible_v<const T&, std::string_view>)
      bind(i, std::string_view(v));
    else
      bind(i, static_cast<std::int64_t>(v));
  }
  sqlite3* db_;
  sqlite3_stmt* st_;
};

/// Prepared statements of one connection, prepared on first use and kept. Must not
/// outlive its Database.
class StatementCache {
 public:
  explicit StatementCache(Database& db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  /// The statement for `sql` (a constant of the calling code, never built from user input).
  base::Result<Query> get(std::string_view sql);
  Database& database() { return db_; }

 private:
  Database& db_;
  std::unordered_map<std::string, sqlite3_stmt*> stmts_;
};

/// A write transaction: BEGIN IMMEDIATE (so writers queue on the busy timeout instead of
/// failing half-way) or, when a transaction is already open on the connection, a
/// SAVEPOINT inside it. Rolls back unless commit() is called.
class WriteTransaction {
 public:
  static base::Result<WriteTransaction> begin(Database& db);
  WriteTransaction(WriteTransaction&& o) noexcept : db_(o.db_), nested_(o.nested_), open_(o.open_) {
    o.open_ = false;
  }
  WriteTransaction& operator=(WriteTransaction&&) = delete;
  ~WriteTransaction();
  base::Result<void> commit();

 private:
  WriteTransaction(Database& db, bool nested) : db_(&db), nested_(nested), open_(true) {}
  Database* db_;
  bool nested_;
  bool open_;
};

/// A read transaction (consistent snapshot of several queries); joins an open one.
class ReadTransaction {
 public:
  explicit ReadTransaction(Database& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Database& db_;
  bool owns_ = false;
};

}  // namespace trunkline::storage::sqlite
