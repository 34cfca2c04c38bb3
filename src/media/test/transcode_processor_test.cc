// Transcoding through a real relay on loopback: peers send RTP of one codec to the relay
// and check what the other leg receives — codec, payload type, SSRC, numbering, ptime, the
// audio itself (a tone keeps its frequency and level) — and processor chains that compose
// a 1 → N step with in-place ones (real SRTP). Manual mode (pollOnce, ManualClock); waits
// are bounded, nothing is timed.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "media/codec/g711.h"
#include "media/engine.h"
#include "media/processor_chain.h"
#include "media/rtp.h"
#include "media/srtp.h"
#include "media/transcode_processor.h"
#include "rtp_peer.h"

namespace trunkline::media {
namespace {

using namespace std::chrono_literals;
using codec::CodecId;
using test::Bytes;
using test::Peer;

const net::Address kLo = *net::Address::parse("127.0.0.1");
constexpr std::uint32_t kOurSsrc = 0x5EED1234;

Bytes rtpWith(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
              const Bytes& payload, bool marker = false) {
  Bytes b = test::makeRtp(pt, seq, ts, ssrc, 0);
  if (marker) b[1] |= 0x80;
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

/// `samples` of a sine at `hz` (8 kHz), continuing from sample index `from`, as µ-law.
Bytes ulawTone(std::size_t from, std::size_t samples, double hz = 1000, double amp = 8000) {
  Bytes out;
  for (std::size_t i = from; i < from + samples; ++i)
    out.push_back(codec::g711::ulawEncode(static_cast<std::int16_t>(
        amp * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / 8000.0))));
  return out;
}

/// Power of `pcm` at `hz` relative to its total power (Goertzel), 0..1.
double toneShare(const std::vector<double>& pcm, double hz) {
  const double w = 2 * std::numbers::pi * hz / 8000.0;
  double s1 = 0, s2 = 0, total = 0;
  for (double x : pcm) {
    const double s = x + 2 * std::cos(w) * s1 - s2;
    s2 = s1;
    s1 = s;
    total += x * x;
  }
  const double power = s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2;
  return total > 0 ? 2 * power / (static_cast<double>(pcm.size()) * total) : 0;
}

double rms(const std::vector<double>& pcm) {
  double sum = 0;
  for (double x : pcm) sum += x * x;
  return pcm.empty() ? 0 : std::sqrt(sum / static_cast<double>(pcm.size()));
}

class TranscodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MediaEngineConfig config;
    static const char* const kNames[] = {"PcmuToPcmaKeepsTheTone",
                                         "Ptime30To20",
                                         "ManyPacketsPerRoundAllArriveInOrder",
                                         "RtcpDroppedOnTranscodedDirectionOnly",
                                         "HostileInputRejectedAndCounted",
                                         "TelephoneEventPtMapped",
                                         "PcmuToG729",
                                         "ChainTranscodeThenSrtpProtect",
                                         "ChainInPlaceThenTranscode",
                                         "NewSourceSsrcKeepsOurStream"};
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::size_t index = std::size(kNames);
    for (std::size_t i = 0; i < std::size(kNames); ++i)
      if (name == kNames[i]) index = i;
    config.ports.minPort = static_cast<std::uint16_t>(26000 + index * 20);
    config.ports.maxPort = static_cast<std::uint16_t>(config.ports.minPort + 19);
    config.ports.quarantine = 5s;
    engine = std::make_unique<MediaEngine>(clock, config);
    ASSERT_TRUE(engine->init());
    session = *engine->createSession();
    StreamSpec s;
    s.a.localIp = kLo;
    s.a.remote.rtp = a.address();
    s.b.localIp = kLo;
    s.b.remote.rtp = b.address();
    auto p = engine->addStream(session, 0, s);
    ASSERT_TRUE(p) << p.error().message;
    ports = *p;
  }

