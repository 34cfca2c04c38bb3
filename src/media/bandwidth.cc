#include "media/bandwidth.h"

namespace trunkline::media {

BandwidthInput BandwidthInput::forCodec(AudioCodec codec, std::uint32_t ptimeMs,
                                        std::uint32_t calls) {
  BandwidthInput in;
  in.ptimeMs = ptimeMs;
  in.calls = calls;
  switch (codec) {
    case AudioCodec::G729: in.payloadBitrate = 8000; break;
    case AudioCodec::Opus: in.payloadBitrate = 32000; break;
    default: in.payloadBitrate = 64000; break;
  }
  return in;
}

base::Result<BandwidthResult> computeBandwidth(const BandwidthInput& in) {
  if (in.ptimeMs == 0 || in.ptimeMs > 1000)
    return base::fail(base::Errc::InvalidArgument, "ptime must be 1..1000 ms");
  if (in.payloadBitrate == 0)
    return base::fail(base::Errc::InvalidArgument, "payload bit rate must be positive");
  constexpr std::uint32_t kRtp = 12;
  constexpr std::uint32_t kUdp = 8;
  const std::uint32_t ipHeader = in.ip == IpVersion::V4 ? 20 : 40;

  BandwidthResult r;
  // Payload per packet = bit rate × ptime / 8, rounded up to whole bytes. Done in 64 bits:
  // the inputs are 32-bit and their product is not.
  const std::uint64_t bits = std::uint64_t{in.payloadBitrate} * in.ptimeMs;
  r.payloadBytes = static_cast<std::uint32_t>((bits + 7999) / 8000);
  r.frameBytes =
      r.payloadBytes + in.extraBytesPerPacket + kRtp + kUdp + ipHeader + in.link.bytesPerFrame();
  r.packetsPerSecond = 1000.0 / in.ptimeMs;
  r.perCallBps = r.frameBytes * 8.0 * r.packetsPerSecond;
  r.totalBps = r.perCallBps * in.calls;
  r.totalBothDirectionsBps = 2 * r.totalBps;
  return r;
}

}  // namespace trunkline::media
