// B2BUA ladders: carrier authentication, failover, ring timeout, "no" is final, best answer.
#include <openssl/evp.h>

#include <fmt/format.h>

#include "call/test/b2bua_fixture.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;
using storage::Disposition;
using storage::HangupBy;

std::string md5Hex(const std::string& s) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), out, &len, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", out[i]);
  return hex;
}

using B2buaFailoverTest = B2buaFixture;

TEST_F(B2buaFailoverTest, CarrierChallengeIsAnsweredOnceWithOurCredential) {
  auto t = target(carrierA.address());
  t.credential =
      OutboundCredential{"acct", "carrier.example", md5Hex("acct:carrier.example:secret"), ""};
  route({t});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv1 = carrierA.expectRequest("INVITE");  // us -> A: INVITE
  carrierA.reply(inv1, 407,
                 "Proxy-Authenticate: Digest realm=\"carrier.example\", "
                 "nonce=\"abc123\", qop=\"auth\", algorithm=MD5\r\n");
  carrierA.expectRequest("ACK");                 // layer: ACK for the 407
  auto inv2 = carrierA.expectRequest("INVITE");  // us -> A: INVITE + credentials
  EXPECT_EQ(inv2.cseq().number, inv1.cseq().number + 1);
  EXPECT_EQ(inv2.callId(), inv1.callId());
  EXPECT_EQ(inv2.from().tag(), inv1.from().tag());
  EXPECT_NE(inv2.topVia().branch, inv1.topVia().branch);
  const auto* auth = inv2.header(sip::HeaderId::ProxyAuthorization);
  ASSERT_TRUE(auth);
  EXPECT_NE(auth->value.find("username=\"acct\""), std::string_view::npos) << auth->value;
  EXPECT_NE(auth->value.find("nonce=\"abc123\""), std::string_view::npos) << auth->value;
  EXPECT_NE(auth->value.find("uri=\"sip:+15551234567@198.51.100.7\""), std::string_view::npos);
  EXPECT_TRUE(pbx.idle());  // the caller never sees the 407
  carrierA.reply(inv2, 200, "", kAnswerSdp);
  auto ok = pbx.expectStatus(200);
  pbx.sendAck(ok);
  carrierA.expectRequest("ACK");
  EXPECT_EQ(b2bua.counters().authRetries, 1u);
  pbx.sendInDialog("BYE");
  pbx.expectStatus(200);
  carrierA.expectRequest("BYE");
  storage::Cdr e = baseCdr();
  e.answerMs = e.endMs = kT0;
  e.disposition = Disposition::Answered;
  e.finalCode = 200;
  e.finalReason = "OK";
  e.hangupBy = HangupBy::Caller;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 200, "OK", kT0, kT0)};
  expectCdr(onlyCdr(), e);
}

