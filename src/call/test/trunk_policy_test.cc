// TrunkPolicy over a real SQLite config store and snapshot: identification (ACL, digest),
// limits, normalisation, caller-ID policy, routing and inbound DID delivery.
#include "call/trunk_policy.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sip/auth/client.h"
#include "sip/auth/digest.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"

namespace trunkline::call {
namespace {

using storage::Id;

// The Proxy-Authorization a PBX would send for `user`/`password` to a 407's headers.
std::string answer(const std::string& challengeHeaders, const std::string& user,
                   const std::string& password) {
  std::vector<std::string> values;
  std::string_view rest = challengeHeaders;
  while (!rest.empty()) {
    auto eol = rest.find("\r\n");
    auto line = rest.substr(0, eol);
    values.emplace_back(line.substr(line.find(':') + 2));
    rest = rest.substr(eol + 2);
  }
  std::vector<std::string_view> views(values.begin(), values.end());
  sip::SeededRandom rnd{std::span<const std::uint8_t>()};
  auto auth = sip::answerChallenge(
      views,
      sip::ClientCredential{user, "trunkline",
                            sip::ha1(sip::DigestAlgorithm::Md5, user, "trunkline", password),
                            sip::ha1(sip::DigestAlgorithm::Sha256, user, "trunkline", password)},
      "INVITE", "sip:+14155551234@192.0.2.1", rnd);
  EXPECT_TRUE(auth) << auth.error().message;
  return auth ? *auth : std::string();
}

class TrunkPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tl-policy-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = std::move(*storage::sqlite::Database::open((dir_ / "t.db").string()));
    store_ = std::make_unique<storage::sqlite::SqliteConfigStore>(*db_);

    storage::Account acme{0, "acme", "US", true};
    acme_ = *store_->addAccount(acme);

    storage::Trunk ip;
    ip.accountId = acme_;
    ip.name = "pbx-ip";
    ip.allowedCidrs = {"10.1.1.0/24"};
    ip.host = "10.1.1.5";
    ip.channelLimit = 2;
    ipTrunk_ = *store_->addTrunk(ip);

    storage::Trunk dg;
    dg.accountId = acme_;
    dg.name = "pbx-digest";
    storage::DigestCredential c;
    c.username = "alice";
    c.realm = "trunkline";
    c.ha1Md5 = sip::ha1(sip::DigestAlgorithm::Md5, "alice", "trunkline", "s3cret");
    c.ha1Sha256 = sip::ha1(sip::DigestAlgorithm::Sha256, "alice", "trunkline", "s3cret");
    dg.credentials = {c};
    dg.callerIdPolicy = storage::CallerIdPolicy::AccountNumbers;
    digestTrunk_ = *store_->addTrunk(dg);

    storage::Carrier telco;
    telco.name = "telco";
    telco.gateways = {storage::Gateway{0, "198.51.100.7", 5060, storage::Transport::Udp, 1, 1}};
    telco.inboundCidrs = {"198.51.100.0/28"};
    telco_ = *store_->addCarrier(telco);
    storage::Carrier backup;
    backup.name = "backup";
    backup.gateways = {storage::Gateway{0, "198.51.100.40", 5080, storage::Transport::Tcp, 1, 1}};
    backup_ = *store_->addCarrier(backup);

    storage::Route r;
    r.prefix = "1";
    r.targets = {{telco_, 1, 1}, {backup_, 2, 1}};
    (void)*store_->addRoute(r);

    storage::Number n;
    n.e164 = "+14155550100";
    n.accountId = acme_;
    n.trunkId = ipTrunk_;
    n.ringTimeoutS = 20;
    n.backups = {{storage::BackupDestination::Kind::External, 0, "+14155550199"}};
    (void)*store_->addNumber(n);

    snapshots_ = std::make_unique<storage::SnapshotSource>(*store_);
    ASSERT_TRUE(snapshots_->refreshIfChanged());
    policy_ = std::make_unique<TrunkPolicy>(
        TrunkPolicy::Deps{*snapshots_, digest_, channels_, cps_, nullptr, nullptr, routeRandom_});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string invite(const std::string& to, const std::string& from = "+14155550100",
                            const std::string& extra = "") {
    return "INVITE sip:" + to +
           "@192.0.2.1 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.1.1.5:5060;branch=z9hG4bK-p1\r\n"
           "Max-Forwards: 70\r\n"
           "From: \"Alice\" <sip:" +
           from +
           "@10.1.1.5>;tag=f1\r\n"
           "To: <sip:" +
           to +
           "@192.0.2.1>\r\n"
           "Call-ID: pol@10.1.1.5\r\nCSeq: 1 INVITE\r\n" +
           extra + "Content-Length: 0\r\n\r\n";
  }

