// The API-backed commands end to end in-process, offline (the API's handlers on a fresh
// database): options become API requests, answers become tables or JSON, refusals
// become one error line naming the field, with exit status 1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "app/cli_commands.h"

namespace trunkline::app::cli {
namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

class CliCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        (std::filesystem::temp_directory_path() /
         ("tl-cli-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
          "-" + std::to_string(::getpid())))
            .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CliRun run(std::vector<std::string> args) {
    args.insert(args.begin(), "trunkline");
    args.push_back("--offline");
    args.push_back("--data-dir");
    args.push_back(dir_);
    CLI::App app{"trunkline", "trunkline"};
    std::ostringstream out, err;
    auto r = addApiCommands(app, out, err);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    CliRun result;
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
      result.code = r->ran ? r->exitCode : -1;
    } catch (const CLI::ParseError& e) {
      result.code = app.exit(e, out, err);
    }
    result.out = out.str();
    result.err = err.str();
    return result;
  }
  std::string dir_;
};

TEST_F(CliCommands, AccountsThroughTheApi) {
  auto r = run({"account", "add", "--name", "acme", "--country", "GB"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "account 'acme' added (id 1)\n");
  r = run({"account", "add", "--name", "acme"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  r = run({"account", "add", "--name", "bad name!"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("(field name)"), std::string::npos) << r.err;
  r = run({"account", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ID  NAME  COUNTRY  ENABLED\n1   acme  GB       yes\n");
  r = run({"account", "list", "--json"});
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "acme");  // the API's object as is
  EXPECT_EQ(j[0]["id"], 1);
  r = run({"account", "remove", "--name", "nobody"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: no account named 'nobody'\n");
  r = run({"account", "remove", "--name", "acme"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(run({"account", "list", "--json"}).out, "[]\n");
}

TEST_F(CliCommands, TrunksNumbersCarriersRoutes) {
  ASSERT_EQ(run({"account", "add", "--name", "acme"}).code, 0);
  auto r = run({"trunk", "add", "--account", "acme", "--name", "pbx", "--ip", "10.0.0.300/8"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("(field ips"), std::string::npos) << r.err;
  r = run({"trunk", "add", "--account", "acme", "--name", "pbx", "--ip", "10.0.0.0/8", "--channels",
           "many"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("channel_limit"), std::string::npos) << r.err;
  r = run({"trunk", "add", "--account", "acme", "--name", "pbx", "--ip", "10.0.0.0/8", "--username",
           "u1", "--password", "secret-pw", "--codecs", "PCMU,PCMA", "--host", "10.0.0.5"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({"trunk", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("acme     pbx"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10.0.0.0/8 digest:u1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("secret-pw"), std::string::npos);
  r = run({"number", "add", "--e164", "+14155550100", "--account", "acme", "--trunk", "pbx",
           "--backup", "external:+14155550199"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({"number", "list", "--account", "acme"});
  EXPECT_NE(r.out.find("+14155550100  acme     pbx    30            external:+14155550199"),
            std::string::npos)
      << r.out;
  r = run(
      {"carrier", "add", "--name", "telco", "--gateway", "udp:192.0.2.7:5060:prio=1:weight=10"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({"route", "add", "--prefix", "1", "--carrier", "telco", "--failover-codes", "503"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({"route", "add", "--prefix", "44", "--carrier", "nobody"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: no carrier named 'nobody'\n");
  r = run({"route", "list"});
  EXPECT_NE(r.out.find("telco:prio=1:weight=1  503"), std::string::npos) << r.out;
  r = run({"carrier", "remove", "--name", "telco"});  // still routed to: the API's 409
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("error: "), std::string::npos);
  r = run({"carrier", "status", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto st = nlohmann::json::parse(r.out);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0]["carrier"], "telco");
  EXPECT_EQ(st[0]["state"], "unknown (no running node)");
  r = run({"cdrs", "--since", "2h", "--limit", "5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 2), "ID");
  r = run({"cdrs", "--since", "yesterday"});
  EXPECT_EQ(r.code, 1);
}

TEST_F(CliCommands, ApiKeys) {
  auto r = run({"apikey", "create", "--admin", "--name", "ops"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 4), "tlk_");
  r = run({"apikey", "create"});
  EXPECT_EQ(r.code, 1);
  r = run({"apikey", "list", "--json"});
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["scope"], "admin");
  EXPECT_EQ(run({"apikey", "revoke", "--id", "1"}).code, 0);
  r = run({"apikey", "list"});
  EXPECT_NE(r.out.find("revoked"), std::string::npos) << r.out;
  EXPECT_EQ(run({"apikey", "revoke", "--id", "7"}).code, 1);
}

}  // namespace
}  // namespace trunkline::app::cli
