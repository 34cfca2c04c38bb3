#include "billing/rate_deck.h"

#include <algorithm>

#include <fmt/format.h>

namespace trunkline::billing {

namespace {

// Bounds the trie to fewer than 2^32 nodes (each entry adds at most kMaxPrefixDigits).
constexpr std::size_t kMaxDeckEntries = 10'000'000;
// A destination longer than this is not a number we rate (E.164 has at most 15 digits).
constexpr std::size_t kMaxDestinationDigits = 32;

bool allDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

base::Result<void> validate(const Rate& r, std::size_t index) {
  auto bad = [&](std::string_view what) {
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("rate #{} (id {}, prefix \"{}\"): {}", index, r.rateId,
                                  r.prefix.substr(0, kMaxPrefixDigits + 4), what));
  };
  if (r.prefix.size() > kMaxPrefixDigits) return bad("prefix too long");
  if (!allDigits(r.prefix)) return bad("prefix must be digits only (no '+')");
  if (r.perMinuteSub < 0 || r.perMinuteSub > kMaxRateSub) return bad("rate out of range");
  if (r.connectFeeSub < 0 || r.connectFeeSub > kMaxRateSub) return bad("fee out of range");
  if (r.initialS == 0 || r.subsequentS == 0) return bad("billing increments must be >= 1 s");
  if (r.effectiveFromMs >= r.effectiveToMs) return bad("effective period is empty");
  return {};
}

}  // namespace

base::Result<std::shared_ptr<const RateDeck>> RateDeck::build(DeckInfo info,
                                                              std::vector<Rate> rates) {
  if (info.currency.size() != 3 || !std::all_of(info.currency.begin(), info.currency.end(),
                                                [](char c) { return c >= 'A' && c <= 'Z'; }))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("deck {}: currency must be an ISO 4217 code", info.id));
  if (rates.size() > kMaxDeckEntries)
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("deck {}: more than {} entries", info.id, kMaxDeckEntries));
  for (std::size_t i = 0; i < rates.size(); ++i) {
    if (auto ok = validate(rates[i], i); !ok)
      return base::fail(ok.error().code, fmt::format("deck {}: {}", info.id, ok.error().message));
  }

  // Group by prefix, each group in time order; then an overlap is visible between
  // neighbours. Two entries in force at once would make the price ambiguous.
  std::stable_sort(rates.begin(), rates.end(), [](const Rate& a, const Rate& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.effectiveFromMs < b.effectiveFromMs;
  });
  for (std::size_t i = 1; i < rates.size(); ++i) {
    const Rate& prev = rates[i - 1];
    const Rate& cur = rates[i];
    if (prev.prefix == cur.prefix && prev.effectiveToMs > cur.effectiveFromMs)
      return base::fail(base::Errc::InvalidArgument,
                        fmt::format("deck {}: prefix \"{}\": rates {} and {} overlap in time",
                                    info.id, cur.prefix, prev.rateId, cur.rateId));
  }

  std::shared_ptr<RateDeck> deck(new RateDeck());
  deck->info_ = std::move(info);
  deck->nodes_.reserve(rates.size() + 1);
  deck->nodes_.emplace_back();  // root
  for (std::size_t i = 0; i < rates.size();) {
    std::size_t end = i + 1;
    while (end < rates.size() && rates[end].prefix == rates[i].prefix) ++end;
    std::uint32_t node = 0;
    for (char c : rates[i].prefix) {
      auto digit = static_cast<std::size_t>(c - '0');
      std::uint32_t next = deck->nodes_[node].child[digit];
      if (next == 0) {
        next = static_cast<std::uint32_t>(deck->nodes_.size());
        deck->nodes_.emplace_back();  // may reallocate: index again below
        deck->nodes_[node].child[digit] = next;
      }
      node = next;
    }
    deck->nodes_[node].first = static_cast<std::uint32_t>(i);
    deck->nodes_[node].count = static_cast<std::uint32_t>(end - i);
    i = end;
  }
  deck->nodes_.shrink_to_fit();
  deck->rates_ = std::move(rates);
  return std::shared_ptr<const RateDeck>(std::move(deck));
}

