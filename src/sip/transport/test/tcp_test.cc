#include <gtest/gtest.h>

#include "sip/transport/test/transport_test_util.h"
#include "sip/transport/transport_layer.h"

namespace trunkline::sip {
namespace {

using namespace std::chrono_literals;
using testing::RawTcpClient;
using testing::Recorder;

// Server and client layers on one loop; the loop's clock is a ManualClock so idle
// timeouts are driven by advance(), while I/O runs for real.
struct TcpPair : ::testing::Test {
  base::ManualClock clock;
  net::EventLoop loop{clock};
  Recorder serverRec, clientRec;
  std::unique_ptr<TransportLayer> server, client;
  net::Address serverAddr;

  void open(const char* spec = "tcp:127.0.0.1:0", TransportOptions opts = {}) {
    server = std::make_unique<TransportLayer>(loop, opts);
    client = std::make_unique<TransportLayer>(loop, opts);
    server->setHandler(&serverRec);
    client->setHandler(&clientRec);
    auto s = server->listen(*parseListenSpec(spec));
    ASSERT_TRUE(s) << s.error().message;
    serverAddr = *s;
    ASSERT_NE(serverAddr.port(), 0);
  }
  void answerRequests() {
    serverRec.hook = [this](SipMessage& m, const Flow& f) {
      if (!m.isRequest()) return;
      auto back = server->responseFlow(m.topVia(), f);
      ASSERT_TRUE(back);
      EXPECT_EQ(back->connectionId, f.connectionId);  // same connection (§18.2.2)
      EXPECT_TRUE(server->send(*back, testing::okFor(m)));
    };
  }
  Flow toServer() const { return Flow{TransportKind::Tcp, {}, serverAddr, 0}; }
  bool runUntil(const std::function<bool()>& f) { return loop.runUntil(f); }
};

TEST_F(TcpPair, RoundTripReusesTheConnection) {
  open();
  answerRequests();
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TCP")));
  ASSERT_TRUE(runUntil([&] { return clientRec.messages.size() == 1; }));
  const Flow in = serverRec.messages.at(0).flow;
  EXPECT_EQ(in.kind, TransportKind::Tcp);
  EXPECT_NE(in.connectionId, 0u);
  EXPECT_EQ(in.local, serverAddr);
  EXPECT_TRUE(server->isOpen(in.connectionId));
  const Flow back = clientRec.messages.at(0).flow;
  EXPECT_EQ(back.remote, serverAddr);
  EXPECT_EQ(back.local, in.remote);

  // A second request (two messages in one write) goes over the same connection.
  ASSERT_TRUE(client->send(toServer(), testing::request(2, "TCP") + testing::request(3, "TCP")));
  ASSERT_TRUE(runUntil([&] { return clientRec.messages.size() == 3; }));
  EXPECT_EQ(server->counters().connectionsAccepted, 1u);
  EXPECT_EQ(client->counters().connectionsConnected, 1u);
  EXPECT_EQ(server->connectionCount(), 1u);
  EXPECT_EQ(client->connectionCount(), 1u);
  for (const auto& r : clientRec.messages) EXPECT_EQ(r.flow.connectionId, back.connectionId);
  EXPECT_EQ(server->counters().packetsIn, 3u);
}

TEST_F(TcpPair, ByteAtATimeInputIsFramed) {
  open();
  RawTcpClient raw(serverAddr);
  ASSERT_TRUE(raw.ok());
  const std::string msg = testing::request(7, "TCP", "127.0.0.1", "hello");
  for (char c : msg) {
    ASSERT_TRUE(raw.write(std::string_view(&c, 1)));
    loop.poll();
  }
  ASSERT_TRUE(runUntil([&] { return serverRec.messages.size() == 1; }));
  EXPECT_EQ(serverRec.messages[0].raw, msg);
}

TEST_F(TcpPair, DoubleCrlfPingGetsACrlfPong) {
  open();
  RawTcpClient raw(serverAddr);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.write("\r\n\r\n"));
  ASSERT_TRUE(runUntil([&] {
    raw.poll();
    return raw.received.size() >= 2;
  }));
  EXPECT_EQ(raw.received, "\r\n");
  EXPECT_EQ(server->counters().keepAlives, 1u);
}

TEST_F(TcpPair, IdleConnectionsCloseOnTheManualClock) {
  TransportOptions opts;
  opts.idleTimeout = 300s;
  open("tcp:127.0.0.1:0", opts);
  answerRequests();
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TCP")));
  ASSERT_TRUE(runUntil([&] { return clientRec.messages.size() == 1; }));
  ASSERT_EQ(server->connectionCount(), 1u);

  clock.advance(200s);
  loop.poll();
  EXPECT_EQ(server->connectionCount(), 1u);
  // Traffic at t=200 s pushes the deadline to t=500 s.
  ASSERT_TRUE(client->send(toServer(), testing::request(2, "TCP")));
  ASSERT_TRUE(runUntil([&] { return clientRec.messages.size() == 2; }));
  clock.advance(200s);  // t=400 s
  loop.poll();
  EXPECT_EQ(server->connectionCount(), 1u);
  EXPECT_EQ(client->connectionCount(), 1u);
  clock.advance(100s);  // t=500 s
  loop.poll();
  EXPECT_EQ(server->connectionCount(), 0u);
  EXPECT_EQ(client->connectionCount(), 0u);
  EXPECT_EQ(server->counters().idleTimeouts, 1u);
  EXPECT_EQ(serverRec.closed.size(), 1u);
  EXPECT_FALSE(server->isOpen(serverRec.messages.at(0).flow.connectionId));
}

TEST_F(TcpPair, PerSourceIpLimitClosesTheExcess) {
  TransportOptions opts;
  opts.maxConnectionsPerIp = 2;
  open("tcp:127.0.0.1:0", opts);
  RawTcpClient a(serverAddr), b(serverAddr), c(serverAddr);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(runUntil([&] {
    return server->counters().connectionsAccepted + server->counters().connectionsRefused == 3;
  }));
  EXPECT_EQ(server->counters().connectionsAccepted, 2u);
  EXPECT_EQ(server->counters().connectionsRefused, 1u);
  EXPECT_EQ(server->connectionCount(), 2u);
  // Exactly one client sees its connection closed.
  ASSERT_TRUE(runUntil([&] {
    a.poll();
    b.poll();
    c.poll();
    return a.eof || b.eof || c.eof;
  }));
  EXPECT_EQ(int(a.eof) + int(b.eof) + int(c.eof), 1);
  EXPECT_TRUE(serverRec.closed.empty());  // refused sockets never became connections
  // Closing one makes room again.
  serverRec.closed.clear();
  server->closeConnection(1);
  EXPECT_EQ(server->connectionCount(), 1u);
  RawTcpClient d(serverAddr);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(runUntil([&] { return server->counters().connectionsAccepted == 3; }));
  EXPECT_EQ(server->connectionCount(), 2u);
}

TEST_F(TcpPair, TotalConnectionLimit) {
  TransportOptions opts;
  opts.maxConnections = 1;
  open("tcp:127.0.0.1:0", opts);
  RawTcpClient a(serverAddr), b(serverAddr);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(runUntil([&] {
    return server->counters().connectionsAccepted + server->counters().connectionsRefused == 2;
  }));
  EXPECT_EQ(server->counters().connectionsRefused, 1u);
  EXPECT_EQ(server->connectionCount(), 1u);
  // Outbound connections count too.
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TCP")));
  net::Address other = serverAddr;
  other.setPort(1);
  EXPECT_FALSE(client->send({TransportKind::Tcp, {}, other, 0}, testing::request(2, "TCP")));
  EXPECT_EQ(client->counters().connectionsRefused, 1u);
}

TEST_F(TcpPair, MissingContentLengthIsReportedAndCloses) {
  open();
  RawTcpClient raw(serverAddr);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.write("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n"));
  ASSERT_TRUE(runUntil([&] { return serverRec.errors.size() == 1; }));
  EXPECT_EQ(serverRec.errors[0].error.code, ParseErrc::MissingHeader);
  EXPECT_EQ(serverRec.errors[0].error.header, "Content-Length");
  ASSERT_TRUE(runUntil([&] {
    raw.poll();
    return raw.eof;
  }));
  EXPECT_EQ(server->connectionCount(), 0u);
  EXPECT_EQ(server->counters().framingErrors, 1u);
}

