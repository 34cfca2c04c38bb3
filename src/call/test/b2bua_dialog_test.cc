// B2BUA ladders inside an established call: re-INVITE (hold/resume), UPDATE, INFO,
// OPTIONS, PRACK (RFC 3262), CSeq order (RFC 3261 §12.2.2).
#include <fmt/format.h>

#include "call/test/b2bua_fixture.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;

const std::string kHoldSdp =
    "v=0\r\no=pbx 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";
const std::string kHeldSdp =
    "v=0\r\no=gw 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 0\r\na=recvonly\r\n";

class B2buaDialogTest : public B2buaFixture {
 protected:
  sip::SipMessage establish(const std::string& extra = "") {
    route({target(carrierA.address())});
    pbx.sendInvite("+15551234567", extra);
    pbx.expectStatus(100);
    auto inv = carrierA.expectRequest("INVITE");
    carrierA.reply(inv, 200, "", kAnswerSdp);
    auto ok = pbx.expectStatus(200);
    pbx.sendAck(ok);
    carrierA.expectRequest("ACK");
    carrierA.learnAsUas(inv);
    return inv;
  }
};

TEST_F(B2buaDialogTest, ReInviteHoldAndResumeRelayed) {
  auto inv = establish();
  for (const auto& [offer, answer] :
       std::vector<std::pair<std::string, std::string>>{{kHoldSdp, kHeldSdp}, {kSdp, kAnswerSdp}}) {
    pbx.sendInDialog("INVITE", "", offer, "application/sdp");  // PBX -> us: re-INVITE
    auto re = carrierA.expectRequest("INVITE");                // us -> A: re-INVITE
    EXPECT_EQ(re.body(), offer);
    EXPECT_EQ(re.callId(), inv.callId());
    EXPECT_EQ(re.to().tag(), "peer-tag");
    EXPECT_EQ(re.from().tag(), inv.from().tag());
    EXPECT_EQ(re.requestUriText(), "sip:gwa@198.51.100.7:5060");  // A's Contact
    carrierA.reply(re, 200, "", answer);                          // A -> us: 200
    auto ok = pbx.expectStatus(200);                              // us -> PBX: 200
    EXPECT_EQ(ok.body(), answer);
    EXPECT_EQ(ok.header(sip::HeaderId::Contact)->value, "<sip:10.0.0.1:5060>");
    pbx.sendAckInDialog(ok.cseq().number);     // PBX -> us: ACK
    auto ack = carrierA.expectRequest("ACK");  // us -> A: ACK
    EXPECT_EQ(ack.cseq().number, re.cseq().number);
  }
  // Each leg counts its own CSeq: the callee leg's INVITE was 1, its re-INVITEs 2 and 3.
  EXPECT_TRUE(pbx.idle());
  EXPECT_TRUE(cdrs.cdrs.empty());
  EXPECT_EQ(b2bua.counters().relayedRequests, 2u);
}

TEST_F(B2buaDialogTest, UpdateInfoAndOptionsRelayedBothWays) {
  establish();
  // PBX -> us -> A: INFO (DTMF); the answer comes back.
  pbx.sendInDialog("INFO", "", "Signal=5\r\nDuration=160\r\n", "application/dtmf-relay");
  auto info = carrierA.expectRequest("INFO");
  EXPECT_EQ(info.body(), "Signal=5\r\nDuration=160\r\n");
  EXPECT_EQ(info.header(sip::HeaderId::ContentType)->value, "application/dtmf-relay");
  carrierA.reply(info, 200);
  pbx.expectStatus(200);
  // A -> us -> PBX: UPDATE with a new offer.
  carrierA.sendInDialog("UPDATE", "", kAnswerSdp, "application/sdp");
  auto update = pbx.expectRequest("UPDATE");
  EXPECT_EQ(update.body(), kAnswerSdp);
  EXPECT_EQ(update.callId(), "pbx-call-1@192.0.2.10");
  pbx.reply(update, 200, "", kSdp);
  auto ok = carrierA.expectStatus(200);
  EXPECT_EQ(ok.body(), kSdp);
  // A -> us -> PBX: OPTIONS in the dialog; a 405 comes back as it is.
  carrierA.sendInDialog("OPTIONS");
  auto opt = pbx.expectRequest("OPTIONS");
  pbx.reply(opt, 405);
  carrierA.expectStatus(405);
}

