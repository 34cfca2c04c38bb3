// B2BUA ladders: admission, answer, hang-up, CANCEL, max duration, topology hiding.
#include <fmt/format.h>

#include "call/test/b2bua_fixture.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;
using storage::Disposition;
using storage::HangupBy;

class B2buaTest : public B2buaFixture {
 protected:
  storage::Cdr answeredCdr(std::int64_t endMs, HangupBy by) {
    storage::Cdr e = baseCdr();
    e.ringMs = kT0;
    e.answerMs = kT0 + 2000;
    e.endMs = endMs;
    e.durationMs = endMs - e.answerMs;
    e.billableS = static_cast<std::uint32_t>((e.durationMs + 999) / 1000);
    e.disposition = Disposition::Answered;
    e.finalCode = 200;
    e.finalReason = "OK";
    e.hangupBy = by;
    e.attempts = {attempt(7, "udp:198.51.100.7:5060", 200, "OK", kT0, kT0 + 2000)};
    return e;
  }
};

TEST_F(B2buaTest, PolicyRejectGetsItsResponseAndARejectedCdr) {
  policy.next = Reject{403, "Trunk disabled", {}};
  pbx.sendInvite();                // PBX -> us: INVITE
  pbx.expectStatus(100);           // us -> PBX: 100
  auto r = pbx.expectStatus(403);  // us -> PBX: 403
  EXPECT_EQ(r.reasonPhrase(), "Trunk disabled");
  EXPECT_TRUE(r.to().tag());
  EXPECT_TRUE(carrierA.idle());
  EXPECT_TRUE(policy.released.empty());  // never admitted: nothing to release
  storage::Cdr e = baseCdr();
  e.accountId = 0;
  e.trunkId = 0;
  e.fromE164 = e.toE164 = "";
  e.endMs = kT0;
  e.disposition = Disposition::Rejected;
  e.finalCode = 403;
  e.finalReason = "Trunk disabled";
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(b2bua.liveCalls(), 0u);
}

TEST_F(B2buaTest, DigestChallengeIsAnsweredButWritesNoCdr) {
  policy.next = Reject{407, "Proxy Authentication Required",
                       "Proxy-Authenticate: Digest realm=\"trunkline\", nonce=\"n1\"\r\n",
                       /*recordCdr=*/false};
  pbx.sendInvite();                // PBX -> us: INVITE
  pbx.expectStatus(100);           // us -> PBX: 100
  auto r = pbx.expectStatus(407);  // us -> PBX: 407 + challenge
  ASSERT_TRUE(r.header(sip::HeaderId::ProxyAuthenticate));
  EXPECT_TRUE(carrierA.idle());
  EXPECT_TRUE(cdrs.cdrs.empty());
  EXPECT_EQ(b2bua.liveCalls(), 0u);
}

TEST_F(B2buaTest, AnsweredAndHungUpByCaller) {
  establish();
  advance(61500ms);
  pbx.sendInDialog("BYE");                   // PBX -> us: BYE
  pbx.expectStatus(200);                     // us -> PBX: 200
  auto bye = carrierA.expectRequest("BYE");  // us -> A: BYE
  carrierA.reply(bye, 200);                  // A -> us: 200
  expectCdr(onlyCdr(), answeredCdr(kT0 + 63500, HangupBy::Caller));
  EXPECT_EQ(policy.released.size(), 1u);
  EXPECT_EQ(b2bua.liveCalls(), 0u);
  EXPECT_EQ(b2bua.counters().answered, 1u);
}