  void pump() { engine->pollOnce(5ms); }
  std::function<void()> pumper() {
    return [this] { pump(); };
  }
  void drain() {
    for (int i = 0; i < 3; ++i) pump();
  }
  std::vector<Bytes> receiveAll(Peer& peer) {
    drain();
    std::vector<Bytes> out;
    for (int i = 0; i < 10000; ++i) {
      auto d = peer.tryReceive();
      if (!d) break;
      out.push_back(std::move(d->bytes));
    }
    return out;
  }

  std::shared_ptr<TranscodeProcessor> makeTranscoder(CodecId in, std::uint8_t inPt, CodecId out,
                                                     std::uint8_t outPt, std::uint32_t ptime = 20) {
    TranscodeConfig c;
    c.transcoder.inCodec = in;
    c.transcoder.inPt = inPt;
    c.transcoder.outCodec = out;
    c.transcoder.outPt = outPt;
    c.transcoder.outPtimeMs = ptime;
    c.transcoder.firstSeq = 1000;
    c.transcoder.firstTimestamp = 50000;
    c.ssrc = kOurSsrc;
    auto t = TranscodeProcessor::create(c);
    EXPECT_TRUE(t) << t.error().message;
    return t ? *t : nullptr;
  }
  const DirectionStats& fromA() {
    snapshot = *engine->stats(session);
    return snapshot.streams[0].fromLeg(Leg::A);
  }

  base::ManualClock clock;
  std::unique_ptr<MediaEngine> engine;
  SessionId session = 0;
  StreamPorts ports;
  Peer a, b;
  SessionStats snapshot;
};

TEST_F(TranscodeTest, PcmuToPcmaKeepsTheTone) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  std::vector<double> decoded;
  for (std::uint16_t i = 0; i < 25; ++i) {  // half a second of 1 kHz at -12 dBFS
    a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, static_cast<std::uint16_t>(7 + i), 1000 + 160u * i,
                                            0xA, ulawTone(160u * i, 160), i == 0));
    auto got = b.receive(pumper());
    ASSERT_TRUE(got) << "packet " << i;
    auto h = parseRtpHeader(got->bytes);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->payloadType, 8);
    EXPECT_EQ(h->ssrc, kOurSsrc);  // a new source towards B, not A's 0xA
    EXPECT_EQ(h->sequence, 1000 + i);
    EXPECT_EQ(h->timestamp, 50000 + 160u * i);
    EXPECT_EQ(h->marker, i == 0);
    ASSERT_EQ(h->payloadLength, 160u);
    EXPECT_EQ(h->headerLength, 12u);
    EXPECT_EQ(got->from, ports.leg(Leg::B).rtp);
    for (std::size_t k = 0; k < h->payloadLength; ++k)
      decoded.push_back(codec::g711::alawDecode(got->bytes[h->headerLength + k]));
  }
  EXPECT_GT(toneShare(decoded, 1000), 0.95);
  EXPECT_LT(toneShare(decoded, 1500), 0.01);
  EXPECT_NEAR(rms(decoded), 8000 / std::sqrt(2.0), 8000 / std::sqrt(2.0) * 0.05);

  // B → A is untouched (no processor on that direction).
  const Bytes back = test::makeRtp(8, 1, 160, 0xB);
  b.sendTo(ports.leg(Leg::B).rtp, back);
  auto gotBack = a.receive(pumper());
  ASSERT_TRUE(gotBack);
  EXPECT_EQ(gotBack->bytes, back);

  EXPECT_EQ(t->counters().packetsIn, 25u);
  EXPECT_EQ(t->counters().packetsOut, 25u);
  EXPECT_EQ(fromA().rtpPackets, 25u);
  EXPECT_EQ(fromA().forwardedPackets, 25u);
  EXPECT_EQ(fromA().droppedProcessor, 0u);
  EXPECT_EQ(fromA().rtp.ssrc, 0xAu);  // the relay's statistics see what A sent
}

