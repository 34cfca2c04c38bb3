// Server transaction matching: RFC 3261 §17.2.3 (branch + sent-by + method), its RFC 2543
// fallback, and CANCEL (§9.2).
#include "sip/transaction/test/fixture.h"

namespace trunkline::sip::testing {
namespace {

using K = TuEvent::Kind;

class MatchingTest : public TxnTest {};

TEST_F(MatchingTest, CancelFindsItsInviteAndGetsItsOwnTransaction) {
  deliver(requestText(Req{}));
  const auto inv = lastServerTxn();
  Req cancel;
  cancel.method = "CANCEL";  // same branch, sent-by, Call-ID, CSeq number
  deliver(requestText(cancel));
  ASSERT_EQ(tu.count(K::Cancel), 1u);
  const TuEvent ev = tu.last();
  EXPECT_EQ(ev.other, inv.id);
  const ServerTransactionHandle can{ev.txn};
  ASSERT_TRUE(can);
  EXPECT_NE(can, inv);
  EXPECT_EQ(layer->serverState(can), ServerState::Trying);
  EXPECT_EQ(tu.count(K::Request), 1u);

  ASSERT_TRUE(layer->respond(can, answer(can, 200)).has_value());
  ASSERT_TRUE(layer->respond(inv, answer(inv, 487)).has_value());
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sentMessage(0).cseq().method, Method::Cancel);
  EXPECT_EQ(sentMessage(1).statusCode(), 487);
  // A retransmitted CANCEL is answered by its transaction, not the TU.
  deliver(requestText(cancel));
  ASSERT_EQ(sender.sent.size(), 3u);
  EXPECT_EQ(sender.sent[2].bytes, sender.sent[0].bytes);
  EXPECT_EQ(tu.count(K::Cancel), 1u);
  EXPECT_EQ(layer->counters().unmatchedCancels, 0u);
}

TEST_F(MatchingTest, TuAnswersCancelAndInviteFromInsideOnCancelOverTcp) {
  // The usual UAS reaction, all inside the callback; on TCP the CANCEL's transaction ends
  // at once (timer J = 0) while the layer is still inside its own frame.
  struct CancelTu : TransactionUser {
    TransactionLayer* layer = nullptr;
    int cancels = 0;
    void onRequest(ServerTransactionHandle, const SipMessage&, const Flow&) override {}
    void onCancel(ServerTransactionHandle c, ServerTransactionHandle i, const SipMessage& cancel,
                  const Flow&) override {
      ++cancels;
      EXPECT_TRUE(layer->respond(c, makeResponse(cancel, 200, {}, "t")).has_value());
      EXPECT_FALSE(layer->serverState(c).has_value());
      EXPECT_EQ(cancel.method(), Method::Cancel);  // still readable after its end
      const SipMessage* invite = layer->request(i);
      ASSERT_NE(invite, nullptr);
      EXPECT_TRUE(layer->respond(i, makeResponse(*invite, 487, {}, "t")).has_value());
    }
    void onAck(const SipMessage&, const Flow&, ServerTransactionHandle) override {}
    void onResponse(ClientTransactionHandle, const SipMessage&) override {}
    void onStrayResponse(const SipMessage&, const Flow&) override {}
    void onClientTimeout(ClientTransactionHandle) override {}
    void onClientTransportError(ClientTransactionHandle) override {}
  };
  CancelTu cancelTu;
  TransactionLayer reacting(timers, TimerConfig{}, sender, cancelTu);
  cancelTu.layer = &reacting;
  reacting.onMessage(parseOrDie(requestText(Req{})), tcpFlow());
  Req cancel;
  cancel.method = "CANCEL";
  reacting.onMessage(parseOrDie(requestText(cancel)), tcpFlow());
  EXPECT_EQ(cancelTu.cancels, 1);
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sentCode(0), 200);
  EXPECT_EQ(sentCode(1), 487);
  EXPECT_EQ(reacting.size(), 1u);  // the INVITE waits for its ACK (timer H)
  EXPECT_EQ(reacting.counters().serverTerminated, 1u);
}

TEST_F(MatchingTest, CancelForUnknownTransactionIsReportedSoTuCanSend481) {
  Req cancel;
  cancel.method = "CANCEL";
  cancel.branch = "z9hG4bKnothing";
  deliver(requestText(cancel));
  ASSERT_EQ(tu.count(K::Cancel), 1u);
  EXPECT_EQ(tu.last().other, 0u);
  EXPECT_EQ(layer->counters().unmatchedCancels, 1u);
  const ServerTransactionHandle can{tu.last().txn};
  ASSERT_TRUE(layer->respond(can, answer(can, 481)).has_value());
  EXPECT_EQ(sentCode(0), 481);
}

TEST_F(MatchingTest, CancelDoesNotMatchAnInviteFromAnotherSentBy) {
  deliver(requestText(Req{}));
  Req cancel;
  cancel.method = "CANCEL";
  cancel.sentBy = "10.0.0.3:5060";
  deliver(requestText(cancel));
  EXPECT_EQ(tu.last().kind, K::Cancel);
  EXPECT_EQ(tu.last().other, 0u);
}