TEST_F(B2buaTest, AnsweredAndHungUpByCallee) {
  establish();
  advance(10s);
  carrierA.sendInDialog("BYE");         // A -> us: BYE
  carrierA.expectStatus(200);           // us -> A: 200
  auto bye = pbx.expectRequest("BYE");  // us -> PBX: BYE
  EXPECT_EQ(bye.to().tag(), "pbx-tag");
  EXPECT_EQ(bye.callId(), "pbx-call-1@192.0.2.10");
  EXPECT_EQ(bye.requestUriText(), "sip:2001@192.0.2.10:5060");  // the PBX's Contact
  ASSERT_EQ(bye.headerCount(sip::HeaderId::Route), 1u);         // its Record-Route
  pbx.reply(bye, 200);
  expectCdr(onlyCdr(), answeredCdr(kT0 + 12000, HangupBy::Callee));
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaTest, TopologyIsHiddenBothWays) {
  auto inv = establish();
  // What the carrier got: our Via, Contact, Call-ID, tags; caller ID from the policy.
  EXPECT_EQ(inv.headerCount(sip::HeaderId::Via), 1u);
  EXPECT_EQ(inv.topVia().host, "10.0.0.1");
  EXPECT_EQ(inv.headerCount(sip::HeaderId::RecordRoute), 0u);
  EXPECT_EQ(inv.headerCount(sip::HeaderId::PAssertedIdentity), 0u);  // dropped by default
  EXPECT_EQ(inv.header(sip::HeaderId::From)->value.substr(0, 39),
            "\"Acme\" <sip:+14155550100@10.0.0.1>;tag=");
  EXPECT_EQ(inv.header(sip::HeaderId::To)->value, "<sip:+15551234567@198.51.100.7>");
  EXPECT_EQ(inv.requestUriText(), "sip:+15551234567@198.51.100.7");
  EXPECT_EQ(inv.header(sip::HeaderId::Contact)->value, "<sip:10.0.0.1:5060>");
  EXPECT_EQ(inv.maxForwards(), 69);
  EXPECT_EQ(inv.header(sip::HeaderId::UserAgent)->value, "Trunkline-test");
  EXPECT_EQ(inv.body(), kSdp);
  EXPECT_NE(inv.callId(), "pbx-call-1@192.0.2.10");
  const std::string outCallId(inv.callId());
  for (const auto& [to, text] : wire) {
    auto head = headerSection(text);
    if (to == carrierA.address()) {
      EXPECT_EQ(head.find("192.0.2."), std::string_view::npos) << text;
      EXPECT_EQ(head.find("pbx-call-1"), std::string_view::npos) << text;
      EXPECT_EQ(head.find("pbx-tag"), std::string_view::npos) << text;
      EXPECT_EQ(head.find("CustomerPBX"), std::string_view::npos) << text;
    } else {
      EXPECT_EQ(head.find("198.51.100."), std::string_view::npos) << text;
      EXPECT_EQ(head.find(outCallId), std::string_view::npos) << text;
      EXPECT_EQ(head.find("gwa"), std::string_view::npos) << text;
    }
  }
}

TEST_F(B2buaTest, AssertedIdentityPassedWhenPolicySaysSo) {
  auto ctx = context();
  ctx.passAssertedIdentity = true;
  policy.next = Accept{ctx, {target(carrierA.address())}};
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  ASSERT_TRUE(inv.header(sip::HeaderId::PAssertedIdentity));
  EXPECT_EQ(inv.header(sip::HeaderId::PAssertedIdentity)->value, "<sip:2001@pbx.customer.example>");
}

