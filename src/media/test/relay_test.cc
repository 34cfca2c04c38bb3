// The relay end to end over real UDP sockets on loopback: peers send RTP/RTCP to the
// relay's ports and read what comes out of the other leg. Manual mode (pollOnce on this
// thread, ManualClock) except for the threaded test; waits are bounded, nothing is timed.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "media/engine.h"
#include "rtp_peer.h"

namespace trunkline::media {
namespace {

using namespace std::chrono_literals;
using test::Bytes;
using test::Peer;

const net::Address kLo = *net::Address::parse("127.0.0.1");

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MediaEngineConfig config;
    // A range of 10 pairs per test, below the kernel's ephemeral range, so tests run as
    // parallel processes (ctest -j) never share ports.
    static const char* const kNames[] = {"RelaysBothWaysUnchanged",
                                         "StrangerDroppedAfterLatchingBehindNat",
                                         "StrangerCannotLatchBeforeThePeerOutsideTheWindow",
                                         "DroppedUntilOtherSideKnown",
                                         "HoldStopsOneDirection",
                                         "DestroyReleasesPortsAndReturnsStats",
                                         "MalformedDroppedAndDoesNotLatch",
                                         "RtcpRelayedWithMuxAndRttMeasured",
                                         "NoMediaTimeoutAndLongerOnHold",
                                         "MediaKeepsSessionAlive",
                                         "ProcessorRewritesInPlaceOrDrops",
                                         "Ipv6Legs",
                                         "BurstLargerThanOneBatch",
                                         "NatPeerSilentUntilTheAnswerIsLearned"};
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::size_t index = std::size(kNames);
    for (std::size_t i = 0; i < std::size(kNames); ++i)
      if (name == kNames[i]) index = i;
    config.ports.minPort = static_cast<std::uint16_t>(23000 + index * 20);
    config.ports.maxPort = static_cast<std::uint16_t>(config.ports.minPort + 19);
    config.ports.quarantine = 5s;
    config.relay.noMediaTimeout = 60s;
    config.relay.holdTimeout = 600s;
    engine = std::make_unique<MediaEngine>(clock, config, [this](const MediaEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    });
    ASSERT_TRUE(engine->init());
  }

  void pump() { engine->pollOnce(5ms); }
  std::function<void()> pumper() {
    return [this] { pump(); };
  }
  /// Pumps until nothing more arrives at the relay (a few empty rounds).
  void drain() {
    for (int i = 0; i < 3; ++i) pump();
  }

  StreamSpec spec(std::optional<net::Address> a, std::optional<net::Address> b) {
    StreamSpec s;
    s.a.localIp = kLo;
    s.a.remote.rtp = a;
    s.a.remote.payloads = {{0, 8000, "PCMU"}, {101, 8000, "telephone-event"}};
    s.b.localIp = kLo;
    s.b.remote.rtp = b;
    s.b.remote.payloads = s.a.remote.payloads;
    return s;
  }

  std::size_t countEvents(MediaEvent::Type type) {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& e : events) n += e.type == type;
    return n;
  }

  base::ManualClock clock;
  std::unique_ptr<MediaEngine> engine;
  std::mutex mutex;
  std::vector<MediaEvent> events;
};

