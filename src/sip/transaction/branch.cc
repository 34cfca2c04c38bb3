#include "sip/transaction/branch.h"

#include <random>

namespace trunkline::sip {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

// splitmix64: spreads a seed over the xoshiro state (the recommended way to seed it).
std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// 64 characters allowed in a Via branch token (RFC 3261 §25.1 token).
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.";

}  // namespace

BranchGenerator::BranchGenerator() {
  std::random_device rd;
  for (auto& word : s_) {
    std::uint64_t hi = rd();
    std::uint64_t lo = rd();
    std::uint64_t mix = (hi << 32) ^ lo;
    word = splitmix(mix);
  }
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

BranchGenerator::BranchGenerator(std::uint64_t s) {
  seed(s);
}

void BranchGenerator::seed(std::uint64_t s) {
  for (auto& word : s_) word = splitmix(s);
}

std::uint64_t BranchGenerator::nextU64() {
  // xoshiro256** (Blackman & Vigna).
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::string BranchGenerator::next() {
  std::string out;
  out.reserve(kBranchCookie.size() + 22);
  out.append(kBranchCookie);
  // 6 bits per character, 10 characters (60 bits) per draw.
  std::uint64_t words[3] = {nextU64(), nextU64(), nextU64()};
  for (int i = 0; i < 22; ++i) {
    std::uint64_t& w = words[i / 10];
    out.push_back(kAlphabet[w & 63]);
    w >>= 6;
  }
  return out;
}

}  // namespace trunkline::sip
