// Registrar: RFC 3261 §10.3 flows driven by literal REGISTER text.
#include "registrar/registrar.h"

#include <atomic>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "registrar/test/test_support.h"

namespace trunkline::registrar {
namespace {

using namespace std::chrono_literals;
using namespace testing;

std::array<std::uint8_t, 4> kSeed{9, 8, 7, 6};

struct Listed {
  std::string uri;
  std::string expires;
  std::string q;
  bool operator==(const Listed&) const = default;
};

std::vector<Listed> listed(const sip::SipMessage& rsp) {
  std::vector<Listed> out;
  auto contacts = rsp.contacts();
  EXPECT_TRUE(contacts);
  for (const auto& c : *contacts) {
    out.push_back({std::string(c.uri.text), std::string(c.params.get("expires").value_or("")),
                   std::string(c.params.get("q").value_or(""))});
  }
  return out;
}

class RegistrarTest : public ::testing::Test {
 protected:
  RegistrarTest()
      : random_(kSeed),
        digest_(digestConfig(), clock_, random_),
        timers_(clock_),
        persistence_(store_) {
    directory_.trunks.push_back(registrationTrunk(1, "pbx1", "s3cret"));
    directory_.trunks.push_back(registrationTrunk(2, "pbx2", "other"));
    auto ipTrunk = registrationTrunk(3, "iptrunk", "pw");
    ipTrunk.registration = false;
    directory_.trunks.push_back(ipTrunk);
    auto disabled = registrationTrunk(4, "off", "pw");
    disabled.enabled = false;
    directory_.trunks.push_back(disabled);
    registrar_ = makeRegistrar();
  }

  static sip::DigestServerConfig digestConfig() {
    sip::DigestServerConfig c;
    c.realm = std::string(kRealm);
    c.secret = "registrar-test-secret-0123456789";
    return c;
  }
  static RegistrarConfig registrarConfig() {
    RegistrarConfig c;
    c.minExpiresS = 60;
    c.maxExpiresS = 3600;
    c.defaultExpiresS = 1800;
    c.maxContactsPerAor = 3;
    return c;
  }
  std::unique_ptr<Registrar> makeRegistrar() {
    return std::make_unique<Registrar>(registrarConfig(), timers_, digest_, directory_,
                                       &persistence_);
  }

  sip::SipMessage send(const std::string& text, const sip::Flow& from,
                       const storage::Trunk* identified = nullptr) {
    auto req = parse(text);
    last_ = registrar_->handle(req, from, identified);
    return parse(last_.wire(req, "regtag1"));
  }
  /// Sends a REGISTER; answers a 401 once, like a PBX does.
  sip::SipMessage reg(Pbx& pbx, const std::string& lines,
                      const sip::Flow& from = udpFrom("203.0.113.5:40123")) {
    auto rsp = send(pbx.text(lines), from);
    if (rsp.statusCode() == 401) {
      pbx.challenged(rsp);
      rsp = send(pbx.text(lines), from);
    }
    return rsp;
  }

