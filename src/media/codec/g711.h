#pragma once
// G.711 µ-law and A-law, by table (ITU-T G.711; rounding as in the G.191 reference tools).
//
// Encoding indexes a table with the top 14 (µ-law) or 13 (A-law) bits of the 16-bit
// sample, which are exactly the bits G.711 quantises; decoding is a 256-entry table. All
// tables are built at compile time (no static initialisation order, read-only, shareable by
// every thread). Decoded values are the 14/13-bit G.711 output levels scaled to 16 bits.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace trunkline::media::codec::g711 {

namespace detail {

// µ-law works on a 14-bit sample. A negative sample's magnitude is its one's complement
// (so -1..-4 in 16 bits quantise like +0, as in G.191); a bias of 33 makes every segment
// start at a power of two, so the segment is the position of the top bit and the mantissa
// the four bits after it. The code is sent inverted.
constexpr std::uint8_t ulawFrom14(int t) {
  int sign = t < 0 ? 0x80 : 0x00;
  int mag = (t < 0 ? ~t : t) + 33;
  if (mag > 0x1FFF) mag = 0x1FFF;
  int seg = 0;
  while ((mag >> (seg + 6)) != 0) ++seg;  // top bit at 5 + seg
  int mant = (mag >> (seg + 1)) & 0x0F;
  return static_cast<std::uint8_t>(~(sign | (seg << 4) | mant));
}

constexpr std::int16_t ulawTo16(std::uint8_t code) {
  int u = ~code & 0xFF;
  int seg = (u >> 4) & 7;
  int mant = u & 0x0F;
  int mag = (((mant << 1) + 33) << seg) - 33;  // mid-point of the interval, 14-bit
  return static_cast<std::int16_t>((u & 0x80) ? -(mag << 2) : (mag << 2));
}

// A-law works on a 13-bit sample (12-bit magnitude, one's complement for negatives).
// Segments 0 and 1 share step 2 (the linear part of the A-law curve); from segment 2 on the
// step doubles. Positive samples carry sign bit 1, and even bits are inverted (XOR 0x55).
constexpr std::uint8_t alawFrom13(int t) {
  int sign = t < 0 ? 0x00 : 0x80;
  int mag = t < 0 ? ~t : t;  // 0..4095
  int seg = 0;
  while (seg < 7 && (mag >> (seg + 5)) != 0) ++seg;
  int mant = seg == 0 ? (mag >> 1) & 0x0F : (mag >> seg) & 0x0F;
  return static_cast<std::uint8_t>((sign | (seg << 4) | mant) ^ 0x55);
}

constexpr std::int16_t alawTo16(std::uint8_t code) {
  int a = code ^ 0x55;
  int seg = (a >> 4) & 7;
  int mant = a & 0x0F;
  int mag = seg == 0 ? (mant << 1) + 1 : ((mant << 1) + 33) << (seg - 1);
  return static_cast<std::int16_t>((a & 0x80) ? (mag << 3) : -(mag << 3));
}

template <std::size_t N, class F>
constexpr std::array<std::uint8_t, N> buildEncode(F f) {
  std::array<std::uint8_t, N> t{};
  for (std::size_t i = 0; i < N; ++i) {
    // Index i is the sample's top bits read as unsigned: i < N/2 non-negative.
    int v = static_cast<int>(i) - (i >= N / 2 ? static_cast<int>(N) : 0);
    t[i] = f(v);
  }
  return t;
}

template <class F>
constexpr std::array<std::int16_t, 256> buildDecode(F f) {
  std::array<std::int16_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = f(static_cast<std::uint8_t>(i));
  return t;
}

inline constexpr auto kUlawEncode = buildEncode<16384>(ulawFrom14);
inline constexpr auto kAlawEncode = buildEncode<8192>(alawFrom13);
inline constexpr auto kUlawDecode = buildDecode(ulawTo16);
inline constexpr auto kAlawDecode = buildDecode(alawTo16);

}  // namespace detail

inline std::uint8_t ulawEncode(std::int16_t s) {
  return detail::kUlawEncode[static_cast<std::uint16_t>(s) >> 2];
}
inline std::uint8_t alawEncode(std::int16_t s) {
  return detail::kAlawEncode[static_cast<std::uint16_t>(s) >> 3];
}
inline std::int16_t ulawDecode(std::uint8_t c) {
  return detail::kUlawDecode[c];
}
inline std::int16_t alawDecode(std::uint8_t c) {
  return detail::kAlawDecode[c];
}

/// Block forms; `out` must be at least as long as `in`. Return the count written.
std::size_t ulawEncode(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
std::size_t alawEncode(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
std::size_t ulawDecode(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
std::size_t alawDecode(std::span<const std::uint8_t> in, std::span<std::int16_t> out);

/// Direct µ-law → A-law and back (decode then re-encode), for G.711 ↔ G.711 relaying
/// without a PCM pass.
std::uint8_t ulawToAlaw(std::uint8_t c);
std::uint8_t alawToUlaw(std::uint8_t c);

}  // namespace trunkline::media::codec::g711
