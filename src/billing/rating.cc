#include "billing/rating.h"

#include <algorithm>
#include <limits>

namespace trunkline::billing {

namespace {

using U128 = unsigned __int128;

// Sub-units per minute-second: amounts are summed as (sub-units x 60) so that the per-second
// share of a per-minute rate stays an integer until the one final division.
constexpr U128 kDenominator = U128{60} * kSubunitsPerMinor;

std::int64_t roundHalfUpToMinor(U128 sixtiethsOfSub) {
  U128 minor = (sixtiethsOfSub + kDenominator / 2) / kDenominator;
  // Unreachable with bounded inputs (see rating.h); kept so a future bound change cannot
  // turn into a silent wrap.
  if (minor > static_cast<U128>(std::numeric_limits<std::int64_t>::max()))
    return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(minor);
}

}  // namespace

std::uint64_t billedSeconds(const Rate& rate, std::uint32_t billableS) {
  if (billableS == 0) return 0;
  const std::uint64_t t = std::max(billableS, rate.minimumS);
  // Increments of 0 are refused by RateDeck and chargeFor; treat them as 1 s here so this
  // function is total.
  const std::uint64_t initial = std::max<std::uint32_t>(rate.initialS, 1);
  if (t <= initial) return initial;
  const std::uint64_t sub = std::max<std::uint32_t>(rate.subsequentS, 1);
  return initial + (t - initial + sub - 1) / sub * sub;
}

std::optional<Charge> chargeFor(const Rate& rate, std::uint32_t billableS, bool feeOnZeroDuration) {
  if (rate.perMinuteSub < 0 || rate.perMinuteSub > kMaxRateSub || rate.connectFeeSub < 0 ||
      rate.connectFeeSub > kMaxRateSub || rate.initialS == 0 || rate.subsequentS == 0)
    return std::nullopt;
  Charge c;
  c.billedS = billedSeconds(rate, billableS);
  if (billableS == 0 && !feeOnZeroDuration) return c;
  U128 sixtieths = U128{static_cast<std::uint64_t>(rate.connectFeeSub)} * 60 +
                   U128{static_cast<std::uint64_t>(rate.perMinuteSub)} * c.billedS;
  c.amountMinor = roundHalfUpToMinor(sixtieths);
  return c;
}

std::string_view unratedName(Unrated u) {
  switch (u) {
    case Unrated::None: return "rated";
    case Unrated::NoDeck: return "no deck";
    case Unrated::InvalidNumber: return "invalid number";
    case Unrated::NoMatch: return "no matching rate";
    case Unrated::OutOfRange: return "rate out of range";
  }
  return "unknown";
}

CallToRate callFromCdr(const storage::Cdr& cdr) {
  CallToRate call;
  call.accountId = cdr.accountId;
  call.destination = cdr.toE164;
  call.startMs = cdr.startMs;
  call.billableS = cdr.billableS;
  const storage::CdrAttempt* last = nullptr;
  for (auto it = cdr.attempts.rbegin(); it != cdr.attempts.rend(); ++it) {
    if (it->carrierId == 0) continue;
    if (it->sipCode >= 200 && it->sipCode < 300) {
      last = &*it;
      break;
    }
    if (last == nullptr) last = &*it;
  }
  if (last != nullptr) call.carrierId = last->carrierId;
  return call;
}

LegRating rateLeg(const RateDeck* deck, std::string_view destination, std::int64_t startMs,
                  std::uint32_t billableS) {
  LegRating leg;
  if (deck == nullptr) return leg;  // NoDeck
  leg.deckId = deck->info().id;
  if (!RateDeck::validDestination(destination)) {
    leg.unrated = Unrated::InvalidNumber;
    return leg;
  }
  const Rate* rate = deck->find(destination, startMs);
  if (rate == nullptr) {
    leg.unrated = Unrated::NoMatch;
    return leg;
  }
  leg.rateId = rate->rateId;
  leg.prefix = rate->prefix;
  auto charge = chargeFor(*rate, billableS, deck->info().chargeFeeOnZeroDuration);
  if (!charge) {
    leg.unrated = Unrated::OutOfRange;
    return leg;
  }
  leg.unrated = Unrated::None;
  leg.billedS = charge->billedS;
  leg.amountMinor = charge->amountMinor;
  return leg;
}

CallRating rateCall(const CallToRate& call, const RateDeck* carrierDeck,
                    const RateDeck* priceDeck) {
  CallRating r;
  r.cost = rateLeg(carrierDeck, call.destination, call.startMs, call.billableS);
  r.price = rateLeg(priceDeck, call.destination, call.startMs, call.billableS);
  if (r.cost.rated() && r.price.rated() &&
      carrierDeck->info().currency == priceDeck->info().currency) {
    // Both amounts are in [0, 2^58]: the difference cannot overflow.
    r.marginMinor = r.price.amountMinor - r.cost.amountMinor;
  }
  return r;
}

CallRating rateCall(const RatingBook& book, const CallToRate& call) {
  const RateDeck* carrier = call.carrierId != 0 ? book.carrierDeck(call.carrierId) : nullptr;
  return rateCall(call, carrier, book.priceDeck(call.accountId));
}

}  // namespace trunkline::billing