  base::ManualClock clock_;
  sip::SeededRandom random_;
  sip::DigestServer digest_;
  base::TimerQueue timers_;
  FakeDirectory directory_;
  MemoryRegistrationStore store_;
  DirectPersistence persistence_;
  std::unique_ptr<Registrar> registrar_;
  Reply last_;
};

TEST_F(RegistrarTest, ChallengeThenAuthorisedThen200WithTheContact) {
  Pbx pbx("pbx1", "s3cret", random_);
  auto first =
      send(pbx.text(contactLine("<sip:pbx1@192.168.1.10:5060>")), udpFrom("203.0.113.5:40123"));
  EXPECT_EQ(first.statusCode(), 401);
  EXPECT_EQ(first.headerCount(sip::HeaderId::WwwAuthenticate), 2u);  // SHA-256 and MD5
  EXPECT_EQ(registrar_->size(), 0u);
  pbx.challenged(first);
  auto ok =
      send(pbx.text(contactLine("<sip:pbx1@192.168.1.10:5060>")), udpFrom("203.0.113.5:40123"));
  ASSERT_EQ(ok.statusCode(), 200);
  EXPECT_EQ(last_.trunkId, 1);
  EXPECT_EQ(ok.to().tag(), "regtag1");
  EXPECT_EQ(listed(ok), (std::vector<Listed>{{"sip:pbx1@192.168.1.10:5060", "1800", ""}}));
  auto b = registrar_->lookup(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].aor, "sip:pbx1@trunkline.test");
  EXPECT_EQ(b[0].contact, "sip:pbx1@192.168.1.10:5060");
  EXPECT_EQ(b[0].userAgent, "TestPBX 1.0");
  EXPECT_EQ(registrar_->counters().challenged, 1u);
  EXPECT_EQ(registrar_->counters().added, 1u);
  // Persisted.
  ASSERT_EQ(store_.rows.size(), 1u);
  const auto& row = store_.rows.begin()->second;
  EXPECT_EQ(row.trunkId, 1);
  EXPECT_EQ(row.received, "udp:203.0.113.5:40123");
  EXPECT_EQ(row.expiresAtMs, 1'700'000'000'000 + 1'800'000);
}

TEST_F(RegistrarTest, WrongPasswordAndUnknownUserAreChallengedAgain) {
  Pbx wrong("pbx1", "guess", random_);
  auto r = reg(wrong, contactLine("<sip:pbx1@10.0.0.1>"));
  EXPECT_EQ(r.statusCode(), 401);
  Pbx nobody("ghost", "x", random_);
  EXPECT_EQ(reg(nobody, contactLine("<sip:ghost@10.0.0.1>")).statusCode(), 401);
  EXPECT_EQ(registrar_->size(), 0u);
  EXPECT_EQ(store_.rows.size(), 0u);
}

TEST_F(RegistrarTest, IpTrunkAndDisabledTrunkAreForbidden) {
  Pbx ip("iptrunk", "pw", random_);
  EXPECT_EQ(reg(ip, contactLine("<sip:a@10.0.0.1>")).statusCode(), 403);
  EXPECT_EQ(last_.trunkId, 3);
  Pbx off("off", "pw", random_);
  EXPECT_EQ(reg(off, contactLine("<sip:a@10.0.0.1>")).statusCode(), 403);
  EXPECT_EQ(registrar_->counters().forbidden, 2u);
}

TEST_F(RegistrarTest, PreIdentifiedTrunkNeedsNoDigest) {
  Pbx pbx("pbx2", "unused", random_);
  auto rsp = send(pbx.text(contactLine("<sip:pbx2@198.51.100.9>")), udpFrom("198.51.100.9:5060"),
                  &directory_.trunks[1]);
  EXPECT_EQ(rsp.statusCode(), 200);
  EXPECT_EQ(registrar_->lookup(2).size(), 1u);
  EXPECT_FALSE(registrar_->lookup(2)[0].behindNat);
}

TEST_F(RegistrarTest, SeveralContactsOrderedByQThenRecency) {
  Pbx pbx("pbx1", "s3cret", random_);
  auto rsp = reg(pbx, contactLine("<sip:a@192.168.1.10>;q=0.5, <sip:b@192.168.1.10>;q=1.0") +
                          contactLine("<sip:c@192.168.1.10>;q=0.5"));
  ASSERT_EQ(rsp.statusCode(), 200);
  EXPECT_EQ(listed(rsp).size(), 3u);
  auto b = registrar_->lookup(1);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].contact, "sip:b@192.168.1.10");
  EXPECT_EQ(b[0].qMilli, 1000);
  EXPECT_EQ(b[1].contact, "sip:c@192.168.1.10");  // same q as a, added after it
  EXPECT_EQ(b[2].contact, "sip:a@192.168.1.10");
  EXPECT_EQ(b[2].qMilli, 500);
  // Refreshing a moves it ahead of c.
  clock_.advance(1s);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@192.168.1.10>;q=0.5")).statusCode(), 200);
  b = registrar_->lookup(1);
  EXPECT_EQ(b[1].contact, "sip:a@192.168.1.10");
  EXPECT_EQ(b[2].contact, "sip:c@192.168.1.10");
  // 200 keeps listing all three, with their own remaining times.
  auto all = listed(rsp);
  EXPECT_EQ(all[0].q, "0.5");
}

