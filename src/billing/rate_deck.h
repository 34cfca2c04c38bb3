#pragma once
// Rate decks: what a destination costs (carrier decks) or is sold for (customer price
// decks), per minute, by longest E.164 prefix, with effective dates. Plain values, no
// SIP, no I/O.
//
// Money. Final amounts are int64 *minor units* of the deck's currency (cents for USD and
// EUR). Per-minute rates and connection fees are int64 *sub-units*: 1/10,000 of a minor
// unit (for USD, one millionth of a dollar), which holds wholesale rates such as
// 0.004321 USD/min exactly. A call's amount is computed exactly in sub-units and rounded
// once, at the end, to minor units, half up (rating.h). No floating point anywhere.
//
// Threads and lifetime: a RateDeck (and a RatingBook of decks) is built once from plain
// values, validated, and is immutable afterwards: any number of threads may look up in it
// at once without locks. Publish a new one to change rates (the owner typically holds a
// std::atomic<std::shared_ptr<const RatingBook>>, like storage::ConfigSnapshot); a
// `const Rate*` from a lookup is valid as long as the deck it came from is alive.
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::billing {

/// Sub-units per minor unit: rates and fees carry four more decimals than final amounts.
inline constexpr std::int64_t kSubunitsPerMinor = 10'000;
/// Upper bound of a per-minute rate or a connection fee accepted in a deck: 10^9 minor
/// units (ten million dollars). It keeps every product in rating provably inside 128 bits
/// and every final amount inside int64 (see rating.cc); no real deck comes near it.
inline constexpr std::int64_t kMaxRateSub = 1'000'000'000 * kSubunitsPerMinor;
/// Longest prefix a deck accepts (E.164 numbers have at most 15 digits; a few more leave
/// room for carrier-specific routing digits).
inline constexpr std::size_t kMaxPrefixDigits = 20;
/// `Rate::effectiveToMs` of an entry that does not expire.
inline constexpr std::int64_t kForeverMs = std::numeric_limits<std::int64_t>::max();

/// One entry of a deck: the price of calls to destinations starting with `prefix`.
///
/// Billing increments: a call is billed `initialS` seconds for its first (partial) block,
/// then in blocks of `subsequentS` seconds, each rounded up (60/60 = per minute, 30/6,
/// 1/1 = per second). `minimumS` is applied to the talk time before the increments.
/// The entry applies to calls starting in [effectiveFromMs, effectiveToMs) (Unix ms):
/// a call starting exactly at a switch time gets the new entry.
struct Rate {
  storage::Id rateId = 0;          // the row this entry came from (reported with every rating)
  std::string prefix;              // digits of the E.164 number without '+'; "" = any destination
  std::int64_t perMinuteSub = 0;   // sub-units per minute (1/10,000 minor unit)
  std::int64_t connectFeeSub = 0;  // sub-units, once per charged call
  std::uint32_t initialS = 60;
  std::uint32_t subsequentS = 60;
  std::uint32_t minimumS = 0;
  std::int64_t effectiveFromMs = 0;
  std::int64_t effectiveToMs = kForeverMs;

  bool operator==(const Rate&) const = default;
};

/// What a deck is and how it treats zero-length calls.
struct DeckInfo {
  storage::Id id = 0;
  std::string name;
  std::string currency = "USD";  // ISO 4217 code; amounts are in its minor units
  /// Calls with zero billable seconds (not answered, or answered for 0 ms) are free by
  /// default. Some carriers charge their connection fee on those too: set this to charge
  /// `connectFeeSub` (and nothing per minute) for them.
  bool chargeFeeOnZeroDuration = false;

  bool operator==(const DeckInfo&) const = default;
};

/// An immutable deck with longest-prefix lookup by start time.
///
/// Storage: a digit trie in one flat vector (10 child indices per node); each node that
/// ends a prefix owns a run of entries sorted by effectiveFromMs. Lookup walks at most
/// `kMaxPrefixDigits` nodes, collecting the nodes that carry entries, then tries them from
/// the longest: the first whose entries have one in effect at the start time wins. So an
/// expired or not-yet-valid longer prefix falls back to the shorter one in effect.
/// No allocation, no locks, O(digits + log entries per prefix).
class RateDeck {
 public:
  /// Validates and builds. Refused (InvalidArgument, naming the entry): a prefix with a
  /// non-digit or longer than kMaxPrefixDigits, a negative or too large rate or fee
  /// (> kMaxRateSub), initialS or subsequentS of 0, effectiveFromMs >= effectiveToMs, two
  /// entries of one prefix whose periods overlap, a currency that is not three letters A-Z.
  static base::Result<std::shared_ptr<const RateDeck>> build(DeckInfo info,
                                                             std::vector<Rate> rates);

  /// The entry for `destination` ("+4420..." or "4420...") for a call starting at
  /// `startMs`. Null when nothing matches or when `destination` is not 1..32 digits
  /// (with an optional leading '+'): hostile input is a miss, never a crash.
  const Rate* find(std::string_view destination, std::int64_t startMs) const;
  /// Whether `destination` is something find() looks up at all: 1..32 digits, with an
  /// optional leading '+'.
  static bool validDestination(std::string_view destination);

  const DeckInfo& info() const { return info_; }
  std::size_t size() const { return rates_.size(); }
  /// Trie nodes (memory is about 48 bytes each); for sizing and the benchmark.
  std::size_t nodeCount() const { return nodes_.size(); }

 private:
  struct Node {
    std::array<std::uint32_t, 10> child{};  // 0 = none (the root is never a child)
    std::uint32_t first = 0;                // entries [first, first + count) of rates_
    std::uint32_t count = 0;
  };
  RateDeck() = default;
  const Rate* inEffect(const Node& node, std::int64_t startMs) const;

  DeckInfo info_;
  std::vector<Rate> rates_;  // grouped by prefix (in trie order), sorted by from
  std::vector<Node> nodes_;  // nodes_[0] is the root (prefix "")
};

/// Which decks price whose calls: one cost deck per carrier; customer price decks (price
/// plans) assigned per account, with an optional default plan for accounts without one.
struct RatingBookSpec {
  std::vector<std::shared_ptr<const RateDeck>> decks;
  std::unordered_map<storage::Id, storage::Id> carrierDeck;  // carrier id → deck id
  std::unordered_map<storage::Id, storage::Id> accountDeck;  // account id → deck id
  storage::Id defaultPriceDeck = 0;                          // 0 = none
};

/// The decks in force, as one immutable value (see the header comment for threads).
class RatingBook {
 public:
  /// Refused (InvalidArgument): a null deck, two decks with one id, a mapping to a deck id
  /// that is not in `decks`.
  static base::Result<std::shared_ptr<const RatingBook>> build(RatingBookSpec spec);

  /// The cost deck of a carrier; null when the carrier has none.
  const RateDeck* carrierDeck(storage::Id carrierId) const;
  /// The account's price deck, else the default plan; null when neither exists.
  const RateDeck* priceDeck(storage::Id accountId) const;

 private:
  RatingBook() = default;
  std::vector<std::shared_ptr<const RateDeck>> decks_;  // keeps the pointers below alive
  std::unordered_map<storage::Id, const RateDeck*> byCarrier_;
  std::unordered_map<storage::Id, const RateDeck*> byAccount_;
  const RateDeck* defaultPrice_ = nullptr;
};

}  // namespace trunkline::billing
