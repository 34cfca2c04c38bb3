// B2BUA ladders with the real anchored media (a MediaEngine on 127.0.0.1, nothing sent):
// a carrier whose SRTP policy is "required" answering without usable crypto. The 2xx is
// taken down (ACK + BYE towards the carrier), the attempt fails with 488 and its CDR says
// why; failover only when the target lists 488, else the caller gets 488. A reliable 183
// without usable crypto fails the attempt at once (CANCEL); an unreliable one only loses
// its early media.
#include <fmt/format.h>

#include "call/media_anchor.h"
#include "call/test/b2bua_fixture.h"
#include "media/engine.h"
#include "media/sdes.h"
#include "media/srtp.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;
using storage::Disposition;
using storage::HangupBy;
using storage::SrtpPolicy;

constexpr char kAnswerRefused[] = "SRTP required: answer without usable crypto";
constexpr char kOfferRefused[] = "SRTP required: offer without usable crypto";

// Built before the fixture (base-from-member), so the B2BUA can be handed the anchor.
struct AnchorHolder {
  static media::MediaEngineConfig engineConfig() {
    media::MediaEngineConfig c;
    c.ports.minPort = 41800;  // a range of its own (ctest runs suites in parallel)
    c.ports.maxPort = 41899;
    c.relay.noMediaTimeout = 3600s;
    return c;
  }
  static AnchoredMediaConfig anchorConfig() {
    AnchoredMediaConfig c;
    c.ipv4 = net::Address::fromIp("127.0.0.1", 0);
    return c;
  }
  base::ManualClock mediaClock;
  media::MediaEngine engine{mediaClock, engineConfig()};
  AnchoredMedia anchor{engine, anchorConfig(), 5};
};

class B2buaSrtpTest : public AnchorHolder, public B2buaFixture {
 protected:
  B2buaSrtpTest() : B2buaFixture(base::Duration{0}, &anchor) { EXPECT_TRUE(engine.init()); }

  Target requiredA(std::vector<int> failoverCodes = {}) {
    auto t = target(carrierA.address());
    t.srtp = SrtpPolicy::Required;
    t.failoverCodes = std::move(failoverCodes);
    return t;
  }

  /// A carrier's answer to our offer, with `cryptoLine` (empty: plain RTP/AVP).
  static std::string carrierSdp(const std::string& proto, const std::string& cryptoLine) {
    return fmt::format(
        "v=0\r\no=gw 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
        "m=audio 5000 {} 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n{}",
        proto, cryptoLine);
  }

  /// The PBX's INVITE went to carrier A as an SRTP-required offer; returns it.
  sip::SipMessage inviteToRequiredA() {
    pbx.sendInvite();
    pbx.expectStatus(100);
    auto inv = carrierA.expectRequest("INVITE");
    EXPECT_NE(inv.body().find("RTP/SAVP"), std::string_view::npos) << inv.body();
    EXPECT_NE(inv.body().find("a=crypto:1 "), std::string_view::npos) << inv.body();
    return inv;
  }
};

TEST_F(B2buaSrtpTest, RequiredCarrierAnsweringPlainIsReleasedAndTheCallerGets488) {
  route({requiredA()});
  auto inv = inviteToRequiredA();
  // An unreliable 183 with a plain answer: the caller rings without early media.
  carrierA.reply(inv, 183, "", kAnswerSdp);
  auto early = pbx.expectStatus(183);
  EXPECT_TRUE(early.body().empty()) << early.body();
  advance(2s);
  carrierA.reply(inv, 200, "", kAnswerSdp);  // A -> us: 200, plain RTP/AVP
  auto ack = carrierA.expectRequest("ACK");  // us -> A: ACK (§13.2.2.4), then BYE
  EXPECT_EQ(ack.cseq().number, inv.cseq().number);
  auto bye = carrierA.expectRequest("BYE");
  EXPECT_EQ(bye.callId(), inv.callId());
  EXPECT_EQ(bye.to().tag(), std::optional<std::string_view>("peer-tag"));
  auto final = pbx.expectStatus(488);  // no failover on 488 by default
  EXPECT_EQ(final.reasonPhrase(), kAnswerRefused);
  EXPECT_TRUE(final.body().empty());
  EXPECT_TRUE(carrierA.idle());
  EXPECT_EQ(b2bua.liveCalls(), 0u);
  EXPECT_EQ(b2bua.counters().answered, 0u);

  storage::Cdr e = baseCdr();
  e.ringMs = kT0;
  e.endMs = kT0 + 2000;
  e.disposition = Disposition::Failed;
  e.finalCode = 488;
  e.finalReason = kAnswerRefused;
  e.hangupBy = HangupBy::None;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 488, kAnswerRefused, kT0, kT0 + 2000)};
  expectCdr(onlyCdr(), e);
}

TEST_F(B2buaSrtpTest, AnswerWithUnusableCryptoIsRefusedToo) {
  route({requiredA()});
  auto inv = inviteToRequiredA();
  // Tag 9 was never offered (RFC 4568 §7.1.3: the answer picks one of our lines).
  auto key = *media::generateSrtpKey(media::SrtpSuite::AesCm128HmacSha1_80);
  carrierA.reply(inv, 200, "",
                 carrierSdp("RTP/SAVP", fmt::format("a=crypto:9 AES_CM_128_HMAC_SHA1_80 {}\r\n",
                                                    media::formatSdesKeyParams(key))));
  carrierA.expectRequest("ACK");
  carrierA.expectRequest("BYE");
  pbx.expectStatus(488);
  EXPECT_EQ(onlyCdr().attempts.at(0).sipCode, 488);
  EXPECT_EQ(onlyCdr().attempts.at(0).reason, kAnswerRefused);
}

