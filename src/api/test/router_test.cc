#include <gtest/gtest.h>

#include <algorithm>

#include "api/router.h"

namespace trunkline::api {
namespace {

HttpResponse tag(std::string t) {
  HttpResponse r;
  r.body = std::move(t);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/v1/keys", Access::Admin, [](const Request&) { return tag("list"); });
    router_.add("GET", "/v1/keys/self", Access::AnyKey, [](const Request&) { return tag("self"); });
    router_.add("GET", "/v1/keys/{id}", Access::Admin, [](const Request&) { return tag("get"); });
    router_.add("DELETE", "/v1/keys/{id}", Access::Admin,
                [](const Request&) { return tag("del"); });
    router_.add("GET", "/v1/a/{x}/b/{y}", Access::Public, [](const Request&) { return tag("xy"); });
  }
  Router router_;
};

TEST_F(RouterTest, LiteralWinsOverParameterAndParamsAreDecoded) {
  auto m = router_.match("GET", "/v1/keys/self");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  EXPECT_EQ(m.route->pattern, "/v1/keys/self");
  EXPECT_TRUE(m.params.empty());

  m = router_.match("GET", "/v1/keys/42");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  EXPECT_EQ(m.route->pattern, "/v1/keys/{id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");

  m = router_.match("GET", "/v1/a/%2B1%20x/b/203.0.113.0%2F24/");
  ASSERT_EQ(m.kind, Router::Match::Kind::Found);
  HttpRequest http;
  Request req{http, m.params, nullptr};
  EXPECT_EQ(req.param("x"), "+1 x");
  EXPECT_EQ(req.param("y"), "203.0.113.0/24");
  EXPECT_EQ(req.param("z"), "");
}

TEST_F(RouterTest, MethodNotAllowedListsTheMethodsOfThatPathOnly) {
  auto m = router_.match("POST", "/v1/keys/7");
  ASSERT_EQ(m.kind, Router::Match::Kind::MethodNotAllowed);
  auto has = [&](std::string_view x) {
    return std::find(m.allowed.begin(), m.allowed.end(), x) != m.allowed.end();
  };
  EXPECT_TRUE(has("GET"));
  EXPECT_TRUE(has("DELETE"));
  EXPECT_TRUE(has("HEAD"));
  EXPECT_FALSE(has("POST"));

  m = router_.match("DELETE", "/v1/keys/self");
  ASSERT_EQ(m.kind, Router::Match::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "HEAD"}));
}

TEST_F(RouterTest, HeadUsesGetAndUnknownPathsAreNotFound) {
  EXPECT_EQ(router_.match("HEAD", "/v1/keys").kind, Router::Match::Kind::Found);
  EXPECT_EQ(router_.match("GET", "/v1/nothing").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("GET", "/v1/keys/1/extra").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("GET", "/").kind, Router::Match::Kind::NotFound);
  EXPECT_EQ(router_.match("get", "/v1/keys").kind, Router::Match::Kind::MethodNotAllowed);
}

TEST_F(RouterTest, MalformedPathsAreRefused) {
  EXPECT_EQ(router_.match("GET", "/v1/keys/%zz").kind, Router::Match::Kind::BadPath);
  EXPECT_EQ(router_.match("GET", "/v1//keys").kind, Router::Match::Kind::BadPath);
  EXPECT_EQ(router_.match("GET", "/v1/keys/%00").kind, Router::Match::Kind::BadPath);
}

TEST(RouterDeath, DuplicateRouteIsAProgrammingError) {
  Router r;
  r.add("GET", "/x/{id}", Access::Public, [](const Request&) { return HttpResponse{}; });
  EXPECT_DEATH(
      r.add("GET", "/x/{id}", Access::Public, [](const Request&) { return HttpResponse{}; }),
      "assertion");
}

TEST(PrincipalScope, AdminOwnsEverythingAccountOnlyItself) {
  Principal admin{1, 0, "a"};
  Principal acme{2, 7, "b"};
  EXPECT_TRUE(admin.owns(7));
  EXPECT_TRUE(admin.owns(8));
  EXPECT_TRUE(acme.owns(7));
  EXPECT_FALSE(acme.owns(8));
}

}  // namespace
}  // namespace trunkline::api
