#include "webhook/signature.h"

#include <gtest/gtest.h>

namespace trunkline::webhook {
namespace {

// Computed independently of this code:
//   python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test',
//     b'1700000000.{\"id\":\"evt_1\"}', hashlib.sha256).hexdigest())"
//   printf '%s' '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test
constexpr std::string_view kKnownMac =
    "c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925";

TEST(Signature, MatchesAnIndependentlyComputedVector) {
  EXPECT_EQ(signatureV1("whsec_test", 1700000000, R"({"id":"evt_1"})"), kKnownMac);
  EXPECT_EQ(signatureHeader("whsec_test", 1700000000, R"({"id":"evt_1"})"),
            "t=1700000000,v1=" + std::string(kKnownMac));
}

TEST(Signature, VerifiesWithinToleranceOnly) {
  const std::string body = R"({"id":"evt_1"})";
  const auto header = signatureHeader("whsec_test", 1700000000, body);
  EXPECT_TRUE(verifySignature(header, "whsec_test", body, 1700000000));
  EXPECT_TRUE(verifySignature(header, "whsec_test", body, 1700000000 + kToleranceS));
  EXPECT_FALSE(verifySignature(header, "whsec_test", body, 1700000000 + kToleranceS + 1));
  EXPECT_FALSE(verifySignature(header, "whsec_test", body, 1700000000 - kToleranceS - 1));
}

TEST(Signature, RefusesTamperingAndJunk) {
  const std::string body = R"({"id":"evt_1"})";
  const auto header = signatureHeader("whsec_test", 1700000000, body);
  EXPECT_FALSE(verifySignature(header, "whsec_other", body, 1700000000));
  EXPECT_FALSE(verifySignature(header, "whsec_test", R"({"id":"evt_2"})", 1700000000));
  // The timestamp is signed: moving it breaks the MAC.
  auto moved = "t=1700000001,v1=" + std::string(kKnownMac);
  EXPECT_FALSE(verifySignature(moved, "whsec_test", body, 1700000000));
  for (std::string_view junk :
       {"", "t=", "v1=", "t=x,v1=00", "t=1700000000", ",,,,", "t=-5,v1=00", "t=1700000000,v1="})
    EXPECT_FALSE(verifySignature(junk, "whsec_test", body, 1700000000)) << junk;
  // Any matching v1 among several is accepted (rotation).
  auto several = "t=1700000000,v1=00ff, v1=" + std::string(kKnownMac);
  EXPECT_TRUE(verifySignature(several, "whsec_test", body, 1700000000));
}

TEST(Signature, SecretsAndIdsAreRandomHex) {
  auto a = generateSecret();
  auto b = generateSecret();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  ASSERT_EQ(a->size(), kSecretPrefix.size() + 64);
  EXPECT_TRUE(a->starts_with(kSecretPrefix));
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef", kSecretPrefix.size()), std::string::npos);
  auto id = randomId("evt_");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 4u + 32u);
}

}  // namespace
}  // namespace trunkline::webhook
