#include "media/rtp_stats.h"

#include <gtest/gtest.h>

namespace trunkline::media {
namespace {

using namespace std::chrono_literals;

const PayloadInfo kPcmu{8000, PayloadKind::Audio, AudioCodec::Pcmu};
const PayloadInfo kEvent{8000, PayloadKind::TelephoneEvent, AudioCodec::Unknown};

RtpHeader hdr(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc = 1, std::uint8_t pt = 0) {
  RtpHeader h;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = ssrc;
  h.payloadType = pt;
  return h;
}

base::MonoTime at(base::Duration d) {
  return base::MonoTime{10s} + d;
}

TEST(PayloadTable, MappedAndStaticDefaults) {
  PayloadTable t;
  t.set(101, 8000, "telephone-event");
  t.set(96, 48000, "opus");
  EXPECT_EQ(t.lookup(101).kind, PayloadKind::TelephoneEvent);
  EXPECT_EQ(t.lookup(96).clockRate, 48000u);
  EXPECT_EQ(t.lookup(96).codec, AudioCodec::Opus);
  EXPECT_EQ(t.lookup(0).codec, AudioCodec::Pcmu);  // static, unmapped
  EXPECT_EQ(t.lookup(18).codec, AudioCodec::G729);
  EXPECT_EQ(t.lookup(13).kind, PayloadKind::ComfortNoise);
  EXPECT_EQ(t.lookup(100).clockRate, 0u);               // dynamic, unmapped: unknown
  EXPECT_EQ(t.lookup(200).kind, PayloadKind::Unknown);  // out of range: ignored, no crash
}

TEST(RtpReceiverStats, CountsLossFromGaps) {
  RtpReceiverStats s;
  // 100 packets at 20 ms, every 10th missing.
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 5) continue;
    s.onPacket(hdr(static_cast<std::uint16_t>(1000 + i), 160u * i), kPcmu, at(20ms * i));
  }
  auto r = s.report();
  EXPECT_EQ(r.packets, 90u);
  EXPECT_EQ(r.expected, 100);
  EXPECT_EQ(r.lost, 10);
  EXPECT_DOUBLE_EQ(r.lossPercent(), 10.0);
  EXPECT_EQ(r.codec, AudioCodec::Pcmu);
  // Constant transit: no jitter.
  EXPECT_EQ(r.jitterTs, 0u);
  EXPECT_DOUBLE_EQ(r.maxJitterMs, 0.0);
}

TEST(RtpReceiverStats, SequenceWrapIsNotLoss) {
  RtpReceiverStats s;
  for (int i = 0; i < 200; ++i)
    s.onPacket(hdr(static_cast<std::uint16_t>(65500 + i), 160u * i), kPcmu, at(20ms * i));
  auto r = s.report();
  EXPECT_EQ(r.expected, 200);
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.sourceChanges, 0u);
}

TEST(RtpReceiverStats, ReorderingIsNotLoss) {
  RtpReceiverStats s;
  const std::uint16_t order[] = {1, 2, 4, 3, 5, 7, 6, 8};
  int i = 0;
  for (std::uint16_t seq : order) s.onPacket(hdr(seq, 160u * seq), kPcmu, at(20ms * i++));
  auto r = s.report();
  EXPECT_EQ(r.expected, 8);
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.reordered, 2u);
}

TEST(RtpReceiverStats, JitterKnownValue) {
  // RFC 3550 A.8: J += (|D| − J)/16. Packets sent every 160 ticks (20 ms at 8 kHz); every
  // second one arrives 5 ms (40 ticks) late, so |D| is 40 after the first packet.
  RtpReceiverStats s;
  double expected = 0;
  for (int i = 0; i < 50; ++i) {
    const auto late = (i % 2 == 1) ? 5ms : 0ms;
    s.onPacket(hdr(static_cast<std::uint16_t>(i), 160u * i), kPcmu, at(20ms * i + late));
    if (i > 0) expected += (40.0 - expected) / 16.0;
  }
  auto r = s.report();
  EXPECT_EQ(r.jitterTs, static_cast<std::uint32_t>(expected));
  EXPECT_NEAR(r.jitterMs, expected / 8.0, 1e-9);  // 8 ticks per ms
  EXPECT_NEAR(r.maxJitterMs, expected / 8.0, 1e-9);
  EXPECT_GT(r.jitterMs, 4.0);  // converging to 5 ms
  EXPECT_EQ(r.clockRate, 8000u);
}

TEST(RtpReceiverStats, JitterUsesClockRate) {
  // Opus at 48 kHz: 20 ms = 960 ticks; a steady 2 ms wobble must read as ms, not ticks.
  RtpReceiverStats s;
  const PayloadInfo opus{48000, PayloadKind::Audio, AudioCodec::Opus};
  for (int i = 0; i < 200; ++i) {
    const auto late = (i % 2 == 1) ? 2ms : 0ms;
    s.onPacket(hdr(static_cast<std::uint16_t>(i), 960u * i), opus, at(20ms * i + late));
  }
  EXPECT_NEAR(s.report().jitterMs, 2.0, 0.01);
}

