#pragma once
// SQLite implementation of ConfigStore (tables of migration 2, schema.cc). Owns a
// statement cache over a Database it borrows: one storage thread (or the CLI process)
// uses it; it must not outlive the Database. Split by entity: config_store.cc (accounts,
// version, loading, transactions), config_trunks.cc, config_numbers.cc,
// config_carriers.cc (carriers and routes).
#include <map>

#include "storage/repository.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/statement.h"

namespace trunkline::storage::sqlite {

class SqliteConfigStore final : public ConfigStore {
 public:
  explicit SqliteConfigStore(Database& db) : db_(db), stmts_(db) {}

  base::Result<Id> addAccount(Account a) override;
  base::Result<void> updateAccount(Account a) override;
  base::Result<void> removeAccount(Id id) override;
  base::Result<Account> getAccount(Id id) override;
  base::Result<Account> findAccount(std::string_view name) override;
  base::Result<std::vector<Account>> listAccounts() override;

  base::Result<Id> addTrunk(Trunk t) override;
  base::Result<void> updateTrunk(Trunk t) override;
  base::Result<void> removeTrunk(Id id) override;
  base::Result<Trunk> getTrunk(Id id) override;
  base::Result<Trunk> findTrunk(Id accountId, std::string_view name) override;
  base::Result<std::vector<Trunk>> listTrunks(std::optional<Id> accountId) override;

  base::Result<Id> addNumber(Number n) override;
  base::Result<void> updateNumber(Number n) override;
  base::Result<void> removeNumber(Id id) override;
  base::Result<Number> findNumber(std::string_view e164) override;
  base::Result<std::vector<Number>> listNumbers(std::optional<Id> accountId) override;

  base::Result<Id> addCarrier(Carrier c) override;
  base::Result<void> updateCarrier(Carrier c) override;
  base::Result<void> removeCarrier(Id id) override;
  base::Result<Carrier> getCarrier(Id id) override;
  base::Result<Carrier> findCarrier(std::string_view name) override;
  base::Result<std::vector<Carrier>> listCarriers() override;

  base::Result<Id> addRoute(Route r) override;
  base::Result<void> updateRoute(Route r) override;
  base::Result<void> removeRoute(Id id) override;
  base::Result<Route> findRoute(std::string_view prefix) override;
  base::Result<std::vector<Route>> listRoutes() override;

  base::Result<std::int64_t> configVersion() override;
  base::Result<ConfigData> loadAll() override;
  base::Result<void> transaction(const std::function<base::Result<void>()>& body) override;

 private:
  // Runs `f` inside a WriteTransaction; commits when it succeeds.
  template <class F>
  auto write(F&& f) -> decltype(f());
  // DELETE FROM `table` WHERE id = `id`; NotFound ("<entity> <id> not found") if no row.
  // `table` is one of ours, never user input.
  base::Result<void> deleteRow(std::string_view table, std::string_view entity, Id id);

  base::Result<std::vector<Account>> selectAccounts(std::string_view where, std::int64_t arg);
  base::Result<std::vector<Trunk>> selectTrunks(std::string_view sql,
                                                std::optional<std::int64_t> arg);
  base::Result<void> writeTrunkChildren(const Trunk& t);
  base::Result<void> checkTrunkUnique(const Trunk& t);
  base::Result<std::vector<Number>> selectNumbers(std::string_view sql,
                                                  std::optional<std::int64_t> iarg,
                                                  std::string_view sarg = {});
  base::Result<void> checkNumberRefs(const Number& n);
  base::Result<void> writeNumberChildren(const Number& n);
  base::Result<std::vector<Carrier>> selectCarriers(std::string_view sql,
                                                    std::optional<std::int64_t> iarg,
                                                    std::string_view sarg = {});
  base::Result<void> writeCarrierChildren(const Carrier& c);
  base::Result<std::vector<Route>> selectRoutes(std::string_view sql,
                                                std::optional<std::string_view> prefix);
  base::Result<void> checkRouteRefs(const Route& r);
  base::Result<void> writeRouteChildren(const Route& r);
  base::Result<std::string> accountName(Id id);
  base::Result<std::string> trunkLabel(Id id);

  Database& db_;
  StatementCache stmts_;
};

template <class F>
auto SqliteConfigStore::write(F&& f) -> decltype(f()) {
  auto txn = WriteTransaction::begin(db_);
  if (!txn) return tl::unexpected(txn.error());
  auto r = f();
  if (!r) return r;
  if (auto c = txn->commit(); !c) return tl::unexpected(c.error());
  return r;
}

/// Helpers shared by the config_*.cc files.
namespace detail {
std::string joinList(const std::vector<std::string>& v, char sep = ',');
std::vector<std::string> splitList(std::string_view s, char sep = ',');
}  // namespace detail

}  // namespace trunkline::storage::sqlite
