#include <gtest/gtest.h>

#include <filesystem>

#include "app/provision.h"
#include "app/test/provision_test_util.h"
#include "storage/snapshot.h"
#include "storage/sqlite/config_store.h"

namespace trunkline::app {
namespace {

class ProvisionFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    auto db = storage::sqlite::Database::open(dir + "/trunkline.db");
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    store_ = std::make_unique<storage::sqlite::SqliteConfigStore>(*db_);
  }
  std::string error(const std::string& text) {
    auto r = applyProvisioning(*store_, text, "setup.toml");
    return r ? std::string("<ok>") : r.error().message;
  }
  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> store_;
};

const std::string kExample = std::string(TL_SOURCE_DIR) + "/docs/examples/setup.toml";

TEST_F(ProvisionFile, ExampleAppliesAndReapplyChangesNothing) {
  auto r = applyProvisioningFile(*store_, kExample);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->created, 9);  // 1 account, 2 trunks, 2 carriers, 2 routes, 2 numbers
  EXPECT_EQ(r->updated, 0);
  const auto version = *store_->configVersion();

  r = applyProvisioningFile(*store_, kExample);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->created, 0);
  EXPECT_EQ(r->updated, 0);
  EXPECT_EQ(r->unchanged, 9);
  EXPECT_TRUE(r->changes.empty());
  EXPECT_EQ(*store_->configVersion(), version);  // not one row written

  // What the server would see.
  storage::SnapshotSource source(*store_);
  ASSERT_TRUE(source.refreshIfChanged());
  auto s = source.current();
  EXPECT_EQ(s->trunkBySourceIp("203.0.113.77")->name, "pbx1");
  EXPECT_EQ(s->trunkBySourceIp("2001:db8:ac1e::5")->name, "pbx1");
  auto m = s->trunkByCredentials("acme-branch", "trunkline");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.trunk->name, "branch");
  EXPECT_EQ(m.credential->ha1Md5.size(), 32u);
  const auto* n = s->numberByE164("+14155550100");
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->backups.size(), 2u);
  EXPECT_EQ(s->trunkById(n->backups[0].trunkId)->name, "branch");
  EXPECT_EQ(n->backups[1].number, "+14155550199");
  EXPECT_EQ(s->carrierBySourceIp("198.51.100.20")->name, "telco");
  EXPECT_EQ(s->carrierById(s->routeFor("14155550100")->targets[0].carrierId)->name, "telco");
  EXPECT_EQ(s->carrierById(s->routeFor("442071234567")->targets[0].carrierId)->name,
            "backup-telco");
  EXPECT_EQ(s->carrierById(s->routeFor("1")->targets[0].carrierId)->gateways.size(), 3u);
}

TEST_F(ProvisionFile, EditedEntityIsUpdatedAlone) {
  const std::string v1 =
      "[[accounts]]\nname = \"acme\"\n"
      "[[trunks]]\naccount = \"acme\"\nname = \"pbx1\"\nips = [\"10.0.0.0/8\"]\nchannels = 5\n"
      "[[trunks]]\naccount = \"acme\"\nname = \"pbx2\"\nips = [\"10.0.0.0/8\"]\n";
  ASSERT_TRUE(applyProvisioning(*store_, v1, "a.toml"));
  std::string v2 = v1;
  v2.replace(v2.find("channels = 5"), 12, "channels = 9");
  auto r = applyProvisioning(*store_, v2, "a.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->updated, 1);
  EXPECT_EQ(r->unchanged, 2);
  EXPECT_EQ(r->changes, std::vector<std::string>{"updated trunk acme/pbx1"});
  auto acme = store_->findAccount("acme");
  EXPECT_EQ(store_->findTrunk(acme->id, "pbx1")->channelLimit, 9u);
}

TEST_F(ProvisionFile, ErrorsNameFileAndLine) {
  EXPECT_EQ(error("[[accounts]]\nname = \"acme\"\ncolour = \"red\"\n"),
            "setup.toml:3: [[accounts]]: unknown key 'colour' (known: country, enabled, name)");
  EXPECT_EQ(error("[[accounts]]\nname = \"acme\"\n\n[[trunks]]\naccount = \"acme\"\nname = "
                  "\"pbx1\"\nips = [\"10.0.0.1/8\"]\n"),
            "setup.toml:4: trunk 'pbx1': bad CIDR '10.0.0.1/8': host bits are set (did you mean "
            "10.0.0.0/8?)");
  EXPECT_EQ(error("[[trunks]]\naccount = \"ghost\"\nname = \"pbx1\"\nips = [\"10.0.0.0/8\"]\n"),
            "setup.toml:1: account 'ghost' not found");
  EXPECT_EQ(error("[[accounts]]\nname = \"acme\"\n[[accounts]]\nname = \"acme\"\n"),
            "setup.toml:3: account 'acme' is already defined at line 1");
  EXPECT_EQ(error("[[accounts]]\nname = 5\n"),
            "setup.toml:2: [[accounts]]: 'name' must be a string, not an integer");
  EXPECT_EQ(error("[[carriers]]\nname = \"t\"\ngateways = [\"udp\"]\n"),
            "setup.toml:3: bad gateway 'udp': expected TRANSPORT:HOST[:PORT][:prio=N][:weight=N], "
            "e.g. udp:198.51.100.7:5060:prio=1:weight=10");
  EXPECT_EQ(error("[[routes]]\nprefix = \"1\"\ncarriers = [\"nobody\"]\n"),
            "setup.toml:1: carrier 'nobody' not found");
  EXPECT_EQ(error("[[routes]]\nprefix = \"1\"\n"),
            "setup.toml:1: route '1': needs at least one carrier");
  EXPECT_EQ(error("[accounts]\nname = \"x\"\n"),
            "setup.toml:1: 'accounts' must be an array of tables: write [[accounts]]");
  EXPECT_EQ(error("[[sites]]\nname = \"x\"\n"),
            "setup.toml:1: unknown section 'sites' (known: accounts, trunks, carriers, routes, "
            "numbers)");
  auto syntax = error("[[accounts]]\nname = \"acme\n");
  EXPECT_EQ(syntax.rfind("setup.toml:2: ", 0), 0u) << syntax;
}

TEST_F(ProvisionFile, FailureHalfWayAppliesNothing) {
  const std::string text =
      "[[accounts]]\nname = \"acme\"\n"
      "[[trunks]]\naccount = \"acme\"\nname = \"pbx1\"\nips = [\"10.0.0.0/8\"]\n"
      "[[numbers]]\ne164 = \"+14155550100\"\naccount = \"acme\"\ntrunk = \"nope\"\n";
  const auto version = *store_->configVersion();
  EXPECT_EQ(error(text), "setup.toml:7: trunk 'nope' not found in account 'acme'");
  EXPECT_EQ(store_->findAccount("acme").error().code, base::Errc::NotFound);
  EXPECT_EQ(*store_->configVersion(), version);
}

}  // namespace
}  // namespace trunkline::app
