#include <algorithm>
#include <set>

#include "api/test/api_fixture.h"

namespace trunkline::api {
namespace {

using Op = std::pair<std::string, std::string>;  // path, lowercase method

class OpenApiTest : public testing::ApiFixture {};

TEST_F(OpenApiTest, EveryRouteIsDocumentedAndEveryDocumentedOperationIsRouted) {
  const auto doc = Json::parse(openApiDocument());
  ASSERT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<Op> documented, routed;
  static const std::set<std::string> kMethods = {"get",   "put",  "post",   "delete",
                                                 "patch", "head", "options"};
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [method, op] : item.items())
      if (kMethods.contains(method)) documented.insert({path, method});
  for (const auto& r : router_.routes()) {
    std::string m = r.method;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    routed.insert({r.pattern, m});
  }
  for (const auto& op : routed)
    EXPECT_TRUE(documented.contains(op))
        << op.second << " " << op.first << " is not in openapi.json";
  for (const auto& op : documented)
    EXPECT_TRUE(routed.contains(op))
        << op.second << " " << op.first << " is documented but not routed";
  EXPECT_GE(routed.size(), 30u);
}

TEST_F(OpenApiTest, ReferencesResolveAndTheDocumentIsServedWithoutAKey) {
  const auto doc = Json::parse(openApiDocument());
  // Every $ref points at something that exists.
  std::vector<const Json*> stack{&doc};
  int refs = 0;
  while (!stack.empty()) {
    const Json* j = stack.back();
    stack.pop_back();
    if (j->is_object()) {
      if (auto it = j->find("$ref"); it != j->end()) {
        const auto ref = it->get<std::string>();
        ASSERT_TRUE(ref.starts_with("#/"));
        EXPECT_TRUE(doc.contains(Json::json_pointer(ref.substr(1)))) << ref;
        ++refs;
      }
      for (const auto& [k, v] : j->items()) stack.push_back(&v);
    } else if (j->is_array()) {
      for (const auto& v : *j) stack.push_back(&v);
    }
  }
  EXPECT_GT(refs, 50);
  auto r = call("GET", "/v1/openapi.json", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, doc);
}

}  // namespace
}  // namespace trunkline::api
