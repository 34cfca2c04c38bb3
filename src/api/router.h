#pragma once
// Router: the table of API routes, "METHOD /v1/trunks/{id}" → handler, that app/ and other
// modules fill at start-up and the server consults for every request.
//
// Patterns are '/'-separated segments; "{name}" matches one non-empty segment, which the
// handler reads percent-decoded from Request::param(). A literal segment wins over a
// parameter at the same place ("/v1/keys/self" before "/v1/keys/{id}"). A trailing '/' on
// the request path is ignored. HEAD is answered by the GET route (without body).
//
// Each route says who may call it (Access): the server authenticates before the handler
// runs, so a handler only checks ownership (an account key touching another account's
// trunk gets 404). Built on one thread before serving; read-only afterwards (any thread).
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"
#include "storage/model.h"

namespace trunkline::api {

enum class Access {
  Public,  // no key (health, the OpenAPI document)
  AnyKey,  // admin or account key; the handler scopes what it shows
  Admin,   // admin keys only; account keys get 403
};

/// Who is calling: the API key that authenticated the request.
struct Principal {
  storage::Id keyId = 0;
  storage::Id accountId = 0;  // 0 = admin
  std::string publicId;
  bool admin() const { return accountId == 0; }
  /// May this caller see or change what belongs to `account`?
  bool owns(storage::Id account) const { return admin() || account == accountId; }
};

struct Request {
  const HttpRequest& http;
  std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
  const Principal* principal = nullptr;                     // null on Access::Public routes

  /// The path parameter `name` ("" when the route has none of that name).
  std::string_view param(std::string_view name) const;
};

using Handler = std::function<HttpResponse(const Request&)>;

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    Access access = Access::AnyKey;
    Handler handler;
    std::vector<std::string> segments;  // "{id}" kept as written
  };

  struct Match {
    enum class Kind { Found, NotFound, MethodNotAllowed, BadPath };
    Kind kind = Kind::NotFound;
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> allowed;  // MethodNotAllowed: methods of the path, for Allow
  };

  /// Registers a route. A malformed pattern or a second route for the same method and
  /// pattern is a programming error (assert), found by the first test that builds the table.
  void add(std::string_view method, std::string_view pattern, Access access, Handler handler);
  /// The route for `method` and the raw (percent-encoded) `path`.
  Match match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace trunkline::api
