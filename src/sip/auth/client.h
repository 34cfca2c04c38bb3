#pragma once
// Client side of SIP digest authentication: answering a carrier's 401/407 (RFC 3261
// §22.2, RFC 7616 §3.4, RFC 8760 algorithm choice).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "sip/auth/digest.h"
#include "sip/auth/random.h"

namespace trunkline::sip {

/// Our credential towards one carrier (from storage::DigestCredential). Only HA1s.
struct ClientCredential {
  std::string username;
  std::string realm;      // must equal the challenge's realm (HA1 depends on it)
  std::string ha1Md5;     // 32 hex, or empty
  std::string ha1Sha256;  // 64 hex, or empty
};

/// Digest state of one outbound call leg (or one registration): the last accepted
/// challenge and its nonce-count. Lives on the leg's shard, as long as the leg; not
/// thread-safe. The random source must outlive it.
///
///   DigestClient auth(cred, random);
///   on 401/407:  if (!auth.onChallenge(values)) give up (give the caller the final response)
///                else resend the request with header authorizationHeaderName(code) and
///                value *auth.authorization(method, requestUri)
///   later requests of the same dialog: authorization() again (nc grows).
class DigestClient {
 public:
  DigestClient(ClientCredential credential, RandomSource& random);

  /// Takes the WWW-Authenticate / Proxy-Authenticate values of a 401/407. Chooses the
  /// first usable challenge for our realm, preferring SHA-256 when offered and we hold its
  /// HA1, else MD5. Fails when no challenge is usable (realm, algorithm, qop only
  /// auth-int), or when the server refused credentials we already sent for a nonce and
  /// did not say stale=true (wrong credentials: resending would loop).
  base::Result<void> onChallenge(std::span<const std::string_view> values);

  /// The Authorization / Proxy-Authorization value for a request (fresh cnonce, nc + 1).
  /// Fails before any challenge was accepted.
  base::Result<std::string> authorization(std::string_view method, std::string_view uri);

  bool ready() const { return ready_; }
  DigestAlgorithm algorithm() const { return challenge_.algorithm; }

  /// "Authorization" for a 401, "Proxy-Authorization" for a 407.
  static std::string_view authorizationHeaderName(int challengeCode);

 private:
  ClientCredential credential_;
  RandomSource& random_;
  DigestChallenge challenge_;
  bool ready_ = false;
  bool answered_ = false;  // authorization() was produced for the current nonce
  std::uint32_t nc_ = 0;
};

/// One-shot helper: the value answering `values` for a single request (nc=00000001).
base::Result<std::string> answerChallenge(std::span<const std::string_view> values,
                                          const ClientCredential& credential,
                                          std::string_view method, std::string_view uri,
                                          RandomSource& random);

}  // namespace trunkline::sip
