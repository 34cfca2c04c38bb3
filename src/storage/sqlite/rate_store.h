#pragma once
// SQLite RateStore (tables of migration 7: rate_decks, rates, the deck columns of accounts
// and carriers, rating_version). Same rules as SqliteConfigStore: one thread at a time,
// must not outlive the Database.
#include "storage/rate_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/statement.h"

namespace trunkline::storage::sqlite {

/// The SQL of SqliteRateStore::usage (for EXPLAIN QUERY PLAN in tests).
std::string usageSql(bool byAccount);

class SqliteRateStore final : public RateStore {
 public:
  explicit SqliteRateStore(Database& db) : db_(db), stmts_(db) {}

  base::Result<Id> addDeck(RateDeckRecord d) override;
  base::Result<void> updateDeck(RateDeckRecord d) override;
  base::Result<void> removeDeck(Id id) override;
  base::Result<RateDeckRecord> getDeck(Id id) override;
  base::Result<RateDeckRecord> findDeck(std::string_view name) override;
  base::Result<std::vector<RateDeckRecord>> listDecks() override;
  base::Result<std::size_t> countRates(Id deckId) override;

  base::Result<Id> addRate(RateRecord r) override;
  base::Result<std::size_t> importRates(Id deckId, std::span<const RateRecord> rates,
                                        bool replace) override;
  base::Result<void> removeRate(Id deckId, Id rateId) override;
  base::Result<RatePage> listRates(const RatePageQuery& q) override;

  base::Result<void> setAccountPriceDeck(Id accountId, std::optional<Id> deckId) override;
  base::Result<void> setCarrierCostDeck(Id carrierId, std::optional<Id> deckId) override;
  base::Result<std::optional<Id>> accountPriceDeck(Id accountId) override;
  base::Result<std::optional<Id>> carrierCostDeck(Id carrierId) override;

  base::Result<std::vector<UsageDay>> usage(const UsageQuery& q) override;

  base::Result<std::int64_t> ratingVersion() override;
  base::Result<RatingData> loadRating() override;

 private:
  template <class F>
  auto write(F&& f) -> decltype(f());
  base::Result<std::vector<RateDeckRecord>> selectDecks(std::string_view sql,
                                                        std::optional<std::int64_t> iarg,
                                                        std::string_view sarg = {});
  base::Result<void> clearOtherDefault(Id keep);
  base::Result<void> assign(std::string_view table, std::string_view column,
                            std::string_view entity, DeckKind kind, Id ownerId,
                            std::optional<Id> deckId);
  base::Result<std::optional<Id>> assigned(std::string_view table, std::string_view column,
                                           std::string_view entity, Id ownerId);
  // Inserts one validated entry after checking its period against the deck's entries.
  base::Result<Id> insertRate(const RateRecord& r);

  Database& db_;
  StatementCache stmts_;
};

template <class F>
auto SqliteRateStore::write(F&& f) -> decltype(f()) {
  auto txn = WriteTransaction::begin(db_);
  if (!txn) return tl::unexpected(txn.error());
  auto r = f();
  if (!r) return r;
  if (auto c = txn->commit(); !c) return tl::unexpected(c.error());
  return r;
}

}  // namespace trunkline::storage::sqlite
