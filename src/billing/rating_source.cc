#include "billing/rating_source.h"

#include <fmt/format.h>

namespace trunkline::billing {

base::Result<std::shared_ptr<const RatingBook>> buildRatingBook(const storage::RatingData& data) {
  RatingBookSpec spec;
  std::unordered_map<storage::Id, std::vector<Rate>> byDeck;
  for (const auto& r : data.rates) {
    auto& v = byDeck[r.deckId];
    v.push_back(Rate{r.id, r.prefix, r.perMinuteSub, r.connectFeeSub, r.initialS, r.subsequentS,
                     r.minimumS, r.effectiveFromMs,
                     r.effectiveToMs == INT64_MAX ? kForeverMs : r.effectiveToMs});
  }
  for (const auto& d : data.decks) {
    auto it = byDeck.find(d.id);
    std::vector<Rate> rates;
    if (it != byDeck.end()) rates = std::move(it->second);
    auto deck = RateDeck::build(DeckInfo{d.id, d.name, d.currency, d.chargeFeeOnZeroDuration},
                                std::move(rates));
    if (!deck)
      return base::fail(deck.error().code,
                        fmt::format("rate deck '{}': {}", d.name, deck.error().message));
    spec.decks.push_back(std::move(*deck));
    if (d.kind == storage::DeckKind::Price && d.isDefault) spec.defaultPriceDeck = d.id;
  }
  spec.accountDeck = data.accountPriceDeck;
  spec.carrierDeck = data.carrierCostDeck;
  return RatingBook::build(std::move(spec));
}

namespace {
// Stable codes for the stored record and the API (unratedName() is prose for logs).
std::string_view unratedCode(Unrated u) {
  switch (u) {
    case Unrated::None: return "";
    case Unrated::NoDeck: return "NoDeck";
    case Unrated::InvalidNumber: return "InvalidNumber";
    case Unrated::NoMatch: return "NoMatch";
    case Unrated::OutOfRange: return "OutOfRange";
  }
  return "Unknown";
}

void fillSide(const LegRating& leg, const RateDeck* deck, std::string& unrated,
              std::int64_t& amount, std::string& currency, storage::Id& rateId, std::string& prefix,
              std::uint64_t& billedS) {
  unrated = std::string(unratedCode(leg.unrated));
  amount = leg.rated() ? leg.amountMinor : 0;
  currency = leg.rated() && deck ? deck->info().currency : "";
  rateId = leg.rateId;
  prefix = leg.prefix;
  billedS = leg.billedS;
}
}  // namespace

void rateCdr(const RatingBook& book, storage::Cdr& cdr) {
  auto& g = cdr.rating;
  g = storage::CdrRating{};
  g.attempted = true;
  if (cdr.direction != storage::Direction::Outbound) {
    g.costUnrated = g.priceUnrated = "Inbound";
    return;
  }
  const CallToRate call = callFromCdr(cdr);
  const RateDeck* costDeck = call.carrierId ? book.carrierDeck(call.carrierId) : nullptr;
  const RateDeck* priceDeck = book.priceDeck(call.accountId);
  const CallRating r = rateCall(call, costDeck, priceDeck);
  fillSide(r.cost, costDeck, g.costUnrated, g.costMinor, g.costCurrency, g.costRateId, g.costPrefix,
           g.costBilledS);
  fillSide(r.price, priceDeck, g.priceUnrated, g.priceMinor, g.priceCurrency, g.priceRateId,
           g.pricePrefix, g.priceBilledS);
  g.marginMinor = r.marginMinor;
}

RatingSource::RatingSource(storage::RateStore& store) : store_(store) {
  current_.store(*RatingBook::build({}), std::memory_order_release);
}

base::Result<bool> RatingSource::refreshIfChanged() {
  auto v = store_.ratingVersion();
  if (!v) return tl::unexpected(v.error());
  if (*v == version_.load(std::memory_order_relaxed)) return false;
  auto data = store_.loadRating();
  if (!data) return tl::unexpected(data.error());
  auto book = buildRatingBook(*data);
  if (!book) return tl::unexpected(book.error());
  current_.store(std::move(*book), std::memory_order_release);
  version_.store(data->version, std::memory_order_relaxed);
  return true;
}

}  // namespace trunkline::billing