TEST(RtpReceiverStats, TelephoneEventsDoNotDisturbJitterOrLoss) {
  // RFC 4733: an event's packets repeat the event's start timestamp while audio time runs
  // on, and they use the audio's sequence numbers. Audio stays perfectly paced.
  RtpReceiverStats s;
  std::uint16_t seq = 0;
  int i = 0;
  for (; i < 20; ++i) s.onPacket(hdr(seq++, 160u * i, 1, 0), kPcmu, at(20ms * i));
  const std::uint32_t eventStart = 160u * i;
  for (int e = 0; e < 10; ++e, ++i)  // 200 ms of a digit, same timestamp
    s.onPacket(hdr(seq++, eventStart, 1, 101), kEvent, at(20ms * i));
  for (int k = 0; k < 20; ++k, ++i) s.onPacket(hdr(seq++, 160u * i, 1, 0), kPcmu, at(20ms * i));
  auto r = s.report();
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.expected, 50);
  EXPECT_EQ(r.jitterTs, 0u);
  EXPECT_DOUBLE_EQ(r.maxJitterMs, 0.0);
  EXPECT_EQ(r.sourceChanges, 0u);
}

TEST(RtpReceiverStats, EventsUnderOwnSsrcDoNotResetAudio) {
  RtpReceiverStats s;
  for (int i = 0; i < 10; ++i)
    s.onPacket(hdr(static_cast<std::uint16_t>(i), 160u * i, 1), kPcmu, at(20ms * i));
  s.onPacket(hdr(5000, 77, 2, 101), kEvent, at(200ms));
  for (int i = 10; i < 20; ++i)
    s.onPacket(hdr(static_cast<std::uint16_t>(i), 160u * i, 1), kPcmu, at(20ms * i));
  auto r = s.report();
  EXPECT_EQ(r.ssrc, 1u);
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.sourceChanges, 0u);
  EXPECT_EQ(r.packets, 21u);
}

TEST(RtpReceiverStats, SsrcChangeKeepsTotals) {
  RtpReceiverStats s;
  for (int i = 0; i < 10; ++i) {
    if (i == 4) continue;  // one lost in the first source
    s.onPacket(hdr(static_cast<std::uint16_t>(i), 160u * i, 1), kPcmu, at(20ms * i));
  }
  for (int i = 0; i < 10; ++i)  // a new source (e.g. re-INVITE to another media server)
    s.onPacket(hdr(static_cast<std::uint16_t>(30000 + i), 999u + 160u * i, 2), kPcmu,
               at(200ms + 20ms * i));
  auto r = s.report();
  EXPECT_EQ(r.ssrc, 2u);
  EXPECT_EQ(r.sourceChanges, 1u);
  EXPECT_EQ(r.expected, 20);
  EXPECT_EQ(r.lost, 1);
}

TEST(RtpReceiverStats, BigJumpNeedsConfirmation) {
  RtpReceiverStats s;
  for (int i = 0; i < 10; ++i)
    s.onPacket(hdr(static_cast<std::uint16_t>(i), 160u * i), kPcmu, at(20ms * i));
  // One stray far-away number is not counted (and does not create 20000 "lost" packets).
  s.onPacket(hdr(20000, 0), kPcmu, at(200ms));
  s.onPacket(hdr(10, 1600), kPcmu, at(220ms));
  auto r = s.report();
  EXPECT_EQ(r.expected, 11);
  EXPECT_EQ(r.lost, 0);
  // Two in a row from the new place restart the sequence.
  s.onPacket(hdr(40000, 0), kPcmu, at(240ms));
  s.onPacket(hdr(40001, 160), kPcmu, at(260ms));
  s.onPacket(hdr(40002, 320), kPcmu, at(280ms));
  r = s.report();
  EXPECT_EQ(r.sourceChanges, 1u);
  EXPECT_EQ(r.expected, 11 + 2);  // the restart counts from its confirming packet
  EXPECT_EQ(r.lost, 0);
}

TEST(SenderReportHistory, RoundTripFromLsrDlsr) {
  SenderReportHistory h;
  h.record(0x11110000, at(0ms));
  h.record(0x22220000, at(5s));
  ReportBlock b;
  b.lsr = 0x22220000;
  b.dlsr = 65536 / 2;  // the peer held it 500 ms
  auto rtt = h.roundTrip(b, at(5s + 560ms));
  ASSERT_TRUE(rtt);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*rtt).count(), 60);
  b.lsr = 0x33330000;  // unknown SR
  EXPECT_FALSE(h.roundTrip(b, at(6s)));
  b.lsr = 0;  // no SR seen yet by the reporter
  EXPECT_FALSE(h.roundTrip(b, at(6s)));
  b.lsr = 0x11110000;
  b.dlsr = 65536 * 100;  // a lying DLSR never makes a negative RTT
  EXPECT_EQ(h.roundTrip(b, at(6s))->count(), 0);
}

}  // namespace
}  // namespace trunkline::media
