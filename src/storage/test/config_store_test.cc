#include <sqlite3.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/sqlite/config_store.h"
#include "storage/test/test_util.h"
#include "storage/validate.h"

namespace trunkline::storage {
namespace {

using testing::cred;

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "/trunkline.db";
    db_ = testing::openDb(file_);
    ASSERT_TRUE(db_);
    store_ = std::make_unique<sqlite::SqliteConfigStore>(*db_);
  }

  Id account(const std::string& name) {
    auto id = store_->addAccount({0, name, "US", true});
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }
  Id trunk(Id accountId, const std::string& name, std::vector<std::string> cidrs = {"10.0.0.0/8"}) {
    Trunk t;
    t.accountId = accountId;
    t.name = name;
    t.allowedCidrs = std::move(cidrs);
    auto id = store_->addTrunk(t);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }
  Id carrier(const std::string& name) {
    Carrier c;
    c.name = name;
    c.gateways.push_back({0, "198.51.100.7", 5060, Transport::Udp, 1, 10});
    auto id = store_->addCarrier(c);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  std::string file_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::SqliteConfigStore> store_;
};

TEST_F(ConfigStoreTest, AccountCrud) {
  const Id id = account("acme");
  auto dup = store_->addAccount({0, "acme", "GB", true});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, base::Errc::AlreadyExists);
  EXPECT_EQ(dup.error().message, "account 'acme' already exists");
  auto a = store_->findAccount("acme");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, id);
  a->country = "gb";
  a->enabled = false;
  ASSERT_TRUE(store_->updateAccount(*a));
  auto b = store_->getAccount(id);
  EXPECT_EQ(b->country, "GB");
  EXPECT_FALSE(b->enabled);
  account("beta");
  EXPECT_EQ(store_->listAccounts()->size(), 2u);
  ASSERT_TRUE(store_->removeAccount(id));
  EXPECT_EQ(store_->getAccount(id).error().message, fmt::format("account {} not found", id));
  EXPECT_EQ(store_->findAccount("nope").error().code, base::Errc::NotFound);
  EXPECT_EQ(store_->addAccount({0, "x", "USA", true}).error().code, base::Errc::InvalidArgument);
}

TEST_F(ConfigStoreTest, TrunkCrudWithChildren) {
  const Id acme = account("acme");
  Trunk t;
  t.accountId = acme;
  t.name = "pbx1";
  t.allowedCidrs = {"203.0.113.0/24", "2001:db8::/32"};
  t.credentials = {cred("acme-pbx1")};
  t.host = "203.0.113.10";
  t.transport = Transport::Tcp;
  t.channelLimit = 10;
  t.cpsLimit = 5;
  t.codecs = {"PCMU", "PCMA"};
  t.callerIdPolicy = CallerIdPolicy::Fixed;
  t.fixedCallerId = "+14155550100";
  t.maxDurationS = 7200;
  auto id = store_->addTrunk(t);
  ASSERT_TRUE(id) << id.error().message;
  auto got = store_->getTrunk(*id);
  ASSERT_TRUE(got);
  t.id = *id;
  got->credentials[0].id = 0;
  EXPECT_EQ(*got, t);

  auto dup = store_->addTrunk(t);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "trunk 'pbx1' already exists in account 'acme'");

  // Same name in another account is fine; same digest username is not.
  const Id beta = account("beta");
  Trunk u = t;
  u.accountId = beta;
  auto clash = store_->addTrunk(u);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().message,
            "digest username 'acme-pbx1' (realm 'trunkline') is already used by trunk 'pbx1' of "
            "account 'acme'");
  u.credentials = {cred("beta-pbx1")};
  ASSERT_TRUE(store_->addTrunk(u));

  // Update replaces children.
  t.allowedCidrs = {"198.51.100.0/24"};
  t.credentials = {cred("acme-pbx1"), cred("acme-pbx1b")};
  ASSERT_TRUE(store_->updateTrunk(t));
  got = store_->findTrunk(acme, "pbx1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->allowedCidrs, std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(got->credentials.size(), 2u);

  EXPECT_EQ(store_->listTrunks({})->size(), 2u);
  EXPECT_EQ(store_->listTrunks(acme)->size(), 1u);
  EXPECT_EQ(store_->findTrunk(acme, "zzz").error().message,
            "trunk 'zzz' not found in account 'acme'");

  Trunk bad = t;
  bad.id = 0;
  bad.name = "pbx9";
  bad.credentials.clear();
  bad.allowedCidrs = {"10.0.0.1/8"};
  EXPECT_EQ(store_->addTrunk(bad).error().message,
            "trunk 'pbx9': bad CIDR '10.0.0.1/8': host bits are set (did you mean 10.0.0.0/8?)");
  bad.allowedCidrs = {"10.0.0.0/8"};
  bad.accountId = 999;
  EXPECT_EQ(store_->addTrunk(bad).error().message, "account 999 not found");

  ASSERT_TRUE(store_->removeTrunk(*id));
  EXPECT_EQ(store_->getTrunk(*id).error().code, base::Errc::NotFound);
  // Children went with it (CASCADE).
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_->handle(), "SELECT COUNT(*) FROM credentials WHERE trunk_id = ?", -1, &st,
                     nullptr);
  sqlite3_bind_int64(st, 1, *id);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0);
  sqlite3_finalize(st);
}