TEST_F(RegistrarTest, ExpiryBounds) {
  Pbx pbx("pbx1", "s3cret", random_);
  auto brief = reg(pbx, contactLine("<sip:a@10.0.0.1>;expires=59"));
  EXPECT_EQ(brief.statusCode(), 423);
  ASSERT_NE(brief.header(sip::HeaderId::MinExpires), nullptr);
  EXPECT_EQ(brief.header(sip::HeaderId::MinExpires)->value, "60");
  EXPECT_EQ(registrar_->size(), 0u);
  // The Expires header counts when the contact has no parameter.
  EXPECT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>") + "Expires: 30\r\n").statusCode(), 423);
  // Exactly the minimum is fine; above the maximum is shortened.
  auto ok =
      reg(pbx, contactLine("<sip:a@10.0.0.1>;expires=60, <sip:b@10.0.0.1>") + "Expires: 7200\r\n");
  ASSERT_EQ(ok.statusCode(), 200);
  EXPECT_EQ(listed(ok),
            (std::vector<Listed>{{"sip:a@10.0.0.1", "60", ""}, {"sip:b@10.0.0.1", "3600", ""}}));
  // One too-brief contact fails the whole request: nothing changes.
  auto mixed = reg(pbx, contactLine("<sip:c@10.0.0.1>, <sip:d@10.0.0.1>;expires=10"));
  EXPECT_EQ(mixed.statusCode(), 423);
  EXPECT_EQ(registrar_->lookup(1).size(), 2u);
}

TEST_F(RegistrarTest, UnregisterOneContact) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>, <sip:b@10.0.0.1>")).statusCode(), 200);
  auto rsp = reg(pbx, contactLine("<sip:a@10.0.0.1>;expires=0"));
  ASSERT_EQ(rsp.statusCode(), 200);
  EXPECT_EQ(listed(rsp), (std::vector<Listed>{{"sip:b@10.0.0.1", "1800", ""}}));
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
  EXPECT_EQ(store_.rows.size(), 1u);
  EXPECT_EQ(registrar_->counters().removed, 1u);
  // Expires: 0 for a contact that is not bound changes nothing.
  EXPECT_EQ(reg(pbx, contactLine("<sip:zzz@10.0.0.1>") + "Expires: 0\r\n").statusCode(), 200);
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
}

TEST_F(RegistrarTest, WildcardRemovesAllBindingsOfTheAor) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>, <sip:b@10.0.0.1>")).statusCode(), 200);
  EXPECT_EQ(reg(pbx, contactLine("*")).statusCode(), 400);  // needs Expires: 0
  EXPECT_EQ(reg(pbx, contactLine("*") + "Expires: 60\r\n").statusCode(), 400);
  EXPECT_EQ(reg(pbx, contactLine("*, <sip:c@10.0.0.1>") + "Expires: 0\r\n").statusCode(), 400);
  EXPECT_EQ(registrar_->lookup(1).size(), 2u);
  auto rsp = reg(pbx, contactLine("*") + "Expires: 0\r\n");
  ASSERT_EQ(rsp.statusCode(), 200);
  EXPECT_EQ(rsp.headerCount(sip::HeaderId::Contact), 0u);
  EXPECT_TRUE(registrar_->lookup(1).empty());
  EXPECT_TRUE(store_.rows.empty());
}

TEST_F(RegistrarTest, QueryWithoutContactListsBindings) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>;expires=100")).statusCode(), 200);
  clock_.advance(40s);
  auto rsp = reg(pbx, "");
  ASSERT_EQ(rsp.statusCode(), 200);
  EXPECT_EQ(listed(rsp), (std::vector<Listed>{{"sip:a@10.0.0.1", "60", ""}}));
}

