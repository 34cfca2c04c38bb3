// DSCP on SIP sockets: the helpers read back with getsockopt, every socket and connection
// of a TransportLayer marked, and the TOS / traffic class byte of datagrams as received.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "sip/transport/dscp.h"
#include "sip/transport/test/transport_test_util.h"
#include "sip/transport/transport_layer.h"

namespace trunkline::sip {
namespace {

using testing::Recorder;

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

TEST(Dscp, SetAndReadBackOnIpv4AndIpv6Sockets) {
  for (int family : {AF_INET, AF_INET6}) {
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
      Fd s(::socket(family, type, 0));
      ASSERT_GE(s.fd, 0);
      EXPECT_EQ(socketDscp(s.fd).value(), 0);  // unmarked as created
      ASSERT_TRUE(setSocketDscp(s.fd, kDscpCs3));
      EXPECT_EQ(socketDscp(s.fd).value(), 24) << family << " " << type;
      ASSERT_TRUE(setSocketDscp(s.fd, 63));
      EXPECT_EQ(socketDscp(s.fd).value(), 63);
      // The raw byte is the DSCP shifted past the two ECN bits.
      int tos = 0;
      socklen_t len = sizeof tos;
      if (family == AF_INET)
        ::getsockopt(s.fd, IPPROTO_IP, IP_TOS, &tos, &len);
      else
        ::getsockopt(s.fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, &len);
      EXPECT_EQ(tos, 63 << 2);
    }
  }
}

TEST(Dscp, ZeroLeavesTheSocketAsItIs) {
  Fd s(::socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_TRUE(setSocketDscp(s.fd, 0));
  EXPECT_EQ(socketDscp(s.fd).value(), 0);
}

TEST(Dscp, RefusesOutOfRangeValuesAndNonIpSockets) {
  Fd s(::socket(AF_INET, SOCK_DGRAM, 0));
  for (int bad : {-1, 64, 255, 1 << 20}) {
    auto r = setSocketDscp(s.fd, bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, base::Errc::InvalidArgument);
  }
  EXPECT_EQ(socketDscp(s.fd).value(), 0);  // nothing half-applied
  Fd u(::socket(AF_UNIX, SOCK_DGRAM, 0));
  EXPECT_FALSE(setSocketDscp(u.fd, 24));
  EXPECT_FALSE(socketDscp(u.fd));
  EXPECT_FALSE(setSocketDscp(-1, 24));
  EXPECT_FALSE(socketDscp(-1));
}

struct DscpLayer : ::testing::Test {
  base::ManualClock clock;
  net::EventLoop loop{clock};
  Recorder serverRec, clientRec;
};

TEST_F(DscpLayer, EveryListenerIsMarkedCs3ByDefault) {
  TransportLayer t(loop);
  EXPECT_EQ(t.options().dscp, kDscpCs3);
  ASSERT_TRUE(t.listenAll({"udp:127.0.0.1:0", "tcp:127.0.0.1:0", "udp:[::1]:0", "tcp:[::1]:0"}));
  EXPECT_EQ(t.socketDscps(), (std::vector<int>{24, 24, 24, 24}));
}

TEST_F(DscpLayer, ZeroLeavesSocketsUnmarked) {
  TransportOptions opts;
  opts.dscp = 0;
  TransportLayer t(loop, opts);
  ASSERT_TRUE(t.listenAll({"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}));
  EXPECT_EQ(t.socketDscps(), (std::vector<int>{0, 0}));
}

TEST_F(DscpLayer, AnOutOfRangeValueFailsListen) {
  TransportOptions opts;
  opts.dscp = 64;
  TransportLayer t(loop, opts);
  for (const char* spec : {"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}) {
    auto r = t.listen(*parseListenSpec(spec));
    ASSERT_FALSE(r) << spec;
    EXPECT_NE(r.error().message.find("DSCP 64"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(t.listeners().empty());
}

TEST_F(DscpLayer, AcceptedAndOutboundConnectionsAreMarked) {
  for (const char* host : {"127.0.0.1", "[::1]"}) {
    TransportOptions opts;
    opts.dscp = 40;
    TransportLayer server(loop, opts), client(loop, opts);
    server.setHandler(&serverRec);
    client.setHandler(&clientRec);
    auto addr = server.listen(*parseListenSpec(fmt::format("tcp:{}:0", host)));
    ASSERT_TRUE(addr) << addr.error().message;
    const std::size_t before = serverRec.messages.size();
    ASSERT_TRUE(client.send(Flow{TransportKind::Tcp, {}, *addr, 0},
                            testing::request(1, "TCP", fmt::format("{}:5999", host))));
    ASSERT_TRUE(loop.runUntil([&] { return serverRec.messages.size() == before + 1; }));
    // Listener and the accepted connection on the server; the outbound one on the client.
    EXPECT_EQ(server.socketDscps(), (std::vector<int>{40, 40})) << host;
    EXPECT_EQ(client.socketDscps(), (std::vector<int>{40})) << host;
  }
}

// The TOS / traffic class byte a datagram arrived with, from the ancillary data.
std::optional<int> receiveTos(int fd, int family) {
  char buf[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(fd, &msg, 0) <= 0) return std::nullopt;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (family == AF_INET && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
      return static_cast<int>(*reinterpret_cast<const unsigned char*>(CMSG_DATA(c)));
    if (family == AF_INET6 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
      int v = 0;
      std::memcpy(&v, CMSG_DATA(c), sizeof v);
      return v;
    }
  }
  return std::nullopt;
}

TEST_F(DscpLayer, DatagramsArriveWithTheConfiguredTosByte) {
  struct Case {
    const char* host;
    int family;
    int dscp;
  };
  for (const Case& c : {Case{"127.0.0.1", AF_INET, kDscpCs3}, Case{"127.0.0.1", AF_INET, 0},
                        Case{"127.0.0.1", AF_INET, 46}, Case{"[::1]", AF_INET6, 40}}) {
    TransportOptions opts;
    opts.dscp = c.dscp;
    TransportLayer t(loop, opts);
    ASSERT_TRUE(t.listen(*parseListenSpec(fmt::format("udp:{}:0", c.host))));

    // A plain receiver asking the kernel for each packet's TOS byte.
    Fd r(::socket(c.family, SOCK_DGRAM, 0));
    const int on = 1;
    if (c.family == AF_INET)
      ASSERT_EQ(::setsockopt(r.fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on), 0);
    else
      ASSERT_EQ(::setsockopt(r.fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on), 0);
    auto any = *net::Address::parse(fmt::format("{}:0", c.host));
    ASSERT_EQ(::bind(r.fd, any.sockaddrPtr(), any.sockaddrLen()), 0);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ASSERT_EQ(::getsockname(r.fd, reinterpret_cast<sockaddr*>(&ss), &len), 0);
    auto to = net::Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);

    ASSERT_TRUE(t.send(Flow{TransportKind::Udp, {}, to, 0}, testing::request(1)));
    EXPECT_EQ(receiveTos(r.fd, c.family), c.dscp << 2) << c.host << " dscp " << c.dscp;
  }
}

}  // namespace
}  // namespace trunkline::sip
