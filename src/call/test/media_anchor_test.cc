// AnchoredMedia with a real MediaEngine (driven by pollOnce on this thread) and real UDP
// sockets on 127.0.0.1: what each leg is told, and what actually flows through the relay.
#include "call/media_anchor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstring>

#include "sdp/session.h"

namespace trunkline::call {
namespace {

using namespace std::chrono_literals;

// A UDP socket playing one side's media endpoint.
class Endpoint {
 public:
  Endpoint() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    timeval tv{0, 2000};  // recv polls; the relay runs between polls
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Endpoint() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  void sendRtp(std::uint16_t toPort, std::uint16_t seq, std::uint8_t marker) {
    std::array<std::uint8_t, 172> p{};
    p[0] = 0x80;
    p[1] = 0;  // PCMU
    p[2] = static_cast<std::uint8_t>(seq >> 8);
    p[3] = static_cast<std::uint8_t>(seq);
    p[7] = static_cast<std::uint8_t>(seq * 160);
    p[11] = 0x42;
    p[12] = marker;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(toPort);
    ::sendto(fd_, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  /// The 13th byte of the next packet (our marker), or -1.
  int receive() {
    std::array<std::uint8_t, 2048> buf{};
    auto n = ::recv(fd_, buf.data(), buf.size(), 0);
    return n >= 13 ? buf[12] : -1;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

std::string offerFrom(std::uint16_t port, std::string extra = "",
                      std::string formats = "0 8 18 101") {
  return fmt::format(
      "v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio {} RTP/AVP {}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:18 G729/8000\r\na=rtpmap:101 telephone-event/8000\r\n{}",
      port, formats, extra);
}

class MediaAnchorTest : public ::testing::Test {
 protected:
  MediaAnchorTest()
      : engine_(clock_, config(), [this](const media::MediaEvent& e) { events_.push_back(e); }),
        anchor_(engine_, anchorConfig(), 7) {
    EXPECT_TRUE(engine_.init());
  }
  static media::MediaEngineConfig config() {
    media::MediaEngineConfig c;
    c.ports.minPort = 41000;  // a range of its own (ctest may run other suites at once)
    c.ports.maxPort = 41199;
    c.relay.noMediaTimeout = 10s;
    return c;
  }
  static AnchoredMediaConfig anchorConfig() {
    AnchoredMediaConfig c;
    c.ipv4 = net::Address::fromIp("127.0.0.1", 0);
    return c;
  }
  sdp::SessionDescription parse(const std::string& text) {
    auto d = sdp::SessionDescription::parseOwned(text);
    EXPECT_TRUE(d) << d.error().message << "\n" << text;
    return std::move(*d);
  }
  // Polls the relay until `to` receives a packet (bounded).
  int relayed(Endpoint& to) {
    for (int i = 0; i < 200; ++i) {
      engine_.pollOnce(1ms);
      if (int m = to.receive(); m >= 0) return m;
    }
    return -1;
  }

  base::ManualClock clock_;
  std::vector<media::MediaEvent> events_;
  media::MediaEngine engine_;
  AnchoredMedia anchor_;
};

TEST_F(MediaAnchorTest, OfferAndAnswerPointEachSideAtTheRelayAndAudioFlowsBothWays) {
  Endpoint pbx, carrier;
  auto m = anchor_.open(1, {});
  std::string offerText = offerFrom(pbx.port(), "a=sendrecv\r\n");
  auto out = m->relay(Leg::Caller, SdpRole::Offer, offerText);
  ASSERT_TRUE(out) << out.error().message;
  auto offer = parse(*out);
  ASSERT_EQ(offer.mediaCount(), 1u);
  const std::uint16_t calleeSide = offer.media(0).port();
  EXPECT_NE(calleeSide, pbx.port());
  EXPECT_EQ(offer.connectionFor(0)->address, "127.0.0.1");
  EXPECT_EQ(offer.media(0).rtcp()->port, calleeSide + 1);
  EXPECT_EQ(offer.origin().username, "-");  // our o=, not the PBX's

  auto ans = m->relay(Leg::Callee, SdpRole::Answer,
                      fmt::format("v=0\r\no=carrier 9 9 IN IP4 127.0.0.1\r\ns=-\r\n"
                                  "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {} RTP/AVP 0 101\r\n"
                                  "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
                                  carrier.port()));
  ASSERT_TRUE(ans) << ans.error().message;
  auto answer = parse(*ans);
  const std::uint16_t callerSide = answer.media(0).port();
  EXPECT_NE(callerSide, carrier.port());
  EXPECT_NE(callerSide, calleeSide);

  pbx.sendRtp(callerSide, 1, 0xA1);
  EXPECT_EQ(relayed(carrier), 0xA1);
  carrier.sendRtp(calleeSide, 1, 0xB1);
  EXPECT_EQ(relayed(pbx), 0xB1);

  storage::Cdr cdr;
  m->close(cdr);
  EXPECT_TRUE(cdr.media.anchored);
  EXPECT_EQ(cdr.media.fromCaller.packets, 1u);
  EXPECT_EQ(cdr.media.fromCallee.packets, 1u);
  EXPECT_EQ(engine_.sessionCount(), 0u);
}

TEST_F(MediaAnchorTest, ReofferKeepsPortsAndBumpsOriginVersionOnlyWhenContentChanges) {
  Endpoint pbx;
  auto m = anchor_.open(2, {});
  auto first = parse(*m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port())));
  auto again = parse(*m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port())));
  EXPECT_EQ(again.media(0).port(), first.media(0).port());  // failover: same callee ports
  EXPECT_EQ(again.origin().version(), first.origin().version());
  auto hold =
      parse(*m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port(), "a=sendonly\r\n")));
  EXPECT_EQ(hold.media(0).port(), first.media(0).port());
  EXPECT_EQ(hold.origin().sessionId, first.origin().sessionId);
  EXPECT_GT(*hold.origin().version(), *first.origin().version());
  EXPECT_EQ(hold.directionFor(0), sdp::Direction::SendOnly);
}

