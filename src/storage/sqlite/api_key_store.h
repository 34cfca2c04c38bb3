#pragma once
// SQLite implementation of ApiKeyStore over the `api_keys` table of migration 4. Same
// rules as the other SQLite stores: one thread at a time, must not outlive the Database.
#include <string_view>

#include "storage/api_key_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/statement.h"

namespace trunkline::storage::sqlite {

/// Migration 4: `api_keys`. A key belongs to an account (removed with it) or to nobody
/// (admin). No config_version trigger: keys are not call configuration.
std::string_view schemaV4();

class SqliteApiKeyStore final : public ApiKeyStore {
 public:
  explicit SqliteApiKeyStore(Database& db) : db_(db), stmts_(db) {}
  base::Result<Id> add(const ApiKey& key) override;
  base::Result<ApiKey> get(Id id) override;
  base::Result<ApiKey> findByPublicId(std::string_view publicId) override;
  base::Result<std::vector<ApiKey>> list(std::optional<Id> accountId) override;
  base::Result<void> revoke(Id id, std::int64_t nowMs) override;

 private:
  base::Result<std::vector<ApiKey>> select(std::string_view sql, std::optional<std::int64_t> iarg,
                                           std::string_view sarg = {});

  Database& db_;
  StatementCache stmts_;
};

}  // namespace trunkline::storage::sqlite
