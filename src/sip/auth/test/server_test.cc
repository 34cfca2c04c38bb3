// DigestServer: challenges, verification, no user enumeration, stale nonces, replays.
#include "sip/auth/server.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <map>
#include <thread>

#include "sip/auth/client.h"

namespace trunkline::sip {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kRealm = "sip.trunkline.test";
constexpr std::string_view kUri = "sip:+14155550100@sip.trunkline.test";

std::array<std::uint8_t, 4> kSeed{1, 2, 3, 4};

class DigestServerTest : public ::testing::Test {
 protected:
  DigestServerTest() : random_(kSeed), server_(makeConfig(), clock_, random_) {
    users_["pbx1"] = StoredHa1{7, ha1(DigestAlgorithm::Md5, "pbx1", kRealm, "s3cret"),
                               ha1(DigestAlgorithm::Sha256, "pbx1", kRealm, "s3cret")};
  }

  static DigestServerConfig makeConfig() {
    DigestServerConfig c;
    c.realm = std::string(kRealm);
    c.secret = "0123456789abcdef-shared-secret";
    return c;
  }

  CredentialLookup lookup() {
    return [this](std::string_view user, std::string_view realm) -> std::optional<StoredHa1> {
      ++lookups_;
      if (realm != kRealm) return std::nullopt;
      auto it = users_.find(std::string(user));
      if (it == users_.end()) return std::nullopt;
      return it->second;
    };
  }

  // A PBX answering our challenge with `password`.
  std::string answer(std::string_view user, std::string_view password,
                     const std::vector<std::string>& challenge, std::string_view method = "INVITE",
                     std::string_view uri = kUri) {
    ClientCredential cred{std::string(user), std::string(kRealm),
                          ha1(DigestAlgorithm::Md5, user, kRealm, password),
                          ha1(DigestAlgorithm::Sha256, user, kRealm, password)};
    std::vector<std::string_view> views(challenge.begin(), challenge.end());
    auto v = answerChallenge(views, cred, method, uri, random_);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : std::string();
  }

  AuthResult verify(const std::string& value, std::string_view method = "INVITE",
                    std::string_view uri = kUri) {
    std::array<std::string_view, 1> values{value};
    return server_.verify(AuthInput{method, uri, values}, lookup());
  }

  base::ManualClock clock_;
  SeededRandom random_;
  DigestServer server_;
  std::map<std::string, StoredHa1> users_;
  std::atomic<int> lookups_{0};
};

TEST_F(DigestServerTest, ChallengeShape) {
  auto values = server_.challengeValues(false);
  ASSERT_EQ(values.size(), 2u);
  auto sha = parseDigestChallenge(values[0]);
  auto md5 = parseDigestChallenge(values[1]);
  ASSERT_TRUE(sha && md5);
  EXPECT_EQ(sha->algorithm, DigestAlgorithm::Sha256);  // RFC 8760: preferred first
  EXPECT_EQ(md5->algorithm, DigestAlgorithm::Md5);
  EXPECT_EQ(sha->realm, kRealm);
  EXPECT_TRUE(sha->qopAuth);
  EXPECT_TRUE(sha->hasOpaque);
  EXPECT_FALSE(sha->stale);
  EXPECT_EQ(sha->nonce, md5->nonce);
  EXPECT_TRUE(parseDigestChallenge(server_.challengeValues(true)[0])->stale);
  EXPECT_NE(server_.challengeValues(false)[0], values[0]);  // fresh nonce each time

  std::string lines = server_.challengeHeaders(Method::Invite, false);
  EXPECT_EQ(lines.rfind("Proxy-Authenticate: Digest realm=", 0), 0u);
  EXPECT_EQ(server_.challengeHeaders(Method::Register, false).rfind("WWW-Authenticate: ", 0), 0u);
  EXPECT_EQ(DigestServer::challengeCode(Method::Invite), 407);
  EXPECT_EQ(DigestServer::challengeCode(Method::Register), 401);
}

TEST_F(DigestServerTest, RoundTripSha256) {
  std::string v = answer("pbx1", "s3cret", server_.challengeValues(false));
  EXPECT_NE(v.find("algorithm=SHA-256"), std::string::npos);
  AuthResult r = verify(v);
  EXPECT_EQ(r.status, AuthStatus::Ok) << r.detail;
  EXPECT_EQ(r.credentialId, 7);
  EXPECT_EQ(r.username, "pbx1");
}

TEST_F(DigestServerTest, RoundTripMd5) {
  auto values = server_.challengeValues(false);
  std::vector<std::string> md5Only{values[1]};
  std::string v = answer("pbx1", "s3cret", md5Only);
  EXPECT_NE(v.find("algorithm=MD5"), std::string::npos);
  EXPECT_EQ(verify(v).status, AuthStatus::Ok);
}

TEST_F(DigestServerTest, WrongPasswordAndUnknownUserAreIndistinguishable) {
  auto challenge = server_.challengeValues(false);
  AuthResult wrong = verify(answer("pbx1", "guess", challenge));
  AuthResult unknown = verify(answer("nobody", "guess", challenge));
  EXPECT_EQ(wrong.status, AuthStatus::Challenge);
  EXPECT_EQ(unknown.status, AuthStatus::Challenge);
  EXPECT_EQ(wrong.detail, unknown.detail);
  EXPECT_EQ(wrong.credentialId, unknown.credentialId);
  EXPECT_EQ(lookups_.load(), 2);  // both went through lookup and hashing
  // Expired nonces too: an unknown user never gets "stale", nor does a wrong password.
  clock_.advance(301s);
  EXPECT_EQ(verify(answer("nobody", "guess", challenge)).status, AuthStatus::Challenge);
  EXPECT_EQ(verify(answer("pbx1", "guess", challenge)).status, AuthStatus::Challenge);
  // The next challenges have the same shape (only the nonce differs).
  auto a = server_.challengeValues(false);
  auto b = server_.challengeValues(false);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].size(), b[i].size());
    auto ca = parseDigestChallenge(a[i]);
    auto cb = parseDigestChallenge(b[i]);
    EXPECT_EQ(ca->realm, cb->realm);
    EXPECT_EQ(ca->opaque, cb->opaque);
    EXPECT_EQ(ca->algorithm, cb->algorithm);
  }
}