TEST_F(B2buaTest, CancelBeforeAnswer) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 183, "", kAnswerSdp);  // A -> us: 183 early media
  auto early = pbx.expectStatus(183);        // us -> PBX: 183 (SDP)
  EXPECT_EQ(early.body(), kAnswerSdp);
  advance(3s);
  pbx.sendCancel();                         // PBX -> us: CANCEL
  pbx.expectStatus(200);                    // us -> PBX: 200 (CANCEL)
  auto terminated = pbx.expectStatus(487);  // us -> PBX: 487 (INVITE)
  EXPECT_EQ(terminated.to().tag(), early.to().tag());
  auto cancel = carrierA.expectRequest("CANCEL");  // us -> A: CANCEL
  EXPECT_EQ(cancel.topVia().branch, inv.topVia().branch);
  carrierA.reply(cancel, 200);
  carrierA.reply(inv, 487);       // A -> us: 487
  carrierA.expectRequest("ACK");  // layer: ACK for the 487
  storage::Cdr e = baseCdr();
  e.ringMs = kT0;
  e.endMs = kT0 + 3000;
  e.disposition = Disposition::Cancelled;
  e.finalCode = 487;
  e.finalReason = "Request Terminated";
  e.hangupBy = HangupBy::Caller;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 487, "cancelled by caller", kT0, kT0 + 3000)};
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaTest, AnswerCrossingCancelIsAckedAndByed) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 180);
  pbx.expectStatus(180);
  pbx.sendCancel();
  pbx.expectStatus(200);
  pbx.expectStatus(487);
  carrierA.expectRequest("CANCEL");
  carrierA.reply(inv, 200, "", kAnswerSdp);  // A answered before our CANCEL arrived
  carrierA.expectRequest("ACK");             // us -> A: ACK
  carrierA.expectRequest("BYE");             // us -> A: BYE
  EXPECT_TRUE(pbx.idle());
  EXPECT_EQ(onlyCdr().disposition, Disposition::Cancelled);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaTest, ByeForUnknownDialogGets481) {
  pbx.callId = "nobody@192.0.2.10";
  pbx.localNameAddr = "<sip:2001@192.0.2.10>;tag=x";
  pbx.remoteNameAddr = "<sip:+1555@10.0.0.1>;tag=unknown";
  pbx.remoteTarget = "sip:10.0.0.1:5060";
  pbx.sendInDialog("BYE");
  pbx.expectStatus(481);
  pbx.sendInDialog("INFO", "", "Signal=1\r\n", "application/dtmf-relay");
  pbx.expectStatus(481);
  EXPECT_TRUE(cdrs.cdrs.empty());
}

TEST_F(B2buaTest, MaximumDurationByesBothSides) {
  auto ctx = context();
  ctx.maxDuration = 60s;
  policy.next = Accept{ctx, {target(carrierA.address())}};
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 200, "", kAnswerSdp);
  auto ok = pbx.expectStatus(200);
  pbx.sendAck(ok);
  carrierA.expectRequest("ACK");
  advance(59900ms);
  EXPECT_TRUE(pbx.idle());
  advance(100ms);
  carrierA.expectRequest("BYE");  // us -> A: BYE
  pbx.expectRequest("BYE");       // us -> PBX: BYE
  storage::Cdr e = baseCdr();
  e.answerMs = kT0;
  e.endMs = kT0 + 60000;
  e.durationMs = 60000;
  e.billableS = 60;
  e.disposition = Disposition::Answered;
  e.finalCode = 200;
  e.finalReason = "OK";
  e.hangupBy = HangupBy::System;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 200, "OK", kT0, kT0)};
  expectCdr(onlyCdr(), e);
  EXPECT_EQ(policy.released.size(), 1u);
  EXPECT_EQ(b2bua.counters().maxDurationHangups, 1u);
}

TEST_F(B2buaTest, Our2xxIsRetransmittedUntilAckThenCallEndsWithoutAck) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 200, "", kAnswerSdp);
  pbx.expectStatus(200);
  const auto before = inbox[pbx.address()].size();
  advance(2s);  // T1 = 500 ms: retransmissions at 0.5 s and 1.5 s
  EXPECT_EQ(inbox[pbx.address()].size(), before + 2);
  advance(30s);  // 64*T1 without ACK: ACK the callee, BYE both
  carrierA.expectRequest("ACK");
  carrierA.expectRequest("BYE");
  pbx.expectRequest("BYE");
  EXPECT_EQ(onlyCdr().hangupBy, HangupBy::System);
  EXPECT_EQ(b2bua.counters().ackTimeouts, 1u);
  EXPECT_EQ(policy.released.size(), 1u);
}

