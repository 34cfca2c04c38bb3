#pragma once
// API keys: their text, hashing, verification and scope; and the per-key rate limiter.
//
// A key reads "tlk_<public id>_<secret>": the public id (16 hex digits, 64 random bits)
// finds the stored row, the secret (64 hex digits, 256 random bits) proves possession. The
// store keeps only SHA-256 of the whole text, compared in constant time, so a copy of the
// database does not yield working keys and a timing probe learns nothing. SHA-256 without
// salt or stretching is right here: the secret is random and long, not a password.
//
// Scope: "admin" (everything) or "account:<id>" (that account's trunks and numbers only).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/router.h"
#include "base/clock.h"
#include "base/result.h"
#include "storage/api_key_store.h"

namespace trunkline::api {

/// A key just made: its text (shown once) and the row to store.
struct NewKey {
  std::string text;
  storage::ApiKey record;
};

/// Makes a key for `accountId` (0 = admin) from the system CSPRNG. Fails only when the
/// CSPRNG does.
base::Result<NewKey> generateKey(storage::Id accountId, std::string name, std::int64_t nowMs);

/// Lowercase hex SHA-256 of `text`.
std::string sha256Hex(std::string_view text);

/// The public id of a well-formed key text, nullopt otherwise.
std::optional<std::string> publicIdOf(std::string_view keyText);

/// True when `keyText` hashes to `record.secretHash` (constant-time comparison).
bool verifyKey(const storage::ApiKey& record, std::string_view keyText);

/// "admin" / "account:<id>".
std::string scopeText(storage::Id accountId);
/// Inverse of scopeText: the account id (0 = admin), nullopt when malformed.
std::optional<storage::Id> parseScope(std::string_view scope);

/// Why authentication failed, for the 401 detail.
struct AuthFailure {
  std::string detail;
  bool storageDown = false;  // the store failed: answer 503, not 401
};

/// Checks an Authorization header value ("Bearer <key>") against the store: the key must
/// exist, match and not be revoked.
tl::expected<Principal, AuthFailure> authenticate(storage::ApiKeyStore& keys,
                                                  const std::string* authorization);

/// Token bucket per API key: `ratePerS` requests per second on average, bursts of up to
/// `burst`. Integer arithmetic on the injected clock. Lives on the API thread (not
/// thread-safe); one bucket per key that made a request, dropped with forget().
class KeyRateLimiter {
 public:
  KeyRateLimiter(const base::Clock& clock, std::uint32_t ratePerS, std::uint32_t burst)
      : clock_(clock), rate_(ratePerS), burst_(burst == 0 ? ratePerS : burst) {}
  /// Takes one token; false when empty, with the whole seconds until the next token in
  /// `retryAfterS` (at least 1). Rate 0 = unlimited.
  bool tryAcquire(storage::Id keyId, std::uint32_t& retryAfterS);
  void forget(storage::Id keyId) { buckets_.erase(keyId); }

 private:
  struct Bucket {
    std::uint64_t units = 0;  // tokens * kUnit
    base::MonoTime last{};
  };
  static constexpr std::uint64_t kUnit = 1'000'000'000;

  const base::Clock& clock_;
  std::uint32_t rate_;
  std::uint32_t burst_;
  std::unordered_map<storage::Id, Bucket> buckets_;
};

}  // namespace trunkline::api
