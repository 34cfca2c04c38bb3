// DigestClient: answering a carrier's 401/407.
#include "sip/auth/client.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace trunkline::sip {
namespace {

constexpr std::string_view kRealm = "carrier.example";

ClientCredential cred(bool withSha = true) {
  return ClientCredential{"trunkline", std::string(kRealm),
                          ha1(DigestAlgorithm::Md5, "trunkline", kRealm, "pw"),
                          withSha ? ha1(DigestAlgorithm::Sha256, "trunkline", kRealm, "pw") : ""};
}

std::array<std::uint8_t, 1> kSeed{9};

// Checks a produced value the way a server would.
void expectValid(const std::string& value, std::string_view method, std::string_view uri,
                 std::string_view nonce) {
  auto r = parseDigestResponse(value);
  ASSERT_TRUE(r) << r.error().text << " in " << value;
  EXPECT_EQ(r->username, "trunkline");
  EXPECT_EQ(r->realm, kRealm);
  EXPECT_EQ(r->nonce, nonce);
  EXPECT_EQ(r->uri, uri);
  std::string h1 = ha1(r->algorithm, "trunkline", kRealm, "pw");
  EXPECT_EQ(requestDigest(r->algorithm, h1, r->nonce, r->nc, r->cnonce, r->qop, method, r->uri),
            r->response);
}

TEST(DigestClientTest, PrefersSha256WhenOfferedAndHeld) {
  SeededRandom random(kSeed);
  std::vector<std::string_view> ch{
      "Digest realm=\"carrier.example\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"",
      "Digest realm=\"carrier.example\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\", "
      "opaque=\"op\""};
  DigestClient c(cred(), random);
  ASSERT_TRUE(c.onChallenge(ch));
  EXPECT_EQ(c.algorithm(), DigestAlgorithm::Sha256);
  auto v = c.authorization("INVITE", "sip:+442079460000@gw.carrier.example");
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("algorithm=SHA-256"), std::string::npos);
  EXPECT_NE(v->find("nc=00000001"), std::string::npos);
  EXPECT_NE(v->find("opaque=\"op\""), std::string::npos);
  expectValid(*v, "INVITE", "sip:+442079460000@gw.carrier.example", "n1");

  DigestClient md5Only(cred(false), random);
  ASSERT_TRUE(md5Only.onChallenge(ch));
  EXPECT_EQ(md5Only.algorithm(), DigestAlgorithm::Md5);
}

TEST(DigestClientTest, CountsNonceUsesAndFreshCnonce) {
  SeededRandom random(kSeed);
  std::vector<std::string_view> ch{"Digest realm=\"carrier.example\", nonce=\"n\", qop=\"auth\""};
  DigestClient c(cred(), random);
  ASSERT_TRUE(c.onChallenge(ch));
  auto a = parseDigestResponse(*c.authorization("INVITE", "sip:x@y"));
  auto b = parseDigestResponse(*c.authorization("BYE", "sip:x@y"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ncValue, 1u);
  EXPECT_EQ(b->ncValue, 2u);
  EXPECT_NE(a->cnonce, b->cnonce);
}

TEST(DigestClientTest, LegacyServerWithoutQop) {
  SeededRandom random(kSeed);
  std::vector<std::string_view> ch{"Digest realm=\"carrier.example\", nonce=\"abc\""};
  auto v = answerChallenge(ch, cred(), "REGISTER", "sip:carrier.example", random);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->find("qop"), std::string::npos);
  EXPECT_EQ(v->find("cnonce"), std::string::npos);
  expectValid(*v, "REGISTER", "sip:carrier.example", "abc");
}

TEST(DigestClientTest, GivesUpWhenCredentialsAreRejected) {
  SeededRandom random(kSeed);
  std::vector<std::string_view> first{"Digest realm=\"carrier.example\", nonce=\"1\", qop=auth"};
  std::vector<std::string_view> again{"Digest realm=\"carrier.example\", nonce=\"2\", qop=auth"};
  std::vector<std::string_view> stale{
      "Digest realm=\"carrier.example\", nonce=\"3\", qop=auth, stale=true"};
  DigestClient c(cred(), random);
  ASSERT_TRUE(c.onChallenge(first));
  ASSERT_TRUE(c.authorization("INVITE", "sip:a@b"));
  // stale=true: same credentials, new nonce.
  ASSERT_TRUE(c.onChallenge(stale));
  auto v = c.authorization("INVITE", "sip:a@b");
  ASSERT_TRUE(v);
  expectValid(*v, "INVITE", "sip:a@b", "3");
  // Challenged again without stale: the password is wrong; do not loop.
  auto r = c.onChallenge(again);
  EXPECT_FALSE(r);
  EXPECT_FALSE(c.ready());
  EXPECT_FALSE(c.authorization("INVITE", "sip:a@b"));
}

TEST(DigestClientTest, UnusableChallenges) {
  SeededRandom random(kSeed);
  DigestClient c(cred(), random);
  std::vector<std::string_view> wrongRealm{"Digest realm=\"elsewhere\", nonce=\"n\""};
  std::vector<std::string_view> authInt{
      "Digest realm=\"carrier.example\", nonce=\"n\", qop=\"auth-int\""};
  std::vector<std::string_view> sess{
      "Digest realm=\"carrier.example\", nonce=\"n\", algorithm=MD5-sess"};
  std::vector<std::string_view> basic{"Basic realm=\"carrier.example\""};
  std::vector<std::string_view> none{};
  EXPECT_FALSE(c.onChallenge(wrongRealm));
  EXPECT_FALSE(c.onChallenge(authInt));
  EXPECT_FALSE(c.onChallenge(sess));
  EXPECT_FALSE(c.onChallenge(basic));
  EXPECT_FALSE(c.onChallenge(none));
  EXPECT_FALSE(c.authorization("INVITE", "sip:a@b"));
  // A usable one among unusable ones is found.
  std::vector<std::string_view> mixed{sess[0], "Digest realm=\"carrier.example\", nonce=\"ok\""};
  EXPECT_TRUE(c.onChallenge(mixed));
  EXPECT_EQ(DigestClient::authorizationHeaderName(407), "Proxy-Authorization");
  EXPECT_EQ(DigestClient::authorizationHeaderName(401), "Authorization");
}

TEST(DigestClientTest, EscapesUsernameAndUri) {
  SeededRandom random(kSeed);
  ClientCredential q = cred();
  q.username = "we\"ird";
  q.ha1Md5 = ha1(DigestAlgorithm::Md5, q.username, kRealm, "pw");
  q.ha1Sha256.clear();
  std::vector<std::string_view> ch{"Digest realm=\"carrier.example\", nonce=\"n\", qop=auth"};
  auto v = answerChallenge(ch, q, "INVITE", "sip:a@b", random);
  ASSERT_TRUE(v);
  auto r = parseDigestResponse(*v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->username, "we\"ird");
}

}  // namespace
}  // namespace trunkline::sip
