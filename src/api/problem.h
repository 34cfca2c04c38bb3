#pragma once
// Error responses as RFC 7807 problem details (application/problem+json): `type` (a URI
// reference naming the kind of problem, documented in docs/api.md), `title` (the same for
// every occurrence of that type), `status`, `detail` (this occurrence, for a human), and
// for field problems `errors: [{field, message}]`, the field written as a path into the
// request body ("gateways[1].port").
//
// Handlers return these; they never throw. Pure functions, any thread.
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "base/result.h"

namespace trunkline::api {

struct FieldError {
  std::string field;
  std::string message;
};

/// The problem kinds of the API. Each has a fixed type URI, title and status.
enum class Problem {
  BadRequest,        // 400 malformed HTTP or query
  InvalidJson,       // 400 body is not JSON (or not an object)
  UnknownField,      // 400 body names fields the resource does not have
  Unauthorized,      // 401 no key, malformed key, unknown or revoked key
  Forbidden,         // 403 the key's scope does not allow this
  NotFound,          // 404
  MethodNotAllowed,  // 405
  Conflict,          // 409 duplicate, or still referenced
  UnsupportedMedia,  // 415 body is not application/json
  Validation,        // 422 a field's value is refused
  RateLimited,       // 429
  Internal,          // 500
  Unavailable,       // 503
};

/// A problem+json response. `errors` is written only when not empty.
HttpResponse problem(Problem kind, std::string_view detail, std::vector<FieldError> errors = {});
/// A problem for a failure of the HTTP layer itself (parser refusals: 400, 408, 411, 413,
/// 414, 417, 431, 501, 505), typed by its status.
HttpResponse httpProblem(int status, std::string_view detail);

/// Maps a store error: NotFound → 404, AlreadyExists → 409, InvalidArgument → 422
/// (with `field` when known), Io/Unavailable → 503, the rest → 500 (message not shown).
HttpResponse fromError(const base::Error& e, std::string_view field = {});

/// The type URI of a kind ("/problems/validation").
std::string_view problemType(Problem kind);

}  // namespace trunkline::api
