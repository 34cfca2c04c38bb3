#include <gtest/gtest.h>

#include <set>

#include "api/auth.h"
#include "api/test/fake_key_store.h"

namespace trunkline::api {
namespace {

TEST(ApiKeys, GeneratedKeysAreWellFormedUniqueAndStoredOnlyHashed) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto k = generateKey(0, "ci", 1000);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->text.starts_with("tlk_"));
    EXPECT_EQ(k->text.size(), 4u + 16 + 1 + 64);  // 64-bit id, 256-bit secret
    auto pub = publicIdOf(k->text);
    ASSERT_TRUE(pub);
    EXPECT_EQ(*pub, k->record.publicId);
    EXPECT_EQ(k->record.secretHash, sha256Hex(k->text));
    EXPECT_EQ(k->record.secretHash.find(k->text.substr(21)), std::string::npos);
    EXPECT_TRUE(verifyKey(k->record, k->text));
    EXPECT_TRUE(seen.insert(k->text).second);
  }
}

TEST(ApiKeys, VerificationRefusesAnyChangedCharacter) {
  auto k = generateKey(3, "", 0);
  ASSERT_TRUE(k);
  for (std::size_t i = 0; i < k->text.size(); ++i) {
    std::string t = k->text;
    t[i] = t[i] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(verifyKey(k->record, t)) << i;
  }
  EXPECT_FALSE(verifyKey(k->record, ""));
}

TEST(ApiKeys, MalformedTextsHaveNoPublicId) {
  auto k = generateKey(0, "", 0);
  ASSERT_TRUE(k);
  EXPECT_FALSE(publicIdOf(""));
  EXPECT_FALSE(publicIdOf("tlk_"));
  EXPECT_FALSE(publicIdOf(k->text + "0"));
  EXPECT_FALSE(publicIdOf(k->text.substr(1)));
  std::string upper = k->text;
  upper[5] = 'A';
  EXPECT_FALSE(publicIdOf(upper));
  std::string noSep = k->text;
  noSep[20] = 'x';
  EXPECT_FALSE(publicIdOf(noSep));
}

TEST(ApiKeys, Scopes) {
  EXPECT_EQ(scopeText(0), "admin");
  EXPECT_EQ(scopeText(12), "account:12");
  EXPECT_EQ(parseScope("admin"), storage::Id{0});
  EXPECT_EQ(parseScope("account:12"), storage::Id{12});
  EXPECT_FALSE(parseScope("account:0"));
  EXPECT_FALSE(parseScope("account:-1"));
  EXPECT_FALSE(parseScope("account:1x"));
  EXPECT_FALSE(parseScope("account:"));
  EXPECT_FALSE(parseScope("Admin"));
}

TEST(ApiKeys, AuthenticateChecksSchemeKeyAndRevocation) {
  testing::FakeKeyStore store;
  auto admin = generateKey(0, "admin", 0);
  auto acme = generateKey(7, "acme", 0);
  ASSERT_TRUE(admin && acme);
  const auto adminId = *store.add(admin->record);
  const auto acmeId = *store.add(acme->record);

  const std::string good = "Bearer " + admin->text;
  auto p = authenticate(store, &good);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->admin());
  EXPECT_EQ(p->keyId, adminId);

  const std::string lower = "bearer   " + acme->text + " ";
  p = authenticate(store, &lower);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->accountId, 7);

  EXPECT_FALSE(authenticate(store, nullptr));
  const std::string basic = "Basic dXNlcjpwYXNz";
  EXPECT_EQ(authenticate(store, &basic).error().detail, "the Authorization scheme must be Bearer");
  const std::string garbage = "Bearer nope";
  EXPECT_FALSE(authenticate(store, &garbage));
  // Right public id, wrong secret.
  std::string forged = "Bearer " + admin->text;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(authenticate(store, &forged).error().detail, "unknown API key");
  // Unknown key.
  auto other = generateKey(0, "", 0);
  const std::string stranger = "Bearer " + other->text;
  EXPECT_EQ(authenticate(store, &stranger).error().detail, "unknown API key");

  ASSERT_TRUE(store.revoke(acmeId, 5));
  const std::string revoked = "Bearer " + acme->text;
  EXPECT_EQ(authenticate(store, &revoked).error().detail, "this API key has been revoked");

  store.down = true;
  auto down = authenticate(store, &good);
  ASSERT_FALSE(down);
  EXPECT_TRUE(down.error().storageDown);
}

TEST(KeyRateLimiter, BurstThenRefillAtTheRate) {
  base::ManualClock clock;
  KeyRateLimiter limiter(clock, 2, 4);  // 2/s, bursts of 4
  std::uint32_t retry = 0;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.tryAcquire(1, retry)) << i;
  EXPECT_FALSE(limiter.tryAcquire(1, retry));
  EXPECT_EQ(retry, 1u);
  EXPECT_TRUE(limiter.tryAcquire(2, retry));  // another key has its own bucket
  clock.advance(std::chrono::milliseconds(499));
  EXPECT_FALSE(limiter.tryAcquire(1, retry));
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(limiter.tryAcquire(1, retry));
  EXPECT_FALSE(limiter.tryAcquire(1, retry));
  // A long pause refills to the burst, not beyond.
  clock.advance(std::chrono::hours(24 * 365));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.tryAcquire(1, retry)) << i;
  EXPECT_FALSE(limiter.tryAcquire(1, retry));

  KeyRateLimiter slow(clock, 1, 1);
  EXPECT_TRUE(slow.tryAcquire(1, retry));
  EXPECT_FALSE(slow.tryAcquire(1, retry));
  EXPECT_EQ(retry, 1u);

  KeyRateLimiter off(clock, 0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.tryAcquire(1, retry));
}

}  // namespace
}  // namespace trunkline::api
