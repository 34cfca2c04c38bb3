// Route matching and target ordering.
#include "routing/selector.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace trunkline::routing {
namespace {

storage::Gateway gw(storage::Id id, std::uint32_t priority = 1, std::uint32_t weight = 1) {
  storage::Gateway g;
  g.id = id;
  g.host = "gw" + std::to_string(id) + ".example";
  g.priority = priority;
  g.weight = weight;
  return g;
}

storage::Carrier carrier(storage::Id id, std::vector<storage::Gateway> gateways,
                         bool enabled = true) {
  storage::Carrier c;
  c.id = id;
  c.name = "carrier" + std::to_string(id);
  c.enabled = enabled;
  c.gateways = std::move(gateways);
  return c;
}

storage::Route route(storage::Id id, std::string prefix, std::vector<storage::RouteTarget> t) {
  storage::Route r;
  r.id = id;
  r.prefix = std::move(prefix);
  r.targets = std::move(t);
  return r;
}

class FakeStatus final : public GatewayStatus {
 public:
  bool isUp(storage::Id id) const override { return !down.contains(id); }
  std::set<storage::Id> down;
};

std::vector<storage::Id> carriersOf(const Selection& s) {
  std::vector<storage::Id> out;
  for (const Attempt& a : s.attempts) {
    if (out.empty() || out.back() != a.carrierId) out.push_back(a.carrierId);
  }
  return out;
}

TEST(RouteTableTest, LongestPrefixAndDefault) {
  std::vector<storage::Carrier> carriers{carrier(1, {gw(11)}), carrier(2, {gw(21)}),
                                         carrier(3, {gw(31)})};
  auto t = RouteTable::build(
      {route(10, "", {{1, 1, 1}}), route(20, "44", {{2, 1, 1}}), route(30, "447", {{3, 1, 1}})},
      carriers);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->match("+447700900123")->id, 30);
  EXPECT_EQ(t->match("+442079460000")->id, 20);
  EXPECT_EQ(t->match("442079460000")->id, 20);
  EXPECT_EQ(t->match("+14155550100")->id, 10);
  EXPECT_EQ(t->match("+44")->id, 20);
  EXPECT_EQ(t->match("+4")->id, 10);

  auto noDefault = RouteTable::build({route(20, "44", {{2, 1, 1}})}, carriers);
  ASSERT_TRUE(noDefault);
  EXPECT_EQ(noDefault->match("+14155550100"), nullptr);
  SplitMix64 rnd(1);
  Selection s = noDefault->select("+14155550100", rnd);
  EXPECT_EQ(s.route, nullptr);
  EXPECT_TRUE(s.attempts.empty());
}

TEST(RouteTableTest, BuildRejectsBadInput) {
  std::vector<storage::Carrier> carriers{carrier(1, {gw(11)})};
  EXPECT_FALSE(RouteTable::build({route(1, "+44", {{1, 1, 1}})}, carriers));
  EXPECT_FALSE(RouteTable::build({route(1, "44", {}), route(2, "44", {})}, carriers));
  EXPECT_FALSE(RouteTable::build({route(1, "44", {{9, 1, 1}})}, carriers));
  EXPECT_FALSE(RouteTable::build({}, {carrier(1, {}), carrier(1, {})}));
}

TEST(RouteTableTest, PriorityOrderAndAttemptFields) {
  storage::Route r = route(5, "1", {{1, 3, 1}, {2, 1, 1}, {3, 2, 1}});
  r.failoverCodes = {503};
  r.ringTimeoutS = 45;
  auto t = RouteTable::build(
      {r}, {carrier(1, {gw(11)}), carrier(2, {gw(21), gw(22, 2)}), carrier(3, {gw(31)})});
  ASSERT_TRUE(t);
  SplitMix64 rnd(7);
  Selection s = t->select("+14155550100", rnd);
  ASSERT_EQ(s.attempts.size(), 4u);
  EXPECT_EQ(carriersOf(s), (std::vector<storage::Id>{2, 3, 1}));
  EXPECT_EQ(s.attempts[0].gateway.id, 21);  // gateway priority 1 before 2
  EXPECT_EQ(s.attempts[1].gateway.id, 22);
  EXPECT_EQ(s.attempts[0].routeId, 5);
  EXPECT_EQ(s.attempts[0].failoverCodes, std::vector<int>{503});
  EXPECT_EQ(s.attempts[0].ringTimeoutS, 45u);
  EXPECT_EQ(s.attempts[0].gateway.host, "gw21.example");
}