TEST_F(ConfigStoreTest, NumbersAndReferentialIntegrity) {
  const Id acme = account("acme");
  const Id pbx1 = trunk(acme, "pbx1");
  const Id pbx2 = trunk(acme, "pbx2");
  const Id beta = account("beta");
  const Id betaTrunk = trunk(beta, "b1");

  Number n;
  n.e164 = "+14155550100";
  n.accountId = acme;
  n.trunkId = pbx1;
  n.ringTimeoutS = 20;
  n.backups = {{BackupDestination::Kind::Trunk, pbx2, ""},
               {BackupDestination::Kind::External, 0, "+14155550199"}};
  auto id = store_->addNumber(n);
  ASSERT_TRUE(id) << id.error().message;
  auto got = store_->findNumber("+14155550100");
  ASSERT_TRUE(got);
  n.id = *id;
  EXPECT_EQ(*got, n);

  auto dup = store_->addNumber(n);
  EXPECT_EQ(dup.error().message, "number +14155550100 already exists (account 'acme')");
  Number other = n;
  other.e164 = "+14155550101";
  other.trunkId = betaTrunk;
  EXPECT_EQ(store_->addNumber(other).error().message,
            "number +14155550101: trunk 'b1' does not belong to account 'acme'");
  other.trunkId = pbx1;
  other.backups = {{BackupDestination::Kind::Trunk, betaTrunk, ""}};
  EXPECT_EQ(store_->addNumber(other).error().message,
            "number +14155550101: backup trunk 'b1' does not belong to account 'acme'");
  other.backups = {{BackupDestination::Kind::External, 0, "12345"}};
  EXPECT_NE(store_->addNumber(other).error().message.find("bad E.164 number '12345'"),
            std::string::npos);
  other.e164 = "4155550101";
  EXPECT_EQ(store_->addNumber(other).error().code, base::Errc::InvalidArgument);

  // A trunk used by a number (directly or as a backup) cannot go.
  auto rm = store_->removeTrunk(pbx2);
  ASSERT_FALSE(rm);
  EXPECT_EQ(rm.error().message,
            "trunk 'pbx2' of account 'acme' is used by number +14155550100 (as destination or "
            "backup); remove or re-point it first");
  EXPECT_EQ(store_->removeAccount(acme).error().message,
            "account 'acme' still has 2 trunk(s) and 1 number(s); remove them first");
  // The schema itself refuses too (if a caller bypassed the checks).
  EXPECT_FALSE(db_->exec("DELETE FROM trunks WHERE id = " + std::to_string(pbx1) + ";"));

  n.backups.clear();
  ASSERT_TRUE(store_->updateNumber(n));
  EXPECT_TRUE(store_->removeTrunk(pbx2));
  EXPECT_EQ(store_->listNumbers(acme)->size(), 1u);
  EXPECT_EQ(store_->listNumbers(beta)->size(), 0u);
  ASSERT_TRUE(store_->removeNumber(*id));
  EXPECT_EQ(store_->removeNumber(*id).error().code, base::Errc::NotFound);
  EXPECT_TRUE(store_->removeTrunk(pbx1));
  EXPECT_TRUE(store_->removeAccount(acme));
}

