#include "billing/rate_deck.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace trunkline::billing {
namespace {

constexpr std::int64_t kT = 1'700'000'000'000;  // a switch time (Unix ms)

Rate entry(storage::Id id, std::string prefix, std::int64_t perMinuteSub, std::int64_t fromMs = 0,
           std::int64_t toMs = kForeverMs) {
  Rate r;
  r.rateId = id;
  r.prefix = std::move(prefix);
  r.perMinuteSub = perMinuteSub;
  r.effectiveFromMs = fromMs;
  r.effectiveToMs = toMs;
  return r;
}

std::shared_ptr<const RateDeck> mustBuild(std::vector<Rate> rates, DeckInfo info = {}) {
  if (info.id == 0) info.id = 7;
  auto deck = RateDeck::build(std::move(info), std::move(rates));
  EXPECT_TRUE(deck.has_value()) << (deck ? "" : deck.error().message);
  return deck ? *deck : nullptr;
}

storage::Id idOf(const Rate* r) {
  return r == nullptr ? -1 : r->rateId;
}

TEST(RateDeck, LongestPrefixWins) {
  auto deck = mustBuild(
      {entry(1, "4", 100), entry(2, "44", 200), entry(3, "447", 300), entry(4, "4479", 400)});
  EXPECT_EQ(idOf(deck->find("+447911123456", 0)), 4);
  EXPECT_EQ(idOf(deck->find("447811123456", 0)), 3);  // no '+' is fine too
  EXPECT_EQ(idOf(deck->find("+442071234567", 0)), 2);
  EXPECT_EQ(idOf(deck->find("+4930123456", 0)), 1);
  EXPECT_EQ(idOf(deck->find("+14155550100", 0)), -1);  // nothing for 1
  EXPECT_EQ(deck->size(), 4u);
}

TEST(RateDeck, DefaultEntryCatchesEverythingElse) {
  auto deck = mustBuild({entry(1, "", 999), entry(2, "1", 10)});
  EXPECT_EQ(idOf(deck->find("+14155550100", 0)), 2);
  EXPECT_EQ(idOf(deck->find("+861012345678", 0)), 1);
}

TEST(RateDeck, PrefixLongerThanTheNumberDoesNotMatch) {
  auto deck = mustBuild({entry(1, "4420", 1), entry(2, "44", 2)});
  EXPECT_EQ(idOf(deck->find("442", 0)), 2);
  EXPECT_EQ(idOf(deck->find("4420", 0)), 1);
}

TEST(RateDeck, EffectiveDateSwitchesExactlyAtTheBoundary) {
  auto deck = mustBuild({entry(1, "44", 100, 0, kT), entry(2, "44", 120, kT)});
  EXPECT_EQ(idOf(deck->find("+4420", kT - 1)), 1);
  EXPECT_EQ(idOf(deck->find("+4420", kT)), 2);  // [from, to): the new rate from its first ms
  EXPECT_EQ(idOf(deck->find("+4420", kT + 1)), 2);
}

TEST(RateDeck, LongerPrefixNotInEffectFallsBackToShorter) {
  // 4420 is introduced at kT and withdrawn at kT + 1000; 44 is always there.
  auto deck = mustBuild({entry(1, "44", 100), entry(2, "4420", 50, kT, kT + 1000)});
  EXPECT_EQ(idOf(deck->find("+442071234567", kT - 1)), 1);
  EXPECT_EQ(idOf(deck->find("+442071234567", kT)), 2);
  EXPECT_EQ(idOf(deck->find("+442071234567", kT + 999)), 2);
  EXPECT_EQ(idOf(deck->find("+442071234567", kT + 1000)), 1);
}

TEST(RateDeck, GapBetweenPeriodsIsNoMatch) {
  auto deck = mustBuild({entry(1, "33", 1, 0, kT), entry(2, "33", 2, kT + 10)});
  EXPECT_EQ(idOf(deck->find("331", kT - 1)), 1);
  EXPECT_EQ(idOf(deck->find("331", kT)), -1);
  EXPECT_EQ(idOf(deck->find("331", kT + 9)), -1);
  EXPECT_EQ(idOf(deck->find("331", kT + 10)), 2);
  EXPECT_EQ(idOf(deck->find("331", 0)), 1);
  EXPECT_EQ(idOf(deck->find("331", -5)), -1);  // before the first period
}

TEST(RateDeck, TenVariantsOfOnePrefixInAnyInputOrder) {
  std::vector<Rate> rates;
  for (int i = 9; i >= 0; --i)  // given newest first on purpose
    rates.push_back(entry(100 + i, "49", 10 * i, kT + i * 1000, kT + (i + 1) * 1000));
  auto deck = mustBuild(std::move(rates));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(idOf(deck->find("+4930", kT + i * 1000)), 100 + i) << i;
    EXPECT_EQ(idOf(deck->find("+4930", kT + i * 1000 + 999)), 100 + i) << i;
  }
  EXPECT_EQ(idOf(deck->find("+4930", kT - 1)), -1);
  EXPECT_EQ(idOf(deck->find("+4930", kT + 10'000)), -1);
}

TEST(RateDeck, HostileDestinationsAreMissesNotCrashes) {
  auto deck = mustBuild({entry(1, "", 1), entry(2, "1", 2)});
  for (std::string_view bad : {"", "+", "++1", "1-415", "abc", " 1", "1 ", "1+1"}) {
    EXPECT_EQ(deck->find(bad, 0), nullptr) << bad;
    EXPECT_FALSE(RateDeck::validDestination(bad)) << bad;
  }
  EXPECT_EQ(deck->find(std::string(33, '1'), 0), nullptr);  // longer than any number
  EXPECT_EQ(idOf(deck->find(std::string(32, '1'), 0)), 2);
  std::string binary = "1";
  binary.push_back('\xff');
  EXPECT_EQ(deck->find(binary, 0), nullptr);
  EXPECT_EQ(deck->find(std::string_view("+1\0"
                                        "2",
                                        4),
                       0),
            nullptr);  // embedded NUL
}

TEST(RateDeck, RandomBytesNeverCrashAndOnlyDigitsMatch) {
  auto deck = mustBuild({entry(1, "", 1), entry(2, "12", 2), entry(3, "123", 3, kT)});
  std::mt19937_64 rng(99);
  for (int i = 0; i < 100'000; ++i) {
    std::string s(rng() % 40, '\0');
    for (char& c : s)
      c = rng() % 2 ? static_cast<char>('0' + rng() % 10) : static_cast<char>(rng());
    if (!s.empty() && rng() % 4 == 0) s[0] = '+';
    const Rate* r = deck->find(s, static_cast<std::int64_t>(rng() % (2 * kT)));
    ASSERT_EQ(r != nullptr, RateDeck::validDestination(s)) << i;
  }
}

TEST(RateDeck, DeepestPrefixAndLongNumbers) {
  auto deck = mustBuild({entry(1, std::string(kMaxPrefixDigits, '9'), 5), entry(2, "9", 1)});
  EXPECT_EQ(idOf(deck->find(std::string(32, '9'), 0)), 1);
  EXPECT_EQ(idOf(deck->find(std::string(kMaxPrefixDigits - 1, '9'), 0)), 2);
}

TEST(RateDeck, BuildRefusesInvalidEntries) {
  auto refused = [](Rate r) {
    auto deck = RateDeck::build(DeckInfo{}, {std::move(r)});
    EXPECT_FALSE(deck.has_value());
    return deck ? std::string() : deck.error().message;
  };
  EXPECT_NE(refused(entry(1, "+44", 1)).find("digits"), std::string::npos);
  EXPECT_NE(refused(entry(1, "4a", 1)).find("digits"), std::string::npos);
  EXPECT_NE(refused(entry(1, std::string(kMaxPrefixDigits + 1, '1'), 1)).find("too long"),
            std::string::npos);
  EXPECT_NE(refused(entry(1, "1", -1)).find("rate"), std::string::npos);
  EXPECT_NE(refused(entry(1, "1", kMaxRateSub + 1)).find("rate"), std::string::npos);
  Rate fee = entry(1, "1", 1);
  fee.connectFeeSub = -5;
  EXPECT_NE(refused(fee).find("fee"), std::string::npos);
  Rate inc = entry(1, "1", 1);
  inc.subsequentS = 0;
  EXPECT_NE(refused(inc).find("increments"), std::string::npos);
  inc.subsequentS = 6;
  inc.initialS = 0;
  EXPECT_NE(refused(inc).find("increments"), std::string::npos);
  EXPECT_NE(refused(entry(1, "1", 1, kT, kT)).find("empty"), std::string::npos);

  // The message names the entry.
  EXPECT_NE(refused(entry(42, "x", 1)).find("id 42"), std::string::npos);
}

TEST(RateDeck, BuildRefusesOverlappingPeriodsOfOnePrefix) {
  auto deck = RateDeck::build(DeckInfo{}, {entry(1, "44", 1, 0, kT + 1), entry(2, "44", 2, kT)});
  ASSERT_FALSE(deck.has_value());
  EXPECT_NE(deck.error().message.find("overlap"), std::string::npos);
  // Same periods on different prefixes are fine, and touching periods do not overlap.
  EXPECT_TRUE(RateDeck::build(DeckInfo{}, {entry(1, "44", 1, 0, kT), entry(2, "44", 2, kT),
                                           entry(3, "45", 3, 0, kT + 1)})
                  .has_value());
}

TEST(RateDeck, BuildRefusesBadCurrency) {
  for (const char* c : {"", "usd", "US", "USDT", "U$D"}) {
    DeckInfo info;
    info.currency = c;
    EXPECT_FALSE(RateDeck::build(info, {}).has_value()) << c;
  }
  DeckInfo eur;
  eur.currency = "EUR";
  EXPECT_TRUE(RateDeck::build(eur, {}).has_value());
}

TEST(RateDeck, EmptyDeckMatchesNothing) {
  auto deck = mustBuild({});
  EXPECT_EQ(deck->find("+14155550100", 0), nullptr);
}

// The trie against a straightforward scan of every entry, on a random deck.
TEST(RateDeck, AgreesWithLinearScanOnRandomDeck) {
  std::mt19937_64 rng(12345);
  std::vector<Rate> rates;
  storage::Id id = 1;
  for (int i = 0; i < 3000; ++i) {
    std::string prefix;
    int len = static_cast<int>(rng() % 7);  // 0..6 digits, so prefixes nest often
    for (int d = 0; d < len; ++d) prefix.push_back(static_cast<char>('0' + rng() % 10));
    bool dup = false;
    for (const Rate& r : rates) dup = dup || r.prefix == prefix;
    if (dup) continue;
    if (rng() % 3 == 0) {  // two periods with a switch, sometimes a gap
      std::int64_t sw = kT + static_cast<std::int64_t>(rng() % 100);
      rates.push_back(entry(id++, prefix, 1, 0, sw));
      rates.push_back(entry(id++, prefix, 2, sw + static_cast<std::int64_t>(rng() % 3)));
    } else {
      rates.push_back(entry(id++, prefix, 3, static_cast<std::int64_t>(rng() % 2) * kT));
    }
  }
  auto deck = mustBuild(rates);
  for (int q = 0; q < 20000; ++q) {
    std::string number;
    int len = 1 + static_cast<int>(rng() % 12);
    for (int d = 0; d < len; ++d) number.push_back(static_cast<char>('0' + rng() % 10));
    std::int64_t at = kT - 50 + static_cast<std::int64_t>(rng() % 200);
    const Rate* best = nullptr;
    for (const Rate& r : rates) {
      if (r.prefix.size() > number.size() || number.compare(0, r.prefix.size(), r.prefix) != 0)
        continue;
      if (at < r.effectiveFromMs || at >= r.effectiveToMs) continue;
      if (best == nullptr || r.prefix.size() > best->prefix.size()) best = &r;
    }
    ASSERT_EQ(idOf(deck->find(number, at)), idOf(best)) << number << " at " << at;
  }
}

TEST(RatingBook, DecksPerCarrierAndPerAccountWithDefaultPlan) {
  DeckInfo a{.id = 1, .name = "carrier A"};
  DeckInfo b{.id = 2, .name = "carrier B"};
  DeckInfo retail{.id = 10, .name = "retail"};
  DeckInfo vip{.id = 11, .name = "vip"};
  RatingBookSpec spec;
  spec.decks = {mustBuild({}, a), mustBuild({}, b), mustBuild({}, retail), mustBuild({}, vip)};
  spec.carrierDeck = {{100, 1}, {200, 2}};
  spec.accountDeck = {{5, 11}};
  spec.defaultPriceDeck = 10;
  auto book = RatingBook::build(spec);
  ASSERT_TRUE(book.has_value()) << book.error().message;
  EXPECT_EQ((*book)->carrierDeck(100)->info().name, "carrier A");
  EXPECT_EQ((*book)->carrierDeck(200)->info().name, "carrier B");
  EXPECT_EQ((*book)->carrierDeck(300), nullptr);
  EXPECT_EQ((*book)->priceDeck(5)->info().name, "vip");
  EXPECT_EQ((*book)->priceDeck(6)->info().name, "retail");

  spec.defaultPriceDeck = 0;
  auto noDefault = RatingBook::build(spec);
  ASSERT_TRUE(noDefault.has_value());
  EXPECT_EQ((*noDefault)->priceDeck(6), nullptr);
}

TEST(RatingBook, RefusesDanglingOrDuplicateDecks) {
  RatingBookSpec spec;
  spec.decks = {mustBuild({}, DeckInfo{.id = 1, .name = "one"})};
  spec.carrierDeck = {{100, 2}};
  auto dangling = RatingBook::build(spec);
  ASSERT_FALSE(dangling.has_value());
  EXPECT_NE(dangling.error().message.find("unknown deck 2"), std::string::npos);

  spec.carrierDeck.clear();
  spec.defaultPriceDeck = 3;
  EXPECT_FALSE(RatingBook::build(spec).has_value());

  spec.defaultPriceDeck = 0;
  spec.decks.push_back(mustBuild({}, DeckInfo{.id = 1, .name = "one"}));
  EXPECT_FALSE(RatingBook::build(spec).has_value());

  spec.decks = {nullptr};
  EXPECT_FALSE(RatingBook::build(spec).has_value());
}

}  // namespace
}  // namespace trunkline::billing
