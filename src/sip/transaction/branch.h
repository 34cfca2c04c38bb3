#pragma once
// BranchGenerator: RFC 3261 §8.1.1.7 branch values for requests we originate.
//
// "z9hG4bK" followed by 22 characters (132 bits) from a xoshiro256** generator seeded once
// from std::random_device (/dev/urandom): unguessable enough that an off-path attacker
// cannot forge responses by predicting branches, without a syscall per request. One per
// TransactionLayer (shard); not thread-safe.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace trunkline::sip {

inline constexpr std::string_view kBranchCookie = "z9hG4bK";

class BranchGenerator {
 public:
  /// Seeds from std::random_device.
  BranchGenerator();
  /// Deterministic seed (tests only).
  explicit BranchGenerator(std::uint64_t seed);

  std::string next();
  std::uint64_t nextU64();

 private:
  void seed(std::uint64_t s);
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace trunkline::sip