TEST_F(DigestServerTest, MissingHa1ForAlgorithmBehavesLikeWrongPassword) {
  users_["md5only"] = StoredHa1{9, ha1(DigestAlgorithm::Md5, "md5only", kRealm, "pw"), ""};
  AuthResult r = verify(answer("md5only", "pw", server_.challengeValues(false)));
  EXPECT_EQ(r.status, AuthStatus::Challenge);
}

TEST_F(DigestServerTest, StaleAfterExpiry) {
  auto challenge = server_.challengeValues(false);
  clock_.advance(299s);
  EXPECT_EQ(verify(answer("pbx1", "s3cret", challenge)).status, AuthStatus::Ok);
  clock_.advance(2s);
  AuthResult r = verify(answer("pbx1", "s3cret", challenge));
  EXPECT_EQ(r.status, AuthStatus::Stale);
  // A fresh challenge works again.
  EXPECT_EQ(verify(answer("pbx1", "s3cret", server_.challengeValues(true))).status, AuthStatus::Ok);
}

TEST_F(DigestServerTest, ConfigurableLifetime) {
  DigestServerConfig c = makeConfig();
  c.nonceLifetime = 30s;
  DigestServer shortLived(c, clock_, random_);
  auto challenge = shortLived.challengeValues(false);
  std::string v = answer("pbx1", "s3cret", challenge);
  clock_.advance(31s);
  std::array<std::string_view, 1> values{v};
  EXPECT_EQ(shortLived.verify(AuthInput{"INVITE", kUri, values}, lookup()).status,
            AuthStatus::Stale);
}

TEST_F(DigestServerTest, NonceCountReplayRejected) {
  auto challenge = server_.challengeValues(false);
  std::vector<std::string_view> views(challenge.begin(), challenge.end());
  DigestClient client(ClientCredential{"pbx1", std::string(kRealm), users_["pbx1"].ha1Md5,
                                       users_["pbx1"].ha1Sha256},
                      random_);
  ASSERT_TRUE(client.onChallenge(views));
  std::string first = *client.authorization("INVITE", kUri);
  std::string second = *client.authorization("INVITE", kUri);
  EXPECT_NE(second.find("nc=00000002"), std::string::npos);
  EXPECT_EQ(verify(first).status, AuthStatus::Ok);
  AuthResult replay = verify(first);
  EXPECT_NE(replay.status, AuthStatus::Ok);
  EXPECT_EQ(replay.status, AuthStatus::Stale);
  EXPECT_EQ(verify(second).status, AuthStatus::Ok);
  EXPECT_NE(verify(second).status, AuthStatus::Ok);
  EXPECT_NE(verify(first).status, AuthStatus::Ok);  // going backwards
}

