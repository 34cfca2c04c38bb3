#include "storage/sqlite/api_key_store.h"

#include <fmt/format.h>

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

std::string_view schemaV4() {
  // account_id NULL = admin key. ON DELETE CASCADE: removing an account removes its keys
  // (they could never be used again, and a stale row must not block the removal).
  return R"sql(
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  public_id TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL CHECK (length(secret_hash) = 64),
  account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX api_keys_account ON api_keys(account_id);
)sql";
}

namespace {
constexpr std::string_view kColumns =
    "SELECT id, public_id, secret_hash, COALESCE(account_id, 0), name, created_ms, revoked_ms "
    "FROM api_keys ";
}

base::Result<std::vector<ApiKey>> SqliteApiKeyStore::select(std::string_view sql,
                                                            std::optional<std::int64_t> iarg,
                                                            std::string_view sarg) {
  auto q = stmts_.get(sql);
  if (!q) return tl::unexpected(q.error());
  if (iarg) q->bind(1, *iarg);
  if (!sarg.empty()) q->bind(1, sarg);
  std::vector<ApiKey> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    ApiKey k;
    k.id = q->i64(0);
    k.publicId = q->text(1);
    k.secretHash = q->text(2);
    k.accountId = q->i64(3);
    k.name = q->text(4);
    k.createdMs = q->i64(5);
    k.revokedMs = q->i64(6);
    out.push_back(std::move(k));
  }
  return out;
}

base::Result<Id> SqliteApiKeyStore::add(const ApiKey& key) {
  if (key.accountId != 0) {
    auto q = stmts_.get("SELECT 1 FROM accounts WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, key.accountId);
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return fail(Errc::NotFound, fmt::format("account {} not found", key.accountId));
  }
  auto q = stmts_.get(
      "INSERT INTO api_keys (public_id, secret_hash, account_id, name, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!q) return tl::unexpected(q.error());
  q->bindAll(key.publicId, key.secretHash, nullptr, key.name, key.createdMs);
  if (key.accountId != 0) q->bind(3, key.accountId);
  if (auto r = q->run(); !r) {
    if (r.error().code == Errc::AlreadyExists)
      return fail(Errc::AlreadyExists, fmt::format("API key id '{}' already exists", key.publicId));
    return tl::unexpected(r.error());
  }
  return sqlite3_last_insert_rowid(db_.handle());
}

base::Result<ApiKey> SqliteApiKeyStore::get(Id id) {
  auto v = select(fmt::format("{} WHERE id = ?1", kColumns), id);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("API key {} not found", id));
  return std::move(v->front());
}

base::Result<ApiKey> SqliteApiKeyStore::findByPublicId(std::string_view publicId) {
  if (publicId.empty()) return fail(Errc::NotFound, "API key '' not found");
  auto v = select(fmt::format("{} WHERE public_id = ?1", kColumns), std::nullopt, publicId);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("API key '{}' not found", publicId));
  return std::move(v->front());
}

base::Result<std::vector<ApiKey>> SqliteApiKeyStore::list(std::optional<Id> accountId) {
  if (!accountId) return select(fmt::format("{} ORDER BY id", kColumns), std::nullopt);
  return select(fmt::format("{} WHERE COALESCE(account_id, 0) = ?1 ORDER BY id", kColumns),
                *accountId);
}

base::Result<void> SqliteApiKeyStore::revoke(Id id, std::int64_t nowMs) {
  auto q = stmts_.get(
      "UPDATE api_keys SET revoked_ms = CASE WHEN revoked_ms = 0 THEN ?2 ELSE revoked_ms END "
      "WHERE id = ?1");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bindAll(id, nowMs).run(); !r) return r;
  if (sqlite3_changes(db_.handle()) == 0)
    return fail(Errc::NotFound, fmt::format("API key {} not found", id));
  return {};
}

}  // namespace trunkline::storage::sqlite
