#pragma once
// Ladder-test harness for the B2BUA: a real TransactionLayer, parser, SipService and B2bua
// on a ManualClock, a recording transport that files every message we send into the inbox
// of the peer it is addressed to, and Peers (the caller's PBX, carriers) that read their
// inbox and answer as the real thing would. Tests read like ladder diagrams:
//
//   pbx.sendInvite();                      // PBX   -> us    INVITE
//   auto inv = carrierA.expectRequest("INVITE");   // us -> carrier INVITE
//   carrierA.reply(inv, 180);              // carrier -> us  180
//   pbx.expectStatus(180);                 // us    -> PBX   180
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "call/b2bua.h"
#include "call/sip_service.h"
#include "sip/auth/random.h"
#include "sip/message/builder.h"
#include "sip/transaction/layer.h"

namespace trunkline::call::test {

inline constexpr std::int64_t kT0 = 1'700'000'000'000;  // ManualClock's wall start, in ms
inline constexpr char kSdp[] =
    "v=0\r\no=pbx 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n";
inline constexpr char kAnswerSdp[] =
    "v=0\r\no=gw 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 0\r\na=sendrecv\r\n";

class B2buaFixture;

/// A SIP peer at one address: what we sent it (its inbox) and what it sends us.
class Peer {
 public:
  Peer(B2buaFixture& fx, std::string address, std::string user);

  const std::string& address() const { return address_; }
  /// Next message we sent it that is not a retransmission of one already read; fails the
  /// test when there is none.
  sip::SipMessage next();
  /// Like next(), but nullopt when nothing new arrived.
  std::optional<sip::SipMessage> poll();
  sip::SipMessage expectRequest(std::string_view method);
  sip::SipMessage expectStatus(int code);
  /// Nothing new in the inbox.
  bool idle();

  /// Sends raw text to us, from this peer.
  void send(const std::string& text);
  /// Answers `request` (To tag `tag` if it had none; Contact of this peer on 1xx/2xx).
  void reply(const sip::SipMessage& request, int code, const std::string& extra = "",
             const std::string& body = "", const std::string& tag = "peer-tag");

  // ---- as the caller (UAC of the initial INVITE) ---------------------------------------
  void sendInvite(const std::string& ruriUser = "+15551234567", const std::string& extra = "",
                  const std::string& body = kSdp, int maxForwards = 70);
  void sendCancel();
  /// ACK for our 2xx `ok` (and learns the dialog from it).
  void sendAck(const sip::SipMessage& ok, const std::string& body = "");
  const std::string& inviteText() const { return invite_; }

  // ---- in-dialog, either role ----------------------------------------------------------
  /// Learns the dialog as the UAS of `invite` answered with tag "peer-tag".
  void learnAsUas(const sip::SipMessage& invite);
  /// Learns the dialog as UAC from our 2xx to its INVITE.
  void learnAsUac(const sip::SipMessage& ok);
  /// Sends an in-dialog request; returns its text.
  std::string sendInDialog(const std::string& method, const std::string& extra = "",
                           const std::string& body = "", const std::string& contentType = "");
  void sendAckInDialog(std::uint32_t cseq, const std::string& body = "");

  std::string callId;
  std::string localNameAddr;   // our From/To value with tag (as this peer)
  std::string remoteNameAddr;  // the other end's, with tag
  std::string remoteTarget;
  std::uint32_t cseq = 1;

 private:
  B2buaFixture& fx_;
  std::string address_;
  std::string user_;
  std::size_t read_ = 0;
  std::set<std::string> seen_;
  std::string invite_;
  int branch_ = 0;
};

struct FakePolicy : CallPolicy {
  Admission next = Reject{403, "Forbidden", {}};
  std::vector<CallContext> released;
  int admitted = 0;
  int accepted = 0;
  Admission admit(const InviteInfo& info) override {
    ++admitted;
    if (std::holds_alternative<Accept>(next)) ++accepted;
    lastFrom = std::string(info.invite.from().uri.user);
    return next;
  }
  void release(const CallContext& ctx) override { released.push_back(ctx); }
  std::string lastFrom;
};

/// Rates nothing unless `enabled`; then stamps what it saw into the rating, so tests can
/// tell that the CDR was rated once, at the end, before the observers and the sink.
struct FakeRater : CallRater {
  bool enabled = false;
  int calls = 0;
  void rate(storage::Cdr& cdr) override {
    ++calls;
    if (!enabled) return;
    cdr.rating.attempted = true;
    cdr.rating.priceMinor = static_cast<std::int64_t>(cdr.billableS) * 10;
    cdr.rating.priceCurrency = "USD";
  }
};

struct FakeCdrSink : CdrSink {
  std::vector<storage::Cdr> cdrs;
  void submit(storage::Cdr cdr) override { cdrs.push_back(std::move(cdr)); }
};

class B2buaFixture : public ::testing::Test, public sip::TransportSender {
 public:
  /// `deadDialogInterval`: B2buaConfig's (zero: off, so that idle calls stay quiet).
  /// `media`: B2buaConfig's (null: bodies pass unchanged); must outlive the fixture.
  explicit B2buaFixture(base::Duration deadDialogInterval = base::Duration{0},
                        MediaAnchor* media = nullptr);
  ~B2buaFixture() override;