const Rate* RateDeck::inEffect(const Node& node, std::int64_t startMs) const {
  auto begin = rates_.begin() + node.first;
  auto end = begin + node.count;
  // The last entry that started at or before startMs is the only candidate: periods of
  // one prefix do not overlap (checked at build).
  auto it = std::upper_bound(begin, end, startMs,
                             [](std::int64_t t, const Rate& r) { return t < r.effectiveFromMs; });
  if (it == begin) return nullptr;
  --it;
  return startMs < it->effectiveToMs ? &*it : nullptr;
}

bool RateDeck::validDestination(std::string_view destination) {
  if (!destination.empty() && destination.front() == '+') destination.remove_prefix(1);
  return !destination.empty() && destination.size() <= kMaxDestinationDigits &&
         allDigits(destination);
}

const Rate* RateDeck::find(std::string_view destination, std::int64_t startMs) const {
  if (!validDestination(destination) || nodes_.empty()) return nullptr;
  if (destination.front() == '+') destination.remove_prefix(1);

  // Nodes on the path that carry entries, shortest first (root included).
  std::array<std::uint32_t, kMaxPrefixDigits + 1> path;
  std::size_t depth = 0;
  std::uint32_t node = 0;
  if (nodes_[0].count != 0) path[depth++] = 0;
  const std::size_t walk = std::min(destination.size(), kMaxPrefixDigits);
  for (std::size_t i = 0; i < walk; ++i) {
    node = nodes_[node].child[static_cast<std::size_t>(destination[i] - '0')];
    if (node == 0) break;
    if (nodes_[node].count != 0) path[depth++] = node;
  }
  while (depth > 0) {
    if (const Rate* r = inEffect(nodes_[path[--depth]], startMs)) return r;
  }
  return nullptr;
}

base::Result<std::shared_ptr<const RatingBook>> RatingBook::build(RatingBookSpec spec) {
  std::shared_ptr<RatingBook> book(new RatingBook());
  std::unordered_map<storage::Id, const RateDeck*> byId;
  for (const auto& deck : spec.decks) {
    if (!deck) return base::fail(base::Errc::InvalidArgument, "rating book: null deck");
    if (!byId.emplace(deck->info().id, deck.get()).second)
      return base::fail(base::Errc::InvalidArgument,
                        fmt::format("rating book: two decks with id {}", deck->info().id));
  }
  auto resolve = [&](storage::Id deckId, std::string_view user,
                     storage::Id userId) -> base::Result<const RateDeck*> {
    auto it = byId.find(deckId);
    if (it == byId.end())
      return base::fail(
          base::Errc::InvalidArgument,
          fmt::format("rating book: {} {} refers to unknown deck {}", user, userId, deckId));
    return it->second;
  };
  for (const auto& [carrierId, deckId] : spec.carrierDeck) {
    auto deck = resolve(deckId, "carrier", carrierId);
    if (!deck) return tl::unexpected(deck.error());
    book->byCarrier_.emplace(carrierId, *deck);
  }
  for (const auto& [accountId, deckId] : spec.accountDeck) {
    auto deck = resolve(deckId, "account", accountId);
    if (!deck) return tl::unexpected(deck.error());
    book->byAccount_.emplace(accountId, *deck);
  }
  if (spec.defaultPriceDeck != 0) {
    auto deck = resolve(spec.defaultPriceDeck, "default price plan", 0);
    if (!deck) return tl::unexpected(deck.error());
    book->defaultPrice_ = *deck;
  }
  book->decks_ = std::move(spec.decks);
  return std::shared_ptr<const RatingBook>(std::move(book));
}

const RateDeck* RatingBook::carrierDeck(storage::Id carrierId) const {
  auto it = byCarrier_.find(carrierId);
  return it == byCarrier_.end() ? nullptr : it->second;
}

const RateDeck* RatingBook::priceDeck(storage::Id accountId) const {
  auto it = byAccount_.find(accountId);
  return it == byAccount_.end() ? defaultPrice_ : it->second;
}

}  // namespace trunkline::billing