TEST_F(DigestServerTest, TamperedNonceRejected) {
  auto challenge = server_.challengeValues(false);
  std::string nonce = parseDigestChallenge(challenge[0])->nonce;
  // Move the issue time forward by a day (first hex digits) to cheat the lifetime.
  std::string forged = nonce;
  forged[8] = forged[8] == 'f' ? 'e' : 'f';
  std::string forgedChallenge = challenge[0];
  forgedChallenge.replace(forgedChallenge.find(nonce), nonce.size(), forged);
  AuthResult r = verify(answer("pbx1", "s3cret", {forgedChallenge}));
  EXPECT_EQ(r.status, AuthStatus::Challenge);
  EXPECT_EQ(lookups_.load(), 0);  // refused before any user lookup
  // A nonce of another server (different secret) is refused too.
  DigestServerConfig other = makeConfig();
  other.secret = "another-secret-entirely-000000";
  DigestServer stranger(other, clock_, random_);
  EXPECT_EQ(verify(answer("pbx1", "s3cret", stranger.challengeValues(false))).status,
            AuthStatus::Challenge);
  // While a second node sharing the secret accepts ours.
  DigestServer peer(makeConfig(), clock_, random_);
  std::string v = answer("pbx1", "s3cret", peer.challengeValues(false));
  EXPECT_EQ(verify(v).status, AuthStatus::Ok);
}

TEST_F(DigestServerTest, RequestMustMatchMethodAndUri) {
  auto challenge = server_.challengeValues(false);
  std::string v = answer("pbx1", "s3cret", challenge, "INVITE", kUri);
  EXPECT_EQ(verify(v, "BYE", kUri).status, AuthStatus::Challenge);
  EXPECT_EQ(verify(v, "INVITE", "sip:+449@sip.trunkline.test").status, AuthStatus::Challenge);
  // Equivalent URI forms are accepted (RFC 3261 §19.1.4: host case-insensitive).
  EXPECT_EQ(verify(v, "INVITE", "sip:+14155550100@SIP.trunkline.test").status, AuthStatus::Ok);
}

TEST_F(DigestServerTest, OtherRealmsOpaqueAndQop) {
  auto challenge = server_.challengeValues(false);
  std::string good = answer("pbx1", "s3cret", challenge);
  // Credentials for another realm are skipped; ours is found after them.
  std::string foreign =
      "Digest username=\"x\", realm=\"other\", nonce=\"n\", uri=\"sip:a@b\", "
      "response=\"0123456789abcdef0123456789abcdef\"";
  std::array<std::string_view, 2> both{foreign, good};
  EXPECT_EQ(server_.verify(AuthInput{"INVITE", kUri, both}, lookup()).status, AuthStatus::Ok);
  std::array<std::string_view, 1> onlyForeign{foreign};
  EXPECT_EQ(server_.verify(AuthInput{"INVITE", kUri, onlyForeign}, lookup()).status,
            AuthStatus::Challenge);
  // Opaque must be echoed unchanged.
  std::string badOpaque = good;
  std::size_t at = badOpaque.find("opaque=\"");
  ASSERT_NE(at, std::string::npos);
  badOpaque[at + 8] = badOpaque[at + 8] == 'a' ? 'b' : 'a';
  EXPECT_EQ(verify(badOpaque).status, AuthStatus::Challenge);
  // No credentials, or garbage: a challenge with a reason for the log.
  std::array<std::string_view, 0> none{};
  AuthResult r = server_.verify(AuthInput{"INVITE", kUri, none}, lookup());
  EXPECT_EQ(r.status, AuthStatus::Challenge);
  EXPECT_EQ(r.detail, "no credentials");
  AuthResult g = verify("Digest username=");
  EXPECT_EQ(g.status, AuthStatus::Challenge);
  EXPECT_NE(g.detail.find("malformed"), std::string::npos);
}

TEST_F(DigestServerTest, LegacyNoQopRefusedByDefaultAllowedByConfig) {
  auto challenge = server_.challengeValues(false);
  std::string nonce = parseDigestChallenge(challenge[1])->nonce;
  std::string h1 = users_["pbx1"].ha1Md5;
  std::string resp = requestDigest(DigestAlgorithm::Md5, h1, nonce, "", "", "", "INVITE", kUri);
  std::string v = "Digest username=\"pbx1\", realm=\"" + std::string(kRealm) + "\", nonce=\"" +
                  nonce + "\", uri=\"" + std::string(kUri) + "\", response=\"" + resp + "\"";
  EXPECT_EQ(verify(v).status, AuthStatus::Challenge);
  DigestServerConfig c = makeConfig();
  c.allowNoQop = true;
  DigestServer lenient(c, clock_, random_);
  std::array<std::string_view, 1> values{v};
  EXPECT_EQ(lenient.verify(AuthInput{"INVITE", kUri, values}, lookup()).status, AuthStatus::Ok);
}