TEST_F(RegistrarTest, CSeqOrderingWithinACallId) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>")).statusCode(), 200);
  const std::uint32_t current = pbx.cseq();
  // Same Call-ID, same CSeq (a replay) and lower CSeq: the update fails.
  auto same = send(pbx.text(contactLine("<sip:a@10.0.0.1>;expires=0"), current),
                   udpFrom("203.0.113.5:40123"));
  EXPECT_EQ(same.statusCode(), 500);
  auto lower = send(pbx.text(contactLine("<sip:a@10.0.0.1>;expires=0"), current - 1),
                    udpFrom("203.0.113.5:40123"));
  EXPECT_EQ(lower.statusCode(), 500);
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
  // All or nothing: a new contact next to the out-of-order one is not added either.
  auto mixed = send(pbx.text(contactLine("<sip:new@10.0.0.1>, <sip:a@10.0.0.1>"), current),
                    udpFrom("203.0.113.5:40123"));
  EXPECT_EQ(mixed.statusCode(), 500);
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
  // Wildcard obeys the rule too.
  EXPECT_EQ(
      send(pbx.text(contactLine("*") + "Expires: 0\r\n", current), udpFrom("203.0.113.5:40123"))
          .statusCode(),
      500);
  // Another Call-ID (the PBX rebooted) may use any CSeq.
  pbx.setCallId("reboot-2@192.168.1.10");
  auto other =
      send(pbx.text(contactLine("<sip:a@10.0.0.1>;expires=0"), 1), udpFrom("203.0.113.5:40123"));
  EXPECT_EQ(other.statusCode(), 200);
  EXPECT_TRUE(registrar_->lookup(1).empty());
}

TEST_F(RegistrarTest, NatDeliveryUsesTheSourceNotThePrivateContact) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:pbx1@192.168.1.10:5060;transport=udp>"),
                udpFrom("203.0.113.5:40123"))
                .statusCode(),
            200);
  auto b = registrar_->lookup(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact, "sip:pbx1@192.168.1.10:5060;transport=udp");  // Request-URI
  EXPECT_TRUE(b[0].behindNat);
  EXPECT_EQ(b[0].flow.kind, sip::TransportKind::Udp);
  EXPECT_EQ(b[0].flow.remote.toString(), "203.0.113.5:40123");  // where it is sent
  EXPECT_EQ(b[0].flow.local.toString(), "192.0.2.1:5060");      // from the same socket
}

TEST_F(RegistrarTest, TcpBindingReusesTheConnection) {
  Pbx pbx("pbx1", "s3cret", random_);
  sip::Flow tcp;
  tcp.kind = sip::TransportKind::Tcp;
  tcp.local = *net::Address::parse("192.0.2.1:5060");
  tcp.remote = *net::Address::parse("203.0.113.5:51000");
  tcp.connectionId = 42;
  ASSERT_EQ(reg(pbx, contactLine("<sip:pbx1@203.0.113.5:5060;transport=tcp>"), tcp).statusCode(),
            200);
  auto b = registrar_->lookup(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].flow.connectionId, 42u);
  EXPECT_FALSE(b[0].behindNat);  // same host; a stream's source port says nothing
  EXPECT_EQ(store_.rows.begin()->second.received, "tcp:203.0.113.5:51000");
  EXPECT_EQ(store_.rows.begin()->second.connectionId, 42u);
}

TEST_F(RegistrarTest, BindingsExpireOnTheClock) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>;expires=60, <sip:b@10.0.0.1>;expires=120"))
                .statusCode(),
            200);
  clock_.advance(59s);
  timers_.runDue();
  EXPECT_EQ(registrar_->lookup(1).size(), 2u);
  clock_.advance(1s);
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);  // filtered even before the timer runs
  EXPECT_EQ(timers_.runDue(), 1u);
  EXPECT_EQ(registrar_->size(), 1u);
  EXPECT_EQ(registrar_->counters().expired, 1u);
  EXPECT_EQ(store_.rows.size(), 1u);  // the expired row is removed from storage too
  // A refresh restarts the binding's time.
  clock_.advance(50s);
  ASSERT_EQ(reg(pbx, contactLine("<sip:b@10.0.0.1>;expires=120")).statusCode(), 200);
  clock_.advance(100s);
  timers_.runDue();
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
  clock_.advance(20s);
  timers_.runDue();
  EXPECT_TRUE(registrar_->lookup(1).empty());
  EXPECT_TRUE(store_.rows.empty());
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(RegistrarTest, TooManyContactsIsForbidden) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(
      reg(pbx, contactLine("<sip:a@10.0.0.1>, <sip:b@10.0.0.1>, <sip:c@10.0.0.1>")).statusCode(),
      200);
  EXPECT_EQ(reg(pbx, contactLine("<sip:d@10.0.0.1>")).statusCode(), 403);
  // Replacing one within the same request is fine.
  EXPECT_EQ(reg(pbx, contactLine("<sip:d@10.0.0.1>, <sip:a@10.0.0.1>;expires=0")).statusCode(),
            200);
  EXPECT_EQ(registrar_->lookup(1).size(), 3u);
}