TEST_F(B2buaFailoverTest, SecondChallengeMovesOnWithoutLeakingIt) {
  auto t = target(carrierA.address());
  t.credential =
      OutboundCredential{"acct", "carrier.example", md5Hex("acct:carrier.example:x"), ""};
  route({t});
  pbx.sendInvite();
  pbx.expectStatus(100);
  const std::string challenge =
      "Proxy-Authenticate: Digest realm=\"carrier.example\", nonce=\"n\", algorithm=MD5\r\n";
  auto inv1 = carrierA.expectRequest("INVITE");
  carrierA.reply(inv1, 407, challenge);
  carrierA.expectRequest("ACK");
  auto inv2 = carrierA.expectRequest("INVITE");
  carrierA.reply(inv2, 407, challenge);  // wrong password: refused again
  carrierA.expectRequest("ACK");
  auto r = pbx.expectStatus(503);
  EXPECT_FALSE(r.header(sip::HeaderId::ProxyAuthenticate));
  EXPECT_EQ(onlyCdr().attempts.at(0).sipCode, 407);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaFailoverTest, ServiceUnavailableFailsOverAndTheSecondAnswers) {
  route({target(carrierA.address()), target(carrierB.address())});
  pbx.sendInvite();  // PBX -> us: INVITE
  pbx.expectStatus(100);
  auto invA = carrierA.expectRequest("INVITE");  // us -> A: INVITE
  carrierA.reply(invA, 503);                     // A -> us: 503
  carrierA.expectRequest("ACK");
  auto invB = carrierB.expectRequest("INVITE");  // us -> B: INVITE
  EXPECT_GT(invB.cseq().number, invA.cseq().number);
  carrierB.reply(invB, 180);  // B -> us: 180
  pbx.expectStatus(180);
  advance(1s);
  carrierB.reply(invB, 200, "", kAnswerSdp);  // B -> us: 200
  auto ok = pbx.expectStatus(200);
  pbx.sendAck(ok);
  carrierB.expectRequest("ACK");
  advance(5s);
  pbx.sendInDialog("BYE");
  pbx.expectStatus(200);
  carrierB.expectRequest("BYE");
  EXPECT_TRUE(carrierA.idle());
  storage::Cdr e = baseCdr();
  e.ringMs = kT0;
  e.answerMs = kT0 + 1000;
  e.endMs = kT0 + 6000;
  e.durationMs = 5000;
  e.billableS = 5;
  e.disposition = Disposition::Answered;
  e.finalCode = 200;
  e.finalReason = "OK";
  e.hangupBy = HangupBy::Caller;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 503, "Service Unavailable", kT0, kT0),
                attempt(8, "udp:198.51.100.8:5060", 200, "OK", kT0, kT0 + 1000)};
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(b2bua.counters().failovers, 1u);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaFailoverTest, RingTimeoutCancelsAndTriesTheNext) {
  route({target(carrierA.address(), 5s), target(carrierB.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto invA = carrierA.expectRequest("INVITE");
  carrierA.reply(invA, 180);  // A rings...
  auto ringing = pbx.expectStatus(180);
  advance(5s);                                     // ...for too long
  auto cancel = carrierA.expectRequest("CANCEL");  // us -> A: CANCEL
  carrierA.reply(cancel, 200);
  carrierA.reply(invA, 487);
  carrierA.expectRequest("ACK");
  auto invB = carrierB.expectRequest("INVITE");  // us -> B: INVITE
  carrierB.reply(invB, 200, "", kAnswerSdp);
  auto ok = pbx.expectStatus(200);
  EXPECT_EQ(ok.to().tag(), ringing.to().tag());  // one dialog towards the caller
  pbx.sendAck(ok);
  carrierB.expectRequest("ACK");
  carrierB.learnAsUas(invB);
  carrierB.sendInDialog("BYE");
  carrierB.expectStatus(200);
  pbx.expectRequest("BYE");
  storage::Cdr e = baseCdr();
  e.ringMs = kT0;
  e.answerMs = e.endMs = kT0 + 5000;
  e.disposition = Disposition::Answered;
  e.finalCode = 200;
  e.finalReason = "OK";
  e.hangupBy = HangupBy::Callee;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 0, "ring timeout", kT0, kT0 + 5000),
                attempt(8, "udp:198.51.100.8:5060", 200, "OK", kT0 + 5000, kT0 + 5000)};
  expectCdr(onlyCdr(), e);
}

TEST_F(B2buaFailoverTest, BusyIsTheCalleesAnswerNotAFailover) {
  route({target(carrierA.address()), target(carrierB.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto invA = carrierA.expectRequest("INVITE");
  advance(1500ms);
  carrierA.reply(invA, 486);  // A -> us: 486 Busy Here
  carrierA.expectRequest("ACK");
  auto busy = pbx.expectStatus(486);  // us -> PBX: 486
  EXPECT_TRUE(busy.to().tag());
  EXPECT_TRUE(carrierB.idle());  // no failover
  storage::Cdr e = baseCdr();
  e.endMs = kT0 + 1500;
  e.disposition = Disposition::Busy;
  e.finalCode = 486;
  e.finalReason = "Busy Here";
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 486, "Busy Here", kT0, kT0 + 1500)};
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaFailoverTest, AllTargetsFailAndTheCallerGetsTheMostMeaningfulAnswer) {
  route({target(carrierA.address()), target(carrierB.address(), 10s)});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto invA = carrierA.expectRequest("INVITE");
  carrierA.reply(invA, 503);  // A: 503
  carrierA.expectRequest("ACK");
  carrierB.expectRequest("INVITE");  // B: never answers at all
  advance(10s);
  pbx.expectStatus(503);  // the 503 says more than silence
  storage::Cdr e = baseCdr();
  e.endMs = kT0 + 10000;
  e.disposition = Disposition::Failed;
  e.finalCode = 503;
  e.finalReason = "Service Unavailable";
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 503, "Service Unavailable", kT0, kT0),
                attempt(8, "udp:198.51.100.8:5060", 0, "ring timeout", kT0, kT0 + 10000)};
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaFailoverTest, LastTargetRingingWithoutAnswerIsNoAnswer) {
  route({target(carrierA.address(), 20s)});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto invA = carrierA.expectRequest("INVITE");
  carrierA.reply(invA, 180);
  pbx.expectStatus(180);
  advance(20s);
  carrierA.expectRequest("CANCEL");
  auto r = pbx.expectStatus(480);
  EXPECT_EQ(r.reasonPhrase(), "No Answer");
  EXPECT_EQ(onlyCdr().disposition, Disposition::NoAnswer);
  EXPECT_EQ(onlyCdr().finalCode, 480);
}

