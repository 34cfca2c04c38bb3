#include "net/address.h"

#include <gtest/gtest.h>

#include "net/endpoint.h"

namespace trunkline::net {
namespace {

TEST(Address, EndpointRoundTrip) {
  auto a = Address::parse("[::1]:5070");
  ASSERT_TRUE(a);
  auto ep = toTcpEndpoint(*a);
  EXPECT_EQ(ep.port(), 5070);
  EXPECT_TRUE(ep.address().is_v6());
  EXPECT_EQ(fromEndpoint(ep), *a);

  auto b = Address::parse("127.0.0.1:5060");
  ASSERT_TRUE(b);
  auto uep = toUdpEndpoint(*b);
  EXPECT_EQ(uep.address().to_string(), "127.0.0.1");
  EXPECT_EQ(fromEndpoint(uep), *b);
}

TEST(Address, Unspecified) {
  EXPECT_TRUE(isUnspecified(*Address::parse("0.0.0.0:1")));
  EXPECT_TRUE(isUnspecified(*Address::parse("[::]:1")));
  EXPECT_FALSE(isUnspecified(*Address::parse("127.0.0.1:1")));
  EXPECT_FALSE(isUnspecified(Address{}));
  EXPECT_EQ(ipOnly(*Address::parse("10.0.0.1:5060")), *Address::parse("10.0.0.1:0"));
}

}  // namespace
}  // namespace trunkline::net
