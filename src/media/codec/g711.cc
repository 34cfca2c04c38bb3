#include "media/codec/g711.h"

#include <algorithm>

namespace trunkline::media::codec::g711 {
namespace {

template <class F>
constexpr std::array<std::uint8_t, 256> buildTranscode(F f) {
  std::array<std::uint8_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = f(static_cast<std::uint8_t>(i));
  return t;
}

constexpr auto kUlawToAlaw = buildTranscode([](std::uint8_t c) {
  return detail::kAlawEncode[static_cast<std::uint16_t>(detail::ulawTo16(c)) >> 3];
});
constexpr auto kAlawToUlaw = buildTranscode([](std::uint8_t c) {
  return detail::kUlawEncode[static_cast<std::uint16_t>(detail::alawTo16(c)) >> 2];
});

}  // namespace

std::size_t ulawEncode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = ulawEncode(in[i]);
  return n;
}

std::size_t alawEncode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = alawEncode(in[i]);
  return n;
}

std::size_t ulawDecode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = ulawDecode(in[i]);
  return n;
}

std::size_t alawDecode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = alawDecode(in[i]);
  return n;
}

std::uint8_t ulawToAlaw(std::uint8_t c) {
  return kUlawToAlaw[c];
}
std::uint8_t alawToUlaw(std::uint8_t c) {
  return kAlawToUlaw[c];
}

}  // namespace trunkline::media::codec::g711
