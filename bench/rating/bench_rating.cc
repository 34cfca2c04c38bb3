// bench_rating: CDRs rated per second on one core, with realistic synthetic decks.
//
// Decks (fixed seed, so every run rates the same data):
//   - a carrier cost deck of 50,000 prefixes: ~250 country codes of 1-3 digits, each with
//     nested area/mobile blocks of 1-5 more digits; 1,000 of the prefixes have 10
//     effective-date variants (consecutive periods), so 59,000 entries in all;
//   - a customer price deck with the same prefixes, marked up, per-minute increments.
// CDRs: 262,144 pre-built calls to 11-12 digit numbers under those prefixes (5% to numbers
// no prefix covers), start times spread over the variants' periods, 30% unanswered
// (0 s), the rest 1-1200 s. They are walked in a fixed shuffled order, so lookups hit
// memory the way a stream of unrelated calls does, not one hot cache line.
//
// One iteration = rating one CDR on both sides (two longest-prefix lookups with effective
// dates, increments, rounding, margin), through the RatingBook (two hash lookups for the
// decks) as the CDR path does. Amounts are folded into a checksum so nothing is optimised
// away; before timing the ratings of a sample are checked against a linear scan.
//
// Usage: bench_rating [google-benchmark flags]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <benchmark/benchmark.h>

#include "billing/rate_deck.h"
#include "billing/rating.h"

