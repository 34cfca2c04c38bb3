// Replaces the global operator new/delete of the test binary with counting versions. In
// its own translation unit so that no caller sees malloc/free through inlining.
#include "media/codec/test/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> gNews{0};
}

void* operator new(std::size_t n) {
  gNews.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace trunkline::media::codec::testing {
std::uint64_t allocationCount() {
  return gNews.load(std::memory_order_relaxed);
}
}  // namespace trunkline::media::codec::testing