TEST_F(RelayTest, RelaysBothWaysUnchanged) {
  Peer a, b;
  auto session = engine->createSession();
  ASSERT_TRUE(session);
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports) << ports.error().message;
  const LegPorts relayA = ports->leg(Leg::A);
  const LegPorts relayB = ports->leg(Leg::B);
  EXPECT_NE(relayA.rtp, relayB.rtp);
  EXPECT_EQ(relayA.rtcp.port(), relayA.rtp.port() + 1);

  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    const Bytes pkt = test::makeRtp(0, seq, 160u * seq, 0xA);
    a.sendTo(relayA.rtp, pkt);
    auto got = b.receive(pumper());
    ASSERT_TRUE(got) << "A→B packet " << seq << " lost";
    EXPECT_EQ(got->bytes, pkt);        // byte for byte
    EXPECT_EQ(got->from, relayB.rtp);  // from the relay's B side: A's address never leaks

    const Bytes back = test::makeRtp(8, seq, 160u * seq, 0xB, 80);
    b.sendTo(relayB.rtp, back);
    auto gotBack = a.receive(pumper());
    ASSERT_TRUE(gotBack) << "B→A packet " << seq << " lost";
    EXPECT_EQ(gotBack->bytes, back);
    EXPECT_EQ(gotBack->from, relayA.rtp);
  }

  auto stats = engine->stats(*session);
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->streams.size(), 1u);
  const StreamStats& s = stats->streams[0];
  EXPECT_EQ(s.fromLeg(Leg::A).rtpPackets, 5u);
  EXPECT_EQ(s.fromLeg(Leg::A).forwardedPackets, 5u);
  EXPECT_EQ(s.fromLeg(Leg::A).rtpBytes, 5u * 172);
  EXPECT_EQ(s.fromLeg(Leg::A).rtp.lost, 0);
  EXPECT_EQ(s.fromLeg(Leg::A).rtp.codec, AudioCodec::Pcmu);
  EXPECT_EQ(s.fromLeg(Leg::B).forwardedPackets, 5u);
  EXPECT_EQ(s.fromLeg(Leg::B).rtp.codec, AudioCodec::Pcma);  // static PT 8, not mapped
  EXPECT_GT(s.fromLeg(Leg::A).mos, 4.0);
  EXPECT_TRUE(s.leg(Leg::A).locked);  // came from the signalled address
  EXPECT_EQ(*s.leg(Leg::A).latched, a.address());
  EXPECT_EQ(countEvents(MediaEvent::Type::FirstPacket), 2u);
}

TEST_F(RelayTest, StrangerDroppedAfterLatchingBehindNat) {
  Peer a, b;
  Peer stranger("127.0.0.2");
  auto session = engine->createSession();
  // A's SDP says a private address (phone behind NAT); its packets come from `a`.
  auto ports =
      engine->addStream(*session, 0, spec(net::Address::parse("192.168.1.50:4000"), b.address()));
  ASSERT_TRUE(ports);
  const LegPorts relayA = ports->leg(Leg::A);
  const LegPorts relayB = ports->leg(Leg::B);

  a.sendTo(relayA.rtp, test::makeRtp(0, 1, 160, 0xA));
  ASSERT_TRUE(b.receive(pumper()));  // learned A's real source in the window

  // Now B's media reaches A at its real (NAT) address: symmetric RTP.
  b.sendTo(relayB.rtp, test::makeRtp(0, 1, 160, 0xB));
  auto toA = a.receive(pumper());
  ASSERT_TRUE(toA);
  EXPECT_EQ(toA->from, relayA.rtp);

  // The window ends (ManualClock: no sleeping) and the latch locks on A.
  clock.advance(3s);
  a.sendTo(relayA.rtp, test::makeRtp(0, 2, 320, 0xA));
  ASSERT_TRUE(b.receive(pumper()));

  // A stranger on another loopback address tries to inject and to hijack A's return path.
  const Bytes evil = test::makeRtp(0, 3, 480, 0xE);
  for (int i = 0; i < 5; ++i) stranger.sendTo(relayA.rtp, evil);
  drain();
  EXPECT_FALSE(b.tryReceive()) << "injected packet was relayed";
  b.sendTo(relayB.rtp, test::makeRtp(0, 2, 320, 0xB));
  auto stillA = a.receive(pumper());
  ASSERT_TRUE(stillA) << "return path was hijacked";
  drain();
  EXPECT_FALSE(stranger.tryReceive());

  auto stats = engine->stats(*session);
  ASSERT_TRUE(stats);
  const StreamStats& s = stats->streams[0];
  EXPECT_EQ(s.fromLeg(Leg::A).droppedSource, 5u);
  EXPECT_EQ(s.fromLeg(Leg::A).forwardedPackets, 2u);
  EXPECT_TRUE(s.leg(Leg::A).locked);
  EXPECT_EQ(*s.leg(Leg::A).latched, a.address());
}

TEST_F(RelayTest, StrangerCannotLatchBeforeThePeerOutsideTheWindow) {
  Peer a, b;
  Peer stranger("127.0.0.3");
  auto session = engine->createSession();
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports);
  clock.advance(5s);  // window over, nothing learned: only the signalled address may latch
  stranger.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 1, 1, 0xE));
  drain();
  EXPECT_FALSE(b.tryReceive());
  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 1, 1, 0xA));
  EXPECT_TRUE(b.receive(pumper()));
}

