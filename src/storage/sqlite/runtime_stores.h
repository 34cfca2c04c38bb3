#pragma once
// SQLite implementations of the runtime stores: registration bindings and CDRs. Same
// rules as SqliteConfigStore: one thread at a time, must not outlive the Database.
#include "storage/repository.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/statement.h"

namespace trunkline::storage::sqlite {

class SqliteRegistrationStore final : public RegistrationStore {
 public:
  explicit SqliteRegistrationStore(Database& db) : db_(db), stmts_(db) {}
  base::Result<void> upsert(const Registration& r) override;
  base::Result<void> remove(Id trunkId, std::string_view aor, std::string_view contact) override;
  base::Result<std::vector<Registration>> list(std::optional<Id> trunkId) override;
  base::Result<std::size_t> expire(std::int64_t nowMs) override;

 private:
  Database& db_;
  StatementCache stmts_;
};

/// Gateway health rows (`gateway_status`, migration 3).
class SqliteGatewayStatusStore final : public GatewayStatusStore {
 public:
  explicit SqliteGatewayStatusStore(Database& db) : db_(db), stmts_(db) {}
  base::Result<void> replaceAll(std::string_view nodeId,
                                std::span<const GatewayStatus> rows) override;
  base::Result<std::vector<Row>> list() override;

 private:
  Database& db_;
  StatementCache stmts_;
};

/// CDRs: `cdrs` plus `cdr_attempts`. Queries use the (account|trunk, start) indexes for
/// filtered ranges and the id for the cursor.
class SqliteCdrStore final : public CdrStore {
 public:
  explicit SqliteCdrStore(Database& db) : db_(db), stmts_(db) {}
  base::Result<std::size_t> insertBatch(std::span<const Cdr> cdrs) override;
  base::Result<CdrPage> query(const CdrQuery& q) override;

 private:
  Database& db_;
  StatementCache stmts_;
};

}  // namespace trunkline::storage::sqlite
