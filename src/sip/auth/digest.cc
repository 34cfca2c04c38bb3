#include "sip/auth/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <memory>

#include "base/assert.h"

namespace trunkline::sip {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3261 §25.1 token characters.
bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '!':
    case '%':
    case '*':
    case '_':
    case '+':
    case '`':
    case '\'':
    case '~': return true;
    default: return false;
  }
}

// Linear white space, including the line breaks of folded header lines.
bool isLws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const EVP_MD* evpFor(DigestAlgorithm a) {
  return a == DigestAlgorithm::Md5 ? EVP_md5() : EVP_sha256();
}

tl::unexpected<AuthParseError> parseFail(AuthParseErrc code, std::string text) {
  return tl::unexpected<AuthParseError>(AuthParseError{code, std::move(text)});
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Scanner over one header value.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool atEnd() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  void skipLws() {
    while (!atEnd() && isLws(s_[pos_])) ++pos_;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!atEnd() && isTokenChar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // At an opening quote: reads the quoted-string, unescaping quoted-pairs.
  bool quoted(std::string& out) {
    ++pos_;  // opening quote
    while (!atEnd()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (atEnd()) return false;
        char e = s_[pos_++];
        // RFC 3261 quoted-pair admits any control but CR and LF; we refuse them all (a
        // NUL or ESC in a username or nonce is never legitimate and would reach logs).
        auto ue = static_cast<unsigned char>(e);
        if ((ue < 0x20 && e != '\t') || ue == 0x7f) return false;
        out.push_back(e);
        continue;
      }
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 && !isLws(c)) return false;  // control characters
      if (u == 0x7f) return false;
      if (c == '\r' || c == '\n') continue;  // folding: the line break is not content
      out.push_back(c);
    }
    return false;  // unterminated
  }
  std::size_t pos() const { return pos_; }
  void advance() { ++pos_; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

const AuthParam* findParam(const std::vector<AuthParam>& params, std::string_view name) {
  for (const AuthParam& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

AuthParseResult<std::vector<AuthParam>> parseDigestParams(std::string_view value) {
  // The scheme first: a Basic or Bearer value need not follow the auth-param grammar.
  Scanner sc(value);
  sc.skipLws();
  if (!equalsNoCase(sc.token(), "Digest")) {
    return parseFail(AuthParseErrc::NotDigest, "scheme is not Digest");
  }
  return parseAuthParams(value);
}

}  // namespace

std::string_view algorithmName(DigestAlgorithm a) {
  return a == DigestAlgorithm::Md5 ? "MD5" : "SHA-256";
}

std::optional<DigestAlgorithm> algorithmFromName(std::string_view name) {
  if (equalsNoCase(name, "MD5")) return DigestAlgorithm::Md5;
  if (equalsNoCase(name, "SHA-256")) return DigestAlgorithm::Sha256;
  return std::nullopt;
}

std::size_t digestHexLength(DigestAlgorithm a) {
  return a == DigestAlgorithm::Md5 ? 32 : 64;
}

std::string digestHex(DigestAlgorithm a, std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  TL_RELEASE_ASSERT(ctx != nullptr);
  TL_RELEASE_ASSERT(EVP_DigestInit_ex(ctx.get(), evpFor(a), nullptr) == 1);
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) EVP_DigestUpdate(ctx.get(), ":", 1);
    first = false;
    if (!p.empty()) EVP_DigestUpdate(ctx.get(), p.data(), p.size());
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  TL_RELEASE_ASSERT(EVP_DigestFinal_ex(ctx.get(), md.data(), &len) == 1);
  std::string hex(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHexDigits[md[i] >> 4];
    hex[2 * i + 1] = kHexDigits[md[i] & 0x0f];
  }
  return hex;
}

std::string ha1(DigestAlgorithm a, std::string_view username, std::string_view realm,
                std::string_view password) {
  return digestHex(a, {username, realm, password});
}

std::string requestDigest(DigestAlgorithm a, std::string_view ha1Hex, std::string_view nonce,
                          std::string_view nc, std::string_view cnonce, std::string_view qop,
                          std::string_view method, std::string_view uri) {
  std::string ha2 = digestHex(a, {method, uri});
  if (qop.empty()) return digestHex(a, {ha1Hex, nonce, ha2});
  return digestHex(a, {ha1Hex, nonce, nc, cnonce, qop, ha2});
}

bool digestEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

AuthParseResult<std::vector<AuthParam>> parseAuthParams(std::string_view value,
                                                        std::string_view* scheme) {
  if (value.size() > kMaxAuthHeaderSize) {
    return parseFail(AuthParseErrc::TooLarge, "header value too large");
  }
  Scanner sc(value);
  sc.skipLws();
  std::string_view sch = sc.token();
  if (sch.empty()) return parseFail(AuthParseErrc::NotDigest, "missing auth scheme");
  if (scheme != nullptr) *scheme = sch;
  std::vector<AuthParam> params;
  if (!sc.atEnd() && !isLws(sc.peek())) {
    return parseFail(AuthParseErrc::Syntax, "auth scheme not followed by white space");
  }
  for (;;) {
    sc.skipLws();
    if (sc.atEnd()) break;
    if (sc.peek() == ',') {  // empty list element (RFC 7230 §7)
      sc.advance();
      continue;
    }
    std::string_view name = sc.token();
    if (name.empty()) {
      return parseFail(AuthParseErrc::Syntax,
                       "expected a parameter name at offset " + std::to_string(sc.pos()));
    }
    sc.skipLws();
    if (sc.atEnd() || sc.peek() != '=') {
      return parseFail(AuthParseErrc::Syntax,
                       "parameter '" + std::string(name) + "' has no '=' value");
    }
    sc.advance();
    sc.skipLws();
    AuthParam p;
    p.name.reserve(name.size());
    for (char c : name) p.name.push_back(lower(c));
    if (!sc.atEnd() && sc.peek() == '"') {
      p.quoted = true;
      if (!sc.quoted(p.value)) {
        return parseFail(AuthParseErrc::Syntax, "bad quoted string in parameter '" + p.name + "'");
      }
    } else {
      std::string_view tok = sc.token();
      if (tok.empty()) {
        return parseFail(AuthParseErrc::Syntax, "parameter '" + p.name + "' has an empty value");
      }
      p.value.assign(tok);
    }
    if (findParam(params, p.name) != nullptr) {
      return parseFail(AuthParseErrc::DuplicateParam, "parameter '" + p.name + "' repeated");
    }
    if (params.size() >= kMaxAuthParams) {
      return parseFail(AuthParseErrc::TooLarge, "too many parameters");
    }
    params.push_back(std::move(p));
    sc.skipLws();
    if (sc.atEnd()) break;
    if (sc.peek() != ',') {
      return parseFail(AuthParseErrc::Syntax, "expected ',' after parameter '" +
                                                  params.back().name + "' at offset " +
                                                  std::to_string(sc.pos()));
    }
    sc.advance();
  }
  return params;
}

AuthParseResult<DigestResponse> parseDigestResponse(std::string_view value) {
  auto params = parseDigestParams(value);
  if (!params) return tl::unexpected(std::move(params.error()));
  DigestResponse r;
  auto take = [&](std::string_view name, std::string& out) -> bool {
    const AuthParam* p = findParam(*params, name);
    if (p == nullptr) return false;
    out = p->value;
    return true;
  };
  for (std::string_view name : {"username", "realm", "nonce", "uri", "response"}) {
    if (findParam(*params, name) == nullptr) {
      return parseFail(AuthParseErrc::MissingParam,
                       "missing parameter '" + std::string(name) + "'");
    }
  }
  take("username", r.username);
  take("realm", r.realm);
  take("nonce", r.nonce);
  take("uri", r.uri);
  take("response", r.response);
  r.hasOpaque = take("opaque", r.opaque);
  if (const AuthParam* a = findParam(*params, "algorithm")) {
    auto algo = algorithmFromName(a->value);
    if (!algo) return parseFail(AuthParseErrc::UnsupportedAlgo, "algorithm '" + a->value + "'");
    r.algorithm = *algo;
  }
  if (r.response.size() != digestHexLength(r.algorithm)) {
    return parseFail(AuthParseErrc::BadParamValue, "response has the wrong length");
  }
  for (char& c : r.response) {
    if (!isHex(c)) return parseFail(AuthParseErrc::BadParamValue, "response is not hex");
    c = lower(c);
  }
  if (take("qop", r.qop)) {
    if (!equalsNoCase(r.qop, "auth")) {
      return parseFail(AuthParseErrc::BadParamValue, "qop '" + r.qop + "' (only auth)");
    }
    r.qop = "auth";
    if (!take("cnonce", r.cnonce)) {
      return parseFail(AuthParseErrc::MissingParam, "missing parameter 'cnonce' (qop given)");
    }
    if (!take("nc", r.nc)) {
      return parseFail(AuthParseErrc::MissingParam, "missing parameter 'nc' (qop given)");
    }
    if (r.nc.size() != 8) return parseFail(AuthParseErrc::BadParamValue, "nc is not 8 hex digits");
    std::uint32_t v = 0;
    for (char c : r.nc) {
      if (!isHex(c)) return parseFail(AuthParseErrc::BadParamValue, "nc is not 8 hex digits");
      char l = lower(c);
      v = (v << 4) | static_cast<std::uint32_t>(l <= '9' ? l - '0' : l - 'a' + 10);
    }
    if (v == 0) return parseFail(AuthParseErrc::BadParamValue, "nc is zero");
    r.ncValue = v;
  } else {
    // RFC 2069 compatibility form: cnonce and nc are meaningless without qop.
    take("cnonce", r.cnonce);
  }
  return r;
}

AuthParseResult<DigestChallenge> parseDigestChallenge(std::string_view value) {
  auto params = parseDigestParams(value);
  if (!params) return tl::unexpected(std::move(params.error()));
  DigestChallenge c;
  const AuthParam* realm = findParam(*params, "realm");
  const AuthParam* nonce = findParam(*params, "nonce");
  if (realm == nullptr) return parseFail(AuthParseErrc::MissingParam, "missing parameter 'realm'");
  if (nonce == nullptr) return parseFail(AuthParseErrc::MissingParam, "missing parameter 'nonce'");
  c.realm = realm->value;
  c.nonce = nonce->value;
  if (const AuthParam* o = findParam(*params, "opaque")) {
    c.opaque = o->value;
    c.hasOpaque = true;
  }
  if (const AuthParam* a = findParam(*params, "algorithm")) {
    auto algo = algorithmFromName(a->value);
    if (!algo) return parseFail(AuthParseErrc::UnsupportedAlgo, "algorithm '" + a->value + "'");
    c.algorithm = *algo;
  }
  if (const AuthParam* s = findParam(*params, "stale")) c.stale = equalsNoCase(s->value, "true");
  if (const AuthParam* q = findParam(*params, "qop")) {
    c.qopOffered = true;
    std::string_view rest = q->value;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && isLws(item.front())) item.remove_prefix(1);
      while (!item.empty() && isLws(item.back())) item.remove_suffix(1);
      if (equalsNoCase(item, "auth")) c.qopAuth = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return c;
}

void appendQuoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace trunkline::sip