TEST_F(RelayTest, NatPeerSilentUntilTheAnswerIsLearned) {
  Peer a, b;
  auto session = engine->createSession();
  // A offers a private address and then rings for longer than the latch window without
  // sending anything (no early media).
  auto ports =
      engine->addStream(*session, 0, spec(net::Address::parse("10.1.2.3:4000"), std::nullopt));
  ASSERT_TRUE(ports);
  clock.advance(10s);
  LegSignal answer;
  answer.rtp = b.address();
  ASSERT_TRUE(engine->updateLeg(*session, 0, Leg::B, answer));
  // A starts sending at the answer: learned, and B's media goes back to it (never to 10.1.2.3).
  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 1, 160, 0xA));
  ASSERT_TRUE(b.receive(pumper()));
  b.sendTo(ports->leg(Leg::B).rtp, test::makeRtp(0, 1, 160, 0xB));
  auto toA = a.receive(pumper());
  ASSERT_TRUE(toA);
  EXPECT_EQ(toA->from, ports->leg(Leg::A).rtp);
  auto stats = engine->stats(*session);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->streams[0].leg(Leg::A).latched, a.address());
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).droppedSource, 0u);
}

TEST_F(RelayTest, DroppedUntilOtherSideKnown) {
  Peer a, b;
  auto session = engine->createSession();
  // The offer arrived from A; B has not answered yet.
  auto ports = engine->addStream(*session, 0, spec(a.address(), std::nullopt));
  ASSERT_TRUE(ports);
  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 1, 160, 0xA));
  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 2, 320, 0xA));
  drain();
  EXPECT_FALSE(b.tryReceive());
  // The answer gives B's address: packets flow from then on (earlier ones were not kept).
  LegSignal answer;
  answer.rtp = b.address();
  ASSERT_TRUE(engine->updateLeg(*session, 0, Leg::B, answer));
  const Bytes third = test::makeRtp(0, 3, 480, 0xA);
  a.sendTo(ports->leg(Leg::A).rtp, third);
  auto got = b.receive(pumper());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, third);
  drain();
  EXPECT_FALSE(b.tryReceive());
  auto stats = engine->stats(*session);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).droppedNoDestination, 2u);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).forwardedPackets, 1u);
}

TEST_F(RelayTest, HoldStopsOneDirection) {
  Peer a, b;
  auto session = engine->createSession();
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports);
  const auto relayA = ports->leg(Leg::A).rtp;
  const auto relayB = ports->leg(Leg::B).rtp;

  ASSERT_TRUE(engine->setForwarding(*session, 0, Leg::A, false));  // A put B on hold
  a.sendTo(relayA, test::makeRtp(0, 1, 160, 0xA));
  drain();
  EXPECT_FALSE(b.tryReceive());
  b.sendTo(relayB, test::makeRtp(0, 1, 160, 0xB));  // the other way still flows
  EXPECT_TRUE(a.receive(pumper()));

  ASSERT_TRUE(engine->setForwarding(*session, 0, Leg::A, true));  // resume
  a.sendTo(relayA, test::makeRtp(0, 2, 320, 0xA));
  EXPECT_TRUE(b.receive(pumper()));
  auto stats = engine->stats(*session);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).droppedHold, 1u);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).rtpPackets, 2u);      // still measured on hold
  EXPECT_FALSE(engine->setForwarding(*session, 7, Leg::A, false));  // no such stream
}

TEST_F(RelayTest, DestroyReleasesPortsAndReturnsStats) {
  Peer a, b;
  auto session = engine->createSession();
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports);
  auto video = engine->addStream(*session, 1, spec(a.address(), b.address()));
  ASSERT_TRUE(video);
  EXPECT_FALSE(engine->addStream(*session, 1, spec(a.address(), b.address())));  // exists
  EXPECT_EQ(engine->portPool().inUse(kLo), 4u);  // the failed add gave its ports back

  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 1, 160, 0xA));
  ASSERT_TRUE(b.receive(pumper()));

  auto final = engine->destroySession(*session);
  ASSERT_TRUE(final);
  ASSERT_EQ(final->streams.size(), 2u);
  EXPECT_EQ(final->streams[0].fromLeg(Leg::A).forwardedPackets, 1u);
  EXPECT_EQ(engine->portPool().inUse(kLo), 0u);
  EXPECT_EQ(engine->sessionCount(), 0u);
  EXPECT_FALSE(engine->destroySession(*session));
  EXPECT_FALSE(engine->stats(*session));

  // The sockets are closed: nothing comes out of the old ports any more.
  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 2, 320, 0xA));
  drain();
  EXPECT_FALSE(b.tryReceive());

  // Quarantined, then reusable.
  auto s2 = engine->createSession();
  clock.advance(6s);
  std::set<std::uint16_t> again;
  for (StreamId i = 0; i < 5; ++i) {
    auto p = engine->addStream(*s2, i, spec(a.address(), b.address()));
    ASSERT_TRUE(p) << p.error().message;  // 10 pairs in the range: all free again
    again.insert(p->leg(Leg::A).rtp.port());
  }
  EXPECT_TRUE(again.count(ports->leg(Leg::A).rtp.port()));
  EXPECT_FALSE(engine->addStream(*s2, 9, spec(a.address(), b.address())));  // exhausted
  EXPECT_TRUE(engine->removeStream(*s2, 3));
  EXPECT_EQ(engine->portPool().inUse(kLo), 8u);
}

