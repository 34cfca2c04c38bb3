#include <gtest/gtest.h>

#include "net/test/test_certs.h"
#include "sip/transport/test/transport_test_util.h"
#include "sip/transport/transport_layer.h"

namespace trunkline::sip {
namespace {

using testing::Recorder;

struct TlsPair : ::testing::Test {
  net::testing::TempCerts certs;
  base::SystemClock clock;
  net::EventLoop loop{clock};
  Recorder serverRec, clientRec;
  std::unique_ptr<TransportLayer> server, client;
  net::Address serverAddr;

  // The client trusts `caName`'s certificate; the server presents "server".
  void open(const char* spec, const std::string& caName = "server") {
    ASSERT_TRUE(certs.ok()) << "openssl CLI failed";
    TransportOptions sopts, copts;
    auto sctx = net::makeTlsServerContext({certs.cert(), certs.key(), "", false});
    ASSERT_TRUE(sctx) << sctx.error().message;
    sopts.tlsServer = *sctx;
    auto cctx = net::makeTlsClientContext({"", "", certs.cert(caName), true});
    ASSERT_TRUE(cctx) << cctx.error().message;
    copts.tlsClient = *cctx;
    server = std::make_unique<TransportLayer>(loop, sopts);
    client = std::make_unique<TransportLayer>(loop, copts);
    server->setHandler(&serverRec);
    client->setHandler(&clientRec);
    auto s = server->listen(*parseListenSpec(spec));
    ASSERT_TRUE(s) << s.error().message;
    serverAddr = *s;
    serverRec.hook = [this](SipMessage& m, const Flow& f) {
      auto back = server->responseFlow(m.topVia(), f);
      ASSERT_TRUE(back);
      EXPECT_TRUE(server->send(*back, testing::okFor(m)));
    };
  }
  Flow toServer() const { return Flow{TransportKind::Tls, {}, serverAddr, 0}; }
};

TEST_F(TlsPair, RoundTripOverOneConnection) {
  open("tls:127.0.0.1:0");
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TLS")));
  ASSERT_TRUE(client->send(toServer(), testing::request(2, "TLS")));  // queued while handshaking
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 2; }));
  EXPECT_EQ(serverRec.messages.at(0).flow.kind, TransportKind::Tls);
  EXPECT_EQ(serverRec.messages.at(0).flow.local, serverAddr);
  EXPECT_EQ(clientRec.messages.at(0).flow.kind, TransportKind::Tls);
  EXPECT_EQ(server->counters().connectionsAccepted, 1u);
  EXPECT_EQ(client->counters().connectionsConnected, 1u);
  EXPECT_EQ(client->connectionCount(), 1u);
}

TEST_F(TlsPair, Ipv6) {
  open("tls:[::1]:0");
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TLS", "[::1]:5999")));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.messages.size() == 1; }));
  EXPECT_TRUE(serverRec.messages.at(0).flow.remote.isV6());
}

TEST_F(TlsPair, UntrustedServerFailsTheHandshake) {
  open("tls:127.0.0.1:0", "other");  // the client trusts a different certificate
  ASSERT_TRUE(client->send(toServer(), testing::request(1, "TLS")));
  ASSERT_TRUE(loop.runUntil([&] { return clientRec.sendFailures.size() == 1; }));
  EXPECT_NE(clientRec.sendFailures[0].message.find("handshake"), std::string::npos)
      << clientRec.sendFailures[0].message;
  EXPECT_EQ(client->counters().tlsHandshakeFailures, 1u);
  EXPECT_EQ(client->counters().connectFailures, 1u);
  EXPECT_TRUE(serverRec.messages.empty());
  ASSERT_TRUE(loop.runUntil([&] { return server->connectionCount() == 0; }));
}

TEST(Tls, ListenerNeedsAServerContextAndClientNeedsAClientContext) {
  base::SystemClock clock;
  net::EventLoop loop{clock};
  TransportLayer layer(loop);
  auto r = layer.listen(*parseListenSpec("tls:127.0.0.1:0"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::Errc::Config);
  EXPECT_NE(r.error().message.find("tls:127.0.0.1:0"), std::string::npos);
  EXPECT_FALSE(layer.send({TransportKind::Tls, {}, *net::Address::parse("127.0.0.1:5061"), 0},
                          testing::request(1, "TLS")));
}

}  // namespace
}  // namespace trunkline::sip

namespace trunkline::sip {
namespace {

// Mutual TLS: the server trusts only the "other" certificate as a client certificate.
struct MutualTls : ::testing::Test {
  net::testing::TempCerts certs;
  base::SystemClock clock;
  net::EventLoop loop{clock};
  Recorder serverRec;
  std::unique_ptr<TransportLayer> server;
  net::Address serverAddr;

  void SetUp() override {
    ASSERT_TRUE(certs.ok());
    TransportOptions sopts;
    auto sctx = net::makeTlsServerContext({certs.cert(), certs.key(), certs.cert("other"), true});
    ASSERT_TRUE(sctx) << sctx.error().message;
    sopts.tlsServer = *sctx;
    server = std::make_unique<TransportLayer>(loop, sopts);
    server->setHandler(&serverRec);
    serverAddr = *server->listen(*parseListenSpec("tls:127.0.0.1:0"));
  }
  std::unique_ptr<TransportLayer> client(bool withCert) {
    TransportOptions copts;
    net::TlsFiles files{"", "", certs.cert(), true};
    if (withCert) {
      files.certFile = certs.cert("other");
      files.keyFile = certs.key("other");
    }
    auto cctx = net::makeTlsClientContext(files);
    EXPECT_TRUE(cctx) << cctx.error().message;
    copts.tlsClient = *cctx;
    return std::make_unique<TransportLayer>(loop, copts);
  }
};

TEST_F(MutualTls, ClientCertificateAccepted) {
  auto c = client(true);
  ASSERT_TRUE(c->send({TransportKind::Tls, {}, serverAddr, 0}, testing::request(1, "TLS")));
  ASSERT_TRUE(loop.runUntil([&] { return serverRec.messages.size() == 1; }));
  EXPECT_EQ(server->counters().tlsHandshakeFailures, 0u);
}

TEST_F(MutualTls, MissingClientCertificateRejected) {
  auto c = client(false);
  Recorder clientRec;
  c->setHandler(&clientRec);
  ASSERT_TRUE(c->send({TransportKind::Tls, {}, serverAddr, 0}, testing::request(1, "TLS")));
  ASSERT_TRUE(loop.runUntil([&] { return server->counters().tlsHandshakeFailures == 1; }));
  ASSERT_TRUE(loop.runUntil([&] { return c->connectionCount() == 0; }));
  EXPECT_TRUE(serverRec.messages.empty());
}

}  // namespace
}  // namespace trunkline::sip