TEST_F(B2buaSrtpTest, With488AsFailoverCodeTheNextCarrierIsTried) {
  auto b = target(carrierB.address());  // SRTP off: a plain offer
  route({requiredA({488}), b});
  auto invA = inviteToRequiredA();
  carrierA.reply(invA, 200, "", kAnswerSdp);
  carrierA.expectRequest("ACK");
  carrierA.expectRequest("BYE");
  auto invB = carrierB.expectRequest("INVITE");
  EXPECT_NE(invB.body().find("RTP/AVP"), std::string_view::npos) << invB.body();
  EXPECT_EQ(invB.body().find("a=crypto"), std::string_view::npos) << invB.body();
  EXPECT_NE(invB.callId(), std::string_view{});
  advance(1s);
  carrierB.reply(invB, 200, "",
                 "v=0\r\no=gwb 1 1 IN IP4 198.51.100.8\r\ns=-\r\nc=IN IP4 198.51.100.8\r\n"
                 "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=sendrecv\r\n");
  auto ok = pbx.expectStatus(200);
  // The caller's answer points at our relay, not at either carrier.
  EXPECT_NE(ok.body().find("c=IN IP4 127.0.0.1"), std::string_view::npos) << ok.body();
  EXPECT_EQ(ok.body().find("198.51.100"), std::string_view::npos) << ok.body();
  pbx.sendAck(ok);
  carrierB.expectRequest("ACK");
  pbx.sendInDialog("BYE");
  pbx.expectStatus(200);
  carrierB.expectRequest("BYE");
  EXPECT_TRUE(carrierA.idle());

  const auto& cdr = onlyCdr();
  EXPECT_EQ(cdr.disposition, Disposition::Answered);
  ASSERT_EQ(cdr.attempts.size(), 2u);
  EXPECT_EQ(cdr.attempts[0].carrierId, 7);
  EXPECT_EQ(cdr.attempts[0].sipCode, 488);
  EXPECT_EQ(cdr.attempts[0].reason, kAnswerRefused);
  EXPECT_EQ(cdr.attempts[1].carrierId, 8);
  EXPECT_EQ(cdr.attempts[1].sipCode, 200);
  EXPECT_EQ(b2bua.counters().answered, 1u);
}

TEST_F(B2buaSrtpTest, RequiredCarrierAnsweringWithItsKeyIsConnected) {
  route({requiredA()});
  auto inv = inviteToRequiredA();
  auto key = *media::generateSrtpKey(media::SrtpSuite::AesCm128HmacSha1_80);
  carrierA.reply(inv, 200, "",
                 carrierSdp("RTP/SAVP", fmt::format("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {}\r\n",
                                                    media::formatSdesKeyParams(key))));
  auto ok = pbx.expectStatus(200);
  EXPECT_NE(ok.body().find("RTP/AVP"), std::string_view::npos) << ok.body();  // PBX offered plain
  EXPECT_EQ(ok.body().find("a=crypto"), std::string_view::npos) << ok.body();
  pbx.sendAck(ok);
  carrierA.expectRequest("ACK");
  EXPECT_TRUE(carrierA.idle());  // no BYE
  pbx.sendInDialog("BYE");
  pbx.expectStatus(200);
  carrierA.expectRequest("BYE");
  EXPECT_EQ(onlyCdr().disposition, Disposition::Answered);
  EXPECT_EQ(onlyCdr().attempts.at(0).sipCode, 200);
}

TEST_F(B2buaSrtpTest, ReliableProvisionalWithoutCryptoFailsTheAttemptAtOnce) {
  route({requiredA()});
  auto inv = inviteToRequiredA();
  // RFC 3262: the 183's description is the answer; the 2xx would not repeat it.
  carrierA.reply(inv, 183, "Require: 100rel\r\nRSeq: 1\r\n", kAnswerSdp);
  carrierA.expectRequest("PRACK");  // the PBX does not do 100rel: we PRACK it
  auto cancel = carrierA.expectRequest("CANCEL");
  EXPECT_EQ(cancel.topVia().branch, inv.topVia().branch);
  auto final = pbx.expectStatus(488);
  EXPECT_EQ(final.reasonPhrase(), kAnswerRefused);
  EXPECT_EQ(b2bua.liveCalls(), 0u);
  carrierA.reply(cancel, 200);
  // The carrier answers anyway, crossing the CANCEL: ACKed and BYEd as an orphan.
  carrierA.reply(inv, 200, "", kAnswerSdp);
  carrierA.expectRequest("ACK");
  carrierA.expectRequest("BYE");
  EXPECT_TRUE(pbx.idle());
  EXPECT_EQ(onlyCdr().finalCode, 488);
  EXPECT_EQ(onlyCdr().ringMs, 0);  // it never rang for the caller
  EXPECT_EQ(onlyCdr().attempts.at(0).sipCode, 488);
  EXPECT_EQ(onlyCdr().attempts.at(0).reason, kAnswerRefused);
}

TEST_F(B2buaSrtpTest, OfferRefusedForSrtpPolicyNamesItInTheCdr) {
  auto ctx = context();
  ctx.callerSrtp = SrtpPolicy::Required;  // the PBX offers plain RTP
  policy.next = Accept{ctx, {target(carrierA.address())}};
  pbx.sendInvite();
  pbx.expectStatus(100);
  pbx.expectStatus(488);
  EXPECT_TRUE(carrierA.idle());
  const auto& cdr = onlyCdr();
  EXPECT_EQ(cdr.finalCode, 488);
  ASSERT_EQ(cdr.attempts.size(), 1u);
  EXPECT_EQ(cdr.attempts[0].sipCode, 488);
  EXPECT_EQ(cdr.attempts[0].reason, kOfferRefused);
}

}  // namespace
}  // namespace trunkline::call::test
