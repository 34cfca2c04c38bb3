#pragma once
// RFC 4733 telephone-event payloads are relayed, never decoded: only their payload type
// changes, and their duration fields when the two sides count time at different rates
// (an Opus leg with telephone-event/48000 facing a G.711 leg with telephone-event/8000).
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/codec/codec.h"

namespace trunkline::media::codec {

/// Size of one event block (RFC 4733 §2.3): event, E/R/volume, 16-bit duration.
inline constexpr std::size_t kEventBlockBytes = 4;

/// Copies the event blocks of `in` into `out`, scaling each duration from `inClock` to
/// `outClock` units (saturating at 0xFFFF, the field's maximum, RFC 4733 §2.5.2.3). A
/// payload may hold several blocks (§2.5.1.2 redundancy); it must be a non-empty multiple of
/// 4 bytes. Returns the bytes written (== in.size()).
PacketResult<std::size_t> rescaleEvents(std::span<const std::uint8_t> in, std::uint32_t inClock,
                                        std::uint32_t outClock, std::span<std::uint8_t> out);

}  // namespace trunkline::media::codec
