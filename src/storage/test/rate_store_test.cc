#include <gtest/gtest.h>

#include <functional>

#include "storage/sqlite/config_store.h"
#include "storage/sqlite/rate_store.h"
#include "storage/sqlite/runtime_stores.h"
#include "storage/test/test_util.h"

namespace trunkline::storage {
namespace {

class RateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "/trunkline.db";
    db_ = testing::openDb(file_);
    ASSERT_TRUE(db_);
    cfg_ = std::make_unique<sqlite::SqliteConfigStore>(*db_);
    rates_ = std::make_unique<sqlite::SqliteRateStore>(*db_);
    account_ = *cfg_->addAccount({0, "acme", "US", true});
    Carrier c;
    c.name = "carrier1";
    c.gateways = {{0, "198.51.100.7", 5060, Transport::Udp, 1, 1}};
    carrier_ = *cfg_->addCarrier(c);
  }
  static RateRecord rate(std::string prefix, std::int64_t perMin, std::int64_t from = 0,
                         std::int64_t to = INT64_MAX) {
    RateRecord r;
    r.prefix = std::move(prefix);
    r.perMinuteSub = perMin;
    r.effectiveFromMs = from;
    r.effectiveToMs = to;
    return r;
  }

  std::string file_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::SqliteConfigStore> cfg_;
  std::unique_ptr<sqlite::SqliteRateStore> rates_;
  Id account_ = 0, carrier_ = 0;
};

TEST_F(RateStoreTest, DeckCrudAndValidation) {
  RateDeckRecord d{0, "retail", "EUR", DeckKind::Price, true, false};
  auto id = rates_->addDeck(d);
  ASSERT_TRUE(id) << id.error().message;
  d.id = *id;
  EXPECT_EQ(*rates_->getDeck(*id), d);
  EXPECT_EQ(rates_->findDeck("retail")->id, *id);
  EXPECT_EQ(rates_->addDeck(d).error().code, base::Errc::AlreadyExists);
  auto bad = rates_->addDeck({0, "x", "eur", DeckKind::Price, false, false});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("currency"), std::string::npos);
  EXPECT_FALSE(
      rates_->addDeck({0, "c", "USD", DeckKind::Cost, true, false}));  // default: price only
  // A second default takes the flag over.
  auto second = *rates_->addDeck({0, "retail2", "USD", DeckKind::Price, true, false});
  EXPECT_FALSE(rates_->getDeck(*id)->isDefault);
  EXPECT_TRUE(rates_->getDeck(second)->isDefault);
  // The kind never changes; the currency only while empty.
  d.kind = DeckKind::Cost;
  d.isDefault = false;
  EXPECT_FALSE(rates_->updateDeck(d));
  d.kind = DeckKind::Price;
  d.currency = "GBP";
  ASSERT_TRUE(rates_->updateDeck(d));
  ASSERT_TRUE(rates_->addRate([&] {
    auto r = rate("44", 100);
    r.deckId = d.id;
    return r;
  }()));
  d.currency = "USD";
  EXPECT_FALSE(rates_->updateDeck(d));
  EXPECT_EQ(rates_->listDecks()->size(), 2u);
  ASSERT_TRUE(rates_->removeDeck(*id));  // its rates go with it
  EXPECT_EQ(*rates_->countRates(*id), 0u);
  EXPECT_EQ(rates_->getDeck(*id).error().code, base::Errc::NotFound);
}

TEST_F(RateStoreTest, RatesValidateOverlapAndPage) {
  const Id deck = *rates_->addDeck({0, "wholesale", "USD", DeckKind::Cost, false, false});
  auto r1 = rate("4420", 5000, 0, 1000);
  r1.deckId = deck;
  ASSERT_TRUE(rates_->addRate(r1));
  // Half-open periods: one starting where the other ends is fine; overlapping is not.
  auto r2 = rate("4420", 6000, 1000);
  r2.deckId = deck;
  ASSERT_TRUE(rates_->addRate(r2));
  auto r3 = rate("4420", 7000, 999, 2000);
  r3.deckId = deck;
  auto e = rates_->addRate(r3);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("overlaps"), std::string::npos);
  for (auto [field, mutate] : std::vector<std::pair<std::string, std::function<void(RateRecord&)>>>{
           {"prefix", [](RateRecord& r) { r.prefix = "+44"; }},
           {"per_minute_sub", [](RateRecord& r) { r.perMinuteSub = -1; }},
           {"connect_fee_sub", [](RateRecord& r) { r.connectFeeSub = INT64_MAX; }},
           {"initial_s", [](RateRecord& r) { r.initialS = 0; }},
           {"subsequent_s", [](RateRecord& r) { r.subsequentS = 0; }},
           {"effective_from_ms", [](RateRecord& r) { r.effectiveToMs = r.effectiveFromMs; }}}) {
    auto r = rate("1", 1);
    r.deckId = deck;
    mutate(r);
    auto x = rates_->addRate(r);
    ASSERT_FALSE(x) << field;
    EXPECT_NE(x.error().message.find(field), std::string::npos) << x.error().message;
  }
  // Bulk import is all or nothing and names the bad entry.
  std::vector<RateRecord> bulk;
  for (int i = 0; i < 250; ++i) bulk.push_back(rate(std::to_string(100 + i), i));
  bulk.push_back(rate("12", -5));
  auto imp = rates_->importRates(deck, bulk, false);
  ASSERT_FALSE(imp);
  EXPECT_NE(imp.error().message.find("rate 250"), std::string::npos) << imp.error().message;
  EXPECT_EQ(*rates_->countRates(deck), 2u);
  bulk.back() = rate("100", 1);  // duplicates entry 0: overlap found inside the batch
  imp = rates_->importRates(deck, bulk, false);
  ASSERT_FALSE(imp);
  EXPECT_NE(imp.error().message.find("rate 250"), std::string::npos);
  EXPECT_EQ(*rates_->countRates(deck), 2u);
  bulk.pop_back();
  ASSERT_EQ(*rates_->importRates(deck, bulk, true), 250u);  // replaces the two
  EXPECT_EQ(*rates_->countRates(deck), 250u);
  // Pages in id order, with a cursor; prefix filter.
  RatePageQuery q{deck, 0, 100, ""};
  std::size_t seen = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto p = rates_->listRates(q);
    ASSERT_TRUE(p);
    seen += p->rates.size();
    if (!p->nextCursor) break;
    q.afterId = *p->nextCursor;
  }
  EXPECT_EQ(seen, 250u);
  auto p = rates_->listRates({deck, 0, 1000, "12"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->rates.size(), 10u);  // 120..129
  for (const auto& r : p->rates) EXPECT_EQ(r.prefix.substr(0, 2), "12");
  ASSERT_TRUE(rates_->removeRate(deck, p->rates[0].id));
  EXPECT_EQ(rates_->removeRate(deck, p->rates[0].id).error().code, base::Errc::NotFound);
}