TEST_F(TcpPair, MalformedButFramedMessageKeepsTheConnection) {
  open();
  RawTcpClient raw(serverAddr);
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.write("GARBAGE\r\nContent-Length: 0\r\n\r\n" + testing::request(1, "TCP")));
  ASSERT_TRUE(runUntil([&] { return serverRec.messages.size() == 1; }));
  EXPECT_EQ(serverRec.errors.size(), 1u);
  EXPECT_EQ(server->connectionCount(), 1u);
}

TEST_F(TcpPair, ConnectFailureIsReported) {
  open();
  // A port with nothing listening: listen, note the port, close.
  net::Address dead;
  {
    TransportLayer tmp(loop);
    dead = *tmp.listen(*parseListenSpec("tcp:127.0.0.1:0"));
  }
  ASSERT_TRUE(client->send({TransportKind::Tcp, {}, dead, 0}, testing::request(1, "TCP")));
  ASSERT_TRUE(runUntil([&] { return clientRec.sendFailures.size() == 1; }));
  EXPECT_EQ(clientRec.sendFailures[0].flow.remote, dead);
  EXPECT_NE(clientRec.sendFailures[0].message.find(dead.toString()), std::string::npos);
  EXPECT_EQ(client->counters().connectFailures, 1u);
  EXPECT_EQ(client->connectionCount(), 0u);
}

