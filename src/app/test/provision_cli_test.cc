#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "app/provision_internal.h"
#include "app/test/provision_test_util.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/runtime_stores.h"

namespace trunkline::app {
namespace {

using testing::runCli;

class ProvisionCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::freshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  testing::CliResult run(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back(dir_);
    return runCli(std::move(args));
  }
  void ok(std::vector<std::string> args) {
    auto r = run(args);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  std::unique_ptr<storage::sqlite::Database> openDb() {
    auto db = storage::sqlite::Database::open(dir_ + "/trunkline.db");
    EXPECT_TRUE(db);
    return std::move(*db);
  }
  std::string dir_;
};

TEST_F(ProvisionCli, AccountAddListRemove) {
  auto r = run({"account", "add", "--name", "acme", "--country", "us"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "account 'acme' added (id 1)\n");
  ok({"account", "add", "--name", "beta-telecom", "--country", "GB"});
  r = run({"account", "add", "--name", "acme"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "trunkline: account 'acme' already exists\n");

  r = run({"account", "list"});
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out,
            "ID  NAME          COUNTRY  ENABLED\n"
            "1   acme          US       yes\n"
            "2   beta-telecom  GB       yes\n");
  r = run({"account", "list", "--json"});
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["name"], "beta-telecom");
  EXPECT_EQ(j[1]["country"], "GB");

  ok({"account", "remove", "--name", "beta-telecom"});
  r = run({"account", "remove", "--name", "beta-telecom"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "trunkline: account 'beta-telecom' not found\n");
}

TEST_F(ProvisionCli, MissingOptionsAreParseErrors) {
  auto r = run({"account", "add"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--name is required"), std::string::npos) << r.err;
  r = runCli({"trunk"});
  EXPECT_NE(r.code, 0);
  r = run({"route", "add", "--prefix", "1", "--default", "--carrier", "x"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
}

TEST_F(ProvisionCli, TrunksWithIpAndDigestNeverStorePasswords) {
  ok({"account", "add", "--name", "acme"});
  ok({"trunk",
      "add",
      "--account",
      "acme",
      "--name",
      "pbx1",
      "--ip",
      "203.0.113.0/24",
      "--ip",
      "2001:db8::/32",
      "--host",
      "203.0.113.10",
      "--channels",
      "10",
      "--cps",
      "5",
      "--codecs",
      "PCMU,pcma",
      "--caller-id-policy",
      "fixed",
      "--fixed-caller-id",
      "+14155550100",
      "--max-duration",
      "7200"});
  ok({"trunk", "add", "--account", "acme", "--name", "pbx2", "--username", "acme-pbx2",
      "--password", "s3cret", "--registration"});

  auto db = openDb();
  storage::sqlite::SqliteConfigStore store(*db);
  auto acme = store.findAccount("acme");
  auto pbx1 = store.findTrunk(acme->id, "pbx1");
  ASSERT_TRUE(pbx1);
  EXPECT_EQ(pbx1->allowedCidrs, (std::vector<std::string>{"203.0.113.0/24", "2001:db8::/32"}));
  EXPECT_EQ(pbx1->codecs, (std::vector<std::string>{"PCMU", "PCMA"}));
  EXPECT_EQ(pbx1->channelLimit, 10u);
  EXPECT_EQ(pbx1->callerIdPolicy, storage::CallerIdPolicy::Fixed);
  auto pbx2 = store.findTrunk(acme->id, "pbx2");
  ASSERT_TRUE(pbx2);
  EXPECT_TRUE(pbx2->registration);
  ASSERT_EQ(pbx2->credentials.size(), 1u);
  EXPECT_EQ(pbx2->credentials[0].realm, "trunkline");
  EXPECT_EQ(pbx2->credentials[0].ha1Md5, "63f1860bee2de93e19c3160af29f3652");
  EXPECT_EQ(pbx2->credentials[0].ha1Sha256,
            "d9f235032d57e42c5c12f625ef233f809f83b8b5f144302a480f34e69253dfd7");
  db.reset();
  // The password is nowhere in the database files, nor in any listing.
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_EQ(ss.str().find("s3cret"), std::string::npos) << entry.path();
  }
  auto r = run({"trunk", "list", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos);
  EXPECT_EQ(r.out.find("63f1860b"), std::string::npos);  // HA1 is password-equivalent
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["account"], "acme");
  EXPECT_EQ(j[0]["codecs"][1], "PCMA");
  EXPECT_EQ(j[1]["credentials"][0]["username"], "acme-pbx2");

  r = run({"trunk", "list", "--account", "acme"});
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("digest:acme-pbx2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("udp:203.0.113.10:5060"), std::string::npos) << r.out;
}

TEST_F(ProvisionCli, TrunkValidationMessages) {
  ok({"account", "add", "--name", "acme"});
  auto r = run({"trunk", "add", "--account", "acme", "--name", "pbx1", "--ip", "203.0.113.1/24"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "trunkline: trunk 'pbx1': bad CIDR '203.0.113.1/24': host bits are set (did you mean "
            "203.0.113.0/24?)\n");
  r = run({"trunk", "add", "--account", "acme", "--name", "pbx1", "--ip", "10.0.0.0/8", "--codecs",
           "PCMU,AMR"});
  EXPECT_NE(r.err.find("unknown codec 'AMR'"), std::string::npos) << r.err;
  r = run({"trunk", "add", "--account", "acme", "--name", "pbx1", "--username", "u"});
  EXPECT_EQ(r.err, "trunkline: --username and --password go together\n");
  r = run({"trunk", "add", "--account", "nope", "--name", "pbx1", "--ip", "10.0.0.0/8"});
  EXPECT_EQ(r.err, "trunkline: account 'nope' not found\n");
  r = run({"trunk", "add", "--account", "acme", "--name", "pbx1", "--ip", "10.0.0.0/8",
           "--transport", "sctp"});
  EXPECT_EQ(r.err, "trunkline: bad --transport 'sctp': udp, tcp or tls\n");
  ok({"trunk", "add", "--account", "acme", "--name", "pbx1", "--ip", "10.0.0.0/8"});
  r = run({"trunk", "add", "--account", "acme", "--name", "pbx1", "--ip", "10.0.0.0/8"});
  EXPECT_EQ(r.err, "trunkline: trunk 'pbx1' already exists in account 'acme'\n");
}

TEST_F(ProvisionCli, NumbersCarriersRoutes) {
  ok({"account", "add", "--name", "acme"});
  ok({"trunk", "add", "--account", "acme", "--name", "pbx1", "--ip", "203.0.113.0/24"});
  ok({"trunk", "add", "--account", "acme", "--name", "pbx2", "--ip", "198.18.0.0/15"});
  ok({"number", "add", "--e164", "+14155550100", "--account", "acme", "--trunk", "pbx1", "--backup",
      "trunk:pbx2", "--backup", "external:+14155550199", "--ring-timeout", "20"});
  auto r = run({"number", "add", "--e164", "4155550101", "--account", "acme", "--trunk", "pbx1"});
  EXPECT_EQ(r.err,
            "trunkline: bad E.164 number '4155550101': expected '+' and 8-15 digits, e.g. "
            "+14155550100\n");
  r = run({"number", "add", "--e164", "+14155550101", "--account", "acme", "--trunk", "pbx1",
           "--backup", "voicemail"});
  EXPECT_EQ(r.err, "trunkline: bad backup 'voicemail': expected trunk:NAME or external:+E164\n");
  r = run({"number", "list"});
  EXPECT_NE(r.out.find("+14155550100  acme     pbx1   20            "
                       "trunk:pbx2,external:+14155550199"),
            std::string::npos)
      << r.out;
  r = run({"trunk", "remove", "--account", "acme", "--name", "pbx2"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "trunkline: trunk 'pbx2' of account 'acme' is used by number +14155550100 (as "
            "destination or backup); remove or re-point it first\n");

  ok({"carrier", "add", "--name", "telco", "--gateway", "udp:198.51.100.7:5060:prio=1:weight=10",
      "--gateway", "tls:[2001:db8::7]:prio=2", "--username", "us", "--password", "pw", "--realm",
      "telco.example", "--inbound-ip", "198.51.100.0/24", "--probe-interval", "15"});
  ok({"carrier", "add", "--name", "backup", "--gateway", "tcp:gw.backup.example"});
  r = run({"carrier", "add", "--name", "bad", "--gateway", "udp:1.2.3.4:99999"});
  EXPECT_EQ(r.err, "trunkline: bad gateway 'udp:1.2.3.4:99999': port '99999' is not 1-65535\n");
  r = run({"carrier", "add", "--name", "bad", "--gateway", "udp:1.2.3.4:prio=x"});
  EXPECT_NE(r.err.find("needs a number"), std::string::npos);
  r = run({"carrier", "list", "--json"});
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["name"], "telco");
  EXPECT_EQ(j[1]["gateways"][1]["host"], "2001:db8::7");
  EXPECT_EQ(j[1]["gateways"][1]["port"], 5061);
  EXPECT_EQ(j[1]["credential"]["realm"], "telco.example");
  EXPECT_FALSE(j[1]["credential"].contains("ha1_md5"));

  ok({"route", "add", "--prefix", "1", "--carrier", "telco:prio=1", "--carrier",
      "backup:prio=2:weight=5", "--failover-codes", "408,500,502,503,504"});
  ok({"route", "add", "--default", "--carrier", "backup"});
  r = run({"route", "add", "--carrier", "telco"});
  EXPECT_EQ(r.err, "trunkline: give --prefix DIGITS or --default\n");
  r = run({"route", "add", "--prefix", "44", "--carrier", "nobody"});
  EXPECT_EQ(r.err, "trunkline: carrier 'nobody' not found\n");
  r = run({"route", "list"});
  EXPECT_EQ(r.out,
            "ID  PREFIX     CARRIERS                                      FAILOVER-CODES       "
            "RING-TIMEOUT\n"
            "2   (default)  backup:prio=1:weight=1                        default              60\n"
            "1   1          telco:prio=1:weight=1 backup:prio=2:weight=5  "
            "408,500,502,503,504  60\n");
  r = run({"carrier", "remove", "--name", "backup"});
  EXPECT_EQ(r.err,
            "trunkline: carrier 'backup' is used by default route and 1 more; remove it from "
            "the route(s) first\n");
  ok({"route", "remove", "--default"});
  ok({"route", "remove", "--prefix", "1"});
  ok({"carrier", "remove", "--name", "backup"});
  ok({"number", "remove", "--e164", "+14155550100"});
  ok({"trunk", "remove", "--account", "acme", "--name", "pbx2"});
}

TEST_F(ProvisionCli, RegistrationList) {
  ok({"account", "add", "--name", "acme"});
  ok({"trunk", "add", "--account", "acme", "--name", "remote", "--username", "acme-remote",
      "--password", "pw", "--registration"});
  auto r = run({"registration", "list"});
  EXPECT_EQ(r.out, "TRUNK  AOR  CONTACT  RECEIVED  EXPIRES-AT-MS  USER-AGENT\n");
  {
    auto db = openDb();
    storage::sqlite::SqliteRegistrationStore regs(*db);
    storage::Registration b;
    b.trunkId = 1;
    b.aor = "sip:acme-remote@trunkline";
    b.contact = "sip:pbx@203.0.113.5:5060";
    b.received = "udp:203.0.113.5:5060";
    b.expiresAtMs = 1234;
    b.userAgent = "Asterisk";
    ASSERT_TRUE(regs.upsert(b));
  }
  r = run({"registration", "list", "--json"});
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["trunk"], "acme/remote");
  EXPECT_EQ(j[0]["contact"], "sip:pbx@203.0.113.5:5060");
}

TEST_F(ProvisionCli, ProvisionApplyCommand) {
  const std::string file = dir_ + "-setup.toml";
  {
    std::ofstream f(file);
    f << "[[accounts]]\nname = \"acme\"\n\n[[trunks]]\naccount = \"acme\"\nname = \"pbx1\"\n"
         "ips = [\"203.0.113.0/24\"]\n";
  }
  auto r = run({"provision", "apply", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "created account acme\ncreated trunk acme/pbx1\n" + file +
                       ": 2 created, 0 updated, 0 unchanged\n");
  r = run({"provision", "apply", file});
  EXPECT_EQ(r.out, file + ": 0 created, 0 updated, 2 unchanged\n");
  r = run({"provision", "apply", dir_ + "/missing.toml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "trunkline: " + dir_ + "/missing.toml: cannot open file\n");
}

}  // namespace
}  // namespace trunkline::app

namespace trunkline::app {
namespace {

TEST(ProvisionUtil, PasswordLineAndSpecs) {
  std::istringstream in("s3cret\r\nignored\n");
  EXPECT_EQ(*provision::readPasswordLine(in), "s3cret");
  std::istringstream empty("");
  EXPECT_EQ(provision::readPasswordLine(empty).error().message, "no password on standard input");
  auto g = provision::parseGatewaySpec("tcp:gw.example:5080:weight=3");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->host, "gw.example");
  EXPECT_EQ(g->port, 5080);
  EXPECT_EQ(g->priority, 1u);
  EXPECT_EQ(g->weight, 3u);
  EXPECT_EQ(provision::parseGatewaySpec("udp:1.2.3.4:colour=red").error().message,
            "'udp:1.2.3.4:colour=red': unknown parameter 'colour' (known: prio, weight)");
  auto ref = provision::parseCarrierRef("telco:prio=2");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->priority, 2u);
  EXPECT_EQ(provision::ha1("MD5", "acme-pbx2", "trunkline", "s3cret"),
            "63f1860bee2de93e19c3160af29f3652");
  EXPECT_EQ(*provision::parseCodes("408, 503"), (std::vector<int>{408, 503}));
  EXPECT_FALSE(provision::parseCodes("408,5x3"));
}

}  // namespace
}  // namespace trunkline::app
