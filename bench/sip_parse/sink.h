#pragma once
// What every parser adapter reports back: the values a SIP stack reads from nearly every
// message it receives. The same adapter code runs once into a RecordSink (to check that
// each library extracted the right values) and then, timed, into a ChecksumSink (so the
// compiler cannot drop any read). Only these two sinks are instantiated.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace trunkline::bench {

enum class Field : std::uint8_t {
  Branch,       // top Via ;branch=
  FromTag,      // From ;tag=
  ToTag,        // To ;tag= (empty when absent)
  CallId,       // whole Call-ID; an adapter may report it in two pieces (number, host)
  CSeqMethod,   // CSeq method text
  ContactUser,  // first Contact URI user
  ContactHost,  // first Contact URI host
  kCount
};
enum class Num : std::uint8_t { CSeqNumber, ContactPort, ContentLength, kCount };

/// Folds every value into one number; cheap, but it touches the bytes it is given.
struct ChecksumSink {
  std::uint64_t sum = 0;
  void str(Field f, std::string_view v) {
    sum = sum * 31 + v.size() + (v.empty() ? 0u : static_cast<unsigned char>(v.back()));
  }
  void num(Num n, long v) { sum = sum * 31 + static_cast<std::uint64_t>(v); }
};

/// Keeps copies of the values, for the one-off correctness check before timing.
struct RecordSink {
  std::array<std::string, static_cast<std::size_t>(Field::kCount)> strs;
  std::array<long, static_cast<std::size_t>(Num::kCount)> nums{};
  void str(Field f, std::string_view v) {
    auto& s = strs[static_cast<std::size_t>(f)];
    if (f == Field::CallId && !s.empty()) s += '@';  // second piece (host) of a split Call-ID
    s += v;
  }
  void num(Num n, long v) { nums[static_cast<std::size_t>(n)] = v; }
};

}  // namespace trunkline::bench
