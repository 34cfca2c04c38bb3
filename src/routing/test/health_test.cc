// Gateway health hysteresis.
#include "routing/health.h"

#include <gtest/gtest.h>

#include <thread>

namespace trunkline::routing {
namespace {

using namespace std::chrono_literals;

std::vector<storage::Carrier> carriers(std::uint32_t downAfter, std::uint32_t upAfter) {
  storage::Carrier c;
  c.id = 1;
  c.downAfter = downAfter;
  c.upAfter = upAfter;
  storage::Gateway a;
  a.id = 10;
  storage::Gateway b;
  b.id = 11;
  c.gateways = {a, b};
  return {c};
}

TEST(ProbeOk, Classification) {
  for (int code : {200, 202, 404, 405, 481, 486, 603}) EXPECT_TRUE(probeOk(code)) << code;
  for (int code : {0, 100, 180, 408, 500, 502, 503, 504}) EXPECT_FALSE(probeOk(code)) << code;
}

TEST(CarrierHealthTest, HysteresisDownAndUp) {
  base::ManualClock clock;
  CarrierHealth h(clock);
  h.configure(carriers(3, 2));
  EXPECT_TRUE(h.isUp(10));  // starts up
  EXPECT_FALSE(h.recordProbe(10, false));
  EXPECT_FALSE(h.recordProbe(10, false));
  EXPECT_FALSE(h.recordProbe(10, true));  // a success resets the failure streak
  EXPECT_FALSE(h.recordProbe(10, false));
  EXPECT_FALSE(h.recordProbe(10, false));
  EXPECT_TRUE(h.isUp(10));
  clock.advance(30s);
  EXPECT_TRUE(h.recordProbeResponse(10, 503));  // third consecutive failure
  EXPECT_FALSE(h.isUp(10));
  EXPECT_TRUE(h.isUp(11));  // the other gateway is independent
  auto st = h.health(10);
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->up);
  EXPECT_EQ(st->consecutiveFailures, 3u);
  EXPECT_EQ(st->changes, 1u);
  EXPECT_EQ(st->lastChange, clock.now());

  EXPECT_FALSE(h.recordProbe(10, true));
  EXPECT_FALSE(h.recordProbe(10, false));  // resets the success streak
  EXPECT_FALSE(h.recordProbe(10, true));
  EXPECT_FALSE(h.isUp(10));
  clock.advance(5s);
  EXPECT_TRUE(h.recordProbeResponse(10, 404));  // any answer but 408/5xx proves life
  EXPECT_TRUE(h.isUp(10));
  EXPECT_EQ(h.health(10)->lastChange, clock.now());
  EXPECT_EQ(h.health(10)->changes, 2u);
}

TEST(CarrierHealthTest, ReconfigureKeepsStateAndUnknownIsUp) {
  base::ManualClock clock;
  CarrierHealth h(clock);
  h.configure(carriers(1, 1));
  EXPECT_TRUE(h.recordProbe(10, false));
  EXPECT_FALSE(h.isUp(10));
  h.configure(carriers(5, 5));  // thresholds change, state stays
  EXPECT_FALSE(h.isUp(10));
  EXPECT_FALSE(h.recordProbe(10, true));  // now needs 5
  h.configure({});                        // removed: forgotten, reads as up
  EXPECT_TRUE(h.isUp(10));
  EXPECT_FALSE(h.recordProbe(10, false));
  EXPECT_FALSE(h.health(10));
  EXPECT_TRUE(h.isUp(999));
}

TEST(CarrierHealthTest, ConcurrentReadersAndProber) {
  base::ManualClock clock;  // only read by the writer thread below
  CarrierHealth h(clock);
  h.configure(carriers(1, 1));
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::uint64_t n = 0;
    while (!stop.load()) n += h.isUp(10) ? 1 : 0;
    (void)n;
  });
  for (int i = 0; i < 10000; ++i) h.recordProbe(10, i % 2 == 1);
  stop = true;
  reader.join();
  EXPECT_EQ(h.health(10)->changes, 10000u);
}

}  // namespace
}  // namespace trunkline::routing
