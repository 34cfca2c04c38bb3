#include "routing/failover.h"

#include <algorithm>

namespace trunkline::routing {

bool shouldFailover(int sipCode, const storage::Route& route) {
  if (sipCode == 0) return true;
  if (sipCode < 300) return false;
  if (route.failoverCodes.empty()) {
    return std::find(kDefaultFailoverCodes.begin(), kDefaultFailoverCodes.end(), sipCode) !=
           kDefaultFailoverCodes.end();
  }
  return std::find(route.failoverCodes.begin(), route.failoverCodes.end(), sipCode) !=
         route.failoverCodes.end();
}

int bestFinalResponse(std::span<const int> codes) {
  auto first = [&](auto pred) -> int {
    auto it = std::find_if(codes.begin(), codes.end(), pred);
    return it == codes.end() ? 0 : *it;
  };
  if (int c = first([](int c) { return c >= 600 && c < 700; })) return c;
  if (int c = first([](int c) { return c >= 400 && c < 500 && c != 401 && c != 407 && c != 408; }))
    return c;
  if (int c = first([](int c) { return c >= 500 && c < 600 && c != 503; })) return c;
  if (first([](int c) { return c == 408; }) != 0) return 408;
  return 503;
}

}  // namespace trunkline::routing
