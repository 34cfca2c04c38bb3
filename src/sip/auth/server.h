#pragma once
// Server side of SIP digest authentication: we challenge PBXs (407 for requests such as
// INVITE, 401 for REGISTER, RFC 3261 §22.2/§22.3) and verify their answers.
//
// The outcome of verify() is one of three: Ok (with the matched credential), Challenge
// (send a fresh challenge) or Stale (send a fresh challenge with stale=true). An unknown
// username and a wrong password both give Challenge, with the same detail text, after
// the same hashing work (a per-process dummy HA1 stands in for the missing one), so the
// answer does not reveal which usernames exist.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "sip/auth/digest.h"
#include "sip/auth/nonce.h"
#include "sip/auth/random.h"
#include "sip/message/message.h"

namespace trunkline::sip {

struct DigestServerConfig {
  /// The realm of our challenges (e.g. the service's domain). Quoted on the wire.
  std::string realm;
  /// Key of the nonce MAC. Every node that must verify another's nonces shares it (at
  /// least 16 bytes). Empty: a random key for this process only.
  std::string secret;
  /// A nonce older than this is answered with stale=true (when the credentials matched).
  std::chrono::seconds nonceLifetime{300};
  /// Nonces stamped further than this in the future (clock skew between nodes) are refused.
  std::chrono::seconds maxFutureSkew{5};
  /// Accept the RFC 2069 form (no qop, hence no nc replay protection). We always offer
  /// qop="auth", so a client leaving it out is old or suspicious: refused by default.
  bool allowNoQop = false;
  /// Algorithms offered, one challenge header each, in this order (RFC 8760 §2.4: the
  /// preferred first). Default SHA-256 then MD5.
  std::vector<DigestAlgorithm> algorithms{DigestAlgorithm::Sha256, DigestAlgorithm::Md5};
  /// Require the digest uri to match the Request-URI (RFC 3261 §22.4 / RFC 7616 §3.4.6).
  bool checkUri = true;
  /// Nonces whose nonce-count is tracked at once (bounded memory).
  std::size_t maxTrackedNonces = 100'000;
};

/// The stored secret of one credential as the caller's lookup returns it.
struct StoredHa1 {
  std::int64_t id = 0;    // caller's handle (storage::DigestCredential::id), echoed on Ok
  std::string ha1Md5;     // 32 hex, may be empty if not provisioned
  std::string ha1Sha256;  // 64 hex, may be empty if not provisioned
};

/// Finds the credential of `username` in `realm`; nullopt when there is none. Called on the
/// verifying thread; must not block (read an in-memory snapshot).
using CredentialLookup =
    std::function<std::optional<StoredHa1>(std::string_view username, std::string_view realm)>;

enum class AuthStatus : std::uint8_t {
  Ok,         // the request is authenticated
  Challenge,  // answer 401/407 with challengeHeaders(method, false)
  Stale,      // answer 401/407 with challengeHeaders(method, true)
};

struct AuthResult {
  AuthStatus status = AuthStatus::Challenge;
  std::int64_t credentialId = 0;  // Ok only
  std::string username;           // Ok only
  /// Why it was not Ok, for logs and counters; never sent on the wire. Identical for an
  /// unknown user and a wrong password.
  std::string detail;
};

/// What verify() needs from a request, without the SIP message (also used by tests).
struct AuthInput {
  std::string_view method;      // request method text ("INVITE")
  std::string_view requestUri;  // Request-URI text; empty skips the uri check
  /// The Authorization (REGISTER) or Proxy-Authorization values, in order. Values for
  /// other realms are ignored.
  std::span<const std::string_view> credentials;
};

/// Challenges and verifies. Thread-safe: one instance serves every shard; it lives from
/// start-up until the realm or secret changes (then a new one replaces it; its nonces
/// stay valid across the swap when the secret is unchanged). The clock and random source
/// must outlive it.
class DigestServer {
 public:
  DigestServer(DigestServerConfig config, const base::Clock& clock, RandomSource& random);

  /// The header carrying credentials for `m`: Authorization for REGISTER (we act as
  /// registrar), Proxy-Authorization for everything else (we act as a proxy).
  static HeaderId credentialsHeader(Method m);
  /// 401 for REGISTER, 407 otherwise.
  static int challengeCode(Method m);
  /// "WWW-Authenticate" / "Proxy-Authenticate".
  static std::string_view challengeHeaderName(Method m);

  /// One challenge value per configured algorithm, all with the same fresh nonce.
  std::vector<std::string> challengeValues(bool stale) const;
  /// The same as preformatted header lines ("Proxy-Authenticate: Digest ...\r\n" ...),
  /// ready for makeResponse()'s extraHeaders.
  std::string challengeHeaders(Method m, bool stale) const;

  AuthResult verify(const AuthInput& in, const CredentialLookup& lookup) const;
  /// Picks the method, Request-URI and credentials header of a parsed request. Not for
  /// CANCEL or ACK: RFC 3261 §22.1 forbids challenging them (an ACK to a 2xx reuses the
  /// INVITE's credentials; a CANCEL must be accepted when its INVITE was).
  AuthResult verify(const SipMessage& request, const CredentialLookup& lookup) const;

  const DigestServerConfig& config() const { return config_; }

 private:
  AuthResult verifyOne(const DigestResponse& r, const AuthInput& in,
                       const CredentialLookup& lookup) const;
  std::int64_t nowS() const;

  DigestServerConfig config_;
  const base::Clock& clock_;
  RandomSource& random_;
  NonceCodec codec_;
  std::string opaque_;
  std::string dummyMd5_;
  std::string dummySha256_;
  mutable NonceCountTable counts_;
};

}  // namespace trunkline::sip
