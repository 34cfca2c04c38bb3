#include <gtest/gtest.h>

#include <set>

#include "sip/transport/test/transport_test_util.h"
#include "sip/transport/transport_layer.h"

namespace trunkline::sip {
namespace {

using testing::Recorder;

struct UdpPair : ::testing::Test {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  Recorder serverRec, clientRec;
  TransportLayer server{loop};
  TransportLayer client{loop};
  net::Address serverAddr, clientAddr;

  void open(const char* ip) {
    server.setHandler(&serverRec);
    client.setHandler(&clientRec);
    auto s = server.listen({TransportKind::Udp, *net::Address::fromIp(ip, 0)});
    ASSERT_TRUE(s) << s.error().message;
    auto c = client.listen({TransportKind::Udp, *net::Address::fromIp(ip, 0)});
    ASSERT_TRUE(c) << c.error().message;
    serverAddr = *s;
    clientAddr = *c;
    ASSERT_NE(serverAddr.port(), 0);
    EXPECT_EQ(server.listenAddress(TransportKind::Udp, serverAddr.family()), serverAddr);
  }
  Flow toServer() const { return Flow{TransportKind::Udp, clientAddr, serverAddr, 0}; }
};

TEST_F(UdpPair, HundredDatagramsBatchedAndAnswered) {
  open("127.0.0.1");
  // Answer every request on the flow the routing rules give (rport: source port).
  serverRec.hook = [&](SipMessage& m, const Flow& f) {
    auto back = server.responseFlow(m.topVia(), f);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->remote, clientAddr);
    EXPECT_TRUE(server.send(*back, testing::okFor(m)));
  };
  constexpr int kCount = 100;
  // All sent before the loop runs: they wait in the socket buffer, read in batches.
  for (int i = 0; i < kCount; ++i) ASSERT_TRUE(client.send(toServer(), testing::request(i)));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == kCount; }));

  std::set<std::string> ids;
  for (const auto& r : serverRec.messages) {
    EXPECT_TRUE(r.request);
    EXPECT_EQ(r.flow.kind, TransportKind::Udp);
    EXPECT_EQ(r.flow.remote, clientAddr);  // the packet's source (§18.2.1)
    EXPECT_EQ(r.flow.local, serverAddr);
    ids.insert(r.callId);
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kCount));
  for (const auto& r : clientRec.messages) EXPECT_FALSE(r.request);
  EXPECT_EQ(server.counters().packetsIn, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(server.counters().packetsOut, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(client.counters().packetsOut, static_cast<std::uint64_t>(kCount));
  EXPECT_GT(server.counters().bytesIn, 0u);
  EXPECT_GE(server.counters().recvBatches, 1u);
  EXPECT_LT(server.counters().recvBatches, static_cast<std::uint64_t>(kCount));  // batched
  EXPECT_TRUE(serverRec.errors.empty());
}

// What handling one receive batch sends leaves after the batch (sendmmsg): every datagram,
// in the order sent, and a datagram the kernel refuses (port 0: EINVAL) is reported through
// onSendFailed and the counters without holding up the others.
TEST_F(UdpPair, SendsOfOneBatchLeaveInOrderAndRefusalsAreReported) {
  open("127.0.0.1");
  const net::Address nowhere = *net::Address::fromIp("127.0.0.1", 0);
  serverRec.hook = [&](SipMessage& m, const Flow& f) {
    auto back = server.responseFlow(m.topVia(), f);
    ASSERT_TRUE(back);
    EXPECT_TRUE(server.send(*back, testing::okFor(m)));
    EXPECT_TRUE(server.send(Flow{TransportKind::Udp, serverAddr, nowhere, 0}, "refused"));
    const int i = std::stoi(std::string(m.callId().substr(5)));  // "call-<i>"
    EXPECT_TRUE(server.send(Flow{TransportKind::Udp, serverAddr, clientAddr, 0},
                            testing::request(1000 + i)));
  };
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) ASSERT_TRUE(client.send(toServer(), testing::request(i)));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 2 * kCount; }));
  loop.poll();

  ASSERT_EQ(clientRec.messages.size(), static_cast<std::size_t>(2 * kCount));
  for (int i = 0; i < kCount; ++i) {  // loopback keeps one socket's order
    const auto& ok = clientRec.messages[static_cast<std::size_t>(2 * i)];
    const auto& req = clientRec.messages[static_cast<std::size_t>(2 * i + 1)];
    EXPECT_FALSE(ok.request);
    EXPECT_EQ(ok.callId, fmt::format("call-{}", i));
    EXPECT_TRUE(req.request);
    EXPECT_EQ(req.callId, fmt::format("call-{}", 1000 + i));
  }
  EXPECT_LT(server.counters().recvBatches, static_cast<std::uint64_t>(kCount));  // batched
  ASSERT_EQ(serverRec.sendFailures.size(), static_cast<std::size_t>(kCount));
  for (const auto& f : serverRec.sendFailures) {
    EXPECT_EQ(f.flow.remote, nowhere);
    EXPECT_EQ(f.flow.local, serverAddr);
  }
  EXPECT_EQ(server.counters().sendErrors, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(server.counters().packetsOut, static_cast<std::uint64_t>(2 * kCount));
}