TEST_F(TranscodeTest, Ptime30To20) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8, 20);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  std::vector<std::size_t> perInput;
  std::vector<std::uint32_t> stamps;
  for (std::uint16_t i = 0; i < 6; ++i) {  // 180 ms as six 30 ms packets
    a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, i, 240u * i, 0xA, ulawTone(240u * i, 240)));
    auto got = receiveAll(b);
    perInput.push_back(got.size());
    for (const Bytes& g : got) {
      auto h = parseRtpHeader(g);
      ASSERT_TRUE(h);
      EXPECT_EQ(h->payloadLength, 160u);  // 20 ms of A-law
      stamps.push_back(h->timestamp);
    }
  }
  // 30 ms in, 20 ms out: 1, 2, 1, 2, ... packets per input packet; 9 in all.
  EXPECT_EQ(perInput, (std::vector<std::size_t>{1, 2, 1, 2, 1, 2}));
  ASSERT_EQ(stamps.size(), 9u);
  for (std::size_t i = 0; i < stamps.size(); ++i) EXPECT_EQ(stamps[i], 50000 + 160u * i);
  EXPECT_EQ(fromA().forwardedPackets, 9u);
  EXPECT_EQ(fromA().rtpPackets, 6u);
}

TEST_F(TranscodeTest, ManyPacketsPerRoundAllArriveInOrder) {
  // 40 packets of 60 ms in one burst, re-framed to 10 ms: 240 packets out of one or two
  // receive batches — more than the worker's emit slots, so queued sends are flushed
  // between packets and none is lost.
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8, 10);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  for (std::uint16_t i = 0; i < 40; ++i)
    a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, i, 480u * i, 0xA, ulawTone(480u * i, 480)));
  std::vector<Bytes> got;
  for (int round = 0; round < 20 && got.size() < 240; ++round) {
    auto more = receiveAll(b);
    got.insert(got.end(), more.begin(), more.end());
  }
  ASSERT_EQ(got.size(), 240u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    auto h = parseRtpHeader(got[i]);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->sequence, static_cast<std::uint16_t>(1000 + i));
    EXPECT_EQ(h->payloadLength, 80u);
  }
  EXPECT_EQ(t->counters().noBuffer, 0u);
  EXPECT_EQ(fromA().forwardedPackets, 240u);
  EXPECT_EQ(fromA().sendErrors, 0u);
}

TEST_F(TranscodeTest, RtcpDroppedOnTranscodedDirectionOnly) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  a.sendTo(ports.leg(Leg::A).rtcp, test::makeSenderReport(0xA, 0x0102030405060708ull));
  drain();
  EXPECT_FALSE(b.tryReceive()) << "A's SR describes a stream B never sees";
  EXPECT_EQ(t->counters().rtcpDropped, 1u);
  EXPECT_EQ(fromA().rtcpPackets, 1u);  // still read by the relay for its statistics
  EXPECT_EQ(fromA().droppedProcessor, 1u);
  // B → A has no processor: B's RTCP reaches A's RTCP port.
  Peer aRtcp;
  (void)aRtcp;
  const Bytes sr = test::makeSenderReport(0xB, 0x1111222233334444ull);
  b.sendTo(ports.leg(Leg::B).rtcp, sr);
  drain();
  EXPECT_EQ(snapshot.streams.size(), 1u);
  EXPECT_EQ(engine->stats(session)->streams[0].fromLeg(Leg::B).forwardedPackets, 1u);
}

