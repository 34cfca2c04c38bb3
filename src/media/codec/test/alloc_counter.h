#pragma once
// Counts calls of the global operator new in the test binary (alloc_counter.cc replaces
// it), so a test can show that a hot path allocates nothing.
#include <cstdint>

namespace trunkline::media::codec::testing {
std::uint64_t allocationCount();
}
