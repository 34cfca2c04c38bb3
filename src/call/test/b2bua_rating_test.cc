// CDR rating hook (rater.h): every written CDR is rated exactly once, after it is final
// (billable time known) and before it reaches the sink (and the observers: call.cc).
#include "call/test/b2bua_fixture.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;

class B2buaRatingTest : public B2buaFixture {
 protected:
  B2buaRatingTest() { rater.enabled = true; }
};

TEST_F(B2buaRatingTest, AnsweredCallIsRatedWithItsFinalBillableTime) {
  establish();
  advance(61500ms);
  pbx.sendInDialog("BYE");
  pbx.expectStatus(200);
  auto bye = carrierA.expectRequest("BYE");
  carrierA.reply(bye, 200);
  const auto& cdr = onlyCdr();
  EXPECT_EQ(rater.calls, 1);
  EXPECT_EQ(cdr.billableS, 62u);  // 61.5 s rounded up
  EXPECT_TRUE(cdr.rating.attempted);
  EXPECT_EQ(cdr.rating.priceMinor, 620);  // the fake rater saw the final billable time
}

TEST_F(B2buaRatingTest, RejectedCallIsRatedAtZero) {
  policy.next = Reject{403, "Trunk disabled", {}};
  pbx.sendInvite();
  pbx.expectStatus(100);
  pbx.expectStatus(403);
  const auto& cdr = onlyCdr();
  EXPECT_EQ(rater.calls, 1);
  EXPECT_TRUE(cdr.rating.attempted);
  EXPECT_EQ(cdr.rating.priceMinor, 0);
}

TEST_F(B2buaRatingTest, NoCdrNoRating) {
  policy.next = Reject{407, "Proxy Authentication Required",
                       "Proxy-Authenticate: Digest realm=\"trunkline\", nonce=\"n1\"\r\n",
                       /*recordCdr=*/false};
  pbx.sendInvite();
  pbx.expectStatus(100);
  pbx.expectStatus(407);
  EXPECT_EQ(rater.calls, 0);
  EXPECT_TRUE(cdrs.cdrs.empty());
}

}  // namespace
}  // namespace trunkline::call::test
