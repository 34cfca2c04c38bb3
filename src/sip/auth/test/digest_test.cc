// Digest primitives: RFC test vectors, HA1 helper, header parsing edge cases.
#include "sip/auth/digest.h"

#include <gtest/gtest.h>

#include <array>

#include "sip/auth/random.h"

namespace trunkline::sip {
namespace {

// RFC 2617 §3.5 (MD5, qop=auth). The RFC's request line is "GET /dir/index.html".
TEST(DigestVectors, Rfc2617Section35) {
  std::string h1 = ha1(DigestAlgorithm::Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(h1, "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(requestDigest(DigestAlgorithm::Md5, h1, "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                          "00000001", "0a4f113b", "auth", "GET", "/dir/index.html"),
            "6629fae49393a05397450978507c4ef1");
}

// RFC 7616 §3.9.1, both the MD5 and the SHA-256 response.
TEST(DigestVectors, Rfc7616Section391) {
  const char* nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  const char* cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  std::string md5 = ha1(DigestAlgorithm::Md5, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(requestDigest(DigestAlgorithm::Md5, md5, nonce, "00000001", cnonce, "auth", "GET",
                          "/dir/index.html"),
            "8ca523f5e9506fed4657c9700eebdbec");
  std::string sha =
      ha1(DigestAlgorithm::Sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(sha.size(), 64u);
  EXPECT_EQ(requestDigest(DigestAlgorithm::Sha256, sha, nonce, "00000001", cnonce, "auth", "GET",
                          "/dir/index.html"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestVectors, Rfc7616ParsedAndRecomputed) {
  auto r = parseDigestResponse(
      "Digest username=\"Mufasa\",\r\n realm=\"http-auth@example.org\",\r\n"
      " uri=\"/dir/index.html\",\r\n algorithm=SHA-256,\r\n"
      " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n nc=00000001,\r\n"
      " cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n qop=auth,\r\n"
      " response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n"
      " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  ASSERT_TRUE(r) << r.error().text;
  EXPECT_EQ(r->algorithm, DigestAlgorithm::Sha256);
  EXPECT_EQ(r->ncValue, 1u);
  std::string h1 = ha1(DigestAlgorithm::Sha256, r->username, r->realm, "Circle of Life");
  EXPECT_TRUE(digestEqual(
      requestDigest(r->algorithm, h1, r->nonce, r->nc, r->cnonce, r->qop, "GET", r->uri),
      r->response));
}

TEST(DigestVectors, LegacyNoQopForm) {
  // RFC 2069: H(HA1:nonce:H(A2)).
  std::string h1 = ha1(DigestAlgorithm::Md5, "u", "r", "p");
  std::string ha2 = digestHex(DigestAlgorithm::Md5, {"INVITE", "sip:a@b"});
  EXPECT_EQ(requestDigest(DigestAlgorithm::Md5, h1, "n", "", "", "", "INVITE", "sip:a@b"),
            digestHex(DigestAlgorithm::Md5, {h1, "n", ha2}));
}

TEST(DigestPrimitives, Algorithms) {
  EXPECT_EQ(algorithmFromName("md5"), DigestAlgorithm::Md5);
  EXPECT_EQ(algorithmFromName("SHA-256"), DigestAlgorithm::Sha256);
  EXPECT_EQ(algorithmFromName("sha-256"), DigestAlgorithm::Sha256);
  EXPECT_FALSE(algorithmFromName("MD5-sess"));
  EXPECT_FALSE(algorithmFromName("SHA-512-256"));
  EXPECT_TRUE(digestEqual("abc", "abc"));
  EXPECT_FALSE(digestEqual("abc", "abd"));
  EXPECT_FALSE(digestEqual("abc", "abcd"));
}

TEST(AuthParams, EscapesSpacesAndCommasInQuotes) {
  std::string_view scheme;
  auto p = parseAuthParams(
      "Digest  username = \"a\\\"b\\\\c\" ,realm=\"x, y=z\",, nonce=abc ,qop=\"auth,auth-int\"",
      &scheme);
  ASSERT_TRUE(p) << p.error().text;
  EXPECT_EQ(scheme, "Digest");
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0].name, "username");
  EXPECT_EQ((*p)[0].value, "a\"b\\c");
  EXPECT_TRUE((*p)[0].quoted);
  EXPECT_EQ((*p)[1].value, "x, y=z");
  EXPECT_EQ((*p)[2].value, "abc");
  EXPECT_FALSE((*p)[2].quoted);
  EXPECT_EQ((*p)[3].value, "auth,auth-int");
}

TEST(AuthParams, NamesAreCaseInsensitive) {
  auto r = parseDigestResponse(
      "digest USERNAME=\"u\", Realm=\"r\", NONCE=\"n\", Uri=\"sip:x@y\", "
      "Response=\"0123456789ABCDEF0123456789abcdef\"");
  ASSERT_TRUE(r) << r.error().text;
  EXPECT_EQ(r->username, "u");
  EXPECT_EQ(r->response, "0123456789abcdef0123456789abcdef");  // lowercased
  EXPECT_TRUE(r->qop.empty());
}

TEST(AuthParams, FoldedLines) {
  auto p = parseAuthParams("Digest realm=\"a\",\r\n\tnonce=\"b\"");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[1].value, "b");
}

TEST(AuthParams, SyntaxErrors) {
  struct Case {
    const char* in;
    AuthParseErrc code;
  } cases[] = {
      {"", AuthParseErrc::NotDigest},
      {"   ", AuthParseErrc::NotDigest},
      {"Digest realm=\"unterminated", AuthParseErrc::Syntax},
      {"Digest realm", AuthParseErrc::Syntax},
      {"Digest realm=", AuthParseErrc::Syntax},
      {"Digest =x", AuthParseErrc::Syntax},
      {"Digest realm=\"a\" nonce=\"b\"", AuthParseErrc::Syntax},  // missing comma
      {"Digest realm=a b", AuthParseErrc::Syntax},
      {"Digest realm=\"a\", realm=\"b\"", AuthParseErrc::DuplicateParam},
      {"Digest realm=\"a\\", AuthParseErrc::Syntax},        // escape at the end
      {"Digest realm=\"a\x01\"", AuthParseErrc::Syntax},    // control character
      {"Digest realm=\"a\\\x1b\"", AuthParseErrc::Syntax},  // escaped control (ESC)
      {"Digest realm=<sip:x>", AuthParseErrc::Syntax},
      {"Digest,realm=a", AuthParseErrc::Syntax},
  };
  // Found by fuzz_sip_auth: an escaped NUL inside a quoted string.
  const char nul[] = "Digest realm=\"carrier\\\0x\", nonce=\"n1\"";
  auto withNul = parseAuthParams(std::string_view(nul, sizeof nul - 1));
  ASSERT_FALSE(withNul);
  EXPECT_EQ(withNul.error().code, AuthParseErrc::Syntax);
  for (const Case& c : cases) {
    auto p = parseAuthParams(c.in);
    ASSERT_FALSE(p) << c.in;
    EXPECT_EQ(p.error().code, c.code) << c.in << ": " << p.error().text;
    EXPECT_FALSE(p.error().text.empty());
  }
}

TEST(AuthParams, Limits) {
  std::string big = "Digest realm=\"" + std::string(kMaxAuthHeaderSize, 'a') + "\"";
  EXPECT_EQ(parseAuthParams(big).error().code, AuthParseErrc::TooLarge);
  std::string many = "Digest ";
  for (std::size_t i = 0; i <= kMaxAuthParams; ++i) many += "p" + std::to_string(i) + "=1,";
  EXPECT_EQ(parseAuthParams(many).error().code, AuthParseErrc::TooLarge);
}

TEST(DigestResponseParse, MissingFieldsAreNamed) {
  const char* full =
      "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", "
      "response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000001, cnonce=\"c\"";
  ASSERT_TRUE(parseDigestResponse(full));
  for (std::string name : {"username", "realm", "nonce", "uri", "response", "cnonce", "nc"}) {
    std::string v = full;
    std::size_t at = v.find(" " + name + "=");
    ASSERT_NE(at, std::string::npos) << name;
    v.replace(at + 1, name.size(), "x" + name);  // rename it away
    auto r = parseDigestResponse(v);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, AuthParseErrc::MissingParam) << name;
    EXPECT_NE(r.error().text.find("'" + name + "'"), std::string::npos) << r.error().text;
  }
}

TEST(DigestResponseParse, BadValues) {
  const std::string base =
      "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", cnonce=\"c\", ";
  auto code = [&](const std::string& tail) {
    auto r = parseDigestResponse(base + tail);
    return r ? AuthParseErrc{} : r.error().code;
  };
  const std::string resp = "response=\"0123456789abcdef0123456789abcdef\"";
  EXPECT_EQ(code(resp + ", qop=auth, nc=1"), AuthParseErrc::BadParamValue);
  EXPECT_EQ(code(resp + ", qop=auth, nc=0000000g"), AuthParseErrc::BadParamValue);
  EXPECT_EQ(code(resp + ", qop=auth, nc=00000000"), AuthParseErrc::BadParamValue);
  EXPECT_EQ(code(resp + ", qop=auth-int, nc=00000001"), AuthParseErrc::BadParamValue);
  EXPECT_EQ(code(resp + ", algorithm=MD5-sess"), AuthParseErrc::UnsupportedAlgo);
  EXPECT_EQ(code(resp + ", algorithm=SHA-256"), AuthParseErrc::BadParamValue);  // length
  EXPECT_EQ(code("response=\"0123456789abcdef0123456789abcdeZ\""), AuthParseErrc::BadParamValue);
  EXPECT_EQ(parseDigestResponse("Basic dXNlcjpwYXNz").error().code, AuthParseErrc::NotDigest);
}

TEST(DigestChallengeParse, Fields) {
  auto c = parseDigestChallenge(
      "Digest realm=\"sip.example.net\", nonce=\"abc\", opaque=\"o\", algorithm=SHA-256, "
      "qop=\"auth-int, auth\", stale=TRUE, domain=\"sip:example.net\"");
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->realm, "sip.example.net");
  EXPECT_EQ(c->algorithm, DigestAlgorithm::Sha256);
  EXPECT_TRUE(c->qopOffered);
  EXPECT_TRUE(c->qopAuth);
  EXPECT_TRUE(c->stale);
  EXPECT_TRUE(c->hasOpaque);
  auto noQop = parseDigestChallenge("Digest realm=\"r\", nonce=\"n\"");
  ASSERT_TRUE(noQop);
  EXPECT_FALSE(noQop->qopOffered);
  EXPECT_EQ(noQop->algorithm, DigestAlgorithm::Md5);
  EXPECT_EQ(parseDigestChallenge("Digest realm=\"r\"").error().code, AuthParseErrc::MissingParam);
  EXPECT_EQ(
      parseDigestChallenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256").error().code,
      AuthParseErrc::UnsupportedAlgo);
}

TEST(DigestQuoting, RoundTrip) {
  std::string v = "Digest realm=";
  appendQuoted(v, "we \"quote\" \\ here");
  auto p = parseAuthParams(v);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[0].value, "we \"quote\" \\ here");
}

}  // namespace
}  // namespace trunkline::sip

namespace trunkline::sip {
namespace {

TEST(SeededRandomTest, DeterministicPerSeedAndHex) {
  std::array<std::uint8_t, 2> s1{1, 2}, s2{1, 3};
  SeededRandom a(s1), b(s1), c(s2);
  std::string ha = a.hex(20);
  EXPECT_EQ(ha.size(), 40u);
  EXPECT_EQ(ha, b.hex(20));
  EXPECT_NE(ha, c.hex(20));
  EXPECT_NE(a.hex(20), ha);  // the stream moves on
  EXPECT_EQ(ha.find_first_not_of("0123456789abcdef"), std::string::npos);
  SeededRandom os;  // seeded from OpenSSL
  EXPECT_NE(os.nextU64(), os.nextU64());
}

}  // namespace
}  // namespace trunkline::sip
