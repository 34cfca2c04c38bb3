#pragma once
// Digest authentication primitives (RFC 2617, RFC 7616, RFC 8760 for SIP; RFC 3261 §22):
// the hash functions, HA1 helpers, and the parser of Authorization / WWW-Authenticate
// header values (the "Digest" auth-param list with quoted strings and escapes).
//
// Pure functions, no state: callable from any thread. Parsed values are owned strings
// (unescaped), so they outlive the SipMessage they came from.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace trunkline::sip {

/// The digest algorithms we speak. The "-sess" variants and SHA-512-256 are refused.
enum class DigestAlgorithm : std::uint8_t { Md5, Sha256 };

/// "MD5" / "SHA-256".
std::string_view algorithmName(DigestAlgorithm a);
/// Case-insensitive; nullopt for anything we do not support (including "MD5-sess").
std::optional<DigestAlgorithm> algorithmFromName(std::string_view name);
/// Length of a hex digest: 32 (MD5) or 64 (SHA-256).
std::size_t digestHexLength(DigestAlgorithm a);

/// H(part0 ":" part1 ":" ...) as lowercase hex.
std::string digestHex(DigestAlgorithm a, std::initializer_list<std::string_view> parts);

/// HA1 = H(username ":" realm ":" password), lowercase hex. What provisioning stores
/// (storage::DigestCredential::ha1Md5 / ha1Sha256); the password itself is never kept.
std::string ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                std::string_view password);

/// The request-digest (RFC 7616 §3.4.1 with qop=auth; RFC 2069 form when `qop` is empty):
///   qop=auth: H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri))
///   no qop:   H(HA1 ":" nonce ":" H(method ":" uri))
std::string requestDigest(DigestAlgorithm a, std::string_view ha1Hex, std::string_view nonce,
                          std::string_view nc, std::string_view cnonce, std::string_view qop,
                          std::string_view method, std::string_view uri);

/// Constant-time equality of two digests (CRYPTO_memcmp); false when lengths differ.
bool digestEqual(std::string_view a, std::string_view b);

/// Why a header value was refused. `text` is for logs, never for the wire.
enum class AuthParseErrc : std::uint8_t {
  NotDigest,        // scheme is not "Digest" (Basic, Bearer...) or missing
  Syntax,           // auth-param grammar violated (bad token, '=' missing, bad quoting)
  DuplicateParam,   // the same parameter twice
  MissingParam,     // a mandatory parameter is absent
  BadParamValue,    // a parameter's value is malformed (nc not 8 hex digits, ...)
  UnsupportedAlgo,  // algorithm other than MD5 / SHA-256
  TooLarge,         // header value or a parameter exceeds the limits below
};

struct AuthParseError {
  AuthParseErrc code = AuthParseErrc::Syntax;
  std::string text;
};

template <class T>
using AuthParseResult = tl::expected<T, AuthParseError>;

/// Limits applied while parsing untrusted headers.
inline constexpr std::size_t kMaxAuthHeaderSize = 4096;
inline constexpr std::size_t kMaxAuthParams = 32;

/// One auth-param, unescaped. `quoted` tells how it was written.
struct AuthParam {
  std::string name;  // lowercase
  std::string value;
  bool quoted = false;
};

/// Splits `scheme 1*SP auth-param *(COMMA auth-param)` into the scheme and its params.
/// Handles LWS (including folded lines), quoted-pairs, commas inside quotes and empty
/// list elements. Parameter names are lowercased; duplicates are refused.
AuthParseResult<std::vector<AuthParam>> parseAuthParams(std::string_view value,
                                                        std::string_view* scheme = nullptr);

/// An Authorization / Proxy-Authorization "Digest" value (what a client sent us).
struct DigestResponse {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;  // lowercased hex
  DigestAlgorithm algorithm = DigestAlgorithm::Md5;
  std::string cnonce;
  std::string opaque;
  bool hasOpaque = false;
  std::string qop;  // "" (legacy RFC 2069 form) or "auth"
  std::string nc;   // 8 hex digits when qop is present
  std::uint32_t ncValue = 0;
};

/// Parses and checks a credentials value: username, realm, nonce, uri, response are
/// mandatory; with qop, cnonce and nc are too; qop must be "auth"; algorithm MD5 or
/// SHA-256 (default MD5); response must be a hex digest of the algorithm's length.
AuthParseResult<DigestResponse> parseDigestResponse(std::string_view value);

/// A WWW-Authenticate / Proxy-Authenticate "Digest" value (what a server sent us).
struct DigestChallenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  bool hasOpaque = false;
  DigestAlgorithm algorithm = DigestAlgorithm::Md5;
  bool qopAuth = false;  // "auth" is among the offered qop values
  bool qopOffered = false;
  bool stale = false;
};

/// Parses a challenge: realm and nonce are mandatory. An unsupported algorithm gives
/// UnsupportedAlgo (the caller may look at the other challenges of the response).
AuthParseResult<DigestChallenge> parseDigestChallenge(std::string_view value);

/// Appends `text` as a quoted-string (escaping '"' and '\\').
void appendQuoted(std::string& out, std::string_view text);

}  // namespace trunkline::sip
