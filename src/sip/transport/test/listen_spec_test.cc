#include "sip/transport/listen_spec.h"

#include <gtest/gtest.h>

namespace trunkline::sip {
namespace {

TEST(ListenSpec, ParsesTransportsAndFamilies) {
  auto u = parseListenSpec("udp:127.0.0.1:5060");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->kind, TransportKind::Udp);
  EXPECT_EQ(u->address.toString(), "127.0.0.1:5060");
  auto t = parseListenSpec("TCP:[::1]:5070");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->kind, TransportKind::Tcp);
  EXPECT_TRUE(t->address.isV6());
  EXPECT_EQ(t->address.port(), 5070);
  auto s = parseListenSpec("tls:0.0.0.0:0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, TransportKind::Tls);
  EXPECT_EQ(s->address.port(), 0);
  EXPECT_EQ(s->toString(), "tls:0.0.0.0:0");
  EXPECT_EQ(parseListenSpec("udp:[::]:5060")->toString(), "udp:[::]:5060");
}

TEST(ListenSpec, ErrorsSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : {
           Case{"127.0.0.1:5060", "unknown transport"},
           Case{"5060", "missing transport"},
           Case{"sctp:127.0.0.1:5060", "unknown transport 'sctp'"},
           Case{"udp:", "missing address"},
           Case{"udp:127.0.0.1", "missing port"},
           Case{"udp:127.0.0.1:", "missing port"},
           Case{"udp:127.0.0.1:abc", "port is not a number"},
           Case{"udp:127.0.0.1:70000", "port out of range"},
           Case{"tcp:::1:5060", "IPv6 address must be in brackets"},
           Case{"tcp:[::1:5060", "unterminated '['"},
           Case{"tcp:[::1]", "missing port after IPv6"},
           Case{"tcp:example.com:5060", "not an IP address literal"},
           Case{"tcp:300.1.1.1:5060", "not an IP address literal"},
       }) {
    auto r = parseListenSpec(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, base::Errc::InvalidArgument);
    EXPECT_NE(r.error().message.find(c.why), std::string::npos)
        << c.text << " -> " << r.error().message;
    EXPECT_NE(r.error().message.find(c.text), std::string::npos) << r.error().message;
  }
}

TEST(ListenSpec, TransportNames) {
  EXPECT_EQ(transportName(TransportKind::Udp), "UDP");
  EXPECT_EQ(transportName(TransportKind::Tcp), "TCP");
  EXPECT_EQ(transportName(TransportKind::Tls), "TLS");
  EXPECT_EQ(*parseTransportName("tLs"), TransportKind::Tls);
  EXPECT_FALSE(parseTransportName("ws"));
}

}  // namespace
}  // namespace trunkline::sip
