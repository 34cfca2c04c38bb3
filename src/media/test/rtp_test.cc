#include "media/rtp.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace trunkline::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes rtpPacket(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                std::size_t payload = 160) {
  Bytes b = {0x80,
             pt,
             static_cast<std::uint8_t>(seq >> 8),
             static_cast<std::uint8_t>(seq),
             static_cast<std::uint8_t>(ts >> 24),
             static_cast<std::uint8_t>(ts >> 16),
             static_cast<std::uint8_t>(ts >> 8),
             static_cast<std::uint8_t>(ts),
             static_cast<std::uint8_t>(ssrc >> 24),
             static_cast<std::uint8_t>(ssrc >> 16),
             static_cast<std::uint8_t>(ssrc >> 8),
             static_cast<std::uint8_t>(ssrc)};
  b.resize(b.size() + payload, 0xD5);
  return b;
}

void put32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

TEST(RtpHeader, ParsesFixedHeader) {
  Bytes p = rtpPacket(0x80 | 8, 0xBEEF, 0x01020304, 0xCAFEBABE);
  auto h = parseRtpHeader(p);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->marker);
  EXPECT_EQ(h->payloadType, 8);
  EXPECT_EQ(h->sequence, 0xBEEF);
  EXPECT_EQ(h->timestamp, 0x01020304u);
  EXPECT_EQ(h->ssrc, 0xCAFEBABEu);
  EXPECT_EQ(h->headerLength, 12u);
  EXPECT_EQ(h->payloadLength, 160u);
}

TEST(RtpHeader, CsrcExtensionAndPadding) {
  Bytes p = rtpPacket(0, 1, 2, 3, 0);
  p[0] = 0x80 | 0x20 | 0x10 | 2;  // padding, extension, 2 CSRCs
  put32(p, 0x11111111);
  put32(p, 0x22222222);
  p.insert(p.end(), {0xBE, 0xDE, 0x00, 0x01});  // extension header: 1 word follows
  put32(p, 0xAABBCCDD);
  p.insert(p.end(), 20, 0x55);            // payload
  p.insert(p.end(), {0x00, 0x00, 0x03});  // 3 bytes of padding, count last
  auto h = parseRtpHeader(p);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->headerLength, 12u + 8 + 8);
  EXPECT_EQ(h->payloadLength, 20u);
}

TEST(RtpHeader, RejectsMalformed) {
  EXPECT_FALSE(parseRtpHeader(Bytes{}));
  EXPECT_FALSE(parseRtpHeader(Bytes(11, 0x80)));
  Bytes v1 = rtpPacket(0, 1, 2, 3);
  v1[0] = 0x40;  // version 1
  EXPECT_FALSE(parseRtpHeader(v1));
  Bytes csrc = rtpPacket(0, 1, 2, 3, 4);
  csrc[0] = 0x8F;  // 15 CSRCs claimed, 4 bytes present
  EXPECT_FALSE(parseRtpHeader(csrc));
  Bytes ext = rtpPacket(0, 1, 2, 3, 0);
  ext[0] = 0x90;
  ext.insert(ext.end(), {0xBE, 0xDE, 0xFF, 0xFF});  // extension length past the end
  EXPECT_FALSE(parseRtpHeader(ext));
  Bytes pad = rtpPacket(0, 1, 2, 3, 4);
  pad[0] = 0xA0;
  pad.back() = 200;  // more padding than packet
  EXPECT_FALSE(parseRtpHeader(pad));
  pad.back() = 0;  // zero padding count is invalid too
  EXPECT_FALSE(parseRtpHeader(pad));
}

Bytes senderReport(std::uint32_t ssrc, std::uint64_t ntp, int blocks) {
  Bytes b = {static_cast<std::uint8_t>(0x80 | blocks), 200, 0,
             static_cast<std::uint8_t>(6 + 6 * blocks)};
  put32(b, ssrc);
  put32(b, static_cast<std::uint32_t>(ntp >> 32));
  put32(b, static_cast<std::uint32_t>(ntp));
  put32(b, 12345);  // RTP timestamp
  put32(b, 100);    // packets
  put32(b, 16000);  // octets
  for (int i = 0; i < blocks; ++i) {
    put32(b, 0x1000 + i);                   // ssrc
    b.push_back(64);                        // fraction lost 25%
    b.insert(b.end(), {0xFF, 0xFF, 0xFE});  // cumulative −2
    put32(b, 70000);                        // ext highest seq
    put32(b, 80);                           // jitter
    put32(b, 0xABCD0000);                   // LSR
    put32(b, 65536);                        // DLSR 1 s
  }
  return b;
}