TEST_F(RateStoreTest, AssignmentVersionAndLoad) {
  const Id cost = *rates_->addDeck({0, "wholesale", "USD", DeckKind::Cost, false, false});
  const Id price = *rates_->addDeck({0, "retail", "USD", DeckKind::Price, false, false});
  const auto v0 = *rates_->ratingVersion();
  // Wrong kinds and unknown owners are refused.
  auto wrong = rates_->setAccountPriceDeck(account_, cost);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("price"), std::string::npos);
  EXPECT_FALSE(rates_->setCarrierCostDeck(carrier_, price));
  EXPECT_EQ(rates_->setAccountPriceDeck(999, price).error().code, base::Errc::NotFound);
  EXPECT_EQ(rates_->setAccountPriceDeck(account_, 999).error().code, base::Errc::NotFound);
  ASSERT_TRUE(rates_->setAccountPriceDeck(account_, price));
  ASSERT_TRUE(rates_->setCarrierCostDeck(carrier_, cost));
  EXPECT_EQ(*rates_->accountPriceDeck(account_), price);
  EXPECT_GT(*rates_->ratingVersion(), v0);
  // An assigned deck cannot go.
  auto rm = rates_->removeDeck(price);
  ASSERT_FALSE(rm);
  EXPECT_NE(rm.error().message.find("acme"), std::string::npos);
  auto r = rate("1", 42);
  r.deckId = price;
  const auto v1 = *rates_->ratingVersion();
  ASSERT_TRUE(rates_->addRate(r));
  EXPECT_GT(*rates_->ratingVersion(), v1);
  auto d = rates_->loadRating();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->version, *rates_->ratingVersion());
  EXPECT_EQ(d->decks.size(), 2u);
  ASSERT_EQ(d->rates.size(), 1u);
  EXPECT_EQ(d->rates[0].perMinuteSub, 42);
  EXPECT_EQ(d->accountPriceDeck.at(account_), price);
  EXPECT_EQ(d->carrierCostDeck.at(carrier_), cost);
  ASSERT_TRUE(rates_->setAccountPriceDeck(account_, std::nullopt));
  EXPECT_EQ(*rates_->accountPriceDeck(account_), std::nullopt);
  ASSERT_TRUE(rates_->removeDeck(price));
}

TEST_F(RateStoreTest, CdrRatingRoundTrips) {
  sqlite::SqliteCdrStore cdrs(*db_);
  Cdr rated;
  rated.callUuid = "u1";
  rated.accountId = account_;
  rated.rating.attempted = true;
  rated.rating.costMinor = 12;
  rated.rating.priceMinor = 30;
  rated.rating.marginMinor = 18;
  rated.rating.costCurrency = rated.rating.priceCurrency = "USD";
  rated.rating.costRateId = 5;
  rated.rating.priceRateId = 6;
  rated.rating.costPrefix = "44";
  rated.rating.pricePrefix = "4420";
  rated.rating.costBilledS = 60;
  rated.rating.priceBilledS = 36;
  Cdr unrated;
  unrated.callUuid = "u2";
  unrated.rating.attempted = true;
  unrated.rating.costUnrated = "NoDeck";
  unrated.rating.priceUnrated = "NoMatch";
  Cdr old;  // never rated: no rating columns set
  old.callUuid = "u3";
  ASSERT_EQ(*cdrs.insertBatch(std::vector<Cdr>{rated, unrated, old}), 3u);
  auto page = cdrs.query({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->cdrs.size(), 3u);
  EXPECT_EQ(page->cdrs[0].rating, rated.rating);
  EXPECT_EQ(page->cdrs[1].rating, unrated.rating);
  EXPECT_FALSE(page->cdrs[1].rating.marginMinor);
  EXPECT_EQ(page->cdrs[2].rating, CdrRating{});
}

}  // namespace
}  // namespace trunkline::storage