TEST_F(RelayTest, MalformedDroppedAndDoesNotLatch) {
  Peer a, b;
  auto session = engine->createSession();
  auto ports =
      engine->addStream(*session, 0, spec(net::Address::parse("10.0.0.1:4000"), b.address()));
  ASSERT_TRUE(ports);
  a.sendTo(ports->leg(Leg::A).rtp, Bytes{1, 2, 3});
  a.sendTo(ports->leg(Leg::A).rtp, Bytes(40, 0xFF));
  a.sendTo(ports->leg(Leg::A).rtcp, Bytes{0x80, 0x00, 0, 1, 0, 0, 0, 0});  // RTP on RTCP port
  drain();
  EXPECT_FALSE(b.tryReceive());
  auto stats = engine->stats(*session);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).droppedMalformed, 3u);
  EXPECT_FALSE(stats->streams[0].leg(Leg::A).latched);
  EXPECT_EQ(countEvents(MediaEvent::Type::FirstPacket), 0u);
}

TEST_F(RelayTest, RtcpRelayedWithMuxAndRttMeasured) {
  Peer aRtp, aRtcp, b;  // A: classic separate RTCP port (a=rtcp); B: rtcp-mux
  auto session = engine->createSession();
  StreamSpec s = spec(aRtp.address(), b.address());
  s.a.remote.rtcp = aRtcp.address();
  s.b.remote.rtcpMux = true;
  auto ports = engine->addStream(*session, 0, s);
  ASSERT_TRUE(ports);
  const LegPorts relayA = ports->leg(Leg::A);
  const LegPorts relayB = ports->leg(Leg::B);

  // RTP both ways first, so the SSRCs are known.
  aRtp.sendTo(relayA.rtp, test::makeRtp(0, 1, 160, 0xA));
  ASSERT_TRUE(b.receive(pumper()));
  b.sendTo(relayB.rtp, test::makeRtp(0, 1, 160, 0xB));
  ASSERT_TRUE(aRtp.receive(pumper()));

  // A's SR from its RTCP port arrives at B on the muxed RTP port.
  const Bytes sr = test::makeSenderReport(0xA, 0x0000'1234'5678'0000ull);
  aRtcp.sendTo(relayA.rtcp, sr);
  auto srAtB = b.receive(pumper());
  ASSERT_TRUE(srAtB);
  EXPECT_EQ(srAtB->bytes, sr);
  EXPECT_EQ(srAtB->from, relayB.rtp);

  // 80 ms later B reports on A's stream, having held the SR for 50 ms: relay↔B RTT 30 ms.
  clock.advance(80ms);
  const Bytes rr = test::makeReceiverReport(0xB, 0xA, 64, 3, 80, 0x12345678, 65536 * 50 / 1000);
  b.sendTo(relayB.rtp, rr);  // muxed: RTCP on the RTP port
  auto rrAtA = aRtcp.receive(pumper());
  ASSERT_TRUE(rrAtA);
  EXPECT_EQ(rrAtA->bytes, rr);
  EXPECT_EQ(rrAtA->from, relayA.rtcp);  // A is not muxed: its RTCP port

  auto stats = engine->stats(*session);
  const StreamStats& st = stats->streams[0];
  ASSERT_TRUE(st.leg(Leg::B).rttMs);
  EXPECT_NEAR(*st.leg(Leg::B).rttMs, 30.0, 0.1);
  EXPECT_FALSE(st.leg(Leg::A).rttMs);
  const DirectionStats& fromA = st.fromLeg(Leg::A);
  EXPECT_TRUE(fromA.haveRemoteReport);
  EXPECT_DOUBLE_EQ(fromA.remoteFractionLostPercent, 25.0);
  EXPECT_EQ(fromA.remoteCumulativeLost, 3);
  EXPECT_DOUBLE_EQ(fromA.remoteJitterMs, 10.0);  // 80 ticks at 8 kHz
  EXPECT_EQ(fromA.rtcpPackets, 1u);
  EXPECT_EQ(st.fromLeg(Leg::B).rtcpPackets, 1u);
  EXPECT_EQ(fromA.rtpPackets, 1u);  // the RTCP on B's RTP port was not counted as RTP
}

TEST_F(RelayTest, NoMediaTimeoutAndLongerOnHold) {
  Peer a, b;
  auto s1 = engine->createSession();
  auto s2 = engine->createSession();
  ASSERT_TRUE(engine->addStream(*s1, 0, spec(a.address(), b.address())));
  ASSERT_TRUE(engine->addStream(*s2, 0, spec(a.address(), b.address())));
  ASSERT_TRUE(engine->setForwarding(*s2, 0, Leg::B, false));  // s2 is on hold

  clock.advance(59s);
  pump();
  EXPECT_EQ(countEvents(MediaEvent::Type::NoMediaTimeout), 0u);
  clock.advance(2s);
  pump();
  ASSERT_EQ(countEvents(MediaEvent::Type::NoMediaTimeout), 1u);
  {
    std::lock_guard lock(mutex);
    for (const auto& e : events)
      if (e.type == MediaEvent::Type::NoMediaTimeout) {
        EXPECT_EQ(e.session, *s1);
      }
  }
  clock.advance(10s);
  pump();
  EXPECT_EQ(countEvents(MediaEvent::Type::NoMediaTimeout), 1u);  // reported once
  clock.advance(600s);
  pump();
  EXPECT_EQ(countEvents(MediaEvent::Type::NoMediaTimeout), 2u);  // the held one, later
}

TEST_F(RelayTest, MediaKeepsSessionAlive) {
  Peer a, b;
  auto session = engine->createSession();
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports);
  for (int i = 0; i < 5; ++i) {
    clock.advance(30s);
    a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, static_cast<std::uint16_t>(i), 0, 0xA));
    ASSERT_TRUE(b.receive(pumper()));
  }
  EXPECT_EQ(countEvents(MediaEvent::Type::NoMediaTimeout), 0u);
}

