#include "billing/rating.h"

#include <limits>

#include <gtest/gtest.h>

namespace trunkline::billing {
namespace {

constexpr std::int64_t kT = 1'700'000'000'000;

// Rates are written in sub-units: 10,000 per cent. So 100'000 = 10 cents per minute.
constexpr std::int64_t cents(double c) {
  return static_cast<std::int64_t>(c * 10'000 + 0.5);
}

Rate rate(std::int64_t perMinuteSub, std::uint32_t initialS = 60, std::uint32_t subsequentS = 60,
          std::uint32_t minimumS = 0, std::int64_t feeSub = 0) {
  Rate r;
  r.perMinuteSub = perMinuteSub;
  r.initialS = initialS;
  r.subsequentS = subsequentS;
  r.minimumS = minimumS;
  r.connectFeeSub = feeSub;
  return r;
}

std::int64_t amount(const Rate& r, std::uint32_t seconds, bool feeOnZero = false) {
  auto c = chargeFor(r, seconds, feeOnZero);
  EXPECT_TRUE(c.has_value());
  return c ? c->amountMinor : -1;
}

TEST(BilledSeconds, PerMinute60_60) {
  Rate r = rate(1, 60, 60);
  EXPECT_EQ(billedSeconds(r, 0), 0u);
  EXPECT_EQ(billedSeconds(r, 1), 60u);
  EXPECT_EQ(billedSeconds(r, 59), 60u);
  EXPECT_EQ(billedSeconds(r, 60), 60u);
  EXPECT_EQ(billedSeconds(r, 61), 120u);
  EXPECT_EQ(billedSeconds(r, 120), 120u);
  EXPECT_EQ(billedSeconds(r, 121), 180u);
}

TEST(BilledSeconds, ThirtyThenSix) {
  Rate r = rate(1, 30, 6);
  EXPECT_EQ(billedSeconds(r, 1), 30u);
  EXPECT_EQ(billedSeconds(r, 30), 30u);
  EXPECT_EQ(billedSeconds(r, 31), 36u);
  EXPECT_EQ(billedSeconds(r, 36), 36u);
  EXPECT_EQ(billedSeconds(r, 37), 42u);
}

TEST(BilledSeconds, PerSecond) {
  Rate r = rate(1, 1, 1);
  for (std::uint32_t s : {1u, 2u, 59u, 60u, 61u, 3599u})
    EXPECT_EQ(billedSeconds(r, s), std::uint64_t{s});
}

TEST(BilledSeconds, MinimumAppliesBeforeIncrements) {
  Rate perSecond = rate(1, 1, 1, 30);
  EXPECT_EQ(billedSeconds(perSecond, 0), 0u);  // not answered: the minimum does not apply
  EXPECT_EQ(billedSeconds(perSecond, 1), 30u);
  EXPECT_EQ(billedSeconds(perSecond, 30), 30u);
  EXPECT_EQ(billedSeconds(perSecond, 31), 31u);
  // Minimum 45 s, then 30/6: 45 → 30 + ceil(15 / 6) * 6 = 48.
  Rate r = rate(1, 30, 6, 45);
  EXPECT_EQ(billedSeconds(r, 10), 48u);
  EXPECT_EQ(billedSeconds(r, 48), 48u);
  EXPECT_EQ(billedSeconds(r, 49), 54u);
}

TEST(BilledSeconds, NeverOverflowsAtTheTop) {
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  EXPECT_EQ(billedSeconds(rate(1, 60, 60), kMax), 4294967340u);  // next whole minute
  EXPECT_EQ(billedSeconds(rate(1, kMax, kMax, kMax), kMax), std::uint64_t{kMax});
  EXPECT_EQ(billedSeconds(rate(1, 1, kMax), kMax), std::uint64_t{kMax} + 1);
  EXPECT_EQ(billedSeconds(rate(1, 1, kMax), 2), std::uint64_t{kMax} + 1);
}

TEST(ChargeFor, PerMinuteBoundaries) {
  Rate r = rate(cents(1.5));    // 1.5 cents a minute, 60/60
  EXPECT_EQ(amount(r, 59), 2);  // 1.5 → 2 (half up)
  EXPECT_EQ(amount(r, 60), 2);
  EXPECT_EQ(amount(r, 61), 3);   // 2 minutes: 3.0
  EXPECT_EQ(amount(r, 121), 5);  // 4.5 → 5
}

TEST(ChargeFor, ThirtySixAt31Seconds) {
  Rate r = rate(cents(10), 30, 6);  // 10 cents a minute
  auto c = chargeFor(r, 31);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->billedS, 36u);
  EXPECT_EQ(c->amountMinor, 6);  // 36 s of 10 c/min
  EXPECT_EQ(amount(r, 1), 5);    // 30 s
  EXPECT_EQ(amount(r, 37), 7);   // 42 s
}

TEST(ChargeFor, PerSecondRoundsHalfUpOncePerCall) {
  Rate r = rate(cents(6), 1, 1);  // 0.1 cent a second
  EXPECT_EQ(amount(r, 1), 0);     // 0.1
  EXPECT_EQ(amount(r, 4), 0);     // 0.4
  EXPECT_EQ(amount(r, 5), 1);     // 0.5 → 1
  EXPECT_EQ(amount(r, 14), 1);    // 1.4
  EXPECT_EQ(amount(r, 15), 2);    // 1.5
  EXPECT_EQ(amount(r, 3600), 360);
}

TEST(ChargeFor, HalfUpAtTheSubUnitBoundary) {
  EXPECT_EQ(amount(rate(4'999), 60), 0);  // 0.4999 cent
  EXPECT_EQ(amount(rate(5'000), 60), 1);  // 0.5000 cent
  EXPECT_EQ(amount(rate(14'999), 60), 1);
  EXPECT_EQ(amount(rate(15'000), 60), 2);
  // A sixtieth of a sub-unit per second is kept until the end: 1 sub/min for 30 min is
  // 30 sub = 0.003 cent; 5,000 sub/min over 1 s at 1/1 is 83.33 sub.
  EXPECT_EQ(amount(rate(1, 1, 1), 1800), 0);
  EXPECT_EQ(amount(rate(5'000, 1, 1), 60), 1);
  EXPECT_EQ(amount(rate(5'000, 1, 1), 59), 0);  // 0.4917 cent
}

TEST(ChargeFor, MinimumDuration) {
  Rate r = rate(cents(6), 1, 1, 30);  // 0.1 c/s, minimum 30 s
  EXPECT_EQ(amount(r, 1), 3);
  EXPECT_EQ(amount(r, 30), 3);
  EXPECT_EQ(amount(r, 35), 4);  // 3.5 → 4
}

TEST(ChargeFor, FeeAndUsageAreRoundedTogether) {
  // 0.4 cent fee + 0.4 cent usage: rounded apart they would be 0 + 0.
  Rate r = rate(cents(0.4), 60, 60, 0, cents(0.4));
  EXPECT_EQ(amount(r, 60), 1);
  EXPECT_EQ(amount(r, 61), 1);  // 0.4 + 0.8 = 1.2
}

TEST(ChargeFor, FeeOnlyAndZeroDuration) {
  Rate feeOnly = rate(0, 60, 60, 0, cents(2.5));
  EXPECT_EQ(amount(feeOnly, 1), 3);  // 2.5 → 3
  EXPECT_EQ(amount(feeOnly, 3600), 3);
  auto zero = chargeFor(feeOnly, 0);
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->billedS, 0u);
  EXPECT_EQ(zero->amountMinor, 0);         // unanswered: free by default
  EXPECT_EQ(amount(feeOnly, 0, true), 3);  // the deck charges the fee on zero-length calls
  Rate withUsage = rate(cents(10), 60, 60, 0, cents(2));
  EXPECT_EQ(amount(withUsage, 0, true), 2);  // fee only: no usage without seconds
  EXPECT_EQ(amount(withUsage, 1), 12);
}

TEST(ChargeFor, LargestAmountsAreExact) {
  constexpr auto kMaxS = std::numeric_limits<std::uint32_t>::max();
  // 10^9 minor units a minute for 4,294,967,295 s at 1/1 = 10^9 * 71,582,788.25.
  auto c = chargeFor(rate(kMaxRateSub, 1, 1, 0, kMaxRateSub), kMaxS);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->amountMinor, 71'582'788'250'000'000 + 1'000'000'000);
  EXPECT_EQ(chargeFor(rate(kMaxRateSub + 1), 1), std::nullopt);
  EXPECT_EQ(chargeFor(rate(-1), 1), std::nullopt);
  EXPECT_EQ(chargeFor(rate(1, 60, 60, 0, -1), 1), std::nullopt);
  EXPECT_EQ(chargeFor(rate(1, 0, 60), 1), std::nullopt);
  EXPECT_EQ(chargeFor(rate(1, 60, 0), 1), std::nullopt);
  EXPECT_EQ(chargeFor(rate(std::numeric_limits<std::int64_t>::max()), kMaxS), std::nullopt);
}

// --- decks and calls ---

std::shared_ptr<const RateDeck> deck(storage::Id id, std::vector<Rate> rates,
                                     std::string currency = "USD", bool feeOnZero = false) {
  DeckInfo info;
  info.id = id;
  info.currency = std::move(currency);
  info.chargeFeeOnZeroDuration = feeOnZero;
  auto d = RateDeck::build(std::move(info), std::move(rates));
  EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().message);
  return d ? *d : nullptr;
}

Rate entry(storage::Id id, std::string prefix, std::int64_t perMinuteSub, std::uint32_t initialS,
           std::uint32_t subsequentS, std::int64_t fromMs = 0, std::int64_t toMs = kForeverMs) {
  Rate r = rate(perMinuteSub, initialS, subsequentS);
  r.rateId = id;
  r.prefix = std::move(prefix);
  r.effectiveFromMs = fromMs;
  r.effectiveToMs = toMs;
  return r;
}

TEST(RateCall, CostPriceMarginAndWhatMatched) {
  // Carrier bills per second; we sell per minute, with a more specific mobile prefix.
  auto carrier = deck(1, {entry(11, "44", cents(1.0), 1, 1), entry(12, "447", cents(4.0), 1, 1)});
  auto customer =
      deck(2, {entry(21, "44", cents(2.0), 60, 60), entry(22, "4479", cents(9.0), 60, 60)});
  CallToRate call{.accountId = 5,
                  .carrierId = 9,
                  .destination = "+447911123456",
                  .startMs = kT,
                  .billableS = 90};
  CallRating r = rateCall(call, carrier.get(), customer.get());
  ASSERT_TRUE(r.cost.rated());
  ASSERT_TRUE(r.price.rated());
  EXPECT_EQ(r.cost.deckId, 1);
  EXPECT_EQ(r.cost.rateId, 12);
  EXPECT_EQ(r.cost.prefix, "447");
  EXPECT_EQ(r.cost.billedS, 90u);
  EXPECT_EQ(r.cost.amountMinor, 6);  // 1.5 min at 4 c
  EXPECT_EQ(r.price.deckId, 2);
  EXPECT_EQ(r.price.rateId, 22);
  EXPECT_EQ(r.price.prefix, "4479");
  EXPECT_EQ(r.price.billedS, 120u);
  EXPECT_EQ(r.price.amountMinor, 18);  // 2 min at 9 c
  EXPECT_EQ(r.marginMinor, 12);

  call.destination = "+442071234567";  // the shorter prefix on both sides
  r = rateCall(call, carrier.get(), customer.get());
  EXPECT_EQ(r.cost.rateId, 11);
  EXPECT_EQ(r.cost.amountMinor, 2);  // 1.5 c → 2
  EXPECT_EQ(r.price.rateId, 21);
  EXPECT_EQ(r.price.amountMinor, 4);
  EXPECT_EQ(r.marginMinor, 2);
}

TEST(RateCall, NegativeMarginIsReported) {
  auto carrier = deck(1, {entry(1, "1", cents(5), 60, 60)});
  auto customer = deck(2, {entry(2, "1", cents(3), 60, 60)});
  CallToRate call{.destination = "+14155550100", .billableS = 60};
  EXPECT_EQ(rateCall(call, carrier.get(), customer.get()).marginMinor, -2);
}

TEST(RateCall, EffectiveDateSwitchAtTheBoundary) {
  auto customer =
      deck(2, {entry(1, "49", cents(2), 60, 60, 0, kT), entry(2, "49", cents(3), 60, 60, kT)});
  CallToRate call{.destination = "+4930123456", .startMs = kT - 1, .billableS = 60};
  LegRating before = rateCall(call, nullptr, customer.get()).price;
  call.startMs = kT;
  LegRating at = rateCall(call, nullptr, customer.get()).price;
  EXPECT_EQ(before.rateId, 1);
  EXPECT_EQ(before.amountMinor, 2);
  EXPECT_EQ(at.rateId, 2);
  EXPECT_EQ(at.amountMinor, 3);
}

TEST(RateCall, UnratedReasons) {
  auto customer = deck(2, {entry(1, "1", cents(1), 60, 60)});
  CallToRate call{.destination = "+4930123456", .billableS = 10};
  CallRating r = rateCall(call, nullptr, customer.get());
  EXPECT_EQ(r.cost.unrated, Unrated::NoDeck);
  EXPECT_EQ(r.price.unrated, Unrated::NoMatch);
  EXPECT_EQ(r.price.deckId, 2);
  EXPECT_EQ(r.price.amountMinor, 0);
  EXPECT_EQ(r.marginMinor, std::nullopt);
  EXPECT_EQ(unratedName(r.price.unrated), "no matching rate");

  call.destination = "anonymous";
  EXPECT_EQ(rateCall(call, nullptr, customer.get()).price.unrated, Unrated::InvalidNumber);
  call.destination = "";
  EXPECT_EQ(rateCall(call, nullptr, customer.get()).price.unrated, Unrated::InvalidNumber);
}

TEST(RateCall, ZeroSecondsIsFreeUnlessTheDeckChargesTheFee) {
  Rate e = entry(1, "1", cents(10), 60, 60);
  e.connectFeeSub = cents(3);
  auto plain = deck(1, {e});
  auto feeOnZero = deck(2, {e}, "USD", true);
  CallToRate call{.destination = "+14155550100", .billableS = 0};
  CallRating r = rateCall(call, feeOnZero.get(), plain.get());
  EXPECT_TRUE(r.price.rated());
  EXPECT_EQ(r.price.amountMinor, 0);
  EXPECT_EQ(r.price.billedS, 0u);
  EXPECT_EQ(r.cost.amountMinor, 3);
  EXPECT_EQ(r.cost.billedS, 0u);
  EXPECT_EQ(r.marginMinor, -3);
}

TEST(RateCall, NoMarginAcrossCurrencies) {
  auto carrier = deck(1, {entry(1, "", cents(1), 60, 60)}, "EUR");
  auto customer = deck(2, {entry(2, "", cents(2), 60, 60)}, "USD");
  CallToRate call{.destination = "+33123456789", .billableS = 60};
  CallRating r = rateCall(call, carrier.get(), customer.get());
  EXPECT_TRUE(r.cost.rated());
  EXPECT_TRUE(r.price.rated());
  EXPECT_EQ(r.marginMinor, std::nullopt);
}

TEST(RateCall, ThroughTheBook) {
  RatingBookSpec spec;
  spec.decks = {deck(1, {entry(1, "1", cents(1), 60, 60)}),
                deck(2, {entry(2, "1", cents(4), 60, 60)})};
  spec.carrierDeck = {{300, 1}};
  spec.defaultPriceDeck = 2;
  auto book = RatingBook::build(spec);
  ASSERT_TRUE(book.has_value());
  CallToRate call{
      .accountId = 8, .carrierId = 300, .destination = "+12125550100", .billableS = 120};
  CallRating r = rateCall(**book, call);
  EXPECT_EQ(r.cost.amountMinor, 2);
  EXPECT_EQ(r.price.amountMinor, 8);
  EXPECT_EQ(r.marginMinor, 6);
  call.carrierId = 0;  // e.g. inbound: no carrier leg
  EXPECT_EQ(rateCall(**book, call).cost.unrated, Unrated::NoDeck);
}

storage::CdrAttempt attempt(storage::Id carrierId, int sipCode) {
  storage::CdrAttempt a;
  a.carrierId = carrierId;
  a.trunkId = carrierId == 0 ? 9 : 0;
  a.sipCode = sipCode;
  return a;
}

TEST(CallFromCdr, TakesTheAnsweredCarrier) {
  storage::Cdr cdr;
  cdr.accountId = 4;
  cdr.toE164 = "+14155550100";
  cdr.startMs = kT;
  cdr.billableS = 33;
  cdr.attempts = {attempt(1, 503), attempt(2, 200), attempt(0, 0)};  // last: a trunk
  CallToRate call = callFromCdr(cdr);
  EXPECT_EQ(call.accountId, 4);
  EXPECT_EQ(call.carrierId, 2);
  EXPECT_EQ(call.destination, "+14155550100");
  EXPECT_EQ(call.startMs, kT);
  EXPECT_EQ(call.billableS, 33u);

  cdr.attempts = {attempt(1, 503), attempt(3, 486)};
  EXPECT_EQ(callFromCdr(cdr).carrierId, 3);  // not answered: the last carrier tried
  cdr.attempts.clear();
  EXPECT_EQ(callFromCdr(cdr).carrierId, 0);
}

}  // namespace
}  // namespace trunkline::billing