TEST(RouteTableTest, DisabledAndDownCarriersSkipped) {
  auto t =
      RouteTable::build({route(1, "", {{1, 1, 1}, {2, 2, 1}, {3, 3, 1}, {4, 4, 1}, {5, 5, 1}})},
                        {carrier(1, {gw(11)}, /*enabled=*/false), carrier(2, {gw(21), gw(22)}),
                         carrier(3, {gw(31), gw(32)}), carrier(4, {}), carrier(5, {gw(51)})});
  ASSERT_TRUE(t);
  FakeStatus status;
  status.down = {21, 22, 32};  // carrier 2 entirely down, carrier 3 half down
  SplitMix64 rnd(3);
  Selection s = t->select("+33123456789", rnd, &status);
  ASSERT_NE(s.route, nullptr);
  EXPECT_EQ(carriersOf(s), (std::vector<storage::Id>{3, 5}));
  ASSERT_EQ(s.attempts.size(), 2u);
  EXPECT_EQ(s.attempts[0].gateway.id, 31);

  status.down = {21, 22, 31, 32, 51};
  Selection none = t->select("+33123456789", rnd, &status);
  EXPECT_NE(none.route, nullptr);  // a route, but nothing usable: the caller answers 503
  EXPECT_TRUE(none.attempts.empty());
}

TEST(RouteTableTest, DuplicateTargetCountsOnce) {
  auto t = RouteTable::build({route(1, "", {{1, 1, 1}, {1, 2, 1}})}, {carrier(1, {gw(11)})});
  ASSERT_TRUE(t);
  SplitMix64 rnd(3);
  EXPECT_EQ(t->select("+1", rnd).attempts.size(), 1u);
}

TEST(WeightedOrder, DistributionFollowsWeights) {
  // Three carriers at equal priority with weights 1:2:7; the first pick should follow
  // 10% / 20% / 70%. Fixed seed, so the counts are reproducible; bounds are ±2% absolute
  // (about 6 standard deviations at 20000 draws) to stay valid for any reasonable seed.
  auto t = RouteTable::build(
      {route(1, "", {{1, 1, 1}, {2, 1, 2}, {3, 1, 7}, {4, 2, 100}})},
      {carrier(1, {gw(11)}), carrier(2, {gw(21)}), carrier(3, {gw(31)}), carrier(4, {gw(41)})});
  ASSERT_TRUE(t);
  SplitMix64 rnd(20240601);
  constexpr int kDraws = 20000;
  std::map<storage::Id, int> first;
  std::map<storage::Id, int> secondAfter3;
  for (int i = 0; i < kDraws; ++i) {
    Selection s = t->select("+1", rnd);
    ASSERT_EQ(s.attempts.size(), 4u);
    EXPECT_EQ(s.attempts[3].carrierId, 4);  // lower priority is always last
    ++first[s.attempts[0].carrierId];
    if (s.attempts[0].carrierId == 3) ++secondAfter3[s.attempts[1].carrierId];
  }
  EXPECT_NEAR(first[1] / double(kDraws), 0.10, 0.02);
  EXPECT_NEAR(first[2] / double(kDraws), 0.20, 0.02);
  EXPECT_NEAR(first[3] / double(kDraws), 0.70, 0.02);
  // Without replacement: after 3, carrier 2 comes second with chance 2/3.
  int after3 = secondAfter3[1] + secondAfter3[2];
  EXPECT_NEAR(secondAfter3[2] / double(after3), 2.0 / 3.0, 0.03);
}

TEST(WeightedOrder, ZeroWeightLastAndGatewaysWeighted) {
  std::vector<storage::Gateway> gws{gw(1, 1, 0), gw(2, 1, 1), gw(3, 1, 3), gw(4, 0, 0)};
  SplitMix64 rnd(5);
  int threeFirst = 0;
  for (int i = 0; i < 4000; ++i) {
    std::vector<storage::Gateway> v = gws;
    orderByPriorityAndWeight(
        v, [](const storage::Gateway& g) { return g.priority; },
        [](const storage::Gateway& g) { return g.weight; }, rnd);
    ASSERT_EQ(v[0].id, 4);  // priority 0 first even with weight 0
    ASSERT_EQ(v[3].id, 1);  // weight 0 last within its priority
    if (v[1].id == 3) ++threeFirst;
  }
  EXPECT_NEAR(threeFirst / 4000.0, 0.75, 0.03);
}

TEST(WeightedOrder, SameSeedSameOrder) {
  auto t = RouteTable::build({route(1, "", {{1, 1, 1}, {2, 1, 1}, {3, 1, 1}})},
                             {carrier(1, {gw(11)}), carrier(2, {gw(21)}), carrier(3, {gw(31)})});
  ASSERT_TRUE(t);
  SplitMix64 a(42), b(42);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(carriersOf(t->select("+1", a)), carriersOf(t->select("+1", b)));
  }
}

}  // namespace
}  // namespace trunkline::routing
