#include "registrar/registration_writer.h"

#include <gtest/gtest.h>

#include "registrar/test/test_support.h"

namespace trunkline::registrar {
namespace {

using namespace std::chrono_literals;
using testing::MemoryRegistrationStore;

storage::Registration row(std::string contact, std::int64_t expiresAtMs = 5000) {
  storage::Registration r;
  r.trunkId = 1;
  r.aor = "sip:pbx1@trunkline.test";
  r.contact = std::move(contact);
  r.received = "udp:203.0.113.5:5060";
  r.expiresAtMs = expiresAtMs;
  return r;
}

RegistrationWriterConfig fast() {
  RegistrationWriterConfig c;
  c.retryInitial = 1ms;
  c.retryMax = 2ms;
  return c;
}

TEST(RegistrationWriter, AppliesInOrder) {
  base::ManualClock clock;
  MemoryRegistrationStore store;
  RegistrationWriter w(store, clock, fast());
  w.start();
  w.upsert(row("sip:a@x", 1));
  w.upsert(row("sip:a@x", 2));
  w.upsert(row("sip:b@x"));
  w.remove(1, "sip:pbx1@trunkline.test", "sip:b@x");
  w.remove(1, "sip:pbx1@trunkline.test", "sip:never@x");  // NotFound is not a failure
  ASSERT_TRUE(w.flush(10s));
  ASSERT_EQ(store.rows.size(), 1u);
  EXPECT_EQ(store.rows.begin()->second.expiresAtMs, 2);
  auto s = w.stats();
  EXPECT_EQ(s.applied, 5u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.queueDepth, 0u);
  w.stop();
}

TEST(RegistrationWriter, RetriesAFailingStoreWithoutReordering) {
  base::ManualClock clock;
  MemoryRegistrationStore store;
  store.failNext = 3;
  RegistrationWriter w(store, clock, fast());
  w.start();
  w.upsert(row("sip:a@x", 1));
  w.remove(1, "sip:pbx1@trunkline.test", "sip:a@x");
  w.upsert(row("sip:a@x", 3));
  ASSERT_TRUE(w.flush(10s));
  ASSERT_EQ(store.rows.size(), 1u);
  EXPECT_EQ(store.rows.begin()->second.expiresAtMs, 3);
  EXPECT_EQ(w.stats().failures, 3u);
  EXPECT_EQ(w.stats().applied, 3u);
  w.stop();
}

TEST(RegistrationWriter, StopAppliesEverythingQueued) {
  base::ManualClock clock;
  MemoryRegistrationStore store;
  RegistrationWriter w(store, clock, fast());
  for (int i = 0; i < 100; ++i) w.upsert(row("sip:" + std::to_string(i) + "@x"));
  w.start();
  w.stop();
  EXPECT_EQ(store.rows.size(), 100u);
  EXPECT_EQ(w.stats().applied, 100u);
}

}  // namespace
}  // namespace trunkline::registrar