TEST_F(ConfigStoreTest, CarriersAndRoutes) {
  Carrier c;
  c.name = "telco";
  c.gateways = {{0, "198.51.100.7", 5060, Transport::Udp, 1, 10},
                {0, "gw2.telco.example", 5061, Transport::Tls, 2, 1}};
  c.credential = cred("us-at-telco", "telco.example");
  c.inboundCidrs = {"198.51.100.0/24"};
  c.probeIntervalS = 15;
  auto id = store_->addCarrier(c);
  ASSERT_TRUE(id) << id.error().message;
  auto got = store_->getCarrier(*id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->gateways.size(), 2u);
  EXPECT_EQ(got->gateways[1].transport, Transport::Tls);
  ASSERT_TRUE(got->credential);
  EXPECT_EQ(got->credential->username, "us-at-telco");
  EXPECT_EQ(got->inboundCidrs, c.inboundCidrs);
  EXPECT_EQ(store_->addCarrier(c).error().message, "carrier 'telco' already exists");
  EXPECT_EQ(store_->getCarrier(77).error().message, "carrier 77 not found");

  const Id backup = carrier("backup");
  Route r;
  r.prefix = "1";
  r.targets = {{*id, 1, 1}, {backup, 2, 1}};
  r.failoverCodes = {408, 503};
  auto rid = store_->addRoute(r);
  ASSERT_TRUE(rid) << rid.error().message;
  auto gotRoute = store_->findRoute("1");
  ASSERT_TRUE(gotRoute);
  r.id = *rid;
  EXPECT_EQ(*gotRoute, r);
  EXPECT_EQ(store_->addRoute(r).error().message, "route '1' already exists");
  Route def;
  def.targets = {{backup, 1, 1}};
  ASSERT_TRUE(store_->addRoute(def));
  EXPECT_EQ(store_->addRoute(def).error().message, "default route already exists");
  Route dangling;
  dangling.prefix = "44";
  dangling.targets = {{7777, 1, 1}};
  EXPECT_EQ(store_->addRoute(dangling).error().message, "route '44': carrier 7777 not found");

  EXPECT_EQ(store_->removeCarrier(backup).error().message,
            "carrier 'backup' is used by default route and 1 more; remove it from the route(s) "
            "first");
  r.targets = {{*id, 1, 1}};
  ASSERT_TRUE(store_->updateRoute(r));
  ASSERT_TRUE(store_->removeRoute(store_->findRoute("")->id));
  ASSERT_TRUE(store_->removeCarrier(backup));
  EXPECT_EQ(store_->listCarriers()->size(), 1u);
  EXPECT_EQ(store_->listRoutes()->size(), 1u);

  c.id = *id;
  c.credential.reset();
  c.gateways.pop_back();
  ASSERT_TRUE(store_->updateCarrier(c));
  got = store_->findCarrier("telco");
  EXPECT_FALSE(got->credential);
  EXPECT_EQ(got->gateways.size(), 1u);
}