TEST_F(B2buaTest, ShutdownEndsEveryCallWithACdr) {
  establish();
  advance(1s);
  b2bua.shutdown();
  pbx.expectRequest("BYE");
  carrierA.expectRequest("BYE");
  EXPECT_EQ(onlyCdr().hangupBy, HangupBy::System);
  EXPECT_EQ(onlyCdr().disposition, Disposition::Answered);
  EXPECT_EQ(onlyCdr().billableS, 1u);
  EXPECT_EQ(b2bua.liveCalls(), 0u);
}

TEST_F(B2buaTest, ShutdownRefusesCallsStillRinging) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 180);
  pbx.expectStatus(180);
  b2bua.shutdown();
  carrierA.expectRequest("CANCEL");
  pbx.expectStatus(503);
  storage::Cdr e = baseCdr();
  e.ringMs = kT0;
  e.endMs = kT0;
  e.disposition = Disposition::Failed;
  e.finalCode = 503;
  e.finalReason = "Shutting Down";
  e.hangupBy = HangupBy::System;
  e.attempts = {attempt(7, "udp:198.51.100.7:5060", 0, "shutdown", kT0, kT0)};
  expectCdr(onlyCdr(), e);
}

TEST_F(B2buaTest, SecondForkAnsweringIsAckedAndByed) {
  auto inv = establish();
  carrierA.reply(inv, 200, "", kAnswerSdp, "other-fork");  // A's second fork answers too
  carrierA.expectRequest("ACK");
  auto bye = carrierA.expectRequest("BYE");
  EXPECT_EQ(bye.to().tag(), "other-fork");
  EXPECT_TRUE(pbx.idle());
  EXPECT_EQ(b2bua.counters().extraAnswersReleased, 1u);
  EXPECT_TRUE(cdrs.cdrs.empty());  // the call goes on
}

}  // namespace
}  // namespace trunkline::call::test

namespace trunkline::call::test {
namespace {

class B2buaDeadDialogTest : public B2buaFixture {
 protected:
  B2buaDeadDialogTest() : B2buaFixture(std::chrono::seconds(30)) {}
};

TEST_F(B2buaDeadDialogTest, InDialogOptionsFindADeadLegAndEndTheCall) {
  establish();
  advance(std::chrono::seconds(30));
  auto toPbx = pbx.expectRequest("OPTIONS");     // us -> PBX: OPTIONS
  auto toA = carrierA.expectRequest("OPTIONS");  // us -> A: OPTIONS
  pbx.reply(toPbx, 200);                         // the PBX is alive
  advance(std::chrono::seconds(30));
  EXPECT_TRUE(cdrs.cdrs.empty());
  auto again = pbx.expectRequest("OPTIONS");  // the next round
  pbx.reply(again, 200);
  auto toA2 = carrierA.expectRequest("OPTIONS");
  carrierA.reply(toA2, 481);  // A forgot the call
  pbx.expectRequest("BYE");   // us -> PBX: BYE
  carrierA.expectRequest("BYE");
  EXPECT_EQ(onlyCdr().hangupBy, storage::HangupBy::System);
  EXPECT_EQ(onlyCdr().disposition, storage::Disposition::Answered);
  EXPECT_EQ(b2bua.counters().deadDialogs, 1u);
  EXPECT_EQ(policy.released.size(), 1u);
  (void)toA;
}

TEST_F(B2buaDeadDialogTest, LateOfferIsCarriedInTheAck) {
  route({target(carrierA.address())});
  pbx.sendInvite("+15551234567", "", "");  // INVITE without SDP
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  EXPECT_TRUE(inv.body().empty());
  EXPECT_FALSE(inv.header(sip::HeaderId::ContentType));
  carrierA.reply(inv, 200, "", kAnswerSdp);  // the offer comes in the 200
  auto ok = pbx.expectStatus(200);
  EXPECT_EQ(ok.body(), kAnswerSdp);
  pbx.sendAck(ok, kSdp);  // the answer comes in the ACK
  auto ack = carrierA.expectRequest("ACK");
  EXPECT_EQ(ack.body(), kSdp);
  EXPECT_EQ(ack.header(sip::HeaderId::ContentType)->value, "application/sdp");
}

}  // namespace
}  // namespace trunkline::call::test
