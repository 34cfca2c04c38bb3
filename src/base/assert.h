#pragma once
// Three tiers for things that "cannot happen" (see docs/style notes):
//  - untrusted input is handled with Result, never asserted;
//  - TL_RELEASE_ASSERT: an impossible state; crash loudly, in every build;
//  - TL_BUG: a should-not-happen that is survivable; logged and counted, execution goes on.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace trunkline::base {
inline std::atomic<std::uint64_t> gBugCount{0};
[[noreturn]] inline void releaseAssertFail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "FATAL: assertion '%s' failed at %s:%d\n", expr, file, line);
  std::abort();
}
}  // namespace trunkline::base

#define TL_RELEASE_ASSERT(cond)                                                   \
  do {                                                                            \
    if (!(cond)) ::trunkline::base::releaseAssertFail(#cond, __FILE__, __LINE__); \
  } while (0)

#define TL_BUG(msg)                                                        \
  do {                                                                     \
    ::trunkline::base::gBugCount.fetch_add(1, std::memory_order_relaxed);  \
    std::fprintf(stderr, "BUG: %s at %s:%d\n", (msg), __FILE__, __LINE__); \
  } while (0)
