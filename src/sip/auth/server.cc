#include "sip/auth/server.h"

#include <chrono>

namespace trunkline::sip {
namespace {

std::string effectiveSecret(const std::string& configured, RandomSource& random) {
  if (!configured.empty()) return configured;
  return random.hex(32);
}

bool uriMatches(std::string_view digestUri, std::string_view requestUri) {
  if (digestUri == requestUri) return true;
  auto a = parseUri(digestUri);
  auto b = parseUri(requestUri);
  return a && b && uriEquivalent(*a, *b);
}

AuthResult challenge(std::string detail) {
  AuthResult r;
  r.status = AuthStatus::Challenge;
  r.detail = std::move(detail);
  return r;
}

AuthResult stale(std::string detail) {
  AuthResult r;
  r.status = AuthStatus::Stale;
  r.detail = std::move(detail);
  return r;
}

}  // namespace

DigestServer::DigestServer(DigestServerConfig config, const base::Clock& clock,
                           RandomSource& random)
    : config_(std::move(config)),
      clock_(clock),
      random_(random),
      codec_(effectiveSecret(config_.secret, random), config_.realm),
      opaque_(codec_.opaque()),
      // Stand-ins for a missing HA1: random, so no password can match them.
      dummyMd5_(random.hex(16)),
      dummySha256_(random.hex(32)),
      counts_(config_.maxTrackedNonces) {
  if (config_.algorithms.empty()) config_.algorithms = {DigestAlgorithm::Sha256};
}

HeaderId DigestServer::credentialsHeader(Method m) {
  return m == Method::Register ? HeaderId::Authorization : HeaderId::ProxyAuthorization;
}

int DigestServer::challengeCode(Method m) {
  return m == Method::Register ? 401 : 407;
}

std::string_view DigestServer::challengeHeaderName(Method m) {
  return m == Method::Register ? "WWW-Authenticate" : "Proxy-Authenticate";
}

std::int64_t DigestServer::nowS() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.wallNow().time_since_epoch())
      .count();
}

std::vector<std::string> DigestServer::challengeValues(bool isStale) const {
  std::string nonce = codec_.issue(nowS(), random_.nextU64());
  std::vector<std::string> out;
  out.reserve(config_.algorithms.size());
  for (DigestAlgorithm a : config_.algorithms) {
    std::string v = "Digest realm=";
    appendQuoted(v, config_.realm);
    v += ", nonce=\"";
    v += nonce;
    v += "\", opaque=\"";
    v += opaque_;
    v += "\", algorithm=";
    v += algorithmName(a);
    v += ", qop=\"auth\"";
    if (isStale) v += ", stale=true";
    out.push_back(std::move(v));
  }
  return out;
}

std::string DigestServer::challengeHeaders(Method m, bool isStale) const {
  std::string out;
  for (const std::string& v : challengeValues(isStale)) {
    out += challengeHeaderName(m);
    out += ": ";
    out += v;
    out += "\r\n";
  }
  return out;
}

AuthResult DigestServer::verify(const AuthInput& in, const CredentialLookup& lookup) const {
  std::string firstError;
  for (std::string_view value : in.credentials) {
    auto parsed = parseDigestResponse(value);
    if (!parsed) {
      if (firstError.empty()) firstError = "malformed credentials: " + parsed.error().text;
      continue;
    }
    if (parsed->realm != config_.realm) continue;  // meant for another hop
    return verifyOne(*parsed, in, lookup);
  }
  if (!firstError.empty()) return challenge(std::move(firstError));
  return challenge(in.credentials.empty() ? "no credentials" : "no credentials for our realm");
}

AuthResult DigestServer::verify(const SipMessage& request, const CredentialLookup& lookup) const {
  std::vector<std::string_view> values;
  for (const HeaderField* f : request.headersOf(credentialsHeader(request.method()))) {
    values.push_back(f->value);
  }
  AuthInput in{request.methodText(), request.requestUriText(), values};
  return verify(in, lookup);
}

AuthResult DigestServer::verifyOne(const DigestResponse& r, const AuthInput& in,
                                   const CredentialLookup& lookup) const {
  bool algorithmOffered = false;
  for (DigestAlgorithm a : config_.algorithms) algorithmOffered |= (a == r.algorithm);
  if (!algorithmOffered) return challenge("algorithm not offered");
  if (r.qop.empty() && !config_.allowNoQop) return challenge("qop missing (RFC 2069 form refused)");
  std::optional<NonceInfo> nonce = codec_.open(r.nonce);
  if (!nonce) return challenge("nonce not issued by us");
  if (r.hasOpaque && r.opaque != opaque_) return challenge("opaque mismatch");
  if (config_.checkUri && !in.requestUri.empty() && !uriMatches(r.uri, in.requestUri)) {
    return challenge("digest uri does not match the Request-URI");
  }

  // From here on an unknown user and a wrong password take the same path and work.
  std::optional<StoredHa1> stored = lookup(r.username, r.realm);
  const std::string& dummy = r.algorithm == DigestAlgorithm::Md5 ? dummyMd5_ : dummySha256_;
  std::string_view ha1Hex = dummy;
  bool known = false;
  if (stored) {
    const std::string& h = r.algorithm == DigestAlgorithm::Md5 ? stored->ha1Md5 : stored->ha1Sha256;
    if (h.size() == digestHexLength(r.algorithm)) {
      ha1Hex = h;
      known = true;
    }
  }
  std::string expected =
      requestDigest(r.algorithm, ha1Hex, r.nonce, r.nc, r.cnonce, r.qop, in.method, r.uri);
  bool match = digestEqual(expected, r.response);
  if (!(match && known)) return challenge("credentials do not match");

  // The credentials are right; is the nonce still good?
  std::int64_t now = nowS();
  std::int64_t expires = nonce->issuedS + config_.nonceLifetime.count();
  if (nonce->issuedS > now + config_.maxFutureSkew.count()) {
    return challenge("nonce issued in the future");
  }
  if (now > expires) return stale("nonce expired");
  if (!r.qop.empty()) {
    switch (counts_.use(*nonce, r.ncValue, expires, now)) {
      case NonceCountTable::Verdict::Accepted: break;
      case NonceCountTable::Verdict::Replayed: return stale("nonce count replayed");
      case NonceCountTable::Verdict::Forgotten: return stale("nonce no longer tracked");
    }
  }
  AuthResult ok;
  ok.status = AuthStatus::Ok;
  ok.credentialId = stored->id;
  ok.username = r.username;
  return ok;
}

}  // namespace trunkline::sip