  Admission admit(const std::string& text, const std::string& source) {
    auto msg = sip::SipMessage::parse(text);
    EXPECT_TRUE(msg) << msg.error().text();
    sip::Flow flow;
    flow.remote = *net::Address::parse(source);
    flow.local = *net::Address::parse("192.0.2.1:5060");
    return policy_->admit(InviteInfo{*msg, flow});
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> store_;
  std::unique_ptr<storage::SnapshotSource> snapshots_;
  base::ManualClock clock_;
  sip::SeededRandom authRandom_{std::span<const std::uint8_t>()};
  sip::DigestServer digest_{sip::DigestServerConfig{"trunkline", "test-secret"}, clock_,
                            authRandom_};
  fraud::ChannelLimiter channels_;
  fraud::CpsLimiter cps_{clock_};
  routing::SplitMix64 routeRandom_{42};
  std::unique_ptr<TrunkPolicy> policy_;
  Id acme_ = 0, ipTrunk_ = 0, digestTrunk_ = 0, telco_ = 0, backup_ = 0;
};

TEST_F(TrunkPolicyTest, OutboundFromAclAddressRoutesToCarriersInOrder) {
  auto a = admit(invite("4155551234"), "10.1.1.5:5060");  // national format, US account
  ASSERT_TRUE(std::holds_alternative<Accept>(a));
  const auto& acc = std::get<Accept>(a);
  EXPECT_EQ(acc.context.direction, storage::Direction::Outbound);
  EXPECT_EQ(acc.context.accountId, acme_);
  EXPECT_EQ(acc.context.trunkId, ipTrunk_);
  EXPECT_EQ(acc.context.toE164, "+14155551234");
  EXPECT_EQ(acc.context.callerId.user, "+14155550100");
  EXPECT_EQ(acc.context.callerId.displayName, "Alice");
  ASSERT_EQ(acc.targets.size(), 2u);
  EXPECT_EQ(acc.targets[0].requestUri, "sip:+14155551234@198.51.100.7:5060");
  EXPECT_EQ(acc.targets[0].carrierId, telco_);
  EXPECT_EQ(acc.targets[0].transport, sip::TransportKind::Udp);
  EXPECT_EQ(acc.targets[1].destination.toString(), "198.51.100.40:5080");
  EXPECT_EQ(acc.targets[1].transport, sip::TransportKind::Tcp);
  EXPECT_EQ(acc.targets[1].label, "backup");
}

TEST_F(TrunkPolicyTest, UnknownSourceIsChallengedThenDigestAdmits) {
  auto a = admit(invite("+14155551234"), "203.0.113.9:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(a));
  const auto& r = std::get<Reject>(a);
  EXPECT_EQ(r.code, 407);
  EXPECT_NE(r.extraHeaders.find("Proxy-Authenticate: Digest"), std::string::npos);
  EXPECT_NE(r.extraHeaders.find("algorithm=SHA-256"), std::string::npos);
  EXPECT_NE(r.extraHeaders.find("algorithm=MD5"), std::string::npos);

  // Answer the challenge as a PBX would.
  const std::string good = answer(r.extraHeaders, "alice", "s3cret");
  // The caller ID must be one of the account's numbers for this trunk.
  auto ok = admit(invite("+14155551234", "+14155550100", "Proxy-Authorization: " + good + "\r\n"),
                  "203.0.113.9:5060");
  ASSERT_TRUE(std::holds_alternative<Accept>(ok));
  EXPECT_EQ(std::get<Accept>(ok).context.trunkId, digestTrunk_);
}

TEST_F(TrunkPolicyTest, WrongPasswordAndUnknownUserLookTheSame) {
  auto attempt = [&](const std::string& user, const std::string& password) {
    auto first = std::get<Reject>(admit(invite("+14155551234"), "203.0.113.9:5060"));
    auto auth = answer(first.extraHeaders, user, password);
    return admit(invite("+14155551234", "+14155550100", "Proxy-Authorization: " + auth + "\r\n"),
                 "203.0.113.9:5060");
  };
  auto wrong = attempt("alice", "guess");
  auto unknown = attempt("mallory", "s3cret");
  ASSERT_TRUE(std::holds_alternative<Reject>(wrong));
  ASSERT_TRUE(std::holds_alternative<Reject>(unknown));
  EXPECT_EQ(std::get<Reject>(wrong).code, 407);
  EXPECT_EQ(std::get<Reject>(unknown).code, 407);
  EXPECT_FALSE(std::get<Reject>(wrong).recordCdr);  // challenges are not call attempts
  EXPECT_FALSE(std::get<Reject>(unknown).recordCdr);
  EXPECT_EQ(std::get<Reject>(wrong).reason, std::get<Reject>(unknown).reason);
  EXPECT_EQ(std::get<Reject>(wrong).extraHeaders.size(),
            std::get<Reject>(unknown).extraHeaders.size());
}

TEST_F(TrunkPolicyTest, ChannelLimitRefusesTheThirdUntilRelease) {
  auto a = admit(invite("+14155551234"), "10.1.1.5:5060");
  auto b = admit(invite("+14155551234"), "10.1.1.5:5060");
  ASSERT_TRUE(std::holds_alternative<Accept>(a));
  ASSERT_TRUE(std::holds_alternative<Accept>(b));
  auto c = admit(invite("+14155551234"), "10.1.1.5:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(c));
  EXPECT_EQ(std::get<Reject>(c).code, 503);
  EXPECT_NE(std::get<Reject>(c).extraHeaders.find("Retry-After: "), std::string::npos);
  EXPECT_NE(std::get<Reject>(c).extraHeaders.find("Reason: SIP;cause=503"), std::string::npos);
  policy_->release(std::get<Accept>(a).context);
  EXPECT_TRUE(std::holds_alternative<Accept>(admit(invite("+14155551234"), "10.1.1.5:5060")));
}

TEST_F(TrunkPolicyTest, NoRouteAndUndialable) {
  auto a = admit(invite("+442079460000"), "10.1.1.5:5060");  // only prefix 1 is routed
  ASSERT_TRUE(std::holds_alternative<Reject>(a));
  EXPECT_EQ(std::get<Reject>(a).code, 404);
  auto b = admit(invite("+1415"), "10.1.1.5:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(b));
  EXPECT_EQ(std::get<Reject>(b).code, 484);
  auto shortCode = admit(invite("411"), "10.1.1.5:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(shortCode));
  EXPECT_EQ(std::get<Reject>(shortCode).code, 404);
  auto c = admit(invite("911"), "10.1.1.5:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(c));
  EXPECT_EQ(std::get<Reject>(c).code, 403);
  // None of these held a channel.
  EXPECT_EQ(channels_.active(ipTrunk_), 0u);
}

TEST_F(TrunkPolicyTest, CallerIdMustBeTheAccountsOwnForThatTrunk) {
  // pbx-digest has the AccountNumbers policy; give it an IP so we skip digest here.
  auto t = *store_->getTrunk(digestTrunk_);
  t.allowedCidrs = {"10.9.9.0/24"};
  ASSERT_TRUE(store_->updateTrunk(t));
  ASSERT_TRUE(snapshots_->refreshIfChanged());
  auto bad = admit(invite("+14155551234", "+19995550000"), "10.9.9.9:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(bad));
  EXPECT_EQ(std::get<Reject>(bad).code, 403);
  EXPECT_EQ(std::get<Reject>(bad).reason, "Caller ID not allowed");
  EXPECT_TRUE(std::holds_alternative<Accept>(admit(invite("+14155551234"), "10.9.9.9:5060")));
}

TEST_F(TrunkPolicyTest, InboundDidGoesToTrunkThenBackupThroughCarriers) {
  auto a = admit(invite("14155550100", "+13125550000"), "198.51.100.3:5060");
  ASSERT_TRUE(std::holds_alternative<Accept>(a));
  const auto& acc = std::get<Accept>(a);
  EXPECT_EQ(acc.context.direction, storage::Direction::Inbound);
  EXPECT_EQ(acc.context.trunkId, ipTrunk_);
  EXPECT_EQ(acc.context.toE164, "+14155550100");
  EXPECT_EQ(acc.context.fromE164, "+13125550000");
  ASSERT_EQ(acc.targets.size(), 3u);
  EXPECT_EQ(acc.targets[0].requestUri, "sip:+14155550100@10.1.1.5:5060");
  EXPECT_EQ(acc.targets[0].ringTimeout, std::chrono::seconds(20));
  EXPECT_EQ(acc.targets[0].trunkId, ipTrunk_);
  // Busy or no answer at the PBX moves on to the backup (an external number).
  EXPECT_NE(
      std::find(acc.targets[0].failoverCodes.begin(), acc.targets[0].failoverCodes.end(), 486),
      acc.targets[0].failoverCodes.end());
  EXPECT_EQ(acc.targets[1].requestUri, "sip:+14155550199@198.51.100.7:5060");
  EXPECT_EQ(acc.targets[2].carrierId, backup_);
}

TEST_F(TrunkPolicyTest, InboundUnknownDid) {
  auto a = admit(invite("+14155550111", "+13125550000"), "198.51.100.3:5060");
  ASSERT_TRUE(std::holds_alternative<Reject>(a));
  EXPECT_EQ(std::get<Reject>(a).code, 404);
}

TEST_F(TrunkPolicyTest, ChangesApplyAfterRefresh) {
  storage::Route def;
  def.prefix = "";
  def.targets = {{backup_, 1, 1}};
  ASSERT_TRUE(store_->addRoute(def));
  ASSERT_TRUE(snapshots_->refreshIfChanged());
  auto a = admit(invite("+442079460000"), "10.1.1.5:5060");
  ASSERT_TRUE(std::holds_alternative<Accept>(a));
  EXPECT_EQ(std::get<Accept>(a).targets.at(0).carrierId, backup_);
}

}  // namespace
}  // namespace trunkline::call
