#pragma once
// Pieces shared by the resource handlers (resources_*.cc); not a public interface.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "api/api.h"
#include "api/json_util.h"
#include "api/problem.h"

namespace trunkline::api::detail {

/// The {id} path parameter as a positive id, nullopt when it is not one (→ 404: an id
/// that cannot exist names nothing).
std::optional<storage::Id> pathId(const Request& r, std::string_view name = "id");

/// `?limit=&cursor=` of a list: limit 1..500 (default 50), cursor = the opaque
/// next_cursor of the previous page. Error: a 400 naming the parameter.
struct PageQuery {
  std::size_t limit = 50;
  storage::Id after = 0;
};
std::optional<PageQuery> pageQuery(const Request& r, HttpResponse& error);

/// One page of `items` (any order; sorted by id here) as {"items": [...], "next_cursor"}.
template <class T, class F>
HttpResponse page(std::vector<T> items, const PageQuery& q, F&& toJson) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.id < b.id; });
  Json out = Json::array();
  auto it = std::upper_bound(items.begin(), items.end(), q.after,
                             [](storage::Id id, const T& t) { return id < t.id; });
  storage::Id last = 0;
  for (; it != items.end() && out.size() < q.limit; ++it) {
    out.push_back(toJson(*it));
    last = it->id;
  }
  Json body = {{"items", std::move(out)}, {"next_cursor", nullptr}};
  if (it != items.end()) body["next_cursor"] = std::to_string(last);
  return jsonResponse(200, body);
}

/// 201 with Location and the representation.
HttpResponse created(std::string_view collection, storage::Id id, const Json& body);
HttpResponse noContent();

/// 400 listing unknown fields, or 422 listing invalid ones; nullopt when `errors` is empty.
std::optional<HttpResponse> fieldProblems(const std::vector<FieldError>& unknown,
                                          const std::vector<FieldError>& invalid);

/// "id" in a body: refused on create, must match on update.
void checkReadOnlyId(const Json& body, std::optional<storage::Id> expected,
                     std::vector<FieldError>& invalid);

/// A store error from a write, with the field its message points at: `hints` pairs a
/// phrase of the message with a field name; the first phrase found wins.
HttpResponse writeError(const base::Error& e,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> hints);

/// A removal refused because something still points at the entity is a conflict (409).
HttpResponse removeError(const base::Error& e);

/// Digest credential from {username, realm, password | ha1_md5 + ha1_sha256}; `keep`
/// supplies the hashes of an existing credential with the same username and realm when the
/// body gives neither (so an update need not resend every password).
std::optional<storage::DigestCredential> readCredential(
    const Json& j, const std::string& path, const std::string& defaultRealm,
    const std::vector<storage::DigestCredential>& keep, std::vector<FieldError>& unknown,
    std::vector<FieldError>& invalid);
Json credentialJson(const storage::DigestCredential& c);

/// Checks CIDR strings one by one (field "ips[2]") with the storage rules.
void checkCidrs(const std::vector<std::string>& cidrs, std::string_view field,
                std::vector<FieldError>& invalid);

/// Registration of the resource groups.
void registerAccountRoutes(Router& router, const CoreDeps& deps);
void registerTrunkRoutes(Router& router, const CoreDeps& deps);
void registerNumberRoutes(Router& router, const CoreDeps& deps);
void registerCarrierRoutes(Router& router, const CoreDeps& deps);
void registerRouteRoutes(Router& router, const CoreDeps& deps);
void registerKeyRoutes(Router& router, const CoreDeps& deps);
void registerBillingRoutes(Router& router, const CoreDeps& deps);

/// Rates and fees as decimal strings of major currency units ↔ sub-units (exact, at most
/// six decimals); `why` says what is wrong with a refused string.
std::optional<std::int64_t> parseMajorAmount(std::string_view s, std::string& why);
std::string formatMajorAmount(std::int64_t sub);

/// The rate deck of an account (`price_deck_id`, kind price) or carrier (`cost_deck_id`,
/// kind cost) in their JSON. Without deps.rates these do nothing (the field is unknown).
enum class DeckOwner { Account, Carrier };
struct DeckField {
  bool present = false;
  std::optional<storage::Id> deck;  // nullopt = none (accounts: the default price deck)
};
/// Takes the deck field out of `body` (so the entity's own reader never sees it) and checks
/// that the deck exists and has the right kind; nullopt with `error` set (422) when not.
std::optional<DeckField> takeDeckField(const CoreDeps& deps, DeckOwner owner, Json& body,
                                       HttpResponse& error);
/// Stores a present field for the entity `id`; the problem when the store refuses.
std::optional<HttpResponse> storeDeckField(const CoreDeps& deps, DeckOwner owner, storage::Id id,
                                           const DeckField& f);
/// `j` (an entity with "id") with its deck field added.
Json withDeckField(const CoreDeps& deps, DeckOwner owner, Json j);

}  // namespace trunkline::api::detail