  /// The standard answered call through carrier A: PBX INVITE (SDP) → A; A 180; 2 s later
  /// A 200 (SDP) → PBX; PBX ACK → A. Returns the INVITE carrier A received; both peers
  /// know their dialogs afterwards.
  sip::SipMessage establish();

  /// Every test: release() ran exactly once for each accepted call that has ended.
  void TearDown() override;

  bool send(const sip::Flow& flow, std::string_view bytes) override;
  void deliver(const std::string& text, const std::string& fromAddress);
  /// Advances the clock in steps of at most 100 ms, running due timers.
  void advance(base::Duration d);

  Target target(const std::string& address, base::Duration ring = std::chrono::seconds(30));
  CallContext context();
  /// Accepts the next call towards `targets`.
  void route(std::vector<Target> targets);
  const storage::Cdr& onlyCdr();
  /// Every message sent anywhere, in order (for topology checks).
  std::vector<std::pair<std::string, std::string>> wire;
  std::map<std::string, std::vector<std::string>> inbox;
  std::set<std::string> unreachable;  // sends to these fail

  base::ManualClock clock;
  base::TimerQueue timers{clock};
  sip::SeededRandom random;
  FakePolicy policy;
  FakeCdrSink cdrs;
  FakeRater rater;
  SipService service;
  B2bua b2bua;
  sip::TransactionLayer layer;
  const net::Address us = *net::Address::parse("10.0.0.1:5060");
  Peer pbx{*this, "192.0.2.10:5060", "pbx"};
  Peer carrierA{*this, "198.51.100.7:5060", "gwa"};
  Peer carrierB{*this, "198.51.100.8:5060", "gwb"};
};

/// The status line's code of a response text/message.
inline bool hasHeader(const sip::SipMessage& m, std::string_view name) {
  return m.header(name) != nullptr;
}

}  // namespace trunkline::call::test

namespace trunkline::call::test {

/// Compares every CDR field; the call UUID is random, so only its shape is checked.
inline void expectCdr(const storage::Cdr& a, const storage::Cdr& e) {
  EXPECT_EQ(a.callUuid.size(), 36u) << a.callUuid;
  EXPECT_EQ(a.id, e.id);
  EXPECT_EQ(a.accountId, e.accountId);
  EXPECT_EQ(a.trunkId, e.trunkId);
  EXPECT_EQ(a.numberId, e.numberId);
  EXPECT_EQ(a.direction, e.direction);
  EXPECT_EQ(a.sourceAddress, e.sourceAddress);
  EXPECT_EQ(a.fromRaw, e.fromRaw);
  EXPECT_EQ(a.toRaw, e.toRaw);
  EXPECT_EQ(a.fromE164, e.fromE164);
  EXPECT_EQ(a.toE164, e.toE164);
  EXPECT_EQ(a.startMs, e.startMs);
  EXPECT_EQ(a.ringMs, e.ringMs);
  EXPECT_EQ(a.answerMs, e.answerMs);
  EXPECT_EQ(a.endMs, e.endMs);
  EXPECT_EQ(a.durationMs, e.durationMs);
  EXPECT_EQ(a.billableS, e.billableS);
  EXPECT_EQ(a.disposition, e.disposition);
  EXPECT_EQ(a.finalCode, e.finalCode);
  EXPECT_EQ(a.finalReason, e.finalReason);
  EXPECT_EQ(a.hangupBy, e.hangupBy);
  ASSERT_EQ(a.attempts.size(), e.attempts.size());
  for (std::size_t i = 0; i < a.attempts.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a.attempts[i].carrierId, e.attempts[i].carrierId);
    EXPECT_EQ(a.attempts[i].trunkId, e.attempts[i].trunkId);
    EXPECT_EQ(a.attempts[i].target, e.attempts[i].target);
    EXPECT_EQ(a.attempts[i].sipCode, e.attempts[i].sipCode);
    EXPECT_EQ(a.attempts[i].reason, e.attempts[i].reason);
    EXPECT_EQ(a.attempts[i].startMs, e.attempts[i].startMs);
    EXPECT_EQ(a.attempts[i].endMs, e.attempts[i].endMs);
  }
}

/// The CDR fields every call of the standard fixture shares (outbound, PBX 2001 → +1555...).
inline storage::Cdr baseCdr() {
  storage::Cdr c;
  c.accountId = 11;
  c.trunkId = 22;
  c.direction = storage::Direction::Outbound;
  c.sourceAddress = "udp:192.0.2.10:5060";
  c.fromRaw = "2001";
  c.toRaw = "+15551234567";
  c.fromE164 = "+14155550100";
  c.toE164 = "+15551234567";
  c.startMs = kT0;
  return c;
}

inline storage::CdrAttempt attempt(storage::Id carrier, const std::string& target, int code,
                                   const std::string& reason, std::int64_t start,
                                   std::int64_t end) {
  storage::CdrAttempt a;
  a.carrierId = carrier;
  a.target = target;
  a.sipCode = code;
  a.reason = reason;
  a.startMs = start;
  a.endMs = end;
  return a;
}

/// The header section of a message (bodies carry SDP, which passes through unchanged).
inline std::string_view headerSection(const std::string& text) {
  auto end = text.find("\r\n\r\n");
  return std::string_view(text).substr(0, end);
}

}  // namespace trunkline::call::test
