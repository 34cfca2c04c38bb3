#include "billing/cdr.h"

#include <gtest/gtest.h>

namespace trunkline::billing {
namespace {

using storage::Disposition;

struct Row {
  int code;
  EndCause cause;
  Disposition expected;
};

TEST(Disposition, MappingTable) {
  const Row rows[] = {
      {200, EndCause::Response, Disposition::Answered},
      {202, EndCause::Response, Disposition::Answered},
      {486, EndCause::Response, Disposition::Busy},
      {600, EndCause::Response, Disposition::Busy},
      {408, EndCause::Response, Disposition::NoAnswer},
      {480, EndCause::Response, Disposition::NoAnswer},
      {487, EndCause::RingTimeout, Disposition::NoAnswer},
      {408, EndCause::RingTimeout, Disposition::NoAnswer},
      {0, EndCause::RingTimeout, Disposition::NoAnswer},
      {487, EndCause::CallerCancel, Disposition::Cancelled},
      {0, EndCause::CallerCancel, Disposition::Cancelled},
      {403, EndCause::PolicyRejected, Disposition::Rejected},
      {503, EndCause::PolicyRejected, Disposition::Rejected},
      {404, EndCause::PolicyRejected, Disposition::Rejected},
      {487, EndCause::Response, Disposition::Failed},  // a 487 we did not cause
      {404, EndCause::Response, Disposition::Failed},
      {503, EndCause::Response, Disposition::Failed},
      {603, EndCause::Response, Disposition::Failed},
      {0, EndCause::TransportError, Disposition::Failed},
      {503, EndCause::TransportError, Disposition::Failed},
      {0, EndCause::Response, Disposition::Failed},
      {180, EndCause::Response, Disposition::Failed},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(dispositionFor(r.code, r.cause), r.expected)
        << "code " << r.code << " cause " << static_cast<int>(r.cause);
  }
}

TEST(Billable, RoundsUpToWholeSeconds) {
  EXPECT_EQ(billableSeconds(0), 0u);
  EXPECT_EQ(billableSeconds(-5), 0u);
  EXPECT_EQ(billableSeconds(1), 1u);
  EXPECT_EQ(billableSeconds(999), 1u);
  EXPECT_EQ(billableSeconds(1000), 1u);
  EXPECT_EQ(billableSeconds(1001), 2u);
  EXPECT_EQ(billableSeconds(59'999), 60u);
  EXPECT_EQ(billableSeconds(3'600'000), 3600u);
  EXPECT_EQ(billableSeconds(INT64_MAX), UINT32_MAX);
}

TEST(FinishCdr, AnsweredCallGetsDurationAndBillable) {
  storage::Cdr c;
  c.startMs = 1'000'000;
  c.ringMs = 1'000'500;
  c.answerMs = 1'003'000;
  c.endMs = 1'064'001;
  finishCdr(c, 200, "OK", EndCause::Response);
  EXPECT_EQ(c.durationMs, 61'001);
  EXPECT_EQ(c.billableS, 62u);
  EXPECT_EQ(c.disposition, Disposition::Answered);
  EXPECT_EQ(c.finalCode, 200);
  EXPECT_EQ(c.finalReason, "OK");
}

TEST(FinishCdr, UnansweredCallHasNoDuration) {
  storage::Cdr c;
  c.startMs = 1000;
  c.ringMs = 2000;
  c.endMs = 32'000;
  finishCdr(c, 487, "Request Terminated", EndCause::CallerCancel);
  EXPECT_EQ(c.durationMs, 0);
  EXPECT_EQ(c.billableS, 0u);
  EXPECT_EQ(c.disposition, Disposition::Cancelled);
}

TEST(FinishCdr, EndBeforeAnswerIsNotNegative) {
  storage::Cdr c;
  c.answerMs = 5000;
  c.endMs = 4000;  // clock step between the two: never bill negative time
  finishCdr(c, 200, "OK", EndCause::Response);
  EXPECT_EQ(c.durationMs, 0);
  EXPECT_EQ(c.billableS, 0u);
}

}  // namespace
}  // namespace trunkline::billing
