#include "media/bandwidth.h"

#include <gtest/gtest.h>

namespace trunkline::media {
namespace {

TEST(Bandwidth, G711At20msOverEthernet) {
  auto r = computeBandwidth(BandwidthInput::forCodec(AudioCodec::Pcmu, 20));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payloadBytes, 160u);
  EXPECT_EQ(r->frameBytes, 160u + 12 + 8 + 20 + 18);  // 218
  EXPECT_DOUBLE_EQ(r->packetsPerSecond, 50.0);
  EXPECT_DOUBLE_EQ(r->perCallBps, 87200.0);
  EXPECT_DOUBLE_EQ(r->totalBps, 87200.0);
  EXPECT_DOUBLE_EQ(r->totalBothDirectionsBps, 174400.0);
}

TEST(Bandwidth, TwentyG711Calls) {
  auto r = computeBandwidth(BandwidthInput::forCodec(AudioCodec::Pcma, 20, 20));
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->totalBps, 1'744'000.0);  // ≈ 1.74 Mbit/s per direction
}

TEST(Bandwidth, KnownVariants) {
  // G.729 at 20 ms over Ethernet: 20 + 40 + 18 = 78 bytes × 50/s = 31.2 kbit/s.
  EXPECT_DOUBLE_EQ(computeBandwidth(BandwidthInput::forCodec(AudioCodec::G729, 20))->perCallBps,
                   31200.0);
  // G.711 at IP level (no link layer): the classic 80 kbit/s.
  auto in = BandwidthInput::forCodec(AudioCodec::Pcmu, 20);
  in.link = LinkLayer::none();
  EXPECT_DOUBLE_EQ(computeBandwidth(in)->perCallBps, 80000.0);
  // IPv6 adds 20 bytes per packet: 238 × 400 = 95.2 kbit/s.
  in = BandwidthInput::forCodec(AudioCodec::Pcmu, 20);
  in.ip = IpVersion::V6;
  EXPECT_DOUBLE_EQ(computeBandwidth(in)->perCallBps, 95200.0);
  // Line rate (preamble + IFG) over IPv4 is the same 20 bytes more.
  in.ip = IpVersion::V4;
  in.link.preambleAndGap = true;
  EXPECT_DOUBLE_EQ(computeBandwidth(in)->perCallBps, 95200.0);
  // One 802.1Q tag: 222 bytes → 88.8 kbit/s.
  in.link = LinkLayer::ethernet();
  in.link.vlanTags = 1;
  EXPECT_DOUBLE_EQ(computeBandwidth(in)->perCallBps, 88800.0);
  // 30 ms packets: 240 + 58 = 298 bytes at 33.3/s.
  in = BandwidthInput::forCodec(AudioCodec::Pcmu, 30);
  EXPECT_NEAR(computeBandwidth(in)->perCallBps, 298 * 8 * 1000.0 / 30, 1e-6);
  // SRTP's 10-byte tag: 228 bytes → 91.2 kbit/s.
  in = BandwidthInput::forCodec(AudioCodec::Pcmu, 20);
  in.extraBytesPerPacket = 10;
  EXPECT_DOUBLE_EQ(computeBandwidth(in)->perCallBps, 91200.0);
}

TEST(Bandwidth, RejectsNonsense) {
  auto in = BandwidthInput::forCodec(AudioCodec::Pcmu, 0);
  EXPECT_FALSE(computeBandwidth(in));
  in.ptimeMs = 5000;
  EXPECT_FALSE(computeBandwidth(in));
  in.ptimeMs = 20;
  in.payloadBitrate = 0;
  EXPECT_FALSE(computeBandwidth(in));
  // Huge inputs do not overflow.
  in.payloadBitrate = UINT32_MAX;
  in.ptimeMs = 1000;
  in.calls = UINT32_MAX;
  auto r = computeBandwidth(in);
  ASSERT_TRUE(r);
  EXPECT_GT(r->totalBps, 1e18);
}

}  // namespace
}  // namespace trunkline::media
