#include "api/problem.h"

#include <nlohmann/json.hpp>

#include "api/json_util.h"
#include "base/log.h"

namespace trunkline::api {
namespace {

struct Kind {
  std::string_view type;
  std::string_view title;
  int status;
};

Kind describe(Problem p) {
  switch (p) {
    case Problem::BadRequest: return {"/problems/bad-request", "Malformed request", 400};
    case Problem::InvalidJson: return {"/problems/invalid-json", "Body is not valid JSON", 400};
    case Problem::UnknownField: return {"/problems/unknown-field", "Unknown field", 400};
    case Problem::Unauthorized:
      return {"/problems/unauthorized", "Missing or invalid API key", 401};
    case Problem::Forbidden: return {"/problems/forbidden", "Not allowed for this API key", 403};
    case Problem::NotFound: return {"/problems/not-found", "Not found", 404};
    case Problem::MethodNotAllowed:
      return {"/problems/method-not-allowed", "Method not allowed", 405};
    case Problem::Conflict: return {"/problems/conflict", "Conflict", 409};
    case Problem::UnsupportedMedia:
      return {"/problems/unsupported-media-type", "Body must be application/json", 415};
    case Problem::Validation: return {"/problems/validation", "Invalid field value", 422};
    case Problem::RateLimited: return {"/problems/rate-limited", "Too many requests", 429};
    case Problem::Internal: return {"/problems/internal", "Internal error", 500};
    case Problem::Unavailable: return {"/problems/unavailable", "Service unavailable", 503};
  }
  return {"/problems/internal", "Internal error", 500};
}

HttpResponse build(std::string_view type, std::string_view title, int status,
                   std::string_view detail, const std::vector<FieldError>& errors) {
  nlohmann::json j = {{"type", type}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!errors.empty()) {
    auto& list = j["errors"] = nlohmann::json::array();
    for (const auto& e : errors) list.push_back({{"field", e.field}, {"message", e.message}});
  }
  HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/problem+json");
  r.body = dumpJson(j);
  return r;
}

}  // namespace

std::string_view problemType(Problem kind) {
  return describe(kind).type;
}

HttpResponse problem(Problem kind, std::string_view detail, std::vector<FieldError> errors) {
  const auto k = describe(kind);
  return build(k.type, k.title, k.status, detail, errors);
}

HttpResponse httpProblem(int status, std::string_view detail) {
  return build("/problems/http", reasonPhrase(status), status, detail, {});
}

HttpResponse fromError(const base::Error& e, std::string_view field) {
  using base::Errc;
  switch (e.code) {
    case Errc::NotFound: return problem(Problem::NotFound, e.message);
    case Errc::AlreadyExists: return problem(Problem::Conflict, e.message);
    case Errc::InvalidArgument:
      return problem(Problem::Validation, e.message,
                     {{field.empty() ? std::string("body") : std::string(field), e.message}});
    case Errc::Io:
    case Errc::Unavailable:
    case Errc::Timeout:
      TL_LOG_WARN("api: storage unavailable: {}", e.message);
      return problem(Problem::Unavailable, "the database is not available; try again");
    default:
      // Internal details stay in the log, not in the answer to a client.
      TL_LOG_ERROR("api: internal error: {}", e.message);
      return problem(Problem::Internal, "internal error (logged on the server)");
  }
}

}  // namespace trunkline::api