TEST_F(RegistrarTest, EquivalentContactSpellingsAreOneBinding) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@EXAMPLE.test:5060>")).statusCode(), 200);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@example.test:5060>")).statusCode(), 200);
  auto b = registrar_->lookup(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].contact, "sip:a@example.test:5060");  // the latest spelling
  ASSERT_EQ(store_.rows.size(), 1u);
  EXPECT_EQ(std::get<2>(store_.rows.begin()->first), "sip:a@example.test:5060");
}

TEST_F(RegistrarTest, MalformedAndUnsupportedRequests) {
  Pbx pbx("pbx1", "s3cret", random_);
  EXPECT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>") + "Require: gruu\r\n").statusCode(), 420);
  EXPECT_EQ(last_.headers, "Unsupported: gruu\r\n");
  EXPECT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>;q=2")).statusCode(), 400);
  EXPECT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>;expires=soon")).statusCode(), 400);
  EXPECT_EQ(reg(pbx, contactLine("<tel:+14155550100>")).statusCode(), 400);
  EXPECT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>") + "Expires: never\r\n").statusCode(), 400);
  EXPECT_EQ(registrar_->size(), 0u);
  auto invite = parse(
      "INVITE sip:x@trunkline.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:x@trunkline.test>\r\nCall-ID: i1\r\n"
      "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(registrar_->handle(invite, udpFrom("10.0.0.1:5060")).code, 405);
}

TEST_F(RegistrarTest, RestartRestoresBindingsFromTheStore) {
  Pbx pbx("pbx1", "s3cret", random_);
  sip::Flow tcp;
  tcp.kind = sip::TransportKind::Tcp;
  tcp.remote = *net::Address::parse("203.0.113.5:51000");
  tcp.connectionId = 7;
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@192.168.1.10>;expires=600")).statusCode(), 200);
  ASSERT_EQ(
      reg(pbx, contactLine("<sip:b@192.168.1.10;transport=tcp>;expires=300"), tcp).statusCode(),
      200);
  auto before = registrar_->lookup(1);
  registrar_.reset();  // the process goes away
  EXPECT_EQ(timers_.pending(), 0u);

  clock_.advance(100s);
  registrar_ = makeRegistrar();
  auto rows = store_.list({});
  ASSERT_TRUE(rows);
  EXPECT_EQ(registrar_->restore(*rows), 2u);
  auto after = registrar_->lookup(1);
  ASSERT_EQ(after.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after[i].contact, before[i].contact);
    EXPECT_EQ(after[i].aor, before[i].aor);
    EXPECT_EQ(after[i].flow.kind, before[i].flow.kind);
    EXPECT_EQ(after[i].flow.remote, before[i].flow.remote);
    EXPECT_EQ(after[i].flow.connectionId, 0u);  // the connection did not survive
    EXPECT_EQ(after[i].callId, before[i].callId);
    EXPECT_EQ(after[i].cseq, before[i].cseq);
    EXPECT_EQ(after[i].expiresAtMs, before[i].expiresAtMs);
    EXPECT_EQ(after[i].behindNat, before[i].behindNat);
  }
  // The restored CSeq still orders requests of the same Call-ID.
  auto stale = send(pbx.text(contactLine("<sip:a@192.168.1.10>;expires=0"), 1),
                    udpFrom("203.0.113.5:40123"));
  EXPECT_EQ(stale.statusCode(), 500);
  // Timers were re-armed for the remaining time: b (300 s) ends 200 s after the restart.
  clock_.advance(200s);
  timers_.runDue();
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
  EXPECT_EQ(store_.rows.size(), 1u);
}

