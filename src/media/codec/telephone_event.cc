#include "media/codec/telephone_event.h"

#include <algorithm>

namespace trunkline::media::codec {

PacketResult<std::size_t> rescaleEvents(std::span<const std::uint8_t> in, std::uint32_t inClock,
                                        std::uint32_t outClock, std::span<std::uint8_t> out) {
  if (in.empty()) return packetError(PacketErrc::EmptyPayload);
  if (in.size() % kEventBlockBytes != 0) return packetError(PacketErrc::BadLength);
  if (out.size() < in.size()) return packetError(PacketErrc::BufferTooSmall);
  if (inClock == 0 || outClock == 0) return packetError(PacketErrc::CodecFailure);
  std::copy(in.begin(), in.end(), out.begin());
  if (inClock == outClock) return in.size();
  for (std::size_t i = 0; i < in.size(); i += kEventBlockBytes) {
    std::uint64_t d = (std::uint64_t{in[i + 2]} << 8) | in[i + 3];
    // Round to nearest so that 8 kHz -> 48 kHz -> 8 kHz gives back the same value.
    std::uint64_t scaled = (d * outClock + inClock / 2) / inClock;
    if (scaled > 0xFFFF) scaled = 0xFFFF;
    out[i + 2] = static_cast<std::uint8_t>(scaled >> 8);
    out[i + 3] = static_cast<std::uint8_t>(scaled & 0xFF);
  }
  return in.size();
}

}  // namespace trunkline::media::codec
