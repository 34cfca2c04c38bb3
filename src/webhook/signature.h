#pragma once
// Request signing. Every delivery carries
//
//   Trunkline-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<body>")>
//
// The timestamp is inside the signed text, so a receiver that checks both the MAC and the
// age of `t` (we document 5 minutes, kToleranceS) refuses a captured request replayed
// later. Each attempt is signed anew with the time it is sent. More `v1=` entries may
// follow in the future (during a secret rotation); receivers accept any that matches.
//
// Pure functions; any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace trunkline::webhook {

inline constexpr std::int64_t kToleranceS = 300;
inline constexpr std::string_view kSecretPrefix = "whsec_";

/// Lowercase hex HMAC-SHA256(secret, "<unixSeconds>.<body>").
std::string signatureV1(std::string_view secret, std::int64_t unixSeconds, std::string_view body);
/// The whole header value "t=...,v1=...".
std::string signatureHeader(std::string_view secret, std::int64_t unixSeconds,
                            std::string_view body);
/// Receiver side (tests, docs, a future CLI): true when `header` has a t within
/// `toleranceS` of `nowS` and a v1 matching the body (compared in constant time).
bool verifySignature(std::string_view header, std::string_view secret, std::string_view body,
                     std::int64_t nowS, std::int64_t toleranceS = kToleranceS);
/// A new signing secret: "whsec_" + 64 hex characters from the OpenSSL CSPRNG.
base::Result<std::string> generateSecret();
/// Random identifiers: prefix + 32 hex (128 bits), e.g. "evt_…".
base::Result<std::string> randomId(std::string_view prefix);

}  // namespace trunkline::webhook