TEST_F(TranscodeTest, HostileInputRejectedAndCounted) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::G729, 18);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  // An unknown payload type, an empty payload, an absurdly long one (over maxPacketMs).
  a.sendTo(ports.leg(Leg::A).rtp, test::makeRtp(96, 1, 160, 0xA, 160));
  a.sendTo(ports.leg(Leg::A).rtp, test::makeRtp(0, 2, 320, 0xA, 0));
  a.sendTo(ports.leg(Leg::A).rtp, test::makeRtp(0, 3, 480, 0xA, 3000));
  // Random bytes that still look like RTP v2 to the relay.
  std::uint32_t x = 12345;
  for (int i = 0; i < 200; ++i) {
    Bytes junk(12 + (i % 300));
    for (auto& byte : junk) {
      x = x * 1103515245u + 12345u;
      byte = static_cast<std::uint8_t>(x >> 16);
    }
    junk[0] = 0x80;
    junk[1] = static_cast<std::uint8_t>(junk[1] & 0x7f);
    if (junk[1] >= 72 && junk[1] <= 76) junk[1] = 0;  // keep it out of the RTCP range
    a.sendTo(ports.leg(Leg::A).rtp, junk);
    if (i % 20 == 0) drain();
  }
  auto got = receiveAll(b);
  for (const Bytes& g : got) {  // whatever came out is well-formed G.729 from our source
    auto h = parseRtpHeader(g);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->payloadType, 18);
    EXPECT_EQ(h->ssrc, kOurSsrc);
    EXPECT_EQ(h->payloadLength % 10, 0u);
  }
  EXPECT_GE(t->counters().rejected, 3u);
  // A well-formed packet still goes through afterwards.
  a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, 5000, 900000, 0xA, ulawTone(0, 160)));
  EXPECT_TRUE(b.receive(pumper()));
}

TEST_F(TranscodeTest, TelephoneEventPtMapped) {
  TranscodeConfig c;
  c.transcoder.inCodec = CodecId::Pcmu;
  c.transcoder.inPt = 0;
  c.transcoder.outCodec = CodecId::Pcma;
  c.transcoder.outPt = 8;
  c.transcoder.inEventPt = 101;
  c.transcoder.outEventPt = 96;
  c.ssrc = kOurSsrc;
  auto t = TranscodeProcessor::create(c);
  ASSERT_TRUE(t);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, *t));
  a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, 1, 160, 0xA, ulawTone(0, 160)));
  ASSERT_TRUE(b.receive(pumper()));
  // Digit 5, volume 10, duration 160, start of the event.
  a.sendTo(ports.leg(Leg::A).rtp, rtpWith(101, 2, 320, 0xA, Bytes{5, 10, 0, 160}, true));
  auto got = b.receive(pumper());
  ASSERT_TRUE(got);
  auto h = parseRtpHeader(got->bytes);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->payloadType, 96);
  EXPECT_EQ(h->ssrc, kOurSsrc);
  ASSERT_EQ(h->payloadLength, 4u);
  EXPECT_EQ(got->bytes[h->headerLength], 5);
}

TEST_F(TranscodeTest, PcmuToG729) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::G729, 18, 20);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  for (std::uint16_t i = 0; i < 10; ++i) {
    a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, i, 160u * i, 0xA, ulawTone(160u * i, 160)));
    auto got = b.receive(pumper());
    ASSERT_TRUE(got) << i;
    auto h = parseRtpHeader(got->bytes);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->payloadType, 18);
    EXPECT_EQ(h->payloadLength, 20u);  // two 10-byte G.729 frames
    EXPECT_EQ(h->timestamp, 50000 + 160u * i);
  }
}

/// Removes a 4-byte trailer (a stand-in for an SRTP tag) in place.
class StripTrailer final : public PacketProcessor {
 public:
  Verdict process(Packet& p, base::MonoTime) override {
    return p.trim(4) ? Verdict::Forward : Verdict::Drop;
  }
};

