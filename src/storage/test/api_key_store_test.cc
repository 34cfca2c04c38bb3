#include <gtest/gtest.h>

#include "storage/sqlite/api_key_store.h"
#include "storage/sqlite/config_store.h"
#include "storage/test/test_util.h"

namespace trunkline::storage {
namespace {

class ApiKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "/trunkline.db";
    db_ = testing::openDb(file_);
    ASSERT_TRUE(db_);
    sqlite::SqliteConfigStore cfg(*db_);
    acme_ = *cfg.addAccount({0, "acme", "US", true});
  }
  static ApiKey key(std::string publicId, Id account = 0) {
    ApiKey k;
    k.publicId = std::move(publicId);
    k.secretHash = std::string(64, 'c');
    k.accountId = account;
    k.name = "ci";
    k.createdMs = 1'700'000'000'000;
    return k;
  }

  std::string file_;
  std::unique_ptr<sqlite::Database> db_;
  Id acme_ = 0;
};

TEST_F(ApiKeyStoreTest, AddFindListRevoke) {
  sqlite::SqliteApiKeyStore keys(*db_);
  auto admin = keys.add(key("aaaa0001"));
  ASSERT_TRUE(admin) << admin.error().message;
  auto customer = keys.add(key("aaaa0002", acme_));
  ASSERT_TRUE(customer) << customer.error().message;

  auto found = keys.findByPublicId("aaaa0002");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *customer);
  EXPECT_EQ(found->accountId, acme_);
  EXPECT_FALSE(found->admin());
  EXPECT_EQ(found->secretHash, std::string(64, 'c'));
  EXPECT_TRUE(keys.get(*admin)->admin());

  EXPECT_EQ(keys.list({})->size(), 2u);
  ASSERT_EQ(keys.list(acme_)->size(), 1u);
  EXPECT_EQ(keys.list(acme_)->front().publicId, "aaaa0002");
  EXPECT_EQ(keys.list(Id{0})->front().publicId, "aaaa0001");

  ASSERT_TRUE(keys.revoke(*customer, 5000));
  ASSERT_TRUE(keys.revoke(*customer, 9000));  // idempotent, keeps the first time
  EXPECT_EQ(keys.get(*customer)->revokedMs, 5000);
  EXPECT_FALSE(keys.get(*admin)->revoked());
  EXPECT_EQ(keys.revoke(999, 1).error().code, base::Errc::NotFound);
}

TEST_F(ApiKeyStoreTest, RefusesDuplicatePublicIdAndUnknownAccount) {
  sqlite::SqliteApiKeyStore keys(*db_);
  ASSERT_TRUE(keys.add(key("dup")));
  auto again = keys.add(key("dup"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, base::Errc::AlreadyExists);
  auto orphan = keys.add(key("orphan", 4242));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, base::Errc::NotFound);
  EXPECT_EQ(keys.findByPublicId("missing").error().code, base::Errc::NotFound);
  EXPECT_EQ(keys.findByPublicId("").error().code, base::Errc::NotFound);
}

TEST_F(ApiKeyStoreTest, RemovingTheAccountRemovesItsKeysOnly) {
  sqlite::SqliteApiKeyStore keys(*db_);
  ASSERT_TRUE(keys.add(key("admin1")));
  ASSERT_TRUE(keys.add(key("acme1", acme_)));
  sqlite::SqliteConfigStore cfg(*db_);
  const auto before = *cfg.configVersion();
  ASSERT_TRUE(cfg.removeAccount(acme_));
  EXPECT_EQ(keys.list({})->size(), 1u);
  EXPECT_FALSE(keys.findByPublicId("acme1"));
  // Key writes are not configuration: only the account removal moved the version.
  ASSERT_TRUE(keys.add(key("admin2")));
  EXPECT_EQ(*cfg.configVersion(), before + 1);
}

TEST_F(ApiKeyStoreTest, MigrationFourIsApplied) {
  EXPECT_GE(db_->schemaVersion(), 4);
}

}  // namespace
}  // namespace trunkline::storage
