#pragma once
// Registrar test fixtures: a PBX that builds REGISTERs as literal SIP text and answers
// the digest challenge, a trunk directory, and an in-memory RegistrationStore.
#include <array>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/timer_queue.h"
#include "registrar/registrar.h"
#include "sip/auth/client.h"
#include "sip/auth/server.h"
#include "storage/repository.h"

namespace trunkline::registrar::testing {

inline constexpr std::string_view kRealm = "trunkline.test";
inline constexpr std::string_view kRegistrarUri = "sip:trunkline.test";

class FakeDirectory final : public TrunkDirectory {
 public:
  const storage::Trunk* findByCredential(std::string_view username,
                                         std::string_view realm) const override {
    for (const auto& t : trunks)
      for (const auto& c : t.credentials)
        if (c.username == username) return &t;
    return nullptr;
  }
  std::vector<storage::Trunk> trunks;
};

/// In-memory storage::RegistrationStore (what the SQLite one does, without the file).
class MemoryRegistrationStore final : public storage::RegistrationStore {
 public:
  base::Result<void> upsert(const storage::Registration& r) override {
    if (failNext > 0) {
      --failNext;
      return base::fail(base::Errc::Io, "database is locked (fake)");
    }
    rows[{r.trunkId, r.aor, r.contact}] = r;
    ++writes;
    return {};
  }
  base::Result<void> remove(storage::Id trunkId, std::string_view aor,
                            std::string_view contact) override {
    if (failNext > 0) {
      --failNext;
      return base::fail(base::Errc::Io, "database is locked (fake)");
    }
    ++writes;
    if (rows.erase({trunkId, std::string(aor), std::string(contact)}) == 0)
      return base::fail(base::Errc::NotFound, "no such binding");
    return {};
  }
  base::Result<std::vector<storage::Registration>> list(
      std::optional<storage::Id> trunkId) override {
    std::vector<storage::Registration> out;
    for (const auto& [k, r] : rows)
      if (!trunkId || r.trunkId == *trunkId) out.push_back(r);
    return out;
  }
  base::Result<std::size_t> expire(std::int64_t nowMs) override {
    return std::erase_if(rows, [&](const auto& kv) { return kv.second.expiresAtMs <= nowMs; });
  }
  std::map<std::tuple<storage::Id, std::string, std::string>, storage::Registration> rows;
  int failNext = 0;
  int writes = 0;
};

/// BindingPersistence applied synchronously to a store (tests only: the server uses
/// RegistrationWriter so the shard never waits on the database).
class DirectPersistence final : public BindingPersistence {
 public:
  explicit DirectPersistence(storage::RegistrationStore& store) : store_(store) {}
  void upsert(const storage::Registration& r) override { (void)store_.upsert(r); }
  void remove(storage::Id trunkId, std::string_view aor, std::string_view contact) override {
    (void)store_.remove(trunkId, aor, contact);
  }

 private:
  storage::RegistrationStore& store_;
};

inline std::string contactLine(std::string_view value) {
  return fmt::format("Contact: {}\r\n", value);
}

/// One PBX of a registration trunk: same Call-ID for its REGISTERs, CSeq counting up.
class Pbx {
 public:
  Pbx(std::string user, std::string password, sip::RandomSource& random,
      std::string callId = "reg-1@192.168.1.10")
      : user_(std::move(user)),
        client_(
            sip::ClientCredential{user_, std::string(kRealm),
                                  sip::ha1(sip::DigestAlgorithm::Md5, user_, kRealm, password),
                                  sip::ha1(sip::DigestAlgorithm::Sha256, user_, kRealm, password)},
            random),
        callId_(std::move(callId)) {}

  /// REGISTER text with the given Contact/Expires/other lines; Authorization added once
  /// the PBX has a challenge.
  std::string text(std::string_view lines, std::optional<std::uint32_t> cseq = {}) {
    std::uint32_t n = cseq.value_or(++cseq_);
    std::string auth;
    if (client_.ready()) {
      auto v = client_.authorization("REGISTER", kRegistrarUri);
      EXPECT_TRUE(v);
      if (v) auth = fmt::format("Authorization: {}\r\n", *v);
    }
    return fmt::format(
        "REGISTER {} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-{}-{};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:{}@trunkline.test>;tag=f{}\r\n"
        "To: <sip:{}@trunkline.test>\r\n"
        "Call-ID: {}\r\n"
        "CSeq: {} REGISTER\r\n"
        "User-Agent: TestPBX 1.0\r\n"
        "{}{}"
        "Content-Length: 0\r\n\r\n",
        kRegistrarUri, std::hash<std::string>{}(callId_), n, user_, n, user_, callId_, n, auth,
        lines);
  }
  /// Learns the challenge of a 401.
  void challenged(const sip::SipMessage& response) {
    std::vector<std::string_view> values;
    for (const auto* h : response.headersOf(sip::HeaderId::WwwAuthenticate))
      values.push_back(h->value);
    auto r = client_.onChallenge(values);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
  }
  void setCallId(std::string id) { callId_ = std::move(id); }
  std::uint32_t cseq() const { return cseq_; }

 private:
  std::string user_;
  sip::DigestClient client_;
  std::string callId_;
  std::uint32_t cseq_ = 0;
};

inline sip::SipMessage parse(std::string_view text) {
  auto m = sip::SipMessage::parse(text);
  EXPECT_TRUE(m) << (m ? "" : m.error().text()) << "\n" << text;
  return std::move(*m);
}

inline storage::Trunk registrationTrunk(storage::Id id, std::string user,
                                        std::string_view password) {
  storage::Trunk t;
  t.id = id;
  t.accountId = 1;
  t.name = "pbx" + std::to_string(id);
  t.registration = true;
  storage::DigestCredential c;
  c.id = id * 10;
  c.username = std::move(user);
  c.realm = std::string(kRealm);
  c.ha1Md5 = sip::ha1(sip::DigestAlgorithm::Md5, c.username, kRealm, password);
  c.ha1Sha256 = sip::ha1(sip::DigestAlgorithm::Sha256, c.username, kRealm, password);
  t.credentials.push_back(c);
  return t;
}

inline sip::Flow udpFrom(std::string_view remote) {
  sip::Flow f;
  f.kind = sip::TransportKind::Udp;
  f.local = *net::Address::parse("192.0.2.1:5060");
  f.remote = *net::Address::parse(remote);
  return f;
}

}  // namespace trunkline::registrar::testing
