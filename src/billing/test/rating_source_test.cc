// RatingSource and rateCdr against a real SQLite file: decks stored through the RateStore,
// published as a RatingBook when the rating version moves, and CDRs rated with exact
// amounts (60/60, 30/6, 1/1 with minimum and connection fee).
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "billing/rating_source.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/rate_store.h"

namespace trunkline::billing {
namespace {

using storage::DeckKind;
using storage::Id;

std::string freshDb(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tl-rating-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "trunkline.db").string();
}

storage::RateRecord entry(std::string prefix, std::int64_t perMin, std::uint32_t initial,
                          std::uint32_t subsequent, std::uint32_t minimum = 0,
                          std::int64_t fee = 0) {
  storage::RateRecord r;
  r.prefix = std::move(prefix);
  r.perMinuteSub = perMin;
  r.connectFeeSub = fee;
  r.initialS = initial;
  r.subsequentS = subsequent;
  r.minimumS = minimum;
  return r;
}

class RatingSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::sqlite::Database::open(
        freshDb(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    cfg_ = std::make_unique<storage::sqlite::SqliteConfigStore>(*db_);
    store_ = std::make_unique<storage::sqlite::SqliteRateStore>(*db_);
    account_ = *cfg_->addAccount({0, "acme", "US", true});
    storage::Carrier c;
    c.name = "carrier1";
    c.gateways = {{0, "198.51.100.7", 5060, storage::Transport::Udp, 1, 1}};
    carrier_ = *cfg_->addCarrier(c);
  }
  storage::Cdr cdr(std::string to, std::uint32_t billableS) {
    storage::Cdr c;
    c.accountId = account_;
    c.toE164 = std::move(to);
    c.startMs = 1'700'000'000'000;
    c.billableS = billableS;
    c.answerMs = billableS ? c.startMs + 1000 : 0;
    c.attempts.push_back(
        {carrier_, 0, "udp:198.51.100.7:5060", billableS ? 200 : 486, "", c.startMs, c.startMs});
    return c;
  }

  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> cfg_;
  std::unique_ptr<storage::sqlite::SqliteRateStore> store_;
  Id account_ = 0, carrier_ = 0;
};

TEST_F(RatingSourceTest, PublishesOnChangeAndRatesExactly) {
  RatingSource source(*store_);
  auto empty = source.current();
  ASSERT_TRUE(empty);
  auto c0 = cdr("+4420123", 61);
  rateCdr(*empty, c0);
  EXPECT_TRUE(c0.rating.attempted);
  EXPECT_EQ(c0.rating.costUnrated, "NoDeck");
  EXPECT_EQ(c0.rating.priceUnrated, "NoDeck");
  EXPECT_FALSE(c0.rating.marginMinor);

  const Id cost = *store_->addDeck({0, "wholesale", "USD", DeckKind::Cost, false, false});
  const Id price = *store_->addDeck({0, "retail", "USD", DeckKind::Price, true, false});
  // Cost: 0.0100 USD/min (100 sub-units... per minor unit 10,000): 1 cent/min, 60/60.
  ASSERT_TRUE(store_->importRates(cost, std::vector{entry("44", 10'000, 60, 60)}, false));
  // Price: 4420 at 2.5 cents/min 30/6 with a 20 s minimum and a 0.5 cent fee; 44 at
  // 3 cents/min per second.
  ASSERT_TRUE(store_->importRates(
      price, std::vector{entry("4420", 25'000, 30, 6, 20, 5'000), entry("44", 30'000, 1, 1)},
      false));
  ASSERT_TRUE(store_->setCarrierCostDeck(carrier_, cost));
  ASSERT_TRUE(*source.refreshIfChanged());
  EXPECT_FALSE(*source.refreshIfChanged());  // nothing moved
  EXPECT_NE(source.current(), empty);
  EXPECT_EQ(empty.use_count(), 1);  // replaced: alive only while a holder (a call) keeps it

  auto c1 = cdr("+4420123", 61);
  rateCdr(*source.current(), c1);
  const auto& g = c1.rating;
  EXPECT_EQ(g.costUnrated, "");
  EXPECT_EQ(g.priceUnrated, "");
  EXPECT_EQ(g.costBilledS, 120u);  // 60/60: 61 s bills two minutes
  EXPECT_EQ(g.costMinor, 2);       // 2 min x 1 cent
  EXPECT_EQ(g.priceBilledS, 66u);  // 30/6: 30 + 6*6
  // fee 5,000 + 25,000 * 66 / 60 = 5,000 + 27,500 = 32,500 sub-units = 3.25 → 3 cents
  EXPECT_EQ(g.priceMinor, 3);
  EXPECT_EQ(g.marginMinor, 1);
  EXPECT_EQ(g.costCurrency, "USD");
  EXPECT_EQ(g.pricePrefix, "4420");
  EXPECT_EQ(g.costPrefix, "44");

  // Minimum: a 5 s call bills 20 s, then 30 initial → 30 s: 5,000 + 12,500 = 1.75 → 2.
  auto c2 = cdr("+4420999", 5);
  rateCdr(*source.current(), c2);
  EXPECT_EQ(c2.rating.priceBilledS, 30u);
  EXPECT_EQ(c2.rating.priceMinor, 2);
  // Per second on the shorter prefix: 3 cents/min x 100 s = 5 cents.
  auto c3 = cdr("+4479", 100);
  rateCdr(*source.current(), c3);
  EXPECT_EQ(c3.rating.priceBilledS, 100u);
  EXPECT_EQ(c3.rating.priceMinor, 5);
  EXPECT_EQ(c3.rating.marginMinor, 5 - 2);
  // Not answered: nothing billed (no fee: the deck does not charge it on zero duration).
  auto c4 = cdr("+4420123", 0);
  rateCdr(*source.current(), c4);
  EXPECT_EQ(c4.rating.priceMinor, 0);
  EXPECT_EQ(c4.rating.costMinor, 0);
  EXPECT_EQ(c4.rating.priceUnrated, "");
  // No entry: unrated with the reason; inbound calls are not priced.
  auto c5 = cdr("+1415555", 10);
  rateCdr(*source.current(), c5);
  EXPECT_EQ(c5.rating.priceUnrated, "NoMatch");
  EXPECT_FALSE(c5.rating.marginMinor);
  auto c6 = cdr("+4420123", 10);
  c6.direction = storage::Direction::Inbound;
  rateCdr(*source.current(), c6);
  EXPECT_EQ(c6.rating.priceUnrated, "Inbound");

  // An account-specific deck wins over the default plan, after a refresh.
  const Id vip = *store_->addDeck({0, "vip", "USD", DeckKind::Price, false, false});
  ASSERT_TRUE(store_->importRates(vip, std::vector{entry("", 60'000, 60, 60)}, false));
  ASSERT_TRUE(store_->setAccountPriceDeck(account_, vip));
  ASSERT_TRUE(*source.refreshIfChanged());
  auto c7 = cdr("+4420123", 61);
  rateCdr(*source.current(), c7);
  EXPECT_EQ(c7.rating.priceMinor, 12);  // 2 min x 6 cents
  EXPECT_EQ(c7.rating.pricePrefix, "");
}

TEST_F(RatingSourceTest, LoadsALargeDeck) {
  const Id price = *store_->addDeck({0, "big", "EUR", DeckKind::Price, true, false});
  std::vector<storage::RateRecord> rates;
  for (int i = 0; i < 100'000; ++i) rates.push_back(entry(std::to_string(100'000 + i), i, 1, 1));
  ASSERT_EQ(*store_->importRates(price, rates, false), 100'000u);
  RatingSource source(*store_);
  ASSERT_TRUE(*source.refreshIfChanged());
  auto c = cdr("+1999991234", 60);
  rateCdr(*source.current(), c);
  EXPECT_EQ(c.rating.pricePrefix, "199999");
  EXPECT_EQ(c.rating.priceMinor, 10);  // 99,999 sub-units/min x 1 min = 9.9999 → 10 cents
  EXPECT_EQ(c.rating.priceCurrency, "EUR");
}

}  // namespace
}  // namespace trunkline::billing
