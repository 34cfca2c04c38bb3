// ApiService: the path of one request through routing, authentication, rate limiting and
// scope checks to its handler.
#include <unistd.h>

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "api/api.h"
#include "api/problem.h"
#include "base/log.h"

namespace trunkline::api {
namespace {

bool hasBodyMethod(std::string_view m) {
  return m == "POST" || m == "PATCH" || m == "PUT";
}

// application/json, or any +json type; parameters (charset) ignored.
bool isJsonType(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  if (iequalsAscii(ct, "application/json")) return true;
  return ct.size() > 5 && iequalsAscii(ct.substr(ct.size() - 5), "+json") &&
         iequalsAscii(ct.substr(0, 12), "application/");
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

HttpResponse ApiService::handle(const HttpRequest& request) {
  // Handlers return problems instead of throwing; this is the last line of defence (an
  // allocation failure, a library exception) so that one request cannot end the thread.
  try {
    auto r = dispatch(request);
    if (!r.header("Cache-Control")) r.set("Cache-Control", "no-store");
    return r;
  } catch (const std::exception& e) {
    TL_LOG_ERROR("api: {} {}: unexpected exception: {}", request.method, request.path, e.what());
  } catch (...) {
    TL_LOG_ERROR("api: {} {}: unexpected exception", request.method, request.path);
  }
  return problem(Problem::Internal, "internal error (logged on the server)");
}

HttpResponse ApiService::dispatch(const HttpRequest& http) {
  auto m = router_.match(http.method, http.path);
  switch (m.kind) {
    case Router::Match::Kind::BadPath:
      return problem(Problem::BadRequest, "the path has a malformed or empty segment");
    case Router::Match::Kind::NotFound:
      return problem(Problem::NotFound, fmt::format("no resource at {}", http.path));
    case Router::Match::Kind::MethodNotAllowed: {
      auto r =
          problem(Problem::MethodNotAllowed, fmt::format("{} is not allowed on {} (allowed: {})",
                                                         http.method, http.path, join(m.allowed)));
      r.set("Allow", join(m.allowed));
      return r;
    }
    case Router::Match::Kind::Found: break;
  }
  const auto& route = *m.route;
  Principal principal;
  Request req{http, std::move(m.params), nullptr};
  if (route.access != Access::Public && http.peerUid && !http.header("authorization")) {
    // The local control socket: the kernel vouches for the peer's uid, and the socket
    // file's mode already keeps strangers out; this is the second check. The node's own
    // user (or root) is the operator: admin, not rate-limited. A key, when sent, is used
    // instead (so scoped keys can be tried locally).
    const std::uint32_t uid = *http.peerUid;
    const bool allowed =
        controlUids_.empty()
            ? uid == 0 || uid == static_cast<std::uint32_t>(::geteuid())
            : std::find(controlUids_.begin(), controlUids_.end(), uid) != controlUids_.end();
    if (!allowed)
      return problem(Problem::Forbidden,
                     fmt::format("uid {} may not use the control socket (root and the node's "
                                 "user may); send an API key",
                                 uid));
    principal.publicId = fmt::format("local:uid={}", uid);
    req.principal = &principal;
  } else if (route.access != Access::Public) {
    auto who = authenticate(keys_, http.header("authorization"));
    if (!who) {
      if (who.error().storageDown) {
        TL_LOG_WARN("api: key lookup failed: {}", who.error().detail);
        return problem(Problem::Unavailable, "the database is not available; try again");
      }
      auto r = problem(Problem::Unauthorized, who.error().detail);
      // RFC 6750 §3: tell the client which scheme, and whether its token was the problem.
      r.set("WWW-Authenticate", http.header("authorization")
                                    ? "Bearer realm=\"trunkline\", error=\"invalid_token\""
                                    : "Bearer realm=\"trunkline\"");
      return r;
    }
    principal = *who;
    std::uint32_t retryAfter = 1;
    if (!limiter_.tryAcquire(principal.keyId, retryAfter)) {
      auto r =
          problem(Problem::RateLimited,
                  fmt::format("rate limit of this API key exceeded; retry in {} s", retryAfter));
      r.set("Retry-After", std::to_string(retryAfter));
      return r;
    }
    if (route.access == Access::Admin && !principal.admin())
      return problem(Problem::Forbidden, "this operation needs an admin API key");
    req.principal = &principal;
  }
  if (hasBodyMethod(http.method) && !http.body.empty()) {
    const auto* ct = http.header("content-type");
    // A rate import may be sent as a CSV file (the handler parses it).
    const bool csvOk = route.method == "POST" && route.pattern == "/v1/rate-decks/{id}/rates" &&
                       ct &&
                       iequalsAscii(std::string_view(*ct).substr(0, ct->find(';')), "text/csv");
    if (!csvOk && (!ct || !isJsonType(*ct)))
      return problem(Problem::UnsupportedMedia, "send the body as Content-Type: application/json");
  }
  auto r = route.handler(req);
  return r;
}

}  // namespace trunkline::api
