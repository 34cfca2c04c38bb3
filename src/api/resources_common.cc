// Helpers shared by the resource handlers, the health and OpenAPI routes, and
// registerCoreRoutes().
#include <openssl/evp.h>

#include <charconv>

#include "api/resources_internal.h"
#include "storage/validate.h"

namespace trunkline::api {
namespace detail {

std::optional<storage::Id> pathId(const Request& r, std::string_view name) {
  const auto s = r.param(name);
  storage::Id id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size() || id < 1) return std::nullopt;
  return id;
}

std::optional<PageQuery> pageQuery(const Request& r, HttpResponse& error) {
  PageQuery q;
  auto number = [](const std::string& s, std::int64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  if (auto limit = r.http.queryParam("limit")) {
    std::int64_t n = 0;
    if (!number(*limit, n) || n < 1 || n > 500) {
      error = problem(Problem::BadRequest, "bad query parameter 'limit'",
                      {{"limit", "must be an integer from 1 to 500"}});
      return std::nullopt;
    }
    q.limit = static_cast<std::size_t>(n);
  }
  if (auto cursor = r.http.queryParam("cursor")) {
    std::int64_t n = 0;
    if (!number(*cursor, n) || n < 0) {
      error = problem(Problem::BadRequest, "bad query parameter 'cursor'",
                      {{"cursor", "must be the next_cursor of a previous page"}});
      return std::nullopt;
    }
    q.after = n;
  }
  return q;
}

HttpResponse created(std::string_view collection, storage::Id id, const Json& body) {
  auto r = jsonResponse(201, body);
  r.set("Location", fmt::format("/v1/{}/{}", collection, id));
  return r;
}

HttpResponse noContent() {
  HttpResponse r;
  r.status = 204;
  return r;
}

std::optional<HttpResponse> fieldProblems(const std::vector<FieldError>& unknown,
                                          const std::vector<FieldError>& invalid) {
  if (!unknown.empty()) {
    std::string names;
    for (const auto& e : unknown) names += (names.empty() ? "" : ", ") + e.field;
    return problem(Problem::UnknownField, "unknown field(s): " + names, unknown);
  }
  if (!invalid.empty()) {
    std::string detail = invalid.front().field + ": " + invalid.front().message;
    if (invalid.size() > 1) detail += fmt::format(" (and {} more)", invalid.size() - 1);
    return problem(Problem::Validation, detail, invalid);
  }
  return std::nullopt;
}

void checkReadOnlyId(const Json& body, std::optional<storage::Id> expected,
                     std::vector<FieldError>& invalid) {
  auto it = body.find("id");
  if (it == body.end()) return;
  if (!expected) {
    invalid.push_back({"id", "is assigned by the server and cannot be given"});
    return;
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() != *expected)
    invalid.push_back({"id", "is read-only and must match the id in the path"});
}

HttpResponse writeError(
    const base::Error& e,
    std::initializer_list<std::pair<std::string_view, std::string_view>> hints) {
  std::string_view field;
  for (const auto& [phrase, name] : hints) {
    if (e.message.find(phrase) != std::string::npos) {
      field = name;
      break;
    }
  }
  // A reference to something missing is a bad value of the referring field (422), not a
  // missing resource at the request's URL (404).
  if (e.code == base::Errc::NotFound)
    return problem(Problem::Validation, e.message,
                   {{field.empty() ? std::string("body") : std::string(field), e.message}});
  return fromError(e, field);
}

HttpResponse removeError(const base::Error& e) {
  if (e.code == base::Errc::InvalidArgument) return problem(Problem::Conflict, e.message);
  return fromError(e);
}

namespace {
std::string ha1(const EVP_MD* md, std::string_view user, std::string_view realm,
                std::string_view password) {
  const std::string input = fmt::format("{}:{}:{}", user, realm, password);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, md, nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}
}  // namespace

std::optional<storage::DigestCredential> readCredential(
    const Json& j, const std::string& path, const std::string& defaultRealm,
    const std::vector<storage::DigestCredential>& keep, std::vector<FieldError>& unknown,
    std::vector<FieldError>& invalid) {
  if (!j.is_object()) {
    invalid.push_back({path, "must be an object {username, password, realm}"});
    return std::nullopt;
  }
  const auto before = unknown.size() + invalid.size();
  rejectUnknown(j, {"username", "realm", "password", "ha1_md5", "ha1_sha256"}, unknown, path + ".");
  FieldReader f(j, invalid, path + ".");
  storage::DigestCredential c;
  c.realm = defaultRealm;
  std::string password;
  f.str("username", c.username, true);
  f.str("realm", c.realm);
  const bool hasPassword = f.str("password", password);
  const bool hasMd5 = f.str("ha1_md5", c.ha1Md5);
  const bool hasSha = f.str("ha1_sha256", c.ha1Sha256);
  if (unknown.size() + invalid.size() != before) return std::nullopt;
  if (hasPassword && (hasMd5 || hasSha)) {
    f.error("password", "give either a password or the two HA1 hashes, not both");
    return std::nullopt;
  }
  if (hasPassword) {
    if (password.empty() || password.size() > 256) {
      f.error("password", "must be 1-256 characters");
      return std::nullopt;
    }
    // Only the two HA1 hashes digest needs are stored (RFC 8760 adds SHA-256 to MD5).
    c.ha1Md5 = ha1(EVP_md5(), c.username, c.realm, password);
    c.ha1Sha256 = ha1(EVP_sha256(), c.username, c.realm, password);
    return c;
  }
  if (hasMd5 != hasSha) {
    f.error(hasMd5 ? "ha1_sha256" : "ha1_md5", "both HA1 hashes are needed");
    return std::nullopt;
  }
  if (!hasMd5) {
    for (const auto& k : keep)
      if (k.username == c.username && k.realm == c.realm) return k;
    f.error("password", "is required for a new credential (or give ha1_md5 and ha1_sha256)");
    return std::nullopt;
  }
  return c;
}

Json credentialJson(const storage::DigestCredential& c) {
  // Never the hashes: an HA1 is as good as the password for digest.
  return {{"username", c.username}, {"realm", c.realm}};
}

void checkCidrs(const std::vector<std::string>& cidrs, std::string_view field,
                std::vector<FieldError>& invalid) {
  for (std::size_t i = 0; i < cidrs.size(); ++i)
    if (auto r = storage::normalizeCidr(cidrs[i]); !r)
      invalid.push_back({fmt::format("{}[{}]", field, i), r.error().message});
}

}  // namespace detail

void registerCoreRoutes(Router& router, const CoreDeps& deps) {
  router.add("GET", "/healthz", Access::Public, [](const Request&) {
    return jsonResponse(200, {{"status", "ok"}});
  });
  router.add("GET", "/readyz", Access::Public, [&deps](const Request&) {
    if (deps.ready) {
      if (auto r = deps.ready(); !r)
        return problem(Problem::Unavailable, "not ready: " + r.error().message);
    }
    return jsonResponse(200, {{"status", "ready"}});
  });
  router.add("GET", "/v1/openapi.json", Access::Public, [](const Request&) {
    HttpResponse r;
    r.set("Content-Type", "application/json");
    r.body = std::string(openApiDocument());
    return r;
  });
  detail::registerKeyRoutes(router, deps);
  detail::registerAccountRoutes(router, deps);
  detail::registerTrunkRoutes(router, deps);
  detail::registerNumberRoutes(router, deps);
  detail::registerCarrierRoutes(router, deps);
  detail::registerRouteRoutes(router, deps);
  detail::registerBillingRoutes(router, deps);
}

}  // namespace trunkline::api
