// send() of a response routes it from its top Via (RFC 3261 §18.2.2, RFC 3581) when given
// the request's arrival Flow, as the transaction layer does.
#include <gtest/gtest.h>

#include "sip/transport/test/transport_test_util.h"
#include "sip/transport/transport_layer.h"

namespace trunkline::sip {
namespace {

using testing::Recorder;

struct Fixture : ::testing::Test {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  Recorder serverRec, clientRec;
  TransportLayer server{loop};
  TransportLayer client{loop};
  void SetUp() override {
    server.setHandler(&serverRec);
    client.setHandler(&clientRec);
  }
};

std::string requestWithVia(std::string_view viaLine) {
  return fmt::format(
      "OPTIONS sip:bob@example.com SIP/2.0\r\n"
      "{}\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:alice@example.com>;tag=f1\r\n"
      "To: <sip:bob@example.com>\r\n"
      "Call-ID: route-1\r\n"
      "CSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n",
      viaLine);
}

TEST_F(Fixture, UdpWithoutRportAnswersTheSentByPort) {
  auto s = server.listen(*parseListenSpec("udp:127.0.0.1:0"));
  auto a = client.listen(*parseListenSpec("udp:127.0.0.1:0"));  // sends
  auto b = client.listen(*parseListenSpec("udp:127.0.0.1:0"));  // named in Via
  ASSERT_TRUE(s && a && b);
  serverRec.hook = [&](SipMessage& m, const Flow& arrival) {
    EXPECT_TRUE(server.send(arrival, testing::okFor(m)));  // the arrival Flow as is
  };
  // Compact, lower-case, folded Via naming socket b, no rport.
  const std::string via = fmt::format("v:  SIP/2.0/UDP\r\n  {};branch=z9hG4bK-r1", b->toString());
  ASSERT_TRUE(client.send({TransportKind::Udp, *a, *s, 0}, requestWithVia(via)));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_EQ(serverRec.messages.at(0).flow.remote, *a);
  EXPECT_EQ(clientRec.messages.at(0).flow.local, *b);  // arrived on b, not a
}

TEST_F(Fixture, UdpWithRportAnswersTheSourcePort) {
  auto s = server.listen(*parseListenSpec("udp:127.0.0.1:0"));
  auto a = client.listen(*parseListenSpec("udp:127.0.0.1:0"));
  auto b = client.listen(*parseListenSpec("udp:127.0.0.1:0"));
  ASSERT_TRUE(s && a && b);
  serverRec.hook = [&](SipMessage& m, const Flow& arrival) {
    EXPECT_TRUE(server.send(arrival, testing::okFor(m)));
  };
  const std::string via = fmt::format("Via: SIP/2.0/UDP {};rport;branch=z9hG4bK-r2", b->toString());
  ASSERT_TRUE(client.send({TransportKind::Udp, *a, *s, 0}, requestWithVia(via)));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_EQ(clientRec.messages.at(0).flow.local, *a);  // NAT-friendly: back to the source
}

TEST_F(Fixture, TcpClosedConnectionReconnectsToSentBy) {
  auto s = server.listen(*parseListenSpec("tcp:127.0.0.1:0"));
  auto back = client.listen(*parseListenSpec("tcp:127.0.0.1:0"));
  ASSERT_TRUE(s && back);
  const std::string via = fmt::format("Via: SIP/2.0/TCP {};branch=z9hG4bK-r3", back->toString());
  ASSERT_TRUE(client.send({TransportKind::Tcp, {}, *s, 0}, requestWithVia(via)));
  ASSERT_TRUE(loop.runUntil([&] { return serverRec.messages.size() == 1; }));
  const Flow arrival = serverRec.messages[0].flow;
  auto req = SipMessage::parse(serverRec.messages[0].raw);
  ASSERT_TRUE(req);

  // While open: the same connection.
  ASSERT_TRUE(server.send(arrival, testing::okFor(*req)));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_EQ(server.counters().connectionsConnected, 0u);

  // Closed: a new connection to the sent-by port.
  server.closeConnection(arrival.connectionId);
  ASSERT_TRUE(server.send(arrival, testing::okFor(*req)));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 2; }));
  EXPECT_EQ(server.counters().connectionsConnected, 1u);
  EXPECT_EQ(clientRec.messages[1].flow.local, *back);
}

TEST_F(Fixture, RequestsAreNotRerouted) {
  auto s = server.listen(*parseListenSpec("udp:127.0.0.1:0"));
  auto a = client.listen(*parseListenSpec("udp:127.0.0.1:0"));
  ASSERT_TRUE(s && a);
  // Via names some other port; a request still goes to flow.remote.
  ASSERT_TRUE(client.send({TransportKind::Udp, *a, *s, 0},
                          requestWithVia("Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-r4")));
  ASSERT_TRUE(loop.runUntil([&] { return serverRec.messages.size() == 1; }));
}

}  // namespace
}  // namespace trunkline::sip