namespace trunkline::bench {
namespace {

using billing::CallToRate;
using billing::Rate;

constexpr std::int64_t kEpochMs = 1'700'000'000'000;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::size_t kPrefixes = 50'000;
constexpr std::size_t kVariantPrefixes = 1'000;
constexpr int kVariants = 10;
constexpr std::size_t kCdrs = 1 << 18;
constexpr storage::Id kCarrierId = 77;
constexpr storage::Id kAccountId = 5;
constexpr double kTargetPerSecond = 200'000;

struct Data {
  std::shared_ptr<const billing::RatingBook> book;
  std::shared_ptr<const billing::RateDeck> cost;
  std::shared_ptr<const billing::RateDeck> price;
  std::vector<Rate> costRates;  // for the check against a linear scan
  std::vector<std::string> numbers;
  std::vector<CallToRate> calls;
};

std::string digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

Data build() {
  Data d;
  std::mt19937_64 rng(20261125);
  std::vector<std::string> countries;
  std::unordered_set<std::string> seen;
  while (countries.size() < 250) {
    std::string cc = digits(rng, 1 + static_cast<int>(rng() % 3));
    if (cc[0] != '0' && seen.insert(cc).second) countries.push_back(cc);
  }
  std::vector<std::string> prefixes(countries);
  while (prefixes.size() < kPrefixes) {
    std::string p = countries[rng() % countries.size()] + digits(rng, 1 + rng() % 5);
    if (seen.insert(p).second) prefixes.push_back(p);
  }

  std::vector<Rate> priceRates;
  storage::Id rateId = 1;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const int variants = i % (kPrefixes / kVariantPrefixes) == 7 ? kVariants : 1;
    for (int v = 0; v < variants; ++v) {
      Rate c;
      c.rateId = rateId++;
      c.prefix = prefixes[i];
      c.perMinuteSub = 500 + static_cast<std::int64_t>(rng() % 2'000'000);  // to 2 $/min
      c.connectFeeSub = rng() % 4 == 0 ? static_cast<std::int64_t>(rng() % 50'000) : 0;
      static constexpr std::uint32_t kInc[][2] = {{1, 1}, {6, 6}, {30, 6}, {60, 60}};
      const auto& inc = kInc[rng() % 4];
      c.initialS = inc[0];
      c.subsequentS = inc[1];
      c.minimumS = rng() % 8 == 0 ? 30 : 0;
      if (variants > 1) {
        c.effectiveFromMs = v == 0 ? 0 : kEpochMs + v * kDayMs;
        c.effectiveToMs = v + 1 == variants ? billing::kForeverMs : kEpochMs + (v + 1) * kDayMs;
      }
      Rate p = c;
      p.rateId += 10'000'000;
      p.perMinuteSub = c.perMinuteSub * 13 / 10 + 1'000;
      p.initialS = 60;
      p.subsequentS = 60;
      d.costRates.push_back(std::move(c));
      priceRates.push_back(std::move(p));
    }
  }
  auto cost = billing::RateDeck::build({.id = 1, .name = "carrier"}, d.costRates);
  auto price = billing::RateDeck::build({.id = 2, .name = "retail"}, std::move(priceRates));
  if (!cost || !price) {
    std::fprintf(stderr, "deck build failed: %s\n",
                 (!cost ? cost.error() : price.error()).message.c_str());
    std::exit(1);
  }
  d.cost = *cost;
  d.price = *price;
  billing::RatingBookSpec spec;
  spec.decks = {d.cost, d.price};
  spec.carrierDeck = {{kCarrierId, 1}};
  spec.accountDeck = {{kAccountId, 2}};
  auto book = billing::RatingBook::build(std::move(spec));
  if (!book) {
    std::fprintf(stderr, "book build failed: %s\n", book.error().message.c_str());
    std::exit(1);
  }
  d.book = *book;

  d.numbers.reserve(kCdrs);
  for (std::size_t i = 0; i < kCdrs; ++i) {
    std::string n = rng() % 20 == 0 ? "0" : prefixes[rng() % prefixes.size()];
    n += digits(rng, 11 + static_cast<int>(rng() % 2) - static_cast<int>(n.size()));
    d.numbers.push_back("+" + n);
  }
  d.calls.reserve(kCdrs);
  for (std::size_t i = 0; i < kCdrs; ++i) {
    CallToRate c;
    c.accountId = kAccountId;
    c.carrierId = kCarrierId;
    c.destination = d.numbers[i];
    c.startMs = kEpochMs + static_cast<std::int64_t>(rng() % (12 * kDayMs));
    c.billableS = rng() % 10 < 3 ? 0 : 1 + static_cast<std::uint32_t>(rng() % 1200);
    d.calls.push_back(c);
  }
  std::shuffle(d.calls.begin(), d.calls.end(), rng);
  return d;
}

const Data& data() {
  static const Data d = build();
  return d;
}

// The trie must agree with the definition before its speed means anything.
void check(const Data& d) {
  std::size_t rated = 0;
  for (std::size_t i = 0; i < 2'000; ++i) {
    const CallToRate& c = d.calls[i];
    std::string_view digitsOnly = c.destination.substr(1);
    const Rate* best = nullptr;
    for (const Rate& r : d.costRates) {
      if (!digitsOnly.starts_with(r.prefix)) continue;
      if (c.startMs < r.effectiveFromMs || c.startMs >= r.effectiveToMs) continue;
      if (best == nullptr || r.prefix.size() > best->prefix.size()) best = &r;
    }
    const Rate* found = d.cost->find(c.destination, c.startMs);
    if ((found == nullptr) != (best == nullptr) ||
        (found != nullptr && found->rateId != best->rateId)) {
      std::fprintf(stderr, "lookup mismatch for %s at %lld\n", std::string(c.destination).c_str(),
                   static_cast<long long>(c.startMs));
      std::exit(1);
    }
    rated += found != nullptr;
  }
  std::printf(
      "decks: %zu cost entries (%zu trie nodes), %zu price entries; sample rated %zu/2000\n",
      d.cost->size(), d.cost->nodeCount(), d.price->size(), rated);
}

void BM_RateCdr(benchmark::State& state) {
  const Data& d = data();
  std::size_t i = 0;
  std::int64_t sum = 0;
  for (auto _ : state) {
    billing::CallRating r = billing::rateCall(*d.book, d.calls[i]);
    sum += r.cost.amountMinor + r.price.amountMinor + static_cast<std::int64_t>(r.price.billedS);
    i = (i + 1) & (kCdrs - 1);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateCdr);

void BM_DeckFind(benchmark::State& state) {
  const Data& d = data();
  std::size_t i = 0;
  std::uintptr_t sum = 0;
  for (auto _ : state) {
    sum +=
        reinterpret_cast<std::uintptr_t>(d.cost->find(d.calls[i].destination, d.calls[i].startMs));
    i = (i + 1) & (kCdrs - 1);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeckFind);

class Summary : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_name.function_name != "BM_RateCdr" || run.aggregate_name == "stddev" ||
          run.aggregate_name == "cv")
        continue;
      auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) continue;
      if (run.aggregate_name == "median" || run.aggregate_name.empty()) last_ = it->second;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    if (last_ > 0)
      std::printf("\nCDRs rated per second per core (BM_RateCdr): %.0f — target %.0f %s\n", last_,
                  kTargetPerSecond, last_ >= kTargetPerSecond ? "MET" : "MISSED");
  }

 private:
  double last_ = 0;
};

}  // namespace
}  // namespace trunkline::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  trunkline::bench::check(trunkline::bench::data());
  trunkline::bench::Summary reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