// Outside a receive batch (here: before the loop runs) a refused datagram is refused at once.
TEST_F(UdpPair, SendOutsideABatchFailsAtOnce) {
  open("127.0.0.1");
  const net::Address nowhere = *net::Address::fromIp("127.0.0.1", 0);
  EXPECT_FALSE(server.send(Flow{TransportKind::Udp, serverAddr, nowhere, 0}, "refused"));
  EXPECT_EQ(server.counters().sendErrors, 1u);
  EXPECT_TRUE(serverRec.sendFailures.empty());
}

TEST_F(UdpPair, Ipv6RoundTrip) {
  open("::1");
  serverRec.hook = [&](SipMessage& m, const Flow& f) {
    EXPECT_TRUE(server.send(*server.responseFlow(m.topVia(), f), testing::okFor(m)));
  };
  ASSERT_TRUE(client.send(toServer(), testing::request(1, "UDP", "[::1]:5999")));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_TRUE(serverRec.messages.at(0).flow.remote.isV6());
  EXPECT_EQ(serverRec.messages.at(0).flow.remote, clientAddr);
}

TEST_F(UdpPair, MalformedDatagramIsReportedWithItsSource) {
  open("127.0.0.1");
  ASSERT_TRUE(client.send(toServer(), "INVITE sip:x SIP/2.0\r\nVia: garbage\r\n\r\n"));
  ASSERT_TRUE(client.send(toServer(), testing::request(2)));
  ASSERT_TRUE(loop.runUntil([&] { return serverRec.messages.size() == 1; }));
  ASSERT_EQ(serverRec.errors.size(), 1u);
  EXPECT_EQ(serverRec.errors[0].flow.remote, clientAddr);
  EXPECT_EQ(serverRec.errors[0].bytes.substr(0, 6), "INVITE");
  EXPECT_FALSE(serverRec.errors[0].error.text().empty());
  EXPECT_EQ(server.counters().parseErrors, 1u);
}

TEST_F(UdpPair, KeepAlivesAreCountedNotDelivered) {
  open("127.0.0.1");
  ASSERT_TRUE(client.send(toServer(), "\r\n\r\n"));
  ASSERT_TRUE(client.send(toServer(), testing::request(3)));
  ASSERT_TRUE(loop.runUntil([&] { return serverRec.messages.size() == 1; }));
  EXPECT_EQ(server.counters().keepAlives, 1u);
  EXPECT_TRUE(serverRec.errors.empty());
}