TEST_F(B2buaDialogTest, LowerCSeqIsRefusedWith500) {
  establish();
  pbx.sendInDialog("INFO", "", "Signal=1\r\n", "application/dtmf-relay");
  auto info = carrierA.expectRequest("INFO");
  carrierA.reply(info, 200);
  pbx.expectStatus(200);
  pbx.cseq -= 2;
  pbx.sendInDialog("INFO", "", "Signal=2\r\n", "application/dtmf-relay");
  pbx.expectStatus(500);
  EXPECT_TRUE(carrierA.idle());
}

TEST_F(B2buaDialogTest, PrackRelayedWhenBothSidesUse100rel) {
  route({target(carrierA.address())});
  pbx.sendInvite("+15551234567", "Supported: 100rel\r\n");
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  ASSERT_TRUE(inv.header(sip::HeaderId::Supported));
  EXPECT_EQ(inv.header(sip::HeaderId::Supported)->value, "100rel");
  carrierA.reply(inv, 183, "Require: 100rel\r\nRSeq: 77\r\n", kAnswerSdp);  // reliable 183
  auto p = pbx.expectStatus(183);                                           // relayed reliably
  EXPECT_EQ(p.header(sip::HeaderId::RSeq)->value, "1");                     // our RSeq space
  EXPECT_EQ(p.header(sip::HeaderId::Require)->value, "100rel");
  const auto sent = inbox[pbx.address()].size();
  advance(600ms);  // RFC 3262 §3: retransmitted at T1
  EXPECT_EQ(inbox[pbx.address()].size(), sent + 1);
  EXPECT_EQ(inbox[pbx.address()].back(), std::string(p.raw()));
  pbx.learnAsUac(p);
  pbx.sendInDialog("PRACK", "RAck: 1 1 INVITE\r\n");  // PBX -> us: PRACK
  auto prack = carrierA.expectRequest("PRACK");       // us -> A: PRACK
  EXPECT_EQ(prack.header(sip::HeaderId::RAck)->value,
            fmt::format("77 {} INVITE", inv.cseq().number));
  EXPECT_EQ(prack.to().tag(), "peer-tag");
  carrierA.reply(prack, 200);
  pbx.expectStatus(200);  // 200 (PRACK)
  const auto acked = inbox[pbx.address()].size();
  advance(3s);  // the PRACK stopped the retransmissions
  EXPECT_EQ(inbox[pbx.address()].size(), acked);
  carrierA.reply(inv, 200, "", kAnswerSdp);
  auto ok = pbx.expectStatus(200);
  EXPECT_EQ(ok.cseq().method, sip::Method::Invite);
  pbx.sendAck(ok);
  carrierA.expectRequest("ACK");
}

TEST_F(B2buaDialogTest, ReliableProvisionalIsPrackedByUsWhenTheCallerCannot) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 180, "Require: 100rel\r\nRSeq: 5\r\n");
  auto prack = carrierA.expectRequest("PRACK");  // us -> A: PRACK (ours)
  EXPECT_EQ(prack.header(sip::HeaderId::RAck)->value,
            fmt::format("5 {} INVITE", inv.cseq().number));
  auto ringing = pbx.expectStatus(180);  // plain 180 to the PBX
  EXPECT_FALSE(ringing.header(sip::HeaderId::RSeq));
  EXPECT_FALSE(ringing.header(sip::HeaderId::Require));
  carrierA.reply(inv, 180, "Require: 100rel\r\nRSeq: 5\r\n");  // retransmission: nothing new
  EXPECT_TRUE(pbx.idle());
}

}  // namespace
}  // namespace trunkline::call::test