class AppendTag : public PacketProcessor {
 public:
  Verdict process(Packet& p, base::MonoTime) override {
    if (p.rtcp) return Verdict::Forward;
    if (++seen_ == 2) return Verdict::Drop;
    const std::size_t at = p.size;
    if (!p.append(4)) return Verdict::Drop;
    for (std::size_t i = 0; i < 4; ++i) p.data[at + i] = 0xEE;  // a stand-in SRTP tag
    return Verdict::Forward;
  }

 private:
  int seen_ = 0;
};

TEST_F(RelayTest, ProcessorRewritesInPlaceOrDrops) {
  Peer a, b;
  auto session = engine->createSession();
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports);
  ASSERT_TRUE(engine->setProcessor(*session, 0, Leg::A, std::make_shared<AppendTag>()));
  const Bytes p1 = test::makeRtp(0, 1, 160, 0xA);
  a.sendTo(ports->leg(Leg::A).rtp, p1);
  auto got = b.receive(pumper());
  ASSERT_TRUE(got);
  Bytes expected = p1;
  expected.insert(expected.end(), 4, 0xEE);
  EXPECT_EQ(got->bytes, expected);
  a.sendTo(ports->leg(Leg::A).rtp, test::makeRtp(0, 2, 320, 0xA));  // the processor drops it
  drain();
  EXPECT_FALSE(b.tryReceive());
  EXPECT_EQ(engine->stats(*session)->streams[0].fromLeg(Leg::A).droppedProcessor, 1u);
  ASSERT_TRUE(engine->setProcessor(*session, 0, Leg::A, nullptr));
  const Bytes p3 = test::makeRtp(0, 3, 480, 0xA);
  a.sendTo(ports->leg(Leg::A).rtp, p3);
  got = b.receive(pumper());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, p3);
}

