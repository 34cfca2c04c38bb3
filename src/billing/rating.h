#pragma once
// Rating: the cost (carrier deck) and price (customer deck) of one call, from its billable
// seconds, start time and destination. Pure functions on plain values; callable from any
// thread; no allocation except a matched prefix longer than the string's inline buffer.
//
// The rules, in order, for one deck entry and `billableS` whole seconds of talk time
// (storage::Cdr::billableS, already rounded up from milliseconds):
//   1. billableS == 0 (not answered, or 0 ms of talk): nothing is billed (billedS 0). The
//      connection fee is charged only when the deck says so (chargeFeeOnZeroDuration).
//   2. The minimum duration applies first: t = max(billableS, minimumS).
//   3. Then the increments: t <= initialS bills initialS; beyond that, the rest is billed
//      in blocks of subsequentS seconds, the last one rounded up. So with 60/60, 59 s and
//      60 s bill 60 and 61 s bills 120; with 30/6, 31 s bills 36.
//   4. amount = connectFee + perMinute * billedS / 60, computed exactly in sub-units and
//      rounded once to minor units, half up (0.5 cent → 1 cent). Each side of a call is
//      rounded on its own; margin = price - cost of the rounded amounts.
// With deck values inside RateDeck's bounds no step can overflow (products are taken in
// 128 bits, the largest possible amount is below 2^58 minor units); a Rate outside them
// (not from a deck) is refused, never wrapped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "billing/rate_deck.h"
#include "storage/model.h"

namespace trunkline::billing {

/// Seconds billed for `billableS` under `rate`'s minimum and increments (rules 1-3).
/// 0 for 0. At most 2^33, so it never overflows.
std::uint64_t billedSeconds(const Rate& rate, std::uint32_t billableS);

/// What a call costs under one entry.
struct Charge {
  std::uint64_t billedS = 0;
  std::int64_t amountMinor = 0;
};

/// Rules 1-4 for one entry. nullopt only when the rate or fee is negative or above
/// kMaxRateSub, or an increment is 0 (never for entries of a RateDeck).
std::optional<Charge> chargeFor(const Rate& rate, std::uint32_t billableS,
                                bool feeOnZeroDuration = false);

/// Why one side of a call has no amount.
enum class Unrated : std::uint8_t {
  None,           // rated
  NoDeck,         // no deck for this carrier / account
  InvalidNumber,  // the destination is not 1..32 digits (optional leading '+')
  NoMatch,        // no prefix of the destination has an entry in effect at the start time
  OutOfRange,     // the entry's amounts are outside the accepted bounds
};
std::string_view unratedName(Unrated u);

/// One side of a rated call.
struct LegRating {
  Unrated unrated = Unrated::NoDeck;
  storage::Id deckId = 0;
  storage::Id rateId = 0;
  std::string prefix;         // the matched prefix ("" = the deck's default entry)
  std::uint64_t billedS = 0;  // after minimum and increments
  std::int64_t amountMinor = 0;

  bool rated() const { return unrated == Unrated::None; }
  bool operator==(const LegRating&) const = default;
};

/// Both sides of a call.
struct CallRating {
  LegRating cost;   // what the carrier charges us
  LegRating price;  // what we charge the customer
  /// price - cost, when both sides are rated and their decks have one currency (no
  /// exchange rates here).
  std::optional<std::int64_t> marginMinor;

  bool operator==(const CallRating&) const = default;
};

/// The inputs rating needs, as plain values (see callFromCdr for where they come from).
struct CallToRate {
  storage::Id accountId = 0;     // selects the price deck
  storage::Id carrierId = 0;     // selects the cost deck; 0 = no carrier leg
  std::string_view destination;  // E.164, "+..." or digits; must outlive the call
  std::int64_t startMs = 0;      // selects the entries in effect (Unix ms)
  std::uint32_t billableS = 0;   // whole seconds of talk time
};

/// Inputs from a finished CDR: its account, destination (toE164), start time (the INVITE,
/// startMs) and billableS; the carrier is that of the answered attempt (2xx), else of the
/// last attempt that went to a carrier. The view points into `cdr`. Meant for outbound
/// CDRs: an inbound CDR's destination is our DID, which the account's outbound price deck
/// would price as if it were dialled (inbound/DID pricing is not modelled yet).
CallToRate callFromCdr(const storage::Cdr& cdr);

/// One side: finds the entry in `deck` (null = NoDeck) and charges it.
LegRating rateLeg(const RateDeck* deck, std::string_view destination, std::int64_t startMs,
                  std::uint32_t billableS);

/// Both sides with the given decks (either may be null).
CallRating rateCall(const CallToRate& call, const RateDeck* carrierDeck, const RateDeck* priceDeck);
/// Both sides with the decks the book assigns to the call's carrier and account.
CallRating rateCall(const RatingBook& book, const CallToRate& call);

}  // namespace trunkline::billing
