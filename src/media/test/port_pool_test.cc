#include "media/port_pool.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace trunkline::media {
namespace {

using namespace std::chrono_literals;

// Each test uses its own range below the kernel's ephemeral range (32768+), so tests run in
// parallel do not collide with each other or with port-0 sockets of other tests.
PortPoolConfig range(std::uint16_t min, std::uint16_t max) {
  PortPoolConfig c;
  c.minPort = min;
  c.maxPort = max;
  c.quarantine = 10s;
  return c;
}

const net::Address kV4 = *net::Address::parse("127.0.0.1");
const net::Address kV6 = *net::Address::parse("::1");

TEST(PortPool, AllocatesEvenOddPairsBound) {
  base::ManualClock clock;
  PortPool pool(clock, range(21001, 21010));  // odd min: the first pair is 21002/21003
  EXPECT_EQ(pool.capacity(), 4u);             // 21002, 21004, 21006, 21008 (+1 each)
  auto p = pool.allocate(kV4);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->rtpAddress.port() % 2, 0);
  EXPECT_EQ(p->rtcpAddress.port(), p->rtpAddress.port() + 1);
  EXPECT_GE(p->rtpAddress.port(), 21002);
  EXPECT_EQ(p->rtp.localAddress(), p->rtpAddress);  // really bound there
  EXPECT_EQ(p->rtcp.localAddress(), p->rtcpAddress);
  EXPECT_EQ(pool.inUse(kV4), 1u);
}

TEST(PortPool, NeverTwiceThenExhausted) {
  base::ManualClock clock;
  PortPool pool(clock, range(21020, 21029));
  std::vector<PortPair> held;
  std::set<std::uint16_t> ports;
  for (std::size_t i = 0; i < pool.capacity(); ++i) {
    auto p = pool.allocate(kV4);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(ports.insert(p->rtpAddress.port()).second) << "handed out twice";
    held.push_back(std::move(*p));
  }
  auto none = pool.allocate(kV4);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, base::Errc::Unavailable);
  EXPECT_NE(none.error().message.find("exhausted"), std::string::npos);
}

TEST(PortPool, QuarantineDelaysReuse) {
  base::ManualClock clock;
  PortPool pool(clock, range(21040, 21043));  // two pairs
  auto a = pool.allocate(kV4);
  auto b = pool.allocate(kV4);
  ASSERT_TRUE(a && b);
  const std::uint16_t portA = a->rtpAddress.port();
  a->rtp.close();
  a->rtcp.close();
  pool.release(kV4, portA);
  EXPECT_EQ(pool.inUse(kV4), 1u);
  // Closed but quarantined: not available yet.
  EXPECT_FALSE(pool.allocate(kV4));
  clock.advance(9s);
  EXPECT_FALSE(pool.allocate(kV4));
  clock.advance(1s);
  auto again = pool.allocate(kV4);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->rtpAddress.port(), portA);
  // Double and foreign releases are ignored.
  pool.release(kV4, b->rtpAddress.port());
  pool.release(kV4, b->rtpAddress.port());
  pool.release(kV4, 21041);  // odd: not a pair start
  pool.release(kV4, 9000);   // out of range
  EXPECT_EQ(pool.inUse(kV4), 1u);
}

TEST(PortPool, SkipsPortsHeldByOthers) {
  base::ManualClock clock;
  PortPool pool(clock, range(21060, 21065));  // three pairs
  // Someone else holds the RTCP port of the first pair.
  auto squatter = UdpSocket::bind(*net::Address::parse("127.0.0.1:21061"), SocketOptions{});
  ASSERT_TRUE(squatter) << squatter.error().message;
  auto p = pool.allocate(kV4);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->rtpAddress.port(), 21062);
  EXPECT_EQ(pool.bindFailures(), 1u);
  // The first RTP port was released again when its partner failed: a new pair can use it
  // once the squatter leaves.
  squatter->close();
  auto q = pool.allocate(kV4);
  auto r = pool.allocate(kV4);
  ASSERT_TRUE(q && r);
  EXPECT_EQ(q->rtpAddress.port(), 21064);
  EXPECT_EQ(r->rtpAddress.port(), 21060);
}

TEST(PortPool, PerAddressAndFamily) {
  base::ManualClock clock;
  PortPool pool(clock, range(21080, 21081));  // a single pair
  auto v4 = pool.allocate(kV4);
  ASSERT_TRUE(v4) << v4.error().message;
  auto v6 = pool.allocate(kV6);
  ASSERT_TRUE(v6) << v6.error().message;  // the same port numbers, another address
  EXPECT_TRUE(v6->rtpAddress.isV6());
  EXPECT_EQ(v6->rtpAddress.port(), v4->rtpAddress.port());
  auto other = pool.allocate(*net::Address::parse("127.0.0.2"));
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_FALSE(pool.allocate(kV4));
  EXPECT_EQ(pool.inUse(kV4), 1u);
  EXPECT_EQ(pool.inUse(kV6), 1u);
}

TEST(PortPool, BadConfigAndAddress) {
  base::ManualClock clock;
  PortPool empty(clock, range(21101, 21101));
  EXPECT_EQ(empty.capacity(), 0u);
  EXPECT_EQ(empty.allocate(kV4).error().code, base::Errc::InvalidArgument);
  PortPool pool(clock, range(21102, 21103));
  EXPECT_EQ(pool.allocate(net::Address{}).error().code, base::Errc::InvalidArgument);
  // An address this host does not have: nothing binds.
  auto foreign = pool.allocate(*net::Address::parse("192.0.2.1"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, base::Errc::Io);
}

TEST(Dscp, EfByDefaultReadBack) {
  base::ManualClock clock;
  PortPool pool(clock, range(21120, 21123));
  auto v4 = pool.allocate(kV4);
  ASSERT_TRUE(v4);
  EXPECT_EQ(*v4->rtp.dscp(), kDscpEf);
  EXPECT_EQ(*v4->rtcp.dscp(), kDscpEf);
  auto v6 = pool.allocate(kV6);
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6->rtp.dscp(), 46);
  EXPECT_EQ(*v6->rtcp.dscp(), 46);
}

TEST(Dscp, Configurable) {
  base::ManualClock clock;
  auto config = range(21140, 21143);
  config.socketOptions.dscp = 34;  // AF41
  PortPool pool(clock, config);
  auto p = pool.allocate(kV4);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->rtp.dscp(), 34);
  ASSERT_TRUE(p->rtp.setDscp(0));
  EXPECT_EQ(*p->rtp.dscp(), 0);
  EXPECT_FALSE(p->rtp.setDscp(64));
}

}  // namespace
}  // namespace trunkline::media
