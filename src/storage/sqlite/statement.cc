#include "storage/sqlite/statement.h"

#include <fmt/format.h>

namespace trunkline::storage::sqlite {

using base::Errc;

base::Error sqliteError(sqlite3* db, int rc, std::string_view context) {
  const int ext = sqlite3_extended_errcode(db);
  Errc code = Errc::Io;
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
      code = Errc::AlreadyExists;
    else
      code = Errc::InvalidArgument;
  } else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    code = Errc::Unavailable;
  }
  return base::Error{code, fmt::format("{}: {}", context, sqlite3_errmsg(db))};
}

Query::~Query() {
  if (st_) {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
}

Query& Query::bind(int index, std::int64_t v) {
  sqlite3_bind_int64(st_, index, v);
  return *this;
}

Query& Query::bind(int index, std::string_view v) {
  sqlite3_bind_text(st_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Query& Query::bindNull(int index) {
  sqlite3_bind_null(st_, index);
  return *this;
}

base::Result<bool> Query::step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(sqliteError(db_, rc, "database"));
}

base::Result<void> Query::run() {
  for (;;) {
    auto r = step();
    if (!r) return tl::unexpected(r.error());
    if (!*r) return {};
  }
}

std::string Query::text(int col) const {
  const auto* p = sqlite3_column_text(st_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
}

StatementCache::~StatementCache() {
  for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
}

base::Result<Query> StatementCache::get(std::string_view sql) {
  auto it = stmts_.find(std::string(sql));
  if (it == stmts_.end()) {
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_.handle(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) return tl::unexpected(sqliteError(db_.handle(), rc, "prepare"));
    it = stmts_.emplace(std::string(sql), st).first;
  } else if (sqlite3_stmt_busy(it->second)) {
    // A Query over this statement is still open further up the stack: handing it out again
    // would reset the caller's cursor under it. A programming error in the store.
    return base::fail(Errc::Internal, fmt::format("statement already in use: {}", sql));
  }
  return Query(db_.handle(), it->second);
}

base::Result<WriteTransaction> WriteTransaction::begin(Database& db) {
  const bool nested = sqlite3_get_autocommit(db.handle()) == 0;
  if (auto r = db.exec(nested ? "SAVEPOINT tl_write;" : "BEGIN IMMEDIATE;"); !r)
    return tl::unexpected(r.error());
  return WriteTransaction(db, nested);
}

WriteTransaction::~WriteTransaction() {
  if (!open_) return;
  if (nested_)
    (void)db_->exec("ROLLBACK TO tl_write; RELEASE tl_write;");
  else
    (void)db_->exec("ROLLBACK;");
}

base::Result<void> WriteTransaction::commit() {
  open_ = false;
  auto r = db_->exec(nested_ ? "RELEASE tl_write;" : "COMMIT;");
  if (!r && !nested_) (void)db_->exec("ROLLBACK;");
  return r;
}

ReadTransaction::ReadTransaction(Database& db) : db_(db) {
  if (sqlite3_get_autocommit(db.handle()) != 0) owns_ = static_cast<bool>(db.exec("BEGIN;"));
}

ReadTransaction::~ReadTransaction() {
  if (owns_) (void)db_.exec("COMMIT;");
}

}  // namespace trunkline::storage::sqlite
