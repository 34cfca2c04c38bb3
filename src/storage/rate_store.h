#pragma once
// RateStore: rate decks, their entries and which deck rates whom (accounts.price_deck_id,
// carriers.cost_deck_id), behind an interface like the other repositories
// (repository.h): blocking, for a storage thread, the API thread or the CLI; never a SIP
// thread (those read the billing::RatingBook that billing::RatingSource publishes).
//
// Every write changes ratingVersion() (and the configuration version) in its transaction.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::storage {

/// Everything rating needs, read in one transaction.
struct RatingData {
  std::int64_t version = 0;
  std::vector<RateDeckRecord> decks;
  std::vector<RateRecord> rates;                // every deck's, grouped by deck id
  std::unordered_map<Id, Id> accountPriceDeck;  // account → deck (only assigned ones)
  std::unordered_map<Id, Id> carrierCostDeck;   // carrier → deck
};

struct RatePageQuery {
  Id deckId = 0;
  Id afterId = 0;           // cursor
  std::size_t limit = 100;  // 1..1000
  std::string prefix;       // "" = all; else entries whose prefix starts with this
};

struct RatePage {
  std::vector<RateRecord> rates;
  std::optional<Id> nextCursor;
};

/// Usage summary query: CDRs whose start is in [fromMs, toMs), of one account or all.
struct UsageQuery {
  std::optional<Id> accountId;
  std::int64_t fromMs = 0;
  std::int64_t toMs = 0;
};

/// One account's CDRs of one UTC day (and one pair of currencies: a deck change within a
/// day can split it). Amounts are minor units of their currency ("" = not rated).
struct UsageDay {
  Id accountId = 0;
  std::int64_t dayStartMs = 0;  // midnight UTC
  std::string priceCurrency;
  std::string costCurrency;
  std::int64_t calls = 0;
  std::int64_t answered = 0;
  std::int64_t billableS = 0;
  std::int64_t talkMs = 0;  // sum of durationMs of answered calls
  std::int64_t costMinor = 0;
  std::int64_t priceMinor = 0;
  std::int64_t marginMinor = 0;
  bool hasMargin = false;  // some call had a margin (both sides rated, same currency)
};

class RateStore {
 public:
  virtual ~RateStore() = default;

  /// Validated: name (as other names), currency three letters A-Z, is_default only for a
  /// price deck (setting it clears the flag of the previous default).
  virtual base::Result<Id> addDeck(RateDeckRecord d) = 0;
  /// Name, currency (only while the deck has no entries), default flag, fee rule. The
  /// kind never changes (an assigned deck would change meaning).
  virtual base::Result<void> updateDeck(RateDeckRecord d) = 0;
  /// Refused (InvalidArgument) while an account or carrier uses the deck; its entries go.
  virtual base::Result<void> removeDeck(Id id) = 0;
  virtual base::Result<RateDeckRecord> getDeck(Id id) = 0;
  virtual base::Result<RateDeckRecord> findDeck(std::string_view name) = 0;
  virtual base::Result<std::vector<RateDeckRecord>> listDecks() = 0;
  /// Entries in a deck.
  virtual base::Result<std::size_t> countRates(Id deckId) = 0;

  /// One entry, validated alone and against the deck (no overlapping period of the same
  /// prefix). The message names the field ("prefix", "per_minute_sub", ...).
  virtual base::Result<Id> addRate(RateRecord r) = 0;
  /// Many entries, all or nothing. With `replace`, the deck's entries are replaced. An
  /// error names the index of the first bad entry ("rate 12: ...").
  virtual base::Result<std::size_t> importRates(Id deckId, std::span<const RateRecord> rates,
                                                bool replace) = 0;
  virtual base::Result<void> removeRate(Id deckId, Id rateId) = 0;
  virtual base::Result<RatePage> listRates(const RatePageQuery& q) = 0;

  /// Which deck prices an account's calls (kind price; nullopt = the default deck) and
  /// what a carrier charges (kind cost; nullopt = none). NotFound for an unknown account,
  /// carrier or deck; InvalidArgument naming the kind for a deck of the wrong kind.
  virtual base::Result<void> setAccountPriceDeck(Id accountId, std::optional<Id> deckId) = 0;
  virtual base::Result<void> setCarrierCostDeck(Id carrierId, std::optional<Id> deckId) = 0;
  virtual base::Result<std::optional<Id>> accountPriceDeck(Id accountId) = 0;
  virtual base::Result<std::optional<Id>> carrierCostDeck(Id carrierId) = 0;

  /// Per account, per UTC day totals of the CDRs (an aggregate over the cdrs table on its
  /// (account_id, start_ms) index when an account is given), ordered by account and day.
  virtual base::Result<std::vector<UsageDay>> usage(const UsageQuery& q) = 0;

  virtual base::Result<std::int64_t> ratingVersion() = 0;
  virtual base::Result<RatingData> loadRating() = 0;
};

/// Validation shared by the stores and the API (messages name the field).
base::Result<void> validateDeck(const RateDeckRecord& d);
base::Result<void> validateRate(const RateRecord& r);
std::string_view deckKindName(DeckKind k);
std::optional<DeckKind> parseDeckKind(std::string_view s);

}  // namespace trunkline::storage