TEST_F(MediaAnchorTest, HoldStopsTheDirectionNobodyReceives) {
  Endpoint pbx, carrier;
  auto m = anchor_.open(3, {});
  auto offer = parse(*m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port())));
  auto answer = parse(*m->relay(
      Leg::Callee, SdpRole::Answer,
      fmt::format("v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  "m=audio {} RTP/AVP 0\r\n",
                  carrier.port())));
  // The PBX puts the call on hold (sendonly: music on hold still flows to the carrier).
  (void)m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port(), "a=sendonly\r\n"));
  (void)m->relay(Leg::Callee, SdpRole::Answer,
                 fmt::format("v=0\r\no=c 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                             "t=0 0\r\nm=audio {} RTP/AVP 0\r\na=recvonly\r\n",
                             carrier.port()));
  pbx.sendRtp(answer.media(0).port(), 1, 0xC1);
  EXPECT_EQ(relayed(carrier), 0xC1);
  carrier.sendRtp(offer.media(0).port(), 1, 0xC2);
  EXPECT_EQ(relayed(pbx), -1);  // held: not forwarded
}

TEST_F(MediaAnchorTest, CodecsOfTheTrunkFilterOffersAndNothingAcceptableIsRefused) {
  Endpoint pbx;
  auto m = anchor_.open(4, {});
  m->setCodecs({"PCMA", "PCMU"});
  auto offer = parse(*m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port())));
  std::vector<std::string> formats(offer.media(0).formats().begin(),
                                   offer.media(0).formats().end());
  // Trunk preference, DTMF kept; then what we can transcode to ([media] transcode, on by
  // default): G.729 on its static type, opus on a dynamic one.
  EXPECT_EQ(formats, (std::vector<std::string>{"8", "0", "101", "18", "96"}));

  auto g729only = anchor_.open(5, {});
  g729only->setCodecs({"G729"});
  auto refused = g729only->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port(), "", "0 8"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, base::Errc::InvalidArgument);
}

TEST_F(MediaAnchorTest, IceIsStrippedAndRejectedStreamsStayRejected) {
  Endpoint pbx;
  auto m = anchor_.open(6, {});
  std::string text = offerFrom(pbx.port(),
                               "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef0123456789\r\n"
                               "a=candidate:1 1 UDP 2130706431 192.168.1.20 40000 typ host\r\n") +
                     "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
  auto out = m->relay(Leg::Caller, SdpRole::Offer, text);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->find("candidate"), std::string::npos);
  EXPECT_EQ(out->find("ice-ufrag"), std::string::npos);
  EXPECT_EQ(out->find("192.168.1.20"), std::string::npos);
  auto d = parse(*out);
  ASSERT_EQ(d.mediaCount(), 2u);
  EXPECT_EQ(d.media(1).port(), 0);
}

TEST_F(MediaAnchorTest, NoPortsLeftIsUnavailableNotAMalformedOffer) {
  // An engine of its own on a range no other test uses (ctest runs tests in parallel).
  media::MediaEngineConfig small = config();
  small.ports.minPort = 45000;
  small.ports.maxPort = 45039;  // 40 ports, 4 per call: the 11th call has none
  media::MediaEngine engine(clock_, small);
  ASSERT_TRUE(engine.init());
  AnchoredMedia anchor(engine, anchorConfig(), 9);
  Endpoint pbx;
  std::vector<std::unique_ptr<CallMedia>> calls;
  base::Result<std::string> last = std::string();
  for (int i = 0; i < 20 && last; ++i) {
    calls.push_back(anchor.open(100 + i, {}));
    last = calls.back()->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port()));
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, base::Errc::Unavailable);
  EXPECT_EQ(calls.size(), 11u);
  calls.clear();  // closes every session before the engine goes
}

TEST_F(MediaAnchorTest, MalformedDescriptionIsRefusedNotRelayed) {
  auto m = anchor_.open(7, {});
  auto r = m->relay(Leg::Caller, SdpRole::Offer, "v=0\r\nthis is not sdp\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::Errc::InvalidArgument);
}

TEST_F(MediaAnchorTest, NoMediaTimeoutReachesTheCallOnceAndNotAfterItEnded) {
  Endpoint pbx;
  int fired = 0;
  auto m = anchor_.open(8, [&] { ++fired; });
  (void)m->relay(Leg::Caller, SdpRole::Offer, offerFrom(pbx.port()));
  clock_.advance(11s);
  for (int i = 0; i < 5 && events_.empty(); ++i) engine_.pollOnce(1ms);
  ASSERT_FALSE(events_.empty());
  for (const auto& e : events_) anchor_.dispatch(e);
  EXPECT_EQ(fired, 1);
  storage::Cdr cdr;
  m->close(cdr);
  for (const auto& e : events_) anchor_.dispatch(e);  // late: the call is gone
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace trunkline::call
