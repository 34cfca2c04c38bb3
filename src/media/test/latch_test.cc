#include "media/latch.h"

#include <gtest/gtest.h>

namespace trunkline::media {
namespace {

using namespace std::chrono_literals;

net::Address addr(const char* text) {
  return *net::Address::parse(text);
}

class LatchTest : public ::testing::Test {
 protected:
  base::MonoTime now{100s};
  LatchConfig config;
  Latch latch;
};

TEST(PrivateAddress, Ranges) {
  for (const char* p :
       {"10.1.2.3:1", "172.16.0.1:1", "172.31.255.255:1", "192.168.1.1:1", "100.64.0.1:1",
        "100.127.255.1:1", "169.254.1.1:1", "127.0.0.1:1", "0.0.0.0:1", "[fd00::1]:1",
        "[fc12::1]:1", "[fe80::1]:1", "[::1]:1", "[::ffff:192.168.0.1]:1"})
    EXPECT_TRUE(isPrivateAddress(addr(p))) << p;
  for (const char* p : {"8.8.8.8:1", "172.32.0.1:1", "100.128.0.1:1", "192.169.0.1:1",
                        "[2001:db8::1]:1", "[::ffff:8.8.8.8]:1", "[fec0::1]:1"})
    EXPECT_FALSE(isPrivateAddress(addr(p))) << p;
}

TEST(UsableRemote, RejectsHoldAndRejected) {
  EXPECT_TRUE(isUsableRemote(addr("198.51.100.1:4000")));
  EXPECT_FALSE(isUsableRemote(addr("0.0.0.0:4000")));    // old-style hold
  EXPECT_FALSE(isUsableRemote(addr("198.51.100.1:0")));  // rejected stream
  EXPECT_FALSE(isUsableRemote(net::Address{}));
}

TEST_F(LatchTest, NothingSignalledLearnsNothing) {
  latch.restart(std::nullopt, now);
  EXPECT_FALSE(latch.onPacket(addr("198.51.100.1:4000"), now, config).accept);
  EXPECT_EQ(latch.destination(), nullptr);
  latch.restart(addr("0.0.0.0:4000"), now);  // c=0.0.0.0 is not an address to learn from
  EXPECT_FALSE(latch.onPacket(addr("198.51.100.1:4000"), now, config).accept);
}

TEST_F(LatchTest, SignalledSourceLatchesAndLocks) {
  const auto peer = addr("198.51.100.1:4000");
  latch.restart(peer, now);
  ASSERT_NE(latch.destination(), nullptr);
  EXPECT_EQ(*latch.destination(), peer);  // before any packet: the signalled address
  auto out = latch.onPacket(peer, now, config);
  EXPECT_TRUE(out.accept);
  EXPECT_TRUE(out.firstLatch);
  EXPECT_TRUE(latch.locked());
  // A stranger after locking, even inside the window: dropped.
  EXPECT_FALSE(latch.onPacket(addr("203.0.113.9:4000"), now + 10ms, config).accept);
  EXPECT_TRUE(latch.onPacket(peer, now + 20ms, config).accept);
  EXPECT_EQ(*latch.destination(), peer);
}

TEST_F(LatchTest, NatSourceLearnedInWindowThenLocked) {
  latch.restart(addr("192.168.1.20:4000"), now);  // private: the phone is behind NAT
  const auto nat = addr("198.51.100.7:61000");
  auto first = latch.onPacket(nat, now + 50ms, config);
  EXPECT_TRUE(first.accept);
  EXPECT_TRUE(first.firstLatch);
  EXPECT_EQ(*latch.destination(), nat);
  EXPECT_FALSE(latch.locked());
  // A second source inside the window does not take over.
  EXPECT_FALSE(latch.onPacket(addr("203.0.113.9:5000"), now + 60ms, config).accept);
  // The window closes on time: the learned source stays, and is now locked.
  EXPECT_TRUE(latch.onPacket(nat, now + 3s, config).accept);
  EXPECT_TRUE(latch.locked());
  EXPECT_FALSE(latch.onPacket(addr("203.0.113.9:5000"), now + 4s, config).accept);
}

TEST_F(LatchTest, WindowClosesOnPacketCount) {
  config.windowPackets = 3;
  latch.restart(addr("10.0.0.5:4000"), now);
  const auto nat = addr("198.51.100.7:61000");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(latch.onPacket(nat, now, config).accept);
  EXPECT_TRUE(latch.locked());
}

TEST_F(LatchTest, SignalledAddressBeatsWindowLatch) {
  // A stranger racing the real peer gets in first, but the peer's signalled address wins.
  const auto peer = addr("198.51.100.1:4000");
  latch.restart(peer, now);
  const auto stranger = addr("203.0.113.66:9999");
  EXPECT_TRUE(latch.onPacket(stranger, now, config).firstLatch);
  auto out = latch.onPacket(peer, now + 20ms, config);
  EXPECT_TRUE(out.accept);
  EXPECT_TRUE(out.moved);
  EXPECT_TRUE(latch.locked());
  EXPECT_FALSE(latch.onPacket(stranger, now + 40ms, config).accept);
  EXPECT_EQ(*latch.destination(), peer);
}

TEST_F(LatchTest, AfterWindowOnlySignalledMayLatch) {
  const auto peer = addr("198.51.100.1:4000");
  latch.restart(peer, now);
  EXPECT_FALSE(latch.onPacket(addr("203.0.113.66:9999"), now + 5s, config).accept);
  EXPECT_FALSE(latch.locked());
  EXPECT_TRUE(latch.onPacket(peer, now + 6s, config).accept);
}

TEST_F(LatchTest, StrictModeRefusesOtherSourceForPublicSignalled) {
  config.allowUnsignalledPublic = false;
  latch.restart(addr("198.51.100.1:4000"), now);
  EXPECT_FALSE(latch.onPacket(addr("198.51.100.1:4002"), now, config).accept);
  // …but a private signalled address still learns its NAT mapping.
  latch.restart(addr("192.168.0.2:4000"), now);
  EXPECT_TRUE(latch.onPacket(addr("198.51.100.1:4002"), now, config).accept);
}

TEST_F(LatchTest, ReofferReopensWindow) {
  latch.restart(addr("192.168.1.20:4000"), now);
  const auto nat1 = addr("198.51.100.7:61000");
  EXPECT_TRUE(latch.onPacket(nat1, now, config).accept);
  EXPECT_TRUE(latch.onPacket(nat1, now + 3s, config).accept);
  ASSERT_TRUE(latch.locked());
  // Re-INVITE with the same SDP address: the old source keeps flowing meanwhile, but a
  // new NAT binding may now be learned.
  latch.restart(addr("192.168.1.20:4000"), now + 10s);
  EXPECT_FALSE(latch.locked());
  EXPECT_EQ(*latch.destination(), nat1);
  const auto nat2 = addr("198.51.100.7:62000");
  auto out = latch.onPacket(nat2, now + 10s + 20ms, config);
  EXPECT_TRUE(out.accept);
  EXPECT_TRUE(out.moved);
  EXPECT_FALSE(out.firstLatch);
  EXPECT_EQ(*latch.destination(), nat2);
}

TEST_F(LatchTest, SilentLatchGetsANewWindow) {
  latch.restart(addr("10.1.2.3:4000"), now);  // behind NAT, says nothing while it rings
  const auto nat = addr("198.51.100.7:61000");
  EXPECT_FALSE(latch.onPacket(nat, now + 5s, config).accept);  // the first window is over
  latch.reopenIfSilent(now + 5s);                              // the answer arrived
  auto out = latch.onPacket(nat, now + 5s + 20ms, config);
  EXPECT_TRUE(out.accept);
  EXPECT_TRUE(out.firstLatch);
  // The new window is like the first: it closes, the source stays, strangers are dropped.
  EXPECT_FALSE(latch.onPacket(addr("198.51.100.9:5000"), now + 5s + 40ms, config).accept);
  EXPECT_TRUE(latch.onPacket(nat, now + 9s, config).accept);
  EXPECT_TRUE(latch.locked());
}

TEST_F(LatchTest, ReopenLeavesALearnedSourceAlone) {
  latch.restart(addr("10.1.2.3:4000"), now);
  const auto nat = addr("198.51.100.7:61000");
  EXPECT_TRUE(latch.onPacket(nat, now, config).accept);
  EXPECT_TRUE(latch.onPacket(nat, now + 3s, config).accept);
  ASSERT_TRUE(latch.locked());
  latch.reopenIfSilent(now + 4s);  // e.g. a re-INVITE on the other leg
  EXPECT_TRUE(latch.locked());
  EXPECT_FALSE(latch.onPacket(addr("198.51.100.9:5000"), now + 4s, config).accept);
  EXPECT_EQ(*latch.destination(), nat);
}

TEST_F(LatchTest, NewSignalledAddressForgetsOldLatch) {
  const auto old = addr("198.51.100.1:4000");
  latch.restart(old, now);
  EXPECT_TRUE(latch.onPacket(old, now, config).accept);
  const auto moved = addr("198.51.100.2:5000");
  latch.restart(moved, now + 1s);
  EXPECT_EQ(*latch.destination(), moved);  // not the old latch
  auto out = latch.onPacket(moved, now + 1s, config);
  EXPECT_TRUE(out.accept);
  EXPECT_TRUE(out.moved);
  EXPECT_FALSE(latch.onPacket(old, now + 1s, config).accept);
}

}  // namespace
}  // namespace trunkline::media
