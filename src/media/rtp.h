#pragma once
// RTP and RTCP wire parsing (RFC 3550 §5.1, §6.4; RFC 5761 §4 demultiplexing). Pure
// functions over a byte span: no allocation, no exceptions, every length checked against
// the buffer, so hostile datagrams only ever yield "not valid".
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace trunkline::media {

/// The fixed RTP header fields the relay needs (RFC 3550 §5.1).
struct RtpHeader {
  std::uint8_t payloadType = 0;
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  /// Bytes of header (fixed part + CSRCs + extension); payload starts there.
  std::size_t headerLength = 0;
  /// Payload bytes (padding excluded).
  std::size_t payloadLength = 0;
};

/// Parses the RTP header of `packet`; nullopt if it is not a well-formed RTP version 2
/// packet (too short, CSRC list or extension or padding running past the end).
std::optional<RtpHeader> parseRtpHeader(std::span<const std::uint8_t> packet);

/// RFC 5761 §4: on a socket carrying both, a packet whose second byte lies in 192..223 is
/// RTCP (those values are RTCP packet types; as RTP they would be marker + PT 64..95, which
/// are not used for that reason). Also requires version 2 and the minimum RTCP size.
bool looksLikeRtcp(std::span<const std::uint8_t> packet);

/// One reception report block (RFC 3550 §6.4.1), as sent by the reporting endpoint.
struct ReportBlock {
  std::uint32_t ssrc = 0;           // the source this block reports on
  std::uint8_t fractionLost = 0;    // fixed point /256, since the previous report
  std::int32_t cumulativeLost = 0;  // signed 24 bits (duplicates can make it negative)
  std::uint32_t extendedHighestSeq = 0;
  std::uint32_t jitter = 0;  // timestamp units
  std::uint32_t lsr = 0;     // middle 32 bits of the NTP time of the last SR received
  std::uint32_t dlsr = 0;    // delay since that SR, 1/65536 s
};

/// What the relay keeps from one compound RTCP packet. Fixed capacity: blocks beyond
/// kMaxBlocks are counted, not stored.
struct RtcpSummary {
  static constexpr std::size_t kMaxBlocks = 8;
  bool hasSenderReport = false;
  std::uint32_t senderSsrc = 0;    // of the SR or the first RR
  std::uint64_t ntpTimestamp = 0;  // SR: sender's NTP time (64-bit fixed point)
  std::uint32_t rtpTimestamp = 0;
  std::uint32_t senderPacketCount = 0;
  std::uint32_t senderOctetCount = 0;
  std::array<ReportBlock, kMaxBlocks> blocks{};
  std::size_t blockCount = 0;     // stored in blocks
  std::size_t blocksSkipped = 0;  // present but beyond capacity
  std::size_t packets = 0;        // RTCP packets in the compound
  bool hasBye = false;

  /// The middle 32 bits of the SR's NTP timestamp: what a receiver echoes as LSR.
  std::uint32_t ntpMiddle() const { return static_cast<std::uint32_t>(ntpTimestamp >> 16); }
};

/// Walks a compound RTCP packet (RFC 3550 §6.1): SR and RR are read; SDES, BYE, APP, XR
/// and unknown types are skipped by their length field. Returns nullopt when any packet
/// header is malformed (wrong version, length past the end, report count not fitting the
/// length) — the relay then forwards the bytes unchanged but learns nothing from them.
std::optional<RtcpSummary> parseRtcp(std::span<const std::uint8_t> packet);

}  // namespace trunkline::media