TEST_F(TcpPair, ResponseAfterTheConnectionClosedOpensANewOne) {
  open();
  // The "client" also listens, so the server can connect back to its sent-by port.
  auto back = client->listen(*parseListenSpec("tcp:127.0.0.1:0"));
  ASSERT_TRUE(back);
  const std::string sentBy = back->toString();
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TCP", sentBy)));
  ASSERT_TRUE(runUntil([&] { return serverRec.messages.size() == 1; }));
  const Flow in = serverRec.messages[0].flow;
  server->closeConnection(in.connectionId);
  EXPECT_FALSE(server->isOpen(in.connectionId));
  EXPECT_EQ(serverRec.closed.size(), 1u);

  auto req = SipMessage::parse(serverRec.messages[0].raw);
  ASSERT_TRUE(req);
  auto route = server->responseFlow(req->topVia(), in);
  ASSERT_TRUE(route);
  EXPECT_EQ(route->connectionId, 0u);
  EXPECT_EQ(route->remote, *back);
  ASSERT_TRUE(server->send(*route, testing::okFor(*req)));
  ASSERT_TRUE(runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_EQ(server->counters().connectionsConnected, 1u);
}

TEST_F(TcpPair, Ipv6RoundTrip) {
  open("tcp:[::1]:0");
  answerRequests();
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TCP", "[::1]:5999")));
  ASSERT_TRUE(runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_TRUE(serverRec.messages[0].flow.remote.isV6());
  EXPECT_EQ(server->listenAddress(TransportKind::Tcp, AF_INET6), serverAddr);
}

TEST_F(TcpPair, ShutdownClosesEverythingQuietly) {
  open();
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TCP")));
  ASSERT_TRUE(runUntil([&] { return serverRec.messages.size() == 1; }));
  server->shutdown();
  EXPECT_EQ(server->connectionCount(), 0u);
  EXPECT_TRUE(serverRec.closed.empty());  // no handler calls during shutdown
  EXPECT_FALSE(server->send(serverRec.messages[0].flow, "x"));
  // The client notices the close.
  ASSERT_TRUE(runUntil([&] { return client->connectionCount() == 0; }));
  server.reset();
  loop.poll();  // aborted completions of the destroyed layer run harmlessly
}

}  // namespace
}  // namespace trunkline::sip
