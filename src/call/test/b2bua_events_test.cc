// Call lifecycle events (events.h) and the operator hang-up entry point: the order of
// Started / Ringing / Answered / Ended, what the CDR holds at each, and that Ended comes
// with the final record just before it reaches the CDR sink.
#include "call/test/b2bua_fixture.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;
using storage::Disposition;
using storage::HangupBy;
using Type = CallEvent::Type;

// Copies what each event carried (the CDR pointer is valid during the call only).
struct Recorder : CallObserver {
  struct Seen {
    Type type;
    std::uint64_t callId;
    storage::Cdr cdr;
    std::size_t cdrsSubmitted;  // records the sink had when the event came
  };
  explicit Recorder(const FakeCdrSink& sink) : sink_(sink) {}
  void onCallEvent(const CallEvent& e) override {
    ASSERT_NE(e.cdr, nullptr);
    seen.push_back({e.type, e.callId, *e.cdr, sink_.cdrs.size()});
  }
  std::vector<Type> types() const {
    std::vector<Type> t;
    for (const auto& s : seen) t.push_back(s.type);
    return t;
  }
  std::vector<Seen> seen;

 private:
  const FakeCdrSink& sink_;
};

class B2buaEventsTest : public B2buaFixture {
 protected:
  B2buaEventsTest() { b2bua.addObserver(&recorder); }
  Recorder recorder{cdrs};
};

TEST_F(B2buaEventsTest, AnsweredCallReportsEveryStepInOrder) {
  establish();
  advance(5s);
  pbx.sendInDialog("BYE");
  pbx.expectStatus(200);
  carrierA.reply(carrierA.expectRequest("BYE"), 200);

  ASSERT_EQ(recorder.types(),
            (std::vector<Type>{Type::Started, Type::Ringing, Type::Answered, Type::Ended}));
  const auto& started = recorder.seen[0];
  EXPECT_EQ(started.cdr.accountId, 11);
  EXPECT_EQ(started.cdr.trunkId, 22);
  EXPECT_EQ(started.cdr.toE164, "+15551234567");
  EXPECT_EQ(started.cdr.startMs, kT0);
  EXPECT_EQ(started.cdr.callUuid.size(), 36u);
  EXPECT_EQ(recorder.seen[1].cdr.ringMs, kT0);
  EXPECT_EQ(recorder.seen[2].cdr.answerMs, kT0 + 2000);
  ASSERT_EQ(recorder.seen[2].cdr.attempts.size(), 1u);  // the answering attempt is last
  EXPECT_EQ(recorder.seen[2].cdr.attempts.back().carrierId, 7);
  const auto& ended = recorder.seen[3];
  EXPECT_EQ(ended.cdr.disposition, Disposition::Answered);
  EXPECT_EQ(ended.cdr.hangupBy, HangupBy::Caller);
  EXPECT_EQ(ended.cdr.endMs, kT0 + 7000);
  EXPECT_EQ(ended.cdr.durationMs, 5000);
  EXPECT_EQ(ended.cdrsSubmitted, 0u);  // before the sink got it
  ASSERT_EQ(cdrs.cdrs.size(), 1u);
  EXPECT_EQ(cdrs.cdrs[0], ended.cdr);  // what observers saw is what was written
  for (const auto& s : recorder.seen) {
    EXPECT_EQ(s.callId, started.callId);
    EXPECT_EQ(s.cdr.callUuid, started.cdr.callUuid);
  }
}

TEST_F(B2buaEventsTest, RejectedCallEndsWithoutStarting) {
  policy.next = Reject{403, "Forbidden", {}};
  pbx.sendInvite();
  pbx.expectStatus(100);
  pbx.expectStatus(403);
  ASSERT_EQ(recorder.types(), (std::vector<Type>{Type::Ended}));
  EXPECT_EQ(recorder.seen[0].cdr.disposition, Disposition::Rejected);
  EXPECT_EQ(recorder.seen[0].cdr.finalCode, 403);
}

TEST_F(B2buaEventsTest, DigestChallengeIsNoEvent) {
  policy.next = Reject{407, "Proxy Authentication Required", {}, /*recordCdr=*/false};
  pbx.sendInvite();
  pbx.expectStatus(100);
  pbx.expectStatus(407);
  EXPECT_TRUE(recorder.seen.empty());
}

TEST_F(B2buaEventsTest, FailedCallStartsAndEndsWithTheCalleeCode) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 486);
  carrierA.expectRequest("ACK");
  pbx.expectStatus(486);
  ASSERT_EQ(recorder.types(), (std::vector<Type>{Type::Started, Type::Ended}));
  EXPECT_EQ(recorder.seen[1].cdr.disposition, Disposition::Busy);
  EXPECT_EQ(recorder.seen[1].cdr.finalCode, 486);
}

TEST_F(B2buaEventsTest, OperatorHangupOfAnEstablishedCallByesBothLegs) {
  establish();
  const std::uint64_t id = recorder.seen.front().callId;
  advance(3s);
  ASSERT_TRUE(b2bua.hangup(id, "hung up via API"));
  auto bye = carrierA.expectRequest("BYE");  // us -> A: BYE
  auto pbxBye = pbx.expectRequest("BYE");    // us -> PBX: BYE
  carrierA.reply(bye, 200);
  pbx.reply(pbxBye, 200);
  EXPECT_EQ(b2bua.liveCalls(), 0u);
  const auto& cdr = onlyCdr();
  EXPECT_EQ(cdr.disposition, Disposition::Answered);
  EXPECT_EQ(cdr.hangupBy, HangupBy::System);
  EXPECT_EQ(cdr.finalCode, 200);
  EXPECT_EQ(cdr.finalReason, "hung up via API");
  EXPECT_EQ(cdr.durationMs, 3000);
  EXPECT_EQ(recorder.types().back(), Type::Ended);
  EXPECT_FALSE(b2bua.hangup(id, "again"));  // gone: nothing to hang up
}

TEST_F(B2buaEventsTest, OperatorHangupBeforeAnswerCancelsAndAnswers487) {
  route({target(carrierA.address())});
  pbx.sendInvite();
  pbx.expectStatus(100);
  auto inv = carrierA.expectRequest("INVITE");
  carrierA.reply(inv, 180);
  pbx.expectStatus(180);
  advance(1s);
  ASSERT_TRUE(b2bua.hangup(recorder.seen.front().callId, "hung up via API"));
  pbx.expectStatus(487);                           // us -> PBX: 487
  auto cancel = carrierA.expectRequest("CANCEL");  // us -> A: CANCEL
  carrierA.reply(cancel, 200);
  carrierA.reply(inv, 487);
  carrierA.expectRequest("ACK");
  const auto& cdr = onlyCdr();
  EXPECT_EQ(cdr.disposition, Disposition::Cancelled);
  EXPECT_EQ(cdr.hangupBy, HangupBy::System);
  EXPECT_EQ(cdr.finalCode, 487);
  EXPECT_EQ(cdr.finalReason, "hung up via API");
  ASSERT_EQ(cdr.attempts.size(), 1u);
  EXPECT_EQ(cdr.attempts[0].sipCode, 487);
  EXPECT_EQ(b2bua.liveCalls(), 0u);
}

TEST_F(B2buaEventsTest, HangupOfAnUnknownCallIsRefused) {
  EXPECT_FALSE(b2bua.hangup(12345, "x"));
  EXPECT_TRUE(recorder.seen.empty());
}

}  // namespace
}  // namespace trunkline::call::test
