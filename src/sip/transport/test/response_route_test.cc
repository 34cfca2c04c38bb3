// RFC 3261 §18.2.1 / §18.2.2 and RFC 3581 §4 response routing, as pure functions.
#include "sip/transport/response_route.h"

#include <gtest/gtest.h>

#include <vector>

namespace trunkline::sip {
namespace {

// Keeps the Via text alive: Via holds views into it.
struct ViaHolder {
  std::string text;
  std::vector<Via> vias;
  explicit ViaHolder(std::string t) : text(std::move(t)) {
    auto r = parseViaList(text, vias);
    EXPECT_TRUE(r) << text;
  }
  const Via& top() const { return vias.at(0); }
};

net::Address addr(const char* s) {
  auto a = net::Address::parse(s);
  EXPECT_TRUE(a) << s;
  return a.value_or(net::Address{});
}

Flow arrival(TransportKind kind, const char* remote, std::uint64_t conn = 0) {
  return Flow{kind, addr("198.51.100.1:5060"), addr(remote), conn};
}

TEST(ResponseFlow, UdpWithRportGoesToSourceIpAndPort) {
  ViaHolder v("SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport");
  auto f = responseFlow(v.top(), arrival(TransportKind::Udp, "192.0.2.9:40000"), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, TransportKind::Udp);
  EXPECT_EQ(f->remote, addr("192.0.2.9:40000"));
  EXPECT_EQ(f->local, addr("198.51.100.1:5060"));
  EXPECT_EQ(f->connectionId, 0u);
}

TEST(ResponseFlow, UdpWithoutRportGoesToReceivedIpAndSentByPort) {
  ViaHolder v("SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1");
  auto f = responseFlow(v.top(), arrival(TransportKind::Udp, "192.0.2.9:40000"), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->remote, addr("192.0.2.9:5062"));
}

TEST(ResponseFlow, UdpSentByWithoutPortUses5060) {
  ViaHolder v("SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1");
  auto f = responseFlow(v.top(), arrival(TransportKind::Udp, "192.0.2.9:40000"), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->remote, addr("192.0.2.9:5060"));
}

TEST(ResponseFlow, UdpSentByHostNameIsNeverResolved) {
  ViaHolder v("SIP/2.0/UDP pbx.example.com:5080;branch=z9hG4bK1");
  auto f = responseFlow(v.top(), arrival(TransportKind::Udp, "192.0.2.9:40000"), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->remote, addr("192.0.2.9:5080"));
}

TEST(ResponseFlow, MaddrIsIgnored) {
  ViaHolder v("SIP/2.0/UDP 10.0.0.1:5062;maddr=239.1.1.1;ttl=1;branch=z9hG4bK1");
  auto f = responseFlow(v.top(), arrival(TransportKind::Udp, "192.0.2.9:40000"), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->remote, addr("192.0.2.9:5062"));
}

TEST(ResponseFlow, ReliableUsesTheOpenConnection) {
  ViaHolder v("SIP/2.0/TCP 10.0.0.1:5062;branch=z9hG4bK1");
  const Flow in = arrival(TransportKind::Tcp, "192.0.2.9:40000", 7);
  auto f = responseFlow(v.top(), in, true);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->connectionId, 7u);
  EXPECT_EQ(f->remote, in.remote);
}

TEST(ResponseFlow, ReliableClosedConnectionOpensToReceivedAndSentByPort) {
  ViaHolder v("SIP/2.0/TCP 10.0.0.1:5062;branch=z9hG4bK1;rport");
  auto f = responseFlow(v.top(), arrival(TransportKind::Tcp, "192.0.2.9:40000", 7), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, TransportKind::Tcp);
  EXPECT_EQ(f->connectionId, 0u);
  EXPECT_EQ(f->remote, addr("192.0.2.9:5062"));

  ViaHolder t("SIP/2.0/TLS 10.0.0.1;branch=z9hG4bK1");
  auto g = responseFlow(t.top(), arrival(TransportKind::Tls, "192.0.2.9:40000", 7), false);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->remote, addr("192.0.2.9:5061"));
}

TEST(ResponseFlow, Ipv6) {
  ViaHolder v("SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK1");
  auto f = responseFlow(v.top(), arrival(TransportKind::Udp, "[2001:db8::9]:40000"), false);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->remote, addr("[2001:db8::9]:5062"));
}

TEST(ResponseFlow, InvalidArrivalFails) {
  ViaHolder v("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1");
  EXPECT_FALSE(responseFlow(v.top(), Flow{}, false));
}

TEST(Received, NeededWhenSentByDiffersOrRport) {
  ViaHolder same("SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1");
  EXPECT_FALSE(needsReceived(same.top(), addr("192.0.2.9:40000")));
  EXPECT_TRUE(needsReceived(same.top(), addr("192.0.2.10:5060")));
  ViaHolder rport("SIP/2.0/UDP 192.0.2.9:5060;rport;branch=z9hG4bK1");
  EXPECT_TRUE(needsReceived(rport.top(), addr("192.0.2.9:5060")));
  ViaHolder name("SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1");
  EXPECT_TRUE(needsReceived(name.top(), addr("192.0.2.9:5060")));
  ViaHolder v6("SIP/2.0/UDP [2001:db8:0::1];branch=z9hG4bK1");
  EXPECT_FALSE(needsReceived(v6.top(), addr("[2001:db8::1]:5060")));
}

TEST(Received, ResponseTopViaFillsRportAndReceived) {
  ViaHolder v("SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport");
  EXPECT_EQ(responseTopVia(v.top(), addr("192.0.2.9:40000")),
            "SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport=40000;received=192.0.2.9");
  ViaHolder same("SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1");
  EXPECT_EQ(responseTopVia(same.top(), addr("192.0.2.9:5060")),
            "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1");
  ViaHolder old("SIP/2.0/UDP h.example;received=1.1.1.1;branch=z9hG4bK1");
  EXPECT_EQ(responseTopVia(old.top(), addr("[2001:db8::9]:1")),
            "SIP/2.0/UDP h.example;branch=z9hG4bK1;received=2001:db8::9");
}

}  // namespace
}  // namespace trunkline::sip
