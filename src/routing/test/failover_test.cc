// Failover codes and the final response after every attempt failed.
#include "routing/failover.h"

#include <gtest/gtest.h>

#include <vector>

namespace trunkline::routing {
namespace {

TEST(Failover, DefaultSet) {
  storage::Route r;
  for (int code : {0, 408, 500, 502, 503, 504}) EXPECT_TRUE(shouldFailover(code, r)) << code;
  for (int code : {180, 200, 302, 403, 404, 480, 486, 487, 488, 501, 600, 603, 604}) {
    EXPECT_FALSE(shouldFailover(code, r)) << code;
  }
}

TEST(Failover, ConfiguredSetReplacesDefault) {
  storage::Route r;
  r.failoverCodes = {404, 503};
  EXPECT_TRUE(shouldFailover(404, r));
  EXPECT_TRUE(shouldFailover(503, r));
  EXPECT_TRUE(shouldFailover(0, r));  // no response always moves on
  EXPECT_FALSE(shouldFailover(500, r));
  EXPECT_FALSE(shouldFailover(486, r));
  EXPECT_FALSE(shouldFailover(200, r));
}

TEST(BestFinalResponse, Rules) {
  using V = std::vector<int>;
  EXPECT_EQ(bestFinalResponse(V{}), 503);
  EXPECT_EQ(bestFinalResponse(V{0, 0}), 503);  // transport failures only
  EXPECT_EQ(bestFinalResponse(V{503, 0, 503}), 503);
  EXPECT_EQ(bestFinalResponse(V{500, 486, 603}), 603);  // 6xx wins
  EXPECT_EQ(bestFinalResponse(V{503, 404, 486}), 404);  // first meaningful 4xx
  EXPECT_EQ(bestFinalResponse(V{408, 500, 503}), 500);  // 5xx other than 503 over 408
  EXPECT_EQ(bestFinalResponse(V{0, 408, 503}), 408);    // a timeout beats nothing
  EXPECT_EQ(bestFinalResponse(V{407, 401, 0}), 503);    // carriers' auth is ours
  EXPECT_EQ(bestFinalResponse(V{302, 0}), 503);         // redirects not forwarded
  EXPECT_EQ(bestFinalResponse(V{407, 484}), 484);
  EXPECT_EQ(bestFinalResponse(V{183, 502}), 502);  // provisional ignored
}

}  // namespace
}  // namespace trunkline::routing