TEST(Rtcp, ParsesCompoundSrSdesBye) {
  Bytes p = senderReport(0x42, 0x0000'1234'5678'0000ull, 1);
  // SDES: one chunk, CNAME "ab", end, padded to a word.
  p.insert(p.end(), {0x81, 202, 0x00, 0x02});
  put32(p, 0x42);
  p.insert(p.end(), {0x01, 0x02, 'a', 'b'});
  // BYE with one SSRC.
  p.insert(p.end(), {0x81, 203, 0x00, 0x01});
  put32(p, 0x42);
  EXPECT_TRUE(looksLikeRtcp(p));
  auto s = parseRtcp(p);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->packets, 3u);
  EXPECT_TRUE(s->hasSenderReport);
  EXPECT_TRUE(s->hasBye);
  EXPECT_EQ(s->senderSsrc, 0x42u);
  EXPECT_EQ(s->ntpMiddle(), 0x12345678u);
  EXPECT_EQ(s->senderPacketCount, 100u);
  ASSERT_EQ(s->blockCount, 1u);
  EXPECT_EQ(s->blocks[0].ssrc, 0x1000u);
  EXPECT_EQ(s->blocks[0].fractionLost, 64);
  EXPECT_EQ(s->blocks[0].cumulativeLost, -2);
  EXPECT_EQ(s->blocks[0].extendedHighestSeq, 70000u);
  EXPECT_EQ(s->blocks[0].jitter, 80u);
  EXPECT_EQ(s->blocks[0].lsr, 0xABCD0000u);
  EXPECT_EQ(s->blocks[0].dlsr, 65536u);
}

TEST(Rtcp, ReceiverReportAndBlockCapacity) {
  Bytes p = {0x80 | 31, 201, 0, static_cast<std::uint8_t>(1 + 6 * 31)};
  put32(p, 7);
  for (int i = 0; i < 31; ++i) {
    put32(p, i);
    p.insert(p.end(), 20, 0);
  }
  auto s = parseRtcp(p);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->hasSenderReport);
  EXPECT_EQ(s->senderSsrc, 7u);
  EXPECT_EQ(s->blockCount, RtcpSummary::kMaxBlocks);
  EXPECT_EQ(s->blocksSkipped, 31 - RtcpSummary::kMaxBlocks);
}

TEST(Rtcp, RejectsMalformed) {
  EXPECT_FALSE(parseRtcp(Bytes{}));
  EXPECT_FALSE(parseRtcp(Bytes{0x80, 200, 0}));
  Bytes longLen = {0x80, 201, 0xFF, 0xFF, 0, 0, 0, 1};  // length past the end
  EXPECT_FALSE(parseRtcp(longLen));
  Bytes countTooBig = {0x82, 201, 0x00, 0x01, 0, 0, 0, 1};  // 2 blocks in 8 bytes
  EXPECT_FALSE(parseRtcp(countTooBig));
  Bytes shortSr = {0x80, 200, 0x00, 0x01, 0, 0, 0, 1};  // SR without sender info
  EXPECT_FALSE(parseRtcp(shortSr));
  Bytes trailing = senderReport(1, 0, 0);
  trailing.insert(trailing.end(), {0x80, 202});  // half a header after a good packet
  EXPECT_FALSE(parseRtcp(trailing));
  Bytes badVersion = senderReport(1, 0, 0);
  badVersion[0] = 0x40;
  EXPECT_FALSE(parseRtcp(badVersion));
  EXPECT_FALSE(looksLikeRtcp(badVersion));
}

TEST(Rtcp, DemultiplexesFromRtp) {
  // RFC 5761 §4: second byte 192..223 is RTCP; RTP PT 0/8/101 with or without marker is not.
  EXPECT_FALSE(looksLikeRtcp(rtpPacket(0, 1, 2, 3)));
  EXPECT_FALSE(looksLikeRtcp(rtpPacket(0x80 | 8, 1, 2, 3)));
  EXPECT_FALSE(looksLikeRtcp(rtpPacket(0x80 | 101, 1, 2, 3)));
  EXPECT_TRUE(looksLikeRtcp(senderReport(1, 0, 0)));
}

TEST(Rtcp, HostileInputNeverCrashes) {
  // Deterministic random and mutated inputs through both parsers: they must return, not
  // read out of bounds (run under ASan/UBSan in the sanitizer build).
  std::mt19937 rng(12345);
  Bytes seed = senderReport(9, 0x1122334455667788ull, 2);
  seed.insert(seed.end(), {0x81, 202, 0x00, 0x01, 0, 0, 0, 9});
  std::size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b;
    if (i % 2 == 0) {
      b.resize(rng() % 96);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
      if (!b.empty()) b[0] = static_cast<std::uint8_t>(0x80 | (b[0] & 0x3F));
    } else {
      b = seed;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
      b.resize(rng() % (b.size() + 1));
    }
    if (parseRtcp(b)) ++parsed;
    (void)parseRtpHeader(b);
    (void)looksLikeRtcp(b);
  }
  EXPECT_GT(parsed, 0u);  // the mutations still leave some valid packets: the walk is exercised
}

}  // namespace
}  // namespace trunkline::media
