#include <gtest/gtest.h>

#include "storage/snapshot.h"
#include "storage/sqlite/config_store.h"
#include "storage/test/test_util.h"

namespace trunkline::storage {
namespace {

using testing::cred;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "/trunkline.db";
    db_ = testing::openDb(file_);
    ASSERT_TRUE(db_);
    store_ = std::make_unique<sqlite::SqliteConfigStore>(*db_);
    acme_ = *store_->addAccount({0, "acme", "US", true});
  }
  Id trunk(const std::string& name, std::vector<std::string> cidrs,
           std::vector<DigestCredential> creds = {}, Id account = 0) {
    Trunk t;
    t.accountId = account ? account : acme_;
    t.name = name;
    t.allowedCidrs = std::move(cidrs);
    t.credentials = std::move(creds);
    auto id = store_->addTrunk(t);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }
  std::shared_ptr<const ConfigSnapshot> snap() {
    auto d = store_->loadAll();
    EXPECT_TRUE(d);
    return ConfigSnapshot::build(std::move(*d));
  }
  std::string nameAt(const ConfigSnapshot& s, std::string_view ip) {
    const Trunk* t = s.trunkBySourceIp(ip);
    return t ? t->name : "-";
  }

  std::string file_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::SqliteConfigStore> store_;
  Id acme_ = 0;
};

TEST_F(SnapshotTest, TrunkBySourceIpLongestPrefixWins) {
  trunk("wide", {"10.0.0.0/8"});
  trunk("narrow", {"10.1.0.0/16"});
  trunk("host", {"10.1.2.3"});
  trunk("v6", {"2001:db8::/32"});
  trunk("v6narrow", {"2001:db8:1::/48", "192.0.2.0/24"});
  auto s = snap();
  EXPECT_EQ(nameAt(*s, "10.200.0.1"), "wide");
  EXPECT_EQ(nameAt(*s, "10.1.9.9"), "narrow");
  EXPECT_EQ(nameAt(*s, "10.1.2.3"), "host");
  EXPECT_EQ(nameAt(*s, "::ffff:10.1.2.3"), "host");  // v4-mapped source
  EXPECT_EQ(nameAt(*s, "11.0.0.1"), "-");
  EXPECT_EQ(nameAt(*s, "2001:db8:2::1"), "v6");
  EXPECT_EQ(nameAt(*s, "[2001:db8:1::99]"), "v6narrow");
  EXPECT_EQ(nameAt(*s, "192.0.2.77"), "v6narrow");
  EXPECT_EQ(nameAt(*s, "2001:db9::1"), "-");
  EXPECT_EQ(nameAt(*s, "not an ip"), "-");
}

TEST_F(SnapshotTest, SameNetworkTieGoesToOldestTrunkAndDisabledAreSkipped) {
  const Id beta = *store_->addAccount({0, "beta", "US", true});
  trunk("first", {"203.0.113.0/24"}, {}, beta);  // created first, lower id
  trunk("a-second", {"203.0.113.0/24"});
  auto s = snap();
  EXPECT_EQ(nameAt(*s, "203.0.113.9"), "first");

  auto b = *store_->getAccount(beta);
  b.enabled = false;
  ASSERT_TRUE(store_->updateAccount(b));
  s = snap();
  EXPECT_EQ(nameAt(*s, "203.0.113.9"), "a-second");
  auto t = *store_->findTrunk(acme_, "a-second");
  t.enabled = false;
  ASSERT_TRUE(store_->updateTrunk(t));
  s = snap();
  EXPECT_EQ(nameAt(*s, "203.0.113.9"), "-");
  ASSERT_NE(s->trunkById(t.id), nullptr);  // still known by id
}

