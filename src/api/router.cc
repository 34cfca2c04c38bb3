#include "api/router.h"

#include <algorithm>

#include "base/assert.h"

namespace trunkline::api {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool isParam(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

void Router::add(std::string_view method, std::string_view pattern, Access access,
                 Handler handler) {
  TL_RELEASE_ASSERT(!method.empty() && pattern.starts_with("/"));
  Route r;
  r.method = std::string(method);
  r.pattern = std::string(pattern);
  r.access = access;
  r.handler = std::move(handler);
  for (auto seg : splitPath(pattern)) {
    TL_RELEASE_ASSERT(!seg.empty());
    TL_RELEASE_ASSERT(isParam(seg) || seg.find_first_of("{}") == std::string_view::npos);
    r.segments.emplace_back(seg);
  }
  for (const auto& other : routes_)
    TL_RELEASE_ASSERT(!(other.method == r.method && other.segments == r.segments));
  routes_.push_back(std::move(r));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  const auto raw = splitPath(path);
  std::vector<std::string> decoded;
  decoded.reserve(raw.size());
  for (auto seg : raw) {
    auto d = percentDecode(seg);
    if (!d || d->empty()) {
      m.kind = Match::Kind::BadPath;
      return m;
    }
    decoded.push_back(std::move(*d));
  }
  // Among the patterns that fit the path, the best has a literal where the others have a
  // parameter at the first place they differ.
  auto better = [](const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      const bool pa = isParam(a.segments[i]), pb = isParam(b.segments[i]);
      if (pa != pb) return !pa;
    }
    return false;
  };
  auto fits = [&](const Route& r) {
    if (r.segments.size() != decoded.size()) return false;
    for (std::size_t i = 0; i < decoded.size(); ++i)
      if (!isParam(r.segments[i]) && r.segments[i] != decoded[i]) return false;
    return true;
  };
  const std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  const Route* bestShape = nullptr;  // best fitting pattern, any method
  for (const auto& r : routes_)
    if (fits(r) && (!bestShape || better(r, *bestShape))) bestShape = &r;
  if (!bestShape) return m;
  // Methods are answered for the best-fitting pattern only, so "/v1/keys/self" does not
  // borrow the methods of "/v1/keys/{id}".
  for (const auto& r : routes_) {
    if (r.segments != bestShape->segments) continue;
    m.allowed.push_back(r.method);
    if (r.method == want) m.route = &r;
  }
  if (std::find(m.allowed.begin(), m.allowed.end(), "GET") != m.allowed.end())
    m.allowed.push_back("HEAD");
  if (!m.route) {
    m.kind = Match::Kind::MethodNotAllowed;
    return m;
  }
  m.kind = Match::Kind::Found;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const auto& seg = m.route->segments[i];
    if (isParam(seg)) m.params.emplace_back(seg.substr(1, seg.size() - 2), decoded[i]);
  }
  return m;
}

}  // namespace trunkline::api