TEST_F(RegistrarTest, RestoreSkipsAndDeletesExpiredRows) {
  storage::Registration live;
  live.trunkId = 1;
  live.aor = "sip:pbx1@trunkline.test";
  live.contact = "sip:a@10.0.0.1";
  live.received = "udp:203.0.113.5:5060";
  live.expiresAtMs = 1'700'000'000'000 + 10'000;
  storage::Registration dead = live;
  dead.contact = "sip:b@10.0.0.1";
  dead.expiresAtMs = 1'700'000'000'000;
  storage::Registration garbled = live;
  garbled.contact = "sip:c@10.0.0.1";
  garbled.received = "carrier-pigeon";
  ASSERT_TRUE(store_.upsert(live));
  ASSERT_TRUE(store_.upsert(dead));
  ASSERT_TRUE(store_.upsert(garbled));
  EXPECT_EQ(registrar_->restore(*store_.list({})), 1u);
  EXPECT_EQ(registrar_->lookup(1).size(), 1u);
  EXPECT_EQ(store_.rows.size(), 1u);
  EXPECT_TRUE(registrar_->lookup(1)[0].behindNat);  // 10.0.0.1 behind 203.0.113.5
}

TEST_F(RegistrarTest, DropTrunkRemovesItsBindings) {
  Pbx pbx("pbx1", "s3cret", random_);
  Pbx other("pbx2", "other", random_, "reg-9@10.9.9.9");
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>, <sip:b@10.0.0.1>")).statusCode(), 200);
  ASSERT_EQ(reg(other, contactLine("<sip:z@10.0.0.9>")).statusCode(), 200);
  registrar_->dropTrunk(1);
  EXPECT_TRUE(registrar_->lookup(1).empty());
  EXPECT_EQ(registrar_->lookup(2).size(), 1u);
  EXPECT_EQ(store_.rows.size(), 1u);
  EXPECT_EQ(registrar_->all().size(), 1u);
  EXPECT_EQ(timers_.pending(), 1u);
}

TEST_F(RegistrarTest, IndexMirrorsTheTableForOtherShards) {
  Pbx pbx("pbx1", "s3cret", random_);
  EXPECT_TRUE(registrar_->index().find(1)->empty());
  ASSERT_EQ(
      reg(pbx, contactLine("<sip:a@10.0.0.1>;q=0.1;expires=60, <sip:b@10.0.0.1>")).statusCode(),
      200);
  auto snap = registrar_->index().find(1);
  ASSERT_EQ(snap->size(), 2u);
  EXPECT_EQ((*snap)[0].contact, "sip:b@10.0.0.1");
  EXPECT_EQ((*snap)[1].contact, "sip:a@10.0.0.1");
  clock_.advance(60s);
  EXPECT_EQ(registrar_->index().liveAt(1, clock_.now()).size(), 1u);  // before the timer
  timers_.runDue();
  EXPECT_EQ(registrar_->index().find(1)->size(), 1u);
  EXPECT_EQ(snap->size(), 2u);  // a reader's snapshot never changes under it
  registrar_->dropTrunk(1);
  EXPECT_TRUE(registrar_->index().find(1)->empty());
}

TEST_F(RegistrarTest, IndexReadFromAnotherThreadWhileRegistering) {
  Pbx pbx("pbx1", "s3cret", random_);
  ASSERT_EQ(reg(pbx, contactLine("<sip:a@10.0.0.1>")).statusCode(), 200);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      auto list = registrar_->index().find(1);
      for (const auto& b : *list) EXPECT_EQ(b.trunkId, 1);
      ++reads;
    }
  });
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(reg(pbx, contactLine("<sip:x" + std::to_string(i % 2) + "@10.0.0.1>")).statusCode(),
              200);
    ASSERT_EQ(reg(pbx, contactLine("<sip:x" + std::to_string(i % 2) + "@10.0.0.1>;expires=0"))
                  .statusCode(),
              200);
  }
  while (reads.load() == 0) std::this_thread::yield();  // the reader ran at least once
  done = true;
  reader.join();
  EXPECT_EQ(registrar_->index().find(1)->size(), 1u);
}

}  // namespace
}  // namespace trunkline::registrar