TEST_F(SnapshotTest, CredentialsNumbersCarriersRoutes) {
  const Id pbx = trunk("pbx", {}, {cred("acme-pbx"), cred("acme-pbx", "other.realm")});
  Number n;
  n.e164 = "+14155550100";
  n.accountId = acme_;
  n.trunkId = pbx;
  ASSERT_TRUE(store_->addNumber(n));
  n.e164 = "+14155550101";
  ASSERT_TRUE(store_->addNumber(n));

  Carrier c;
  c.name = "telco";
  c.gateways = {{0, "198.51.100.7", 5060, Transport::Udp, 1, 1}};
  c.inboundCidrs = {"198.51.100.0/24", "2001:db8:cafe::/48"};
  const Id telco = *store_->addCarrier(c);
  Route r;
  r.prefix = "1";
  r.targets = {{telco, 1, 1}};
  ASSERT_TRUE(store_->addRoute(r));
  r.prefix = "1415";
  ASSERT_TRUE(store_->addRoute(r));
  r.prefix = "";
  ASSERT_TRUE(store_->addRoute(r));

  auto s = snap();
  auto m = s->trunkByCredentials("acme-pbx", "trunkline");
  ASSERT_TRUE(m);
  EXPECT_EQ(m.trunk->id, pbx);
  EXPECT_EQ(m.credential->realm, "trunkline");
  EXPECT_EQ(s->trunkByCredentials("acme-pbx", "other.realm").credential->realm, "other.realm");
  EXPECT_FALSE(s->trunkByCredentials("acme-pbx", "nope"));
  EXPECT_FALSE(s->trunkByCredentials("nobody", "trunkline"));

  ASSERT_NE(s->numberByE164("+14155550101"), nullptr);
  EXPECT_EQ(s->numberByE164("+14155550101")->trunkId, pbx);
  EXPECT_EQ(s->numberByE164("+14155550199"), nullptr);
  auto mine = s->numbersOfAccount(acme_);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0]->e164, "+14155550100");
  EXPECT_TRUE(s->numbersOfAccount(999).empty());

  EXPECT_EQ(s->carrierById(telco)->name, "telco");
  EXPECT_EQ(s->carrierBySourceIp("198.51.100.200")->id, telco);
  EXPECT_EQ(s->carrierBySourceIp("2001:db8:cafe:1::1")->id, telco);
  EXPECT_EQ(s->carrierBySourceIp("198.51.101.1"), nullptr);
  EXPECT_EQ(s->accountById(acme_)->name, "acme");

  ASSERT_EQ(s->routes().size(), 3u);
  EXPECT_EQ(s->routes()[0].prefix, "1415");
  EXPECT_EQ(s->routes()[2].prefix, "");
  EXPECT_EQ(s->routeFor("14155550100")->prefix, "1415");
  EXPECT_EQ(s->routeFor("+12125550100")->prefix, "1");
  EXPECT_EQ(s->routeFor("442071234567")->prefix, "");
}

TEST_F(SnapshotTest, SourceSeesWritesFromAnotherConnection) {
  trunk("pbx1", {"203.0.113.0/24"});
  SnapshotSource source(*store_);
  EXPECT_EQ(source.current()->trunkBySourceIp("203.0.113.1"), nullptr);  // empty until refresh
  auto changed = source.refreshIfChanged();
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_TRUE(*changed);
  EXPECT_EQ(source.current()->trunkBySourceIp("203.0.113.1")->name, "pbx1");
  EXPECT_FALSE(*source.refreshIfChanged());
  auto held = source.current();

  // "The CLI": a second connection (as another process would have) writes.
  {
    auto other = testing::openDb(file_);
    ASSERT_TRUE(other);
    sqlite::SqliteConfigStore cli(*other);
    Trunk t;
    t.accountId = acme_;
    t.name = "pbx2";
    t.allowedCidrs = {"198.51.100.0/24"};
    ASSERT_TRUE(cli.addTrunk(t));
  }
  changed = source.refreshIfChanged();
  ASSERT_TRUE(changed);
  EXPECT_TRUE(*changed);
  EXPECT_EQ(source.current()->trunkBySourceIp("198.51.100.9")->name, "pbx2");
  // A snapshot held by a call is unchanged.
  EXPECT_EQ(held->trunkBySourceIp("198.51.100.9"), nullptr);
  EXPECT_FALSE(*source.refreshIfChanged());

  // A removal from the other connection is seen as well.
  {
    auto other = testing::openDb(file_);
    sqlite::SqliteConfigStore cli(*other);
    ASSERT_TRUE(cli.removeTrunk(cli.findTrunk(acme_, "pbx2")->id));
  }
  EXPECT_TRUE(*source.refreshIfChanged());
  EXPECT_EQ(source.current()->trunkBySourceIp("198.51.100.9"), nullptr);
}

}  // namespace
}  // namespace trunkline::storage
