// SDES-SRTP on the anchored media (RFC 4568): each leg negotiates its own keys with us under
// its SrtpPolicy, no key crosses from one leg to the other, and the relay decrypts,
// encrypts or re-encrypts per direction. A real MediaEngine on 127.0.0.1; the peers encrypt
// and decrypt with libsrtp (media::SrtpContext) on their side.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <memory>

#include "call/media_anchor.h"
#include "media/sdes.h"
#include "media/srtp.h"
#include "sdp/session.h"
#include "sdp/values.h"

namespace trunkline::call {
namespace {

using namespace std::chrono_literals;
using storage::SrtpPolicy;

// A media endpoint that speaks RTP, or SRTP with the keys it is given.
class Peer {
 public:
  Peer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    timeval tv{0, 2000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Peer() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

  /// Encrypts what it sends with `key` (its own, announced in its a=crypto).
  void sendWith(const media::SrtpKey& key) {
    tx_ = std::move(*media::SrtpContext::create(key, media::SrtpContext::Role::Protect));
  }
  /// Decrypts what it receives with `key` (the one we announced to it).
  void receiveWith(const media::SrtpKey& key) {
    rx_ = std::move(*media::SrtpContext::create(key, media::SrtpContext::Role::Unprotect));
  }

  void send(std::uint16_t toPort, std::uint16_t seq, std::uint8_t marker) {
    std::array<std::uint8_t, media::kPacketHeadroom + 172 + media::kPacketTailroom> buf{};
    std::uint8_t* p = buf.data() + media::kPacketHeadroom;
    p[0] = 0x80;
    p[1] = 0;  // PCMU
    p[2] = static_cast<std::uint8_t>(seq >> 8);
    p[3] = static_cast<std::uint8_t>(seq);
    p[7] = static_cast<std::uint8_t>(seq * 160);
    p[11] = static_cast<std::uint8_t>(0x40 + port_ % 64);
    for (int i = 12; i < 172; ++i) p[i] = marker;
    media::Packet pkt;
    pkt.data = p;
    pkt.size = 172;
    pkt.headroom = media::kPacketHeadroom;
    pkt.tailroom = media::kPacketTailroom;
    if (tx_) EXPECT_FALSE(tx_->apply(pkt).has_value());
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(toPort);
    ::sendto(fd_, pkt.data, pkt.size, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  /// What arrived: -1 nothing, -2 did not decrypt (or came encrypted to a plain peer: the
  /// payload is not the sender's pattern), else the marker byte.
  int receive() {
    std::array<std::uint8_t, media::kPacketHeadroom + 2048> buf{};
    auto n = ::recv(fd_, buf.data() + media::kPacketHeadroom, 2048, 0);
    if (n < 13) return -1;
    media::Packet pkt;
    pkt.data = buf.data() + media::kPacketHeadroom;
    pkt.size = static_cast<std::size_t>(n);
    pkt.headroom = media::kPacketHeadroom;
    if (rx_ && rx_->apply(pkt)) return -2;
    if (pkt.size != 172) return -2;  // still carries a tag, or lost bytes
    for (std::size_t i = 13; i < pkt.size; ++i)
      if (pkt.data[i] != pkt.data[12]) return -2;
    return pkt.data[12];
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::unique_ptr<media::SrtpContext> tx_, rx_;
};

std::string sdpOf(std::uint16_t port, std::string_view proto, const std::string& cryptoLines,
                  std::string_view user = "pbx") {
  return fmt::format(
      "v=0\r\no={} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio {} {} 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n{}",
      user, port, proto, cryptoLines);
}

struct Keyed {
  media::SrtpKey key;
  std::string line;  // "a=crypto:..." with CRLF
};
Keyed keyLine(std::uint32_t tag, media::SrtpSuite suite = media::SrtpSuite::AesCm128HmacSha1_80) {
  auto k = *media::generateSrtpKey(suite);
  return {k, fmt::format("a=crypto:{} {} {}\r\n", tag, media::srtpSuiteName(suite),
                         media::formatSdesKeyParams(k))};
}

std::vector<sdp::Crypto> cryptosIn(const sdp::SessionDescription& d) {
  return d.media(0).cryptos();
}

media::SrtpKey keyOf(const sdp::Crypto& c) {
  auto k = media::parseSdesKey(c.suite, c.keyParams, c.sessionParams);
  EXPECT_TRUE(k) << k.error().message;
  return k ? *k : media::SrtpKey{};
}

class MediaAnchorSrtpTest : public ::testing::Test {
 protected:
  MediaAnchorSrtpTest() : engine_(clock_, config()), anchor_(engine_, anchorConfig(), 11) {
    EXPECT_TRUE(engine_.init());
  }
  static media::MediaEngineConfig config() {
    media::MediaEngineConfig c;
    c.ports.minPort = 41400;  // a range of its own (ctest runs suites in parallel)
    c.ports.maxPort = 41599;
    c.relay.noMediaTimeout = 10s;
    return c;
  }
  static AnchoredMediaConfig anchorConfig() {
    AnchoredMediaConfig c;
    c.ipv4 = net::Address::fromIp("127.0.0.1", 0);
    return c;
  }
  static sdp::SessionDescription parse(const std::string& text) {
    auto d = sdp::SessionDescription::parseOwned(text);
    EXPECT_TRUE(d) << d.error().message << "\n" << text;
    return std::move(*d);
  }
  std::unique_ptr<CallMedia> open(SrtpPolicy caller, SrtpPolicy callee) {
    auto m = anchor_.open(++calls_, {});
    m->setSrtp(Leg::Caller, caller);
    m->setSrtp(Leg::Callee, callee);
    return m;
  }
  int relayed(Peer& to) {
    for (int i = 0; i < 200; ++i) {
      engine_.pollOnce(1ms);
      if (int m = to.receive(); m != -1) return m;
    }
    return -1;
  }

  base::ManualClock clock_;
  media::MediaEngine engine_;
  AnchoredMedia anchor_;
  std::uint64_t calls_ = 0;
};

TEST_F(MediaAnchorSrtpTest, SrtpPbxToPlainCarrierDecryptsOneWayAndEncryptsTheOther) {
  Peer pbx, carrier;
  auto m = open(SrtpPolicy::Required, SrtpPolicy::Off);
  const auto pbxKey = keyLine(5);
  auto out = m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/SAVP", pbxKey.line));
  ASSERT_TRUE(out) << out.error().message;
  // The carrier sees a plain offer: no a=crypto, nothing of the PBX's key.
  auto offer = parse(*out);
  EXPECT_EQ(offer.media(0).proto(), "RTP/AVP");
  EXPECT_TRUE(cryptosIn(offer).empty());
  EXPECT_EQ(out->find(media::formatSdesKeyParams(pbxKey.key).substr(7)), std::string::npos);

  auto ans = m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/AVP", "", "c"));
  ASSERT_TRUE(ans) << ans.error().message;
  auto answer = parse(*ans);
  EXPECT_EQ(answer.media(0).proto(), "RTP/SAVP");  // the PBX's proto, echoed
  auto lines = cryptosIn(answer);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].tag, 5u);  // RFC 4568 §7.1.2: the offer's tag
  EXPECT_EQ(lines[0].suite, "AES_CM_128_HMAC_SHA1_80");
  const auto ours = keyOf(lines[0]);
  EXPECT_FALSE(ours == pbxKey.key);  // our own key towards the PBX

  pbx.sendWith(pbxKey.key);
  pbx.receiveWith(ours);
  pbx.send(answer.media(0).port(), 1, 0xA1);
  EXPECT_EQ(relayed(carrier), 0xA1);  // decrypted
  carrier.send(offer.media(0).port(), 1, 0xB1);
  EXPECT_EQ(relayed(pbx), 0xB1);  // encrypted with the key we answered, and it decrypts
}

TEST_F(MediaAnchorSrtpTest, RequiredLegOfferingPlainRtpIsRefused) {
  Peer pbx;
  auto m = open(SrtpPolicy::Required, SrtpPolicy::Off);
  auto r = m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/AVP", ""));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::Errc::InvalidArgument);  // the B2BUA answers 488
  // A fixed reason (the CDR attempt's), details in the log.
  EXPECT_EQ(r.error().message, "SRTP required: offer without usable crypto");
  // An SRTP offer whose only line we cannot honour (an MKI) is no better.
  auto mki = open(SrtpPolicy::Offer, SrtpPolicy::Off);
  auto r2 = mki->relay(Leg::Caller, SdpRole::Offer,
                       sdpOf(pbx.port(), "RTP/SAVP",
                             "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                             "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, base::Errc::InvalidArgument);
  EXPECT_EQ(r2.error().message, "SRTP required: offer without usable crypto");  // MKI: logged
}

TEST_F(MediaAnchorSrtpTest, RequiredCarrierGetsSavpOfferAndMustAnswerWithCrypto) {
  Peer pbx, carrier;
  auto m = open(SrtpPolicy::Off, SrtpPolicy::Required);
  auto offer = parse(*m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/AVP", "")));
  EXPECT_EQ(offer.media(0).proto(), "RTP/SAVP");
  auto lines = cryptosIn(offer);
  ASSERT_GE(lines.size(), 2u);  // every suite libsrtp runs, tags 1..n
  EXPECT_EQ(lines[0].tag, 1u);
  EXPECT_EQ(lines[0].suite, "AES_CM_128_HMAC_SHA1_80");

  // A plain answer to a required SRTP offer fails the attempt (the call treats it as 488).
  auto plain = m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/SAVP", "", "c"));
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code, base::Errc::InvalidArgument);
  EXPECT_EQ(plain.error().message, "SRTP required: answer without usable crypto");
  // An answer naming a tag we never offered is refused as well.
  const auto bogus = keyLine(9);
  EXPECT_FALSE(
      m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/SAVP", bogus.line, "c")));

  // The carrier picks tag 1 and sends its own key.
  auto carrierKey = *media::generateSrtpKey(media::SrtpSuite::AesCm128HmacSha1_80);
  auto ans = m->relay(Leg::Callee, SdpRole::Answer,
                      sdpOf(carrier.port(), "RTP/SAVP",
                            fmt::format("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {}\r\n",
                                        media::formatSdesKeyParams(carrierKey)),
                            "c"));
  ASSERT_TRUE(ans) << ans.error().message;
  auto answer = parse(*ans);
  EXPECT_EQ(answer.media(0).proto(), "RTP/AVP");  // the PBX offered plain
  EXPECT_TRUE(cryptosIn(answer).empty());

  carrier.sendWith(carrierKey);
  carrier.receiveWith(keyOf(lines[0]));
  pbx.send(answer.media(0).port(), 7, 0xC1);
  EXPECT_EQ(relayed(carrier), 0xC1);
  carrier.send(offer.media(0).port(), 7, 0xC2);
  EXPECT_EQ(relayed(pbx), 0xC2);
}

TEST_F(MediaAnchorSrtpTest, SrtpOnBothLegsReencryptsWithEachLegsOwnKeys) {
  Peer pbx, carrier;
  auto m = open(SrtpPolicy::Required, SrtpPolicy::Required);
  const auto pbxKey = keyLine(1, media::SrtpSuite::AeadAes128Gcm);
  auto out = *m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/SAVP", pbxKey.line));
  EXPECT_EQ(out.find(media::formatSdesKeyParams(pbxKey.key).substr(7)), std::string::npos);
  auto offer = parse(out);
  auto offered = cryptosIn(offer);
  ASSERT_FALSE(offered.empty());
  auto carrierKey = *media::generateSrtpKey(offered[0].suite == "AES_CM_128_HMAC_SHA1_80"
                                                ? media::SrtpSuite::AesCm128HmacSha1_80
                                                : media::SrtpSuite::AeadAes128Gcm);
  auto answer =
      parse(*m->relay(Leg::Callee, SdpRole::Answer,
                      sdpOf(carrier.port(), "RTP/SAVP",
                            fmt::format("a=crypto:{} {} {}\r\n", offered[0].tag, offered[0].suite,
                                        media::formatSdesKeyParams(carrierKey)),
                            "c")));
  auto answered = cryptosIn(answer);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].suite, "AEAD_AES_128_GCM");
  EXPECT_EQ(answer.serialize().find(media::formatSdesKeyParams(carrierKey).substr(7)),
            std::string::npos);

  pbx.sendWith(pbxKey.key);
  pbx.receiveWith(keyOf(answered[0]));
  carrier.sendWith(carrierKey);
  carrier.receiveWith(keyOf(offered[0]));
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    pbx.send(answer.media(0).port(), seq, static_cast<std::uint8_t>(0x10 + seq));
    EXPECT_EQ(relayed(carrier), 0x10 + seq);
    carrier.send(offer.media(0).port(), seq, static_cast<std::uint8_t>(0x20 + seq));
    EXPECT_EQ(relayed(pbx), 0x20 + seq);
  }
}

TEST_F(MediaAnchorSrtpTest, OfferPolicyIsBestEffortAvpWithCryptoAndTakesPlainAnswers) {
  Peer pbx, carrier;
  auto m = open(SrtpPolicy::Off, SrtpPolicy::Offer);
  auto offer = parse(*m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/AVP", "")));
  EXPECT_EQ(offer.media(0).proto(), "RTP/AVP");
  EXPECT_FALSE(cryptosIn(offer).empty());
  auto answer =
      parse(*m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/AVP", "", "c")));
  pbx.send(answer.media(0).port(), 1, 0xD1);
  EXPECT_EQ(relayed(carrier), 0xD1);  // plain both ways: nothing encrypts
  carrier.send(offer.media(0).port(), 1, 0xD2);
  EXPECT_EQ(relayed(pbx), 0xD2);
}

TEST_F(MediaAnchorSrtpTest, OffLegAcceptsSavpButAnswersBestEffortCryptoPlainAndNoKeyLeaks) {
  Peer pbx;
  // Best-effort crypto from an "off" PBX: answered plain, and the lines do not travel on.
  auto m = open(SrtpPolicy::Off, SrtpPolicy::Off);
  const auto k = keyLine(1);
  auto out = *m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/AVP", k.line));
  EXPECT_EQ(out.find("a=crypto"), std::string::npos);
  auto answer = parse(*m->relay(Leg::Callee, SdpRole::Answer, sdpOf(9, "RTP/AVP", "", "c")));
  EXPECT_TRUE(cryptosIn(answer).empty());
  EXPECT_EQ(answer.media(0).proto(), "RTP/AVP");

  // RTP/SAVP from an "off" PBX: it insists, we can, so it gets SRTP.
  auto savp = open(SrtpPolicy::Off, SrtpPolicy::Off);
  auto o2 = parse(*savp->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/SAVP", k.line)));
  EXPECT_EQ(o2.media(0).proto(), "RTP/AVP");
  EXPECT_TRUE(cryptosIn(o2).empty());
  auto a2 = parse(*savp->relay(Leg::Callee, SdpRole::Answer, sdpOf(11, "RTP/AVP", "", "c")));
  EXPECT_EQ(a2.media(0).proto(), "RTP/SAVP");
  EXPECT_EQ(cryptosIn(a2).size(), 1u);
}

TEST_F(MediaAnchorSrtpTest, ReofferKeepsKeysUnlessThePeerChangesItsOwn) {
  Peer pbx, carrier;
  auto m = open(SrtpPolicy::Required, SrtpPolicy::Required);
  const auto k1 = keyLine(1);
  auto offer1 =
      parse(*m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/SAVP", k1.line)));
  auto toCarrier = cryptosIn(offer1);
  auto carrierKey = *media::generateSrtpKey(media::SrtpSuite::AesCm128HmacSha1_80);
  const std::string carrierLine = fmt::format("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {}\r\n",
                                              media::formatSdesKeyParams(carrierKey));
  auto answer1 = parse(
      *m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/SAVP", carrierLine, "c")));
  const auto ours1 = keyOf(cryptosIn(answer1)[0]);

  // The PBX re-offers (hold/resume) with the same key: same key back, one line to the carrier.
  auto offer2 =
      parse(*m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/SAVP", k1.line)));
  auto again = cryptosIn(offer2);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(keyOf(again[0]) == keyOf(toCarrier[0]));
  auto answer2 = parse(
      *m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/SAVP", carrierLine, "c")));
  EXPECT_TRUE(keyOf(cryptosIn(answer2)[0]) == ours1);

  // Media still flows with the keys of the first exchange.
  pbx.sendWith(k1.key);
  pbx.receiveWith(ours1);
  carrier.sendWith(carrierKey);
  carrier.receiveWith(keyOf(toCarrier[0]));
  pbx.send(answer2.media(0).port(), 1, 0xE1);
  EXPECT_EQ(relayed(carrier), 0xE1);

  // A new key from the PBX: a new answer key, and its new key is what unprotects now.
  const auto k2 = keyLine(1);
  (void)m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/SAVP", k2.line));
  auto answer3 = parse(
      *m->relay(Leg::Callee, SdpRole::Answer, sdpOf(carrier.port(), "RTP/SAVP", carrierLine, "c")));
  EXPECT_FALSE(keyOf(cryptosIn(answer3)[0]) == ours1);
  pbx.sendWith(k2.key);
  pbx.send(answer3.media(0).port(), 2, 0xE2);
  EXPECT_EQ(relayed(carrier), 0xE2);
}

TEST_F(MediaAnchorSrtpTest, FailoverToTheNextCarrierOffersFreshKeys) {
  Peer pbx;
  auto m = open(SrtpPolicy::Off, SrtpPolicy::Required);
  auto first = parse(*m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/AVP", "")));
  ASSERT_FALSE(cryptosIn(first).empty());
  m->setSrtp(Leg::Callee, SrtpPolicy::Offer);  // the next carrier's policy
  auto second = parse(*m->relay(Leg::Caller, SdpRole::Offer, sdpOf(pbx.port(), "RTP/AVP", "")));
  EXPECT_EQ(second.media(0).proto(), "RTP/AVP");
  auto lines = cryptosIn(second);
  ASSERT_FALSE(lines.empty());
  EXPECT_FALSE(keyOf(lines[0]) == keyOf(cryptosIn(first)[0]));
}

TEST_F(MediaAnchorSrtpTest, DtlsSrtpStreamsAreDeclined) {
  Peer pbx;
  auto m = open(SrtpPolicy::Off, SrtpPolicy::Off);
  auto out = m->relay(
      Leg::Caller, SdpRole::Offer,
      sdpOf(pbx.port(), "UDP/TLS/RTP/SAVPF", "a=setup:actpass\r\n") + "m=audio 0 RTP/AVP 0\r\n");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(parse(*out).media(0).port(), 0);  // declined, not relayed with unknown keys
}

}  // namespace
}  // namespace trunkline::call
