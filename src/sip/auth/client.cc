#include "sip/auth/client.h"

#include <cstdio>
#include <optional>

namespace trunkline::sip {

using base::Errc;
using base::fail;

DigestClient::DigestClient(ClientCredential credential, RandomSource& random)
    : credential_(std::move(credential)), random_(random) {}

std::string_view DigestClient::authorizationHeaderName(int challengeCode) {
  return challengeCode == 407 ? "Proxy-Authorization" : "Authorization";
}

base::Result<void> DigestClient::onChallenge(std::span<const std::string_view> values) {
  std::optional<DigestChallenge> best;
  std::string why = "no Digest challenge";
  for (std::string_view v : values) {
    auto c = parseDigestChallenge(v);
    if (!c) {
      why = "unusable challenge: " + c.error().text;
      continue;
    }
    if (c->realm != credential_.realm) {
      why = "challenge realm '" + c->realm + "' is not our credential's";
      continue;
    }
    if (c->qopOffered && !c->qopAuth) {
      why = "challenge offers only unsupported qop values";
      continue;
    }
    bool haveHa1 = c->algorithm == DigestAlgorithm::Md5
                       ? credential_.ha1Md5.size() == digestHexLength(DigestAlgorithm::Md5)
                       : credential_.ha1Sha256.size() == digestHexLength(DigestAlgorithm::Sha256);
    if (!haveHa1) {
      why = "no HA1 for algorithm " + std::string(algorithmName(c->algorithm));
      continue;
    }
    if (!best ||
        (c->algorithm == DigestAlgorithm::Sha256 && best->algorithm != DigestAlgorithm::Sha256)) {
      best = std::move(*c);
    }
  }
  if (!best) return fail(Errc::Protocol, why);
  if (answered_ && !best->stale) {
    ready_ = false;
    return fail(Errc::Protocol, "credentials rejected by the server (challenged again, not stale)");
  }
  challenge_ = std::move(*best);
  ready_ = true;
  answered_ = false;
  nc_ = 0;
  return {};
}

base::Result<std::string> DigestClient::authorization(std::string_view method,
                                                      std::string_view uri) {
  if (!ready_) return fail(Errc::InvalidArgument, "no challenge to answer");
  const DigestAlgorithm a = challenge_.algorithm;
  const std::string& ha1Hex =
      a == DigestAlgorithm::Md5 ? credential_.ha1Md5 : credential_.ha1Sha256;
  std::string cnonce;
  char nc[9] = "";
  std::string_view qop;
  if (challenge_.qopAuth) {
    ++nc_;
    std::snprintf(nc, sizeof nc, "%08x", nc_);
    cnonce = random_.hex(16);
    qop = "auth";
  }
  std::string response = requestDigest(a, ha1Hex, challenge_.nonce, nc, cnonce, qop, method, uri);
  std::string v = "Digest username=";
  appendQuoted(v, credential_.username);
  v += ", realm=";
  appendQuoted(v, challenge_.realm);
  v += ", nonce=";
  appendQuoted(v, challenge_.nonce);
  v += ", uri=";
  appendQuoted(v, uri);
  v += ", response=\"";
  v += response;
  v += "\", algorithm=";
  v += algorithmName(a);
  if (!qop.empty()) {
    v += ", cnonce=\"";
    v += cnonce;
    v += "\", qop=auth, nc=";
    v += nc;
  }
  if (challenge_.hasOpaque) {
    v += ", opaque=";
    appendQuoted(v, challenge_.opaque);
  }
  answered_ = true;
  return v;
}

base::Result<std::string> answerChallenge(std::span<const std::string_view> values,
                                          const ClientCredential& credential,
                                          std::string_view method, std::string_view uri,
                                          RandomSource& random) {
  DigestClient client(credential, random);
  if (auto r = client.onChallenge(values); !r) return tl::unexpected(r.error());
  return client.authorization(method, uri);
}

}  // namespace trunkline::sip