TEST_F(DigestServerTest, AlgorithmNotOfferedIsRefused) {
  DigestServerConfig c = makeConfig();
  c.algorithms = {DigestAlgorithm::Sha256};
  DigestServer shaOnly(c, clock_, random_);
  auto challenge = server_.challengeValues(false);  // offers MD5 too
  std::string v = answer("pbx1", "s3cret", {challenge[1]});
  std::array<std::string_view, 1> values{v};
  EXPECT_EQ(shaOnly.verify(AuthInput{"INVITE", kUri, values}, lookup()).status,
            AuthStatus::Challenge);
}

TEST_F(DigestServerTest, VerifiesAParsedSipMessage) {
  auto challenge = server_.challengeValues(false);
  std::string v = answer("pbx1", "s3cret", challenge);
  std::string wire = "INVITE " + std::string(kUri) +
                     " SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:pbx1@192.0.2.10>;tag=a\r\n"
                     "To: <" +
                     std::string(kUri) +
                     ">\r\n"
                     "Call-ID: c1@192.0.2.10\r\n"
                     "CSeq: 2 INVITE\r\n"
                     "Proxy-Authorization: " +
                     v +
                     "\r\n"
                     "Content-Length: 0\r\n\r\n";
  auto msg = SipMessage::parse(wire);
  ASSERT_TRUE(msg) << msg.error().text();
  EXPECT_EQ(server_.verify(*msg, lookup()).status, AuthStatus::Ok);
}

TEST_F(DigestServerTest, SharedByThreadsEachAnswerAcceptedOnce) {
  // Several shards verify at once; every distinct answer is accepted exactly once, however
  // many threads replay it.
  std::vector<std::string> answers;
  for (int i = 0; i < 50; ++i)
    answers.push_back(answer("pbx1", "s3cret", server_.challengeValues(false)));
  std::atomic<int> ok{0};
  auto work = [&] {
    for (const std::string& v : answers) {
      std::array<std::string_view, 1> values{v};
      if (server_.verify(AuthInput{"INVITE", kUri, values}, lookup()).status == AuthStatus::Ok) {
        ok.fetch_add(1);
      }
    }
  };
  std::thread a(work), b(work), c(work);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(ok.load(), 50);
}

TEST(NonceCountTableTest, EvictionNeverAcceptsAReplay) {
  NonceCountTable t(2);
  NonceInfo a{100, 1}, b{101, 2}, c{102, 3};
  EXPECT_EQ(t.use(a, 1, 400, 110), NonceCountTable::Verdict::Accepted);
  EXPECT_EQ(t.use(b, 1, 401, 110), NonceCountTable::Verdict::Accepted);
  EXPECT_EQ(t.use(c, 1, 402, 110), NonceCountTable::Verdict::Accepted);  // evicts a
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.use(a, 1, 400, 110), NonceCountTable::Verdict::Forgotten);
  EXPECT_EQ(t.use(c, 1, 402, 110), NonceCountTable::Verdict::Replayed);
  EXPECT_EQ(t.use(c, 2, 402, 110), NonceCountTable::Verdict::Accepted);
  NonceInfo later{200, 4};
  EXPECT_EQ(t.use(later, 5, 500, 210), NonceCountTable::Verdict::Accepted);
}

TEST(NonceCodecTest, OpensOnlyItsOwn) {
  NonceCodec codec("secret-secret-secret", "realm");
  std::string n = codec.issue(1234, 0xabcdef);
  EXPECT_EQ(n.size(), 64u);
  auto info = codec.open(n);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->issuedS, 1234);
  EXPECT_EQ(info->id, 0xabcdefu);
  EXPECT_FALSE(NonceCodec("secret-secret-secret", "other-realm").open(n));
  EXPECT_FALSE(codec.open(n.substr(1)));
  EXPECT_FALSE(codec.open(std::string(64, 'z')));
  std::string upper = n;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
  if (upper != n) {
    EXPECT_FALSE(codec.open(upper));
  }
}

}  // namespace
}  // namespace trunkline::sip