TEST_F(ConfigStoreTest, EveryWriteBumpsVersionAndTransactionsRollBack) {
  auto v0 = store_->configVersion();
  ASSERT_TRUE(v0);
  const Id acme = account("acme");
  auto v1 = *store_->configVersion();
  EXPECT_GT(v1, *v0);
  // A failing write changes nothing.
  EXPECT_FALSE(store_->addAccount({0, "acme", "US", true}));
  EXPECT_EQ(*store_->configVersion(), v1);

  auto r = store_->transaction([&]() -> base::Result<void> {
    if (auto t = store_->addAccount({0, "beta", "US", true}); !t) return tl::unexpected(t.error());
    Trunk t;
    t.accountId = acme;
    t.name = "pbx1";  // no CIDR, no credential: invalid
    auto bad = store_->addTrunk(t);
    if (!bad) return tl::unexpected(bad.error());
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(store_->findAccount("beta").error().code, base::Errc::NotFound);
  EXPECT_EQ(*store_->configVersion(), v1);

  ASSERT_TRUE(store_->transaction([&]() -> base::Result<void> {
    if (auto t = store_->addAccount({0, "beta", "US", true}); !t) return tl::unexpected(t.error());
    trunk(acme, "pbx1");
    return {};
  }));
  EXPECT_TRUE(store_->findAccount("beta"));
  EXPECT_GT(*store_->configVersion(), v1);

  auto all = store_->loadAll();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->accounts.size(), 2u);
  EXPECT_EQ(all->trunks.size(), 1u);
  EXPECT_EQ(all->version, *store_->configVersion());
}

TEST_F(ConfigStoreTest, SrtpPolicyOfTrunksAndCarriers) {
  const Id a = account("acme");
  const Id t = trunk(a, "pbx");
  EXPECT_EQ(store_->getTrunk(t)->srtp, SrtpPolicy::Off);  // migration 6's default
  auto tr = *store_->getTrunk(t);
  tr.srtp = SrtpPolicy::Required;
  ASSERT_TRUE(store_->updateTrunk(tr));
  EXPECT_EQ(store_->getTrunk(t)->srtp, SrtpPolicy::Required);
  tr.srtp = static_cast<SrtpPolicy>(7);
  auto bad = store_->updateTrunk(tr);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "trunk 'pbx': srtp: must be off, offer or required");

  const Id c = carrier("telco");
  EXPECT_EQ(store_->getCarrier(c)->srtp, SrtpPolicy::Off);
  auto cr = *store_->getCarrier(c);
  cr.srtp = SrtpPolicy::Offer;
  ASSERT_TRUE(store_->updateCarrier(cr));
  EXPECT_EQ(store_->getCarrier(c)->srtp, SrtpPolicy::Offer);
  EXPECT_EQ(store_->loadAll()->carriers.front().srtp, SrtpPolicy::Offer);
  // The column refuses what the enum cannot hold even when written behind the store's back.
  EXPECT_FALSE(db_->exec("UPDATE carriers SET srtp = 3;"));

  EXPECT_EQ(parseSrtpPolicy("Required"), SrtpPolicy::Required);
  EXPECT_EQ(parseSrtpPolicy("offer"), SrtpPolicy::Offer);
  EXPECT_EQ(parseSrtpPolicy("yes"), std::nullopt);
  EXPECT_EQ(srtpPolicyName(SrtpPolicy::Offer), "offer");
}

TEST(Migrations, UpgradesAVersion1File) {
  auto dir = testing::freshDir("v1");
  auto file = dir + "/trunkline.db";
  // Build a v1 database by hand, exactly as a build knowing only migration 1 left it.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    const auto v1 = sqlite::migrations().front();
    std::string sql =
        "PRAGMA journal_mode=WAL; CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at INTEGER NOT NULL); " +
        std::string(v1.sql) +
        " INSERT INTO schema_migrations VALUES (1, 'node identity', 0);"
        " INSERT INTO node_meta VALUES ('node_id', 'feedfacecafebeef');";
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = testing::openDb(file);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schemaVersion(), sqlite::migrations().back().version);
  EXPECT_EQ(db->nodeId(), "feedfacecafebeef");
  sqlite::SqliteConfigStore store(*db);
  EXPECT_TRUE(store.addAccount({0, "acme", "US", true}));
  EXPECT_EQ(*store.configVersion(), 2);
  // Foreign keys are on for the connection.
  EXPECT_FALSE(db->exec("INSERT INTO trunks (account_id, name) VALUES (424242, 'x');"));
}

}  // namespace
}  // namespace trunkline::storage
