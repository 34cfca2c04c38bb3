// Non-INVITE client transaction (RFC 3261 §17.1.2): timers E, F, K.
#include "sip/transaction/test/fixture.h"

namespace trunkline::sip::testing {
namespace {

using K = TuEvent::Kind;

class ClientNonInviteTest : public TxnTest {
 protected:
  std::string options() {
    Req r;
    r.method = "OPTIONS";
    r.branch = "z9hG4bKopt1";
    r.sentBy = "192.0.2.1:5060";
    return requestText(r);
  }
  std::string rsp(int code) {
    Rsp r;
    r.code = code;
    r.branch = "z9hG4bKopt1";
    r.cseqMethod = "OPTIONS";
    return responseText(r);
  }
  std::vector<base::Duration> sendTimes() const {
    std::vector<base::Duration> out;
    for (std::size_t i = 0; i < sender.sent.size(); ++i) out.push_back(sentAt(i));
    return out;
  }
};

TEST_F(ClientNonInviteTest, TimerEDoublesUpToT2ThenTimerFTimesOut) {
  const auto h = send(options());
  EXPECT_EQ(layer->clientState(h), ClientState::Trying);
  runFor(32s - 1ns);
  // Intervals 0.5, 1, 2, 4, then capped at T2 = 4 s.
  const std::vector<base::Duration> expected = {0ms,     500ms,   1500ms,  3500ms,  7500ms, 11500ms,
                                                15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  EXPECT_EQ(sendTimes(), expected);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(1ns);  // timer F = 64*T1
  ASSERT_EQ(tu.count(K::ClientTimeout), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_EQ(layer->counters().requestRetransmitsSent, 10u);
  runFor(60s);
  EXPECT_EQ(sender.sent.size(), 11u);
}

TEST_F(ClientNonInviteTest, T2IsConfigurable) {
  TimerConfig cfg;
  cfg.t2 = 1s;
  makeLayer(cfg);
  send(options());
  runFor(5s);
  const std::vector<base::Duration> expected = {0ms, 500ms, 1500ms, 2500ms, 3500ms, 4500ms};
  EXPECT_EQ(sendTimes(), expected);
}

TEST_F(ClientNonInviteTest, ProceedingRetransmitsEveryT2) {
  const auto h = send(options());
  runFor(700ms);  // sent at 0 and 0.5; next E due at 1.5
  deliver(rsp(100));
  EXPECT_EQ(layer->clientState(h), ClientState::Proceeding);
  ASSERT_EQ(tu.count(K::Response), 1u);
  deliver(rsp(180));
  EXPECT_EQ(tu.count(K::Response), 2u);  // every provisional goes up
  runFor(10s - 700ms);
  // 1.5 (already armed), then T2: 5.5, 9.5.
  const std::vector<base::Duration> expected = {0ms, 500ms, 1500ms, 5500ms, 9500ms};
  EXPECT_EQ(sendTimes(), expected);
  // Timer F still runs in Proceeding.
  runFor(22s - 1ns);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(1ns);
  EXPECT_EQ(tu.count(K::ClientTimeout), 1u);
}

TEST_F(ClientNonInviteTest, NoTimerEOnTcpButTimerF) {
  send(options(), tcpFlow());
  runFor(32s - 1ns);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(1ns);
  EXPECT_EQ(tu.count(K::ClientTimeout), 1u);
}

TEST_F(ClientNonInviteTest, FinalGoesUpOnceThenTimerKAbsorbsRetransmissions) {
  const auto h = send(options());
  runFor(600ms);
  deliver(rsp(200));
  EXPECT_EQ(layer->clientState(h), ClientState::Completed);
  deliver(rsp(200));
  deliver(rsp(200));
  deliver(rsp(180));
  EXPECT_EQ(tu.count(K::Response), 1u);
  EXPECT_EQ(layer->counters().responseRetransmitsAbsorbed, 3u);
  runFor(5s - 1ns);  // timer K = T4
  EXPECT_EQ(layer->clientState(h), ClientState::Completed);
  EXPECT_EQ(sender.sent.size(), 2u);  // no retransmission after the final
  runFor(1ns);
  EXPECT_FALSE(layer->clientState(h).has_value());
  deliver(rsp(200));
  EXPECT_EQ(tu.count(K::Stray), 1u);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
}

TEST_F(ClientNonInviteTest, TimerKFollowsT4) {
  TimerConfig cfg;
  cfg.t4 = 2s;
  makeLayer(cfg);
  const auto h = send(options());
  deliver(rsp(404));
  runFor(2s - 1ns);
  EXPECT_TRUE(layer->clientState(h).has_value());
  runFor(1ns);
  EXPECT_FALSE(layer->clientState(h).has_value());
}

TEST_F(ClientNonInviteTest, TimerKIsZeroOnTcp) {
  const auto h = send(options(), tcpFlow());
  deliver(rsp(200), tcpFlow());
  EXPECT_EQ(tu.count(K::Response), 1u);
  EXPECT_FALSE(layer->clientState(h).has_value());
  deliver(rsp(200), tcpFlow());
  EXPECT_EQ(tu.count(K::Stray), 1u);
}

TEST_F(ClientNonInviteTest, TransportErrorOnTimerEInformsTu) {
  const auto h = send(options());
  runFor(500ms);
  ASSERT_EQ(sender.sent.size(), 2u);
  sender.fail = true;
  runFor(1s);
  ASSERT_EQ(tu.count(K::ClientTransportError), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->clientState(h).has_value());
  runFor(60s);
  EXPECT_EQ(tu.events.size(), 1u);
}

}  // namespace
}  // namespace trunkline::sip::testing
