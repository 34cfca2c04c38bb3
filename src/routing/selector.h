#pragma once
// Outbound route selection: longest-prefix match of an E.164 number over the routes, then
// the route's carriers ordered by priority (ascending) with a weighted random shuffle
// among equal priorities, each carrier expanded into its gateways by the same rules.
// Disabled carriers, carriers without a usable gateway and gateways that are down are
// skipped.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "routing/health.h"
#include "routing/random.h"
#include "storage/model.h"

namespace trunkline::routing {

/// One try of an outbound call, in order.
struct Attempt {
  storage::Id routeId = 0;
  storage::Id carrierId = 0;
  storage::Gateway gateway;
  std::vector<int> failoverCodes;  // the route's list (empty = default set, see failover.h)
  std::uint32_t ringTimeoutS = 60;
};

struct Selection {
  const storage::Route* route = nullptr;  // nullptr: no route matches (not even a default)
  std::vector<Attempt> attempts;          // empty with a route: every target is unusable
};

/// Orders `items` by priority ascending; within one priority, a weighted random shuffle
/// (repeated draws without replacement, chance weight / remaining total). Weight 0 items
/// come last in their priority group, in input order. Exposed for tests and reuse.
template <class T, class PriorityFn, class WeightFn>
void orderByPriorityAndWeight(std::vector<T>& items, PriorityFn priority, WeightFn weight,
                              Random& random);

/// An immutable snapshot of routes and carriers, built when configuration changes and
/// shared by every shard (std::shared_ptr<const RouteTable>). All const calls are
/// thread-safe; the Random and GatewayStatus passed in belong to the caller.
class RouteTable {
 public:
  /// Fails on a prefix that is not all digits, a duplicate prefix, or a target naming an
  /// unknown carrier.
  static base::Result<RouteTable> build(std::vector<storage::Route> routes,
                                        std::vector<storage::Carrier> carriers);

  /// The route with the longest prefix of `number` ("+E164" or its digits), else the
  /// default route (prefix ""), else nullptr.
  const storage::Route* match(std::string_view number) const;
  /// Match, then order the attempts. `health` may be nullptr (all gateways up).
  Selection select(std::string_view number, Random& random,
                   const GatewayStatus* health = nullptr) const;

  const storage::Carrier* carrier(storage::Id id) const;
  std::size_t routeCount() const { return routes_.size(); }

 private:
  RouteTable() = default;
  std::vector<storage::Route> routes_;
  std::unordered_map<std::string, std::size_t> byPrefix_;
  std::size_t maxPrefix_ = 0;
  std::unordered_map<storage::Id, storage::Carrier> carriers_;
};

template <class T, class PriorityFn, class WeightFn>
void orderByPriorityAndWeight(std::vector<T>& items, PriorityFn priority, WeightFn weight,
                              Random& random) {
  std::stable_sort(items.begin(), items.end(),
                   [&](const T& a, const T& b) { return priority(a) < priority(b); });
  for (std::size_t begin = 0; begin < items.size();) {
    std::size_t end = begin + 1;
    while (end < items.size() && priority(items[end]) == priority(items[begin])) ++end;
    // Zero weights to the back of the group, keeping their order.
    auto firstZero = std::stable_partition(items.begin() + static_cast<std::ptrdiff_t>(begin),
                                           items.begin() + static_cast<std::ptrdiff_t>(end),
                                           [&](const T& t) { return weight(t) > 0; });
    std::size_t positive = static_cast<std::size_t>(firstZero - items.begin());
    for (std::size_t i = begin; i + 1 < positive; ++i) {
      std::uint64_t total = 0;
      for (std::size_t j = i; j < positive; ++j) total += weight(items[j]);
      std::uint64_t r = random.below(total);
      std::size_t pick = i;
      for (std::size_t j = i; j < positive; ++j) {
        std::uint64_t w = weight(items[j]);
        if (r < w) {
          pick = j;
          break;
        }
        r -= w;
      }
      // Keep the rest in input order so the next draw sees a stable sequence.
      std::rotate(items.begin() + static_cast<std::ptrdiff_t>(i),
                  items.begin() + static_cast<std::ptrdiff_t>(pick),
                  items.begin() + static_cast<std::ptrdiff_t>(pick + 1));
    }
    begin = end;
  }
}

}  // namespace trunkline::routing
