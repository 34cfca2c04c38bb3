#include "net/tls_context.h"

#include <gtest/gtest.h>

#include <fstream>

#include "net/test/test_certs.h"

namespace trunkline::net {
namespace {

TEST(TlsContext, ServerAndClientFromGeneratedFiles) {
  testing::TempCerts certs;
  ASSERT_TRUE(certs.ok());
  auto server = makeTlsServerContext({certs.cert(), certs.key(), "", false});
  ASSERT_TRUE(server) << server.error().message;
  auto client = makeTlsClientContext({"", "", certs.cert(), true});
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*server)->native_handle()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*client)->native_handle()), TLS1_2_VERSION);
}

TEST(TlsContext, MissingFilesAreNamed) {
  auto r = makeTlsServerContext({"/nonexistent/cert.pem", "/nonexistent/key.pem", "", false});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, base::Errc::Config);
  EXPECT_NE(r.error().message.find("/nonexistent/cert.pem"), std::string::npos);

  testing::TempCerts certs;
  ASSERT_TRUE(certs.ok());
  auto k = makeTlsServerContext({certs.cert(), "/nonexistent/key.pem", "", false});
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("/nonexistent/key.pem"), std::string::npos);

  auto ca = makeTlsClientContext({"", "", "/nonexistent/ca.pem", true});
  ASSERT_FALSE(ca);
  EXPECT_NE(ca.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(TlsContext, GarbageAndMismatchedFilesAreRejected) {
  testing::TempCerts certs;
  ASSERT_TRUE(certs.ok());
  const std::string junk = certs.dir() + "/junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  auto r = makeTlsServerContext({junk, certs.key(), "", false});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("certificate file '" + junk + "'"), std::string::npos)
      << r.error().message;

  auto m = makeTlsServerContext({certs.cert("server"), certs.key("other"), "", false});
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("does not match"), std::string::npos) << m.error().message;

  auto none = makeTlsServerContext({"", "", "", false});
  ASSERT_FALSE(none);
}

}  // namespace
}  // namespace trunkline::net