TEST(Udp, ListenAllAndSendFromTheFlowsLocalSocket) {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  Recorder rec;
  TransportLayer server(loop), client(loop);
  server.setHandler(&rec);
  auto s = server.listenAll({"udp:127.0.0.1:0"});
  ASSERT_TRUE(s) << s.error().message;
  auto c = client.listenAll({"udp:127.0.0.1:0", "udp:127.0.0.1:0", "udp:[::1]:0"});
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->size(), 3u);
  const net::Address to = s->at(0).address;
  // The second socket is chosen by flow.local; the source the server sees proves it.
  ASSERT_TRUE(client.send({TransportKind::Udp, c->at(1).address, to, 0}, testing::request(1)));
  ASSERT_TRUE(loop.runUntil([&] { return rec.messages.size() == 1; }));
  EXPECT_EQ(rec.messages[0].flow.remote, c->at(1).address);
  // No local: the first socket of the destination's family.
  ASSERT_TRUE(client.send({TransportKind::Udp, {}, to, 0}, testing::request(2)));
  ASSERT_TRUE(loop.runUntil([&] { return rec.messages.size() == 2; }));
  EXPECT_EQ(rec.messages[1].flow.remote, c->at(0).address);

  auto bad = server.listenAll({"udp:127.0.0.1:0", "udp:nowhere:1"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("udp:nowhere:1"), std::string::npos);
}

TEST(Udp, OversizeDatagramIsReportedTooLarge) {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  TransportOptions opts;
  opts.limits.maxMessageBytes = 2000;
  Recorder rec;
  TransportLayer server(loop, opts);
  TransportLayer client(loop);
  server.setHandler(&rec);
  auto s = server.listen(*parseListenSpec("udp:127.0.0.1:0"));
  auto c = client.listen(*parseListenSpec("udp:127.0.0.1:0"));
  ASSERT_TRUE(s && c);
  const std::string big = testing::request(1, "UDP", "127.0.0.1", std::string(3000, 'x'));
  ASSERT_TRUE(client.send({TransportKind::Udp, *c, *s, 0}, big));
  ASSERT_TRUE(loop.runUntil([&] { return rec.errors.size() == 1; }));
  EXPECT_EQ(rec.errors[0].error.code, ParseErrc::TooLarge);
  EXPECT_EQ(server.counters().udpTruncated, 1u);
}

TEST(Udp, BindErrorsAndWrongFamilyAreReported) {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  TransportLayer a(loop);
  auto s = a.listen(*parseListenSpec("udp:127.0.0.1:0"));
  ASSERT_TRUE(s);
  TransportLayer b(loop);
  auto again = b.listen({TransportKind::Udp, *s});  // same port, no SO_REUSEPORT
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find(s->toString()), std::string::npos) << again.error().message;
  // No IPv6 socket: sending to [::1] fails cleanly.
  EXPECT_FALSE(a.send({TransportKind::Udp, {}, *net::Address::parse("[::1]:5060"), 0}, "x"));
  EXPECT_EQ(a.counters().sendErrors, 1u);
  EXPECT_EQ(a.listeners().size(), 1u);
}

}  // namespace
}  // namespace trunkline::sip

#include <atomic>
#include <thread>

namespace trunkline::sip {
namespace {

// The loop runs on its own thread; another thread hands sends over with post().
TEST(Udp, LoopOnItsOwnThreadWithPostedSends) {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  struct Counter : TransportHandler {
    std::atomic<int> n{0};
    void onMessage(SipMessage, const Flow&) override { ++n; }
    void onParseError(std::string_view, const ParseError&, const Flow&) override {}
  } counter;
  TransportLayer server(loop), client(loop);
  server.setHandler(&counter);
  auto s = server.listen(*parseListenSpec("udp:127.0.0.1:0"));
  auto c = client.listen(*parseListenSpec("udp:127.0.0.1:0"));
  ASSERT_TRUE(s && c);
  std::thread t([&] { loop.run(); });
  for (int i = 0; i < 10; ++i)
    loop.post([&, i] { client.send({TransportKind::Udp, *c, *s, 0}, testing::request(i)); });
  // Bounded wait on this thread for the loop thread's work.
  for (int spins = 0; counter.n < 10 && spins < 10000; ++spins)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(counter.n, 10);
  loop.stop();
  t.join();
}

}  // namespace
}  // namespace trunkline::sip
