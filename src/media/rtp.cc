#include "media/rtp.h"

namespace trunkline::media {
namespace {

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

constexpr std::size_t kRtpFixedHeader = 12;
constexpr std::size_t kRtcpHeader = 4;
constexpr std::size_t kReportBlockSize = 24;
constexpr std::size_t kSenderInfoSize = 20;  // NTP(8) + RTP ts(4) + packets(4) + octets(4)

constexpr std::uint8_t kRtcpSr = 200;
constexpr std::uint8_t kRtcpRr = 201;
constexpr std::uint8_t kRtcpBye = 203;

ReportBlock readBlock(const std::uint8_t* p) {
  ReportBlock b;
  b.ssrc = be32(p);
  b.fractionLost = p[4];
  std::uint32_t lost = (std::uint32_t{p[5]} << 16) | (std::uint32_t{p[6]} << 8) | p[7];
  // Sign-extend the 24-bit two's complement value.
  b.cumulativeLost = (lost & 0x800000u) ? static_cast<std::int32_t>(lost | 0xFF000000u)
                                        : static_cast<std::int32_t>(lost);
  b.extendedHighestSeq = be32(p + 8);
  b.jitter = be32(p + 12);
  b.lsr = be32(p + 16);
  b.dlsr = be32(p + 20);
  return b;
}

}  // namespace

std::optional<RtpHeader> parseRtpHeader(std::span<const std::uint8_t> packet) {
  const std::size_t size = packet.size();
  if (size < kRtpFixedHeader) return std::nullopt;
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 6) != 2) return std::nullopt;
  const bool padding = (p[0] & 0x20) != 0;
  const bool extension = (p[0] & 0x10) != 0;
  const std::size_t csrcCount = p[0] & 0x0F;

  RtpHeader h;
  h.marker = (p[1] & 0x80) != 0;
  h.payloadType = p[1] & 0x7F;
  h.sequence = be16(p + 2);
  h.timestamp = be32(p + 4);
  h.ssrc = be32(p + 8);

  std::size_t offset = kRtpFixedHeader + 4 * csrcCount;
  if (offset > size) return std::nullopt;
  if (extension) {
    // RFC 3550 §5.3.1: 16-bit profile id, 16-bit length in 32-bit words (header excluded).
    if (offset + 4 > size) return std::nullopt;
    const std::size_t words = be16(p + offset + 2);
    offset += 4 + 4 * words;
    if (offset > size) return std::nullopt;
  }
  std::size_t padLength = 0;
  if (padding) {
    // The last byte counts the padding bytes, itself included (RFC 3550 §5.1 P bit).
    padLength = p[size - 1];
    if (padLength == 0 || offset + padLength > size) return std::nullopt;
  }
  h.headerLength = offset;
  h.payloadLength = size - offset - padLength;
  return h;
}

bool looksLikeRtcp(std::span<const std::uint8_t> packet) {
  if (packet.size() < 8) return false;
  if ((packet[0] >> 6) != 2) return false;
  return packet[1] >= 192 && packet[1] <= 223;
}

std::optional<RtcpSummary> parseRtcp(std::span<const std::uint8_t> packet) {
  RtcpSummary s;
  const std::uint8_t* base = packet.data();
  std::size_t offset = 0;
  const std::size_t size = packet.size();
  if (size < kRtcpHeader) return std::nullopt;

  // A compound packet is a run of RTCP packets, each giving its own length; the loop ends
  // because every step advances by at least the 4-byte header.
  while (offset < size) {
    if (size - offset < kRtcpHeader) return std::nullopt;
    const std::uint8_t* p = base + offset;
    if ((p[0] >> 6) != 2) return std::nullopt;
    const std::size_t count = p[0] & 0x1F;
    const std::uint8_t type = p[1];
    // Length is in 32-bit words minus one, so the packet is (length + 1) * 4 bytes.
    const std::size_t length = (std::size_t{be16(p + 2)} + 1) * 4;
    if (length > size - offset) return std::nullopt;
    ++s.packets;

    auto readBlocks = [&](std::size_t at) -> bool {
      if (at + count * kReportBlockSize > length) return false;
      for (std::size_t i = 0; i < count; ++i) {
        if (s.blockCount < RtcpSummary::kMaxBlocks)
          s.blocks[s.blockCount++] = readBlock(p + at + i * kReportBlockSize);
        else
          ++s.blocksSkipped;
      }
      return true;
    };

    if (type == kRtcpSr) {
      if (length < kRtcpHeader + 4 + kSenderInfoSize) return std::nullopt;
      const std::uint32_t ssrc = be32(p + 4);
      if (!s.hasSenderReport) {
        s.hasSenderReport = true;
        s.senderSsrc = ssrc;
        s.ntpTimestamp = (std::uint64_t{be32(p + 8)} << 32) | be32(p + 12);
        s.rtpTimestamp = be32(p + 16);
        s.senderPacketCount = be32(p + 20);
        s.senderOctetCount = be32(p + 24);
      }
      if (!readBlocks(kRtcpHeader + 4 + kSenderInfoSize)) return std::nullopt;
    } else if (type == kRtcpRr) {
      if (length < kRtcpHeader + 4) return std::nullopt;
      if (!s.hasSenderReport && s.packets == 1) s.senderSsrc = be32(p + 4);
      if (!readBlocks(kRtcpHeader + 4)) return std::nullopt;
    } else if (type == kRtcpBye) {
      s.hasBye = true;
    }
    // SDES, APP, XR and anything else: skipped by length; their contents are not needed.
    offset += length;
  }
  return s;
}

}  // namespace trunkline::media