TEST_F(RelayTest, Ipv6Legs) {
  Peer a("::1"), b("127.0.0.1");  // A on IPv6, B on IPv4: the relay bridges families
  auto session = engine->createSession();
  StreamSpec s = spec(a.address(), b.address());
  s.a.localIp = *net::Address::parse("::1");
  auto ports = engine->addStream(*session, 0, s);
  ASSERT_TRUE(ports) << ports.error().message;
  EXPECT_TRUE(ports->leg(Leg::A).rtp.isV6());
  EXPECT_FALSE(ports->leg(Leg::B).rtp.isV6());
  const Bytes pkt = test::makeRtp(0, 1, 160, 0xA);
  a.sendTo(ports->leg(Leg::A).rtp, pkt);
  auto got = b.receive(pumper());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, pkt);
  b.sendTo(ports->leg(Leg::B).rtp, pkt);
  auto back = a.receive(pumper());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->from, ports->leg(Leg::A).rtp);
}

TEST_F(RelayTest, BurstLargerThanOneBatch) {
  Peer a, b;
  auto session = engine->createSession();
  auto ports = engine->addStream(*session, 0, spec(a.address(), b.address()));
  ASSERT_TRUE(ports);
  constexpr int kCount = 100;  // > RelayWorker::kBatch: several rounds of recvmmsg
  for (int i = 0; i < kCount; ++i)
    a.sendTo(ports->leg(Leg::A).rtp,
             test::makeRtp(0, static_cast<std::uint16_t>(i), 160u * i, 0xA));
  int received = 0;
  for (int round = 0; round < 400 && received < kCount; ++round) {
    while (auto d = b.tryReceive()) {
      EXPECT_EQ(d->bytes,
                test::makeRtp(0, static_cast<std::uint16_t>(received), 160u * received, 0xA));
      ++received;
    }
    pump();
  }
  EXPECT_EQ(received, kCount);
  EXPECT_EQ(engine->stats(*session)->streams[0].fromLeg(Leg::A).rtp.lost, 0);
}

TEST(RelayThreaded, WorkersRelayManySessions) {
  base::SystemClock clock;
  MediaEngineConfig config;
  config.ports.minPort = 31000;
  config.ports.maxPort = 31199;
  config.workers = 2;
  std::atomic<int> firstPackets{0};
  MediaEngine engine(clock, config, [&](const MediaEvent& e) {
    if (e.type == MediaEvent::Type::FirstPacket) ++firstPackets;
  });
  ASSERT_TRUE(engine.init());
  engine.start();

  constexpr int kSessions = 6;
  std::vector<std::unique_ptr<Peer>> as, bs;
  std::vector<StreamPorts> ports;
  std::vector<SessionId> ids;
  for (int i = 0; i < kSessions; ++i) {
    as.push_back(std::make_unique<Peer>());
    bs.push_back(std::make_unique<Peer>());
    StreamSpec s;
    s.a.localIp = kLo;
    s.a.remote.rtp = as.back()->address();
    s.b.localIp = kLo;
    s.b.remote.rtp = bs.back()->address();
    auto id = engine.createSession();
    ASSERT_TRUE(id);
    auto p = engine.addStream(*id, 0, s);  // while the workers run
    ASSERT_TRUE(p);
    ids.push_back(*id);
    ports.push_back(*p);
  }
  auto sleepPump = [] { std::this_thread::sleep_for(5ms); };
  for (int i = 0; i < kSessions; ++i) {
    const Bytes pkt = test::makeRtp(0, static_cast<std::uint16_t>(i), 0, 0x100 + i);
    as[i]->sendTo(ports[i].leg(Leg::A).rtp, pkt);
    auto got = bs[i]->receive(sleepPump, 1000);  // bounded: at most ~5 s
    ASSERT_TRUE(got) << "session " << i;
    EXPECT_EQ(got->bytes, pkt);
    bs[i]->sendTo(ports[i].leg(Leg::B).rtp, pkt);
    ASSERT_TRUE(as[i]->receive(sleepPump, 1000));
  }
  for (SessionId id : ids) {
    auto stats = engine.destroySession(id);  // while the workers run
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).forwardedPackets, 1u);
  }
  engine.stop();
  EXPECT_EQ(engine.portPool().inUse(kLo), 0u);
  EXPECT_EQ(firstPackets.load(), 2 * kSessions);
}

}  // namespace
}  // namespace trunkline::media