TEST_F(MatchingTest, SentByAndMethodArePartOfTheKey) {
  deliver(requestText(Req{}));
  Req other = Req{};
  other.sentBy = "10.0.0.9:5060";  // same branch, other sender: a different transaction
  deliver(requestText(other));
  Req info = Req{};
  info.method = "INFO";  // same branch, other method
  deliver(requestText(info));
  EXPECT_EQ(tu.count(K::Request), 3u);
  EXPECT_EQ(layer->size(), 3u);
  // Host part of sent-by compares case-insensitively.
  Req upper = Req{};
  upper.sentBy = "PBX.Example.com:5060";
  deliver(requestText(upper));
  Req lower = Req{};
  lower.sentBy = "pbx.example.com:5060";
  deliver(requestText(lower));
  EXPECT_EQ(tu.count(K::Request), 4u);
}

TEST_F(MatchingTest, BranchComparisonIsExact) {
  deliver(requestText(Req{}));
  Req r = Req{};
  r.branch = "z9hG4bKINV1";
  deliver(requestText(r));
  EXPECT_EQ(tu.count(K::Request), 2u);
}

// RFC 2543 peers: no magic cookie, so §17.2.3's second procedure applies.
class Rfc2543MatchingTest : public TxnTest {
 protected:
  Req invite() {
    Req r;
    r.branch = "";  // an RFC 2543 stack may send no branch at all
    return r;
  }
};

TEST_F(Rfc2543MatchingTest, RetransmissionIsRecognisedWithoutBranch) {
  deliver(requestText(invite()));
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 180)).has_value());
  deliver(requestText(invite()));
  EXPECT_EQ(tu.count(K::Request), 1u);
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sender.sent[1].bytes, sender.sent[0].bytes);
}

TEST_F(Rfc2543MatchingTest, OldStyleBranchWithoutCookieAlsoUsesFallback) {
  Req r = invite();
  r.branch = "1";
  deliver(requestText(r));
  deliver(requestText(r));
  EXPECT_EQ(tu.count(K::Request), 1u);
  r.cseq = 2;  // a new request
  deliver(requestText(r));
  EXPECT_EQ(tu.count(K::Request), 2u);
}

TEST_F(Rfc2543MatchingTest, EachDialogFieldDistinguishesTransactions) {
  deliver(requestText(invite()));
  Req r = invite();
  r.fromTag = "other";
  deliver(requestText(r));
  r = invite();
  r.callId = "other@10.0.0.2";
  deliver(requestText(r));
  r = invite();
  r.ruri = "sip:carol@example.com";
  deliver(requestText(r));
  r = invite();
  r.sentBy = "10.0.0.2:5070";
  deliver(requestText(r));
  r = invite();
  r.toTag = "x";  // a re-INVITE-like request with a To tag differs from the initial one
  deliver(requestText(r));
  EXPECT_EQ(tu.count(K::Request), 6u);
}

TEST_F(Rfc2543MatchingTest, AckMatchesByToTagOfOurResponse) {
  deliver(requestText(invite()));
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 486, "srvtag")).has_value());
  Req ack = invite();
  ack.method = "ACK";
  ack.toTag = "wrong";
  deliver(requestText(ack));
  EXPECT_EQ(tu.count(K::Ack), 1u);  // not ours: stray, to the TU
  EXPECT_EQ(layer->serverState(h), ServerState::Completed);
  ack.toTag = "srvtag";
  deliver(requestText(ack));
  EXPECT_EQ(tu.count(K::Ack), 1u);
  EXPECT_EQ(layer->serverState(h), ServerState::Confirmed);
}

TEST_F(Rfc2543MatchingTest, AckFor2xxMatchesTheAcceptedInviteAndGoesUp) {
  deliver(requestText(invite()));
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 200, "ok9")).has_value());
  EXPECT_EQ(layer->serverState(h), ServerState::Accepted);
  Req ack = invite();
  ack.method = "ACK";
  ack.toTag = "ok9";
  deliver(requestText(ack));
  ASSERT_EQ(tu.count(K::Ack), 1u);
  EXPECT_EQ(tu.last().txn, h.id);  // RFC 6026: passed up, with the transaction
  EXPECT_EQ(layer->counters().strayAcks, 0u);
}

TEST_F(Rfc2543MatchingTest, CancelMatchesIgnoringToTag) {
  deliver(requestText(invite()));
  const auto inv = lastServerTxn();
  Req cancel = invite();
  cancel.method = "CANCEL";
  deliver(requestText(cancel));
  ASSERT_EQ(tu.count(K::Cancel), 1u);
  EXPECT_EQ(tu.last().other, inv.id);
  // Its retransmission matches the CANCEL's own transaction, not the INVITE's.
  const ServerTransactionHandle can{tu.last().txn};
  ASSERT_TRUE(layer->respond(can, answer(can, 200)).has_value());
  deliver(requestText(cancel));
  EXPECT_EQ(tu.count(K::Cancel), 1u);
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sentMessage(1).cseq().method, Method::Cancel);
  EXPECT_EQ(layer->serverState(inv), ServerState::Proceeding);
}

}  // namespace
}  // namespace trunkline::sip::testing
