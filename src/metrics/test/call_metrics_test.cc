// CallMetrics from lifecycle events: counts by trunk, disposition and code; talk time;
// per-carrier attempts; PDD histograms.
#include <gtest/gtest.h>

#include "metrics/call_metrics.h"

namespace trunkline::metrics {
namespace {

using Type = call::CallEvent::Type;

storage::Cdr answeredCdr() {
  storage::Cdr c;
  c.callUuid = "u1";
  c.trunkId = 22;
  c.direction = storage::Direction::Outbound;
  c.startMs = 1000;
  c.ringMs = 1800;
  c.answerMs = 5000;
  c.endMs = 65000;
  c.durationMs = 60000;
  c.disposition = storage::Disposition::Answered;
  c.finalCode = 200;
  storage::CdrAttempt failed;
  failed.carrierId = 7;
  failed.sipCode = 503;
  failed.startMs = 1000;
  failed.endMs = 1200;
  storage::CdrAttempt ok;
  ok.carrierId = 8;
  ok.sipCode = 200;
  ok.startMs = 1300;
  ok.endMs = 5000;
  c.attempts = {failed, ok};
  return c;
}

void send(CallMetrics& m, Type t, const storage::Cdr& c) {
  m.onCallEvent(call::CallEvent{t, 0, 1, &c});
}

bool has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(CallMetrics, AnsweredCallCountsEverywhereOnce) {
  Registry r;
  CallMetrics m(r);
  auto c = answeredCdr();
  send(m, Type::Started, c);
  send(m, Type::Ringing, c);
  send(m, Type::Answered, c);
  send(m, Type::Ended, c);
  const std::string t = r.render();
  EXPECT_TRUE(has(t, R"(trunkline_calls_started_total{direction="outbound",trunk="22"} 1)")) << t;
  EXPECT_TRUE(has(
      t,
      R"(trunkline_calls_total{direction="outbound",trunk="22",disposition="answered",code="200"} 1)"));
  EXPECT_TRUE(
      has(t, R"(trunkline_call_answered_seconds_total{direction="outbound",trunk="22"} 60)"));
  EXPECT_TRUE(has(t, R"(trunkline_carrier_attempts_total{carrier="7",code="503"} 1)"));
  EXPECT_TRUE(has(t, R"(trunkline_carrier_attempts_total{carrier="8",code="200"} 1)"));
  EXPECT_TRUE(has(t, R"(trunkline_carrier_answered_seconds_total{carrier="8"} 60)"));
  EXPECT_EQ(t.find(R"(trunkline_carrier_answered_seconds_total{carrier="7"})"), std::string::npos);
  // PDD: 800 ms for the caller; the answering carrier rang 500 ms after its INVITE.
  EXPECT_TRUE(has(t, R"(trunkline_call_pdd_seconds_sum{direction="outbound",trunk="22"} 0.8)"));
  EXPECT_TRUE(
      has(t, R"(trunkline_call_pdd_seconds_bucket{direction="outbound",trunk="22",le="0.5"} 0)"));
  EXPECT_TRUE(
      has(t, R"(trunkline_call_pdd_seconds_bucket{direction="outbound",trunk="22",le="1"} 1)"));
  EXPECT_TRUE(has(t, R"(trunkline_carrier_pdd_seconds_sum{carrier="8"} 0.5)"));
  EXPECT_EQ(t.find(R"(trunkline_carrier_pdd_seconds_sum{carrier="7"})"), std::string::npos);
}

TEST(CallMetrics, RejectedAndBusyCallsByCode) {
  Registry r;
  CallMetrics m(r);
  storage::Cdr rejected;
  rejected.disposition = storage::Disposition::Rejected;
  rejected.finalCode = 403;
  send(m, Type::Ended, rejected);
  send(m, Type::Ended, rejected);
  storage::Cdr busy = answeredCdr();
  busy.answerMs = 0;
  busy.ringMs = 0;
  busy.durationMs = 0;
  busy.disposition = storage::Disposition::Busy;
  busy.finalCode = 486;
  busy.attempts.resize(1);
  busy.attempts[0].sipCode = 486;
  send(m, Type::Ended, busy);
  const std::string t = r.render();
  EXPECT_TRUE(has(
      t,
      R"(trunkline_calls_total{direction="outbound",trunk="0",disposition="rejected",code="403"} 2)"))
      << t;
  EXPECT_TRUE(has(
      t,
      R"(trunkline_calls_total{direction="outbound",trunk="22",disposition="busy",code="486"} 1)"));
  EXPECT_TRUE(has(t, R"(trunkline_carrier_attempts_total{carrier="7",code="486"} 1)"));
  // No ring, no answer: no PDD, no talk time.
  EXPECT_EQ(t.find("trunkline_call_pdd_seconds_count"), std::string::npos);
  EXPECT_EQ(t.find("trunkline_call_answered_seconds_total{"), std::string::npos);
}

}  // namespace
}  // namespace trunkline::metrics