TEST_F(TranscodeTest, ChainTranscodeThenSrtpProtect) {
  Bytes keySalt(30);
  for (std::size_t i = 0; i < keySalt.size(); ++i) keySalt[i] = static_cast<std::uint8_t>(i * 3);
  const SrtpKey key(SrtpSuite::AesCm128HmacSha1_80, keySalt);
  auto protect = SrtpProtect::create(key);
  auto unprotect = SrtpUnprotect::create(key);  // B's side
  ASSERT_TRUE(protect && unprotect);
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8, 20);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, chainOf({t, *protect})));
  std::size_t total = 0;
  for (std::uint16_t i = 0; i < 4; ++i) {  // 30 ms in: 6 packets of 20 ms out, each SRTP
    a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, i, 240u * i, 0xA, ulawTone(240u * i, 240)));
    for (Bytes& g : receiveAll(b)) {
      EXPECT_EQ(g.size(), 12u + 160u + 10u);  // header, A-law, HMAC-SHA1-80 tag
      std::vector<std::uint8_t> buf(kPacketHeadroom + kMaxDatagram + kPacketTailroom);
      std::copy(g.begin(), g.end(), buf.begin() + kPacketHeadroom);
      Packet p;
      p.data = buf.data() + kPacketHeadroom;
      p.size = g.size();
      p.headroom = kPacketHeadroom;
      p.tailroom = buf.size() - kPacketHeadroom - g.size();
      ASSERT_EQ((*unprotect)->process(p, {}), PacketProcessor::Verdict::Forward);
      auto h = parseRtpHeader({p.data, p.size});
      ASSERT_TRUE(h);
      EXPECT_EQ(h->payloadType, 8);
      EXPECT_EQ(h->sequence, 1000 + total);
      ++total;
    }
  }
  EXPECT_EQ(total, 6u);
  EXPECT_EQ((*protect)->counters().rtpPackets, 6u);
}

TEST_F(TranscodeTest, ChainInPlaceThenTranscode) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8, 20);
  ASSERT_TRUE(
      engine->setProcessor(session, 0, Leg::A, chainOf({std::make_shared<StripTrailer>(), t})));
  Bytes p = rtpWith(0, 1, 160, 0xA, ulawTone(0, 160));
  p.insert(p.end(), {0xEE, 0xEE, 0xEE, 0xEE});  // 164 bytes: only 160 after the strip
  a.sendTo(ports.leg(Leg::A).rtp, p);
  auto got = b.receive(pumper());
  ASSERT_TRUE(got);
  auto h = parseRtpHeader(got->bytes);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->payloadLength, 160u);
  EXPECT_EQ(t->counters().packetsIn, 1u);
  // A too-short packet is dropped by the first stage and never reaches the transcoder.
  a.sendTo(ports.leg(Leg::A).rtp, Bytes{0x80, 0, 0, 2, 0, 0, 1, 64, 0, 0, 0, 0xA});
  drain();
  EXPECT_FALSE(b.tryReceive());
  EXPECT_EQ(fromA().droppedProcessor, 1u);
}

TEST_F(TranscodeTest, NewSourceSsrcKeepsOurStream) {
  auto t = makeTranscoder(CodecId::Pcmu, 0, CodecId::Pcma, 8, 20);
  ASSERT_TRUE(engine->setProcessor(session, 0, Leg::A, t));
  for (std::uint16_t i = 0; i < 3; ++i)
    a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, i, 160u * i, 0xA, ulawTone(160u * i, 160)));
  auto first = receiveAll(b);
  ASSERT_EQ(first.size(), 3u);
  // The far end restarts: new SSRC, unrelated numbering.
  a.sendTo(ports.leg(Leg::A).rtp, rtpWith(0, 40000, 7777777, 0xC, ulawTone(0, 160)));
  auto got = b.receive(pumper());
  ASSERT_TRUE(got);
  auto h = parseRtpHeader(got->bytes);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->ssrc, kOurSsrc);
  EXPECT_EQ(h->sequence, 1003);  // contiguous
  EXPECT_TRUE(h->marker);        // a new talkspurt for the receiver
  EXPECT_EQ(t->counters().sourceChanges, 1u);
}

}  // namespace
}  // namespace trunkline::media