TEST_F(B2buaFailoverTest, TransportErrorMovesOn) {
  unreachable.insert(carrierA.address());
  route({target(carrierA.address()), target(carrierB.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto invB = carrierB.expectRequest("INVITE");
  carrierB.reply(invB, 486);
  carrierB.expectRequest("ACK");
  pbx.expectStatus(486);
  storage::Cdr e = baseCdr();
  e.endMs = kT0;
  e.disposition = Disposition::Busy;
  e.finalCode = 486;
  e.finalReason = "Busy Here";
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 0, "transport error", kT0, kT0),
                attempt(8, "udp:198.51.100.8:5060", 486, "Busy Here", kT0, kT0)};
  expectCdr(onlyCdr(), e);
}

TEST_F(B2buaFailoverTest, SilentTargetIsCancelledWhenItWakesUpAndItsLateAnswerTakenDown) {
  route({target(carrierA.address(), 5s), target(carrierB.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto invA = carrierA.expectRequest("INVITE");  // A says nothing at all
  advance(5s);                                   // ring timeout: no CANCEL yet (§9.1)
  auto invB = carrierB.expectRequest("INVITE");  // us -> B: INVITE
  EXPECT_TRUE(carrierA.idle());
  carrierA.reply(invA, 180);                  // A wakes up
  carrierA.expectRequest("CANCEL");           // now the CANCEL may go
  carrierA.reply(invA, 200, "", kAnswerSdp);  // and A answers anyway
  carrierA.expectRequest("ACK");
  carrierA.expectRequest("BYE");
  EXPECT_TRUE(pbx.idle());  // the caller never heard of A
  carrierB.reply(invB, 200, "", kAnswerSdp);
  auto ok = pbx.expectStatus(200);
  pbx.sendAck(ok);
  carrierB.expectRequest("ACK");
  EXPECT_EQ(b2bua.counters().extraAnswersReleased, 1u);
  EXPECT_TRUE(cdrs.cdrs.empty());
}

TEST_F(B2buaFailoverTest, NoTargetsIsNoRoute) {
  route({});
  pbx.sendInvite();
  pbx.expectStatus(100);
  pbx.expectStatus(404);
  storage::Cdr e = baseCdr();
  e.endMs = kT0;
  e.disposition = Disposition::Rejected;
  e.finalCode = 404;
  e.finalReason = "No Route";
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(policy.released.size(), 1u);
}

}  // namespace
}  // namespace trunkline::call::test
