#pragma once
// Bandwidth calculator for capacity planning (operators sizing links and carrier
// contracts): what N simultaneous calls of a codec cost on the wire, per direction. Pure
// function; the formula is in README.md and tested against the usual published figures
// (G.711 at 20 ms over Ethernet is 87.2 kbit/s per direction).
#include <cstdint>

#include "base/result.h"
#include "media/quality.h"

namespace trunkline::media {

enum class IpVersion : std::uint8_t { V4, V6 };

/// Per-frame link-layer cost.
struct LinkLayer {
  std::uint32_t headerBytes = 18;  // Ethernet II: 14 header + 4 FCS
  bool preambleAndGap = false;     // + 8 preamble/SFD + 12 inter-frame gap = 20 (line rate)
  std::uint32_t vlanTags = 0;      // 802.1Q: +4 each (QinQ = 2)

  static LinkLayer ethernet() { return {}; }
  static LinkLayer none() { return {0, false, 0}; }
  std::uint32_t bytesPerFrame() const {
    return headerBytes + (preambleAndGap ? 20u : 0u) + 4u * vlanTags;
  }
};

struct BandwidthInput {
  std::uint32_t payloadBitrate = 64000;  // codec bit rate, bit/s (G.711: 64000)
  std::uint32_t ptimeMs = 20;            // packetisation interval
  IpVersion ip = IpVersion::V4;
  LinkLayer link{};
  std::uint32_t extraBytesPerPacket = 0;  // e.g. an SRTP auth tag (10) or RTP extensions
  std::uint32_t calls = 1;

  /// Nominal bit rate per codec: G.711/G.722 64 kbit/s, G.729 8 kbit/s, Opus 32 kbit/s
  /// (Opus is variable; pass the configured rate when it is known).
  static BandwidthInput forCodec(AudioCodec codec, std::uint32_t ptimeMs, std::uint32_t calls = 1);
};

struct BandwidthResult {
  std::uint32_t payloadBytes = 0;  // per packet
  std::uint32_t frameBytes = 0;    // per packet on the wire: payload + RTP/UDP/IP + link
  double packetsPerSecond = 0;     // per call, per direction
  double perCallBps = 0;           // bit/s per call, one direction
  double totalBps = 0;             // bit/s for all calls, one direction
  double totalBothDirectionsBps = 0;
};

/// RTP 12 + UDP 8 + IPv4 20 / IPv6 40 + link layer, at 1000/ptime packets per second.
/// Errors on a zero ptime or bit rate, or a ptime above 1 s.
base::Result<BandwidthResult> computeBandwidth(const BandwidthInput& in);

}  // namespace trunkline::media
