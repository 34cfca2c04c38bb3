#include <gtest/gtest.h>

#include "api/json_util.h"
#include "api/problem.h"

namespace trunkline::api {
namespace {

Json bodyOf(const HttpResponse& r) {
  return Json::parse(r.body);
}

TEST(Problem, ValidationProblemNamesTheFields) {
  auto r = problem(Problem::Validation, "port: must be an integer from 1 to 65535",
                   {{"gateways[0].port", "must be an integer from 1 to 65535"}});
  EXPECT_EQ(r.status, 422);
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_EQ(*r.header("content-type"), "application/problem+json");
  auto j = bodyOf(r);
  EXPECT_EQ(j["type"], "/problems/validation");
  EXPECT_EQ(j["title"], "Invalid field value");
  EXPECT_EQ(j["status"], 422);
  EXPECT_EQ(j["detail"], "port: must be an integer from 1 to 65535");
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["field"], "gateways[0].port");
}

TEST(Problem, NoErrorsMemberWithoutFieldErrors) {
  auto j = bodyOf(problem(Problem::NotFound, "trunk 9 not found"));
  EXPECT_EQ(j["status"], 404);
  EXPECT_FALSE(j.contains("errors"));
  auto h = bodyOf(httpProblem(431, "too big"));
  EXPECT_EQ(h["status"], 431);
  EXPECT_EQ(h["title"], "Request Header Fields Too Large");
}

TEST(Problem, StoreErrorsMapToStatuses) {
  using base::Errc;
  EXPECT_EQ(fromError({Errc::NotFound, "x"}).status, 404);
  EXPECT_EQ(fromError({Errc::AlreadyExists, "x"}).status, 409);
  auto v = fromError({Errc::InvalidArgument, "bad CIDR"}, "ips");
  EXPECT_EQ(v.status, 422);
  EXPECT_EQ(bodyOf(v)["errors"][0]["field"], "ips");
  EXPECT_EQ(fromError({Errc::Io, "disk"}).status, 503);
  auto internal = fromError({Errc::Internal, "secret detail"});
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("secret detail"), std::string::npos);
}

TEST(JsonBoundary, ParseErrorsAndNonObjectsAreProblemsNotExceptions) {
  HttpResponse err;
  EXPECT_FALSE(parseObject("{\"a\":", err));
  EXPECT_EQ(err.status, 400);
  EXPECT_EQ(bodyOf(err)["type"], "/problems/invalid-json");
  EXPECT_FALSE(parseObject("[1,2]", err));
  EXPECT_FALSE(parseObject("", err));
  EXPECT_FALSE(parseObject("\"\xff\"", err));
  // Deep nesting is parsed and destroyed without recursion trouble.
  std::string deep(100000, '[');
  EXPECT_FALSE(parseObject(deep, err));
  std::string deepOk = "{\"a\":" + std::string(50000, '[') + std::string(50000, ']') + "}";
  EXPECT_TRUE(parseObject(deepOk, err));
  EXPECT_TRUE(parseObject("{\"name\":\"x\"}", err));
}

TEST(JsonBoundary, FieldReaderCollectsTypedErrors) {
  auto j = Json::parse(
      R"({"name": 5, "port": 70000, "enabled": "yes", "ids": ["a", 1], "id": -3, "big": 18446744073709551615})");
  std::vector<FieldError> errors;
  FieldReader f(j, errors, "x.");
  std::string name;
  std::uint32_t port = 0;
  bool enabled = false;
  std::vector<std::string> ids;
  std::int64_t id = 0;
  std::uint32_t big = 0;
  EXPECT_FALSE(f.str("name", name));
  EXPECT_FALSE(f.u32("port", port, 1, 65535));
  EXPECT_FALSE(f.boolean("enabled", enabled));
  EXPECT_FALSE(f.strings("ids", ids));
  EXPECT_FALSE(f.id("id", id));
  EXPECT_FALSE(f.u32("big", big, 0, 10));
  EXPECT_FALSE(f.str("missing", name, true));
  ASSERT_EQ(errors.size(), 7u);
  EXPECT_EQ(errors[0].field, "x.name");
  EXPECT_EQ(errors[3].field, "x.ids[1]");
  EXPECT_EQ(errors[6].message, "is required");

  std::vector<FieldError> unknown;
  rejectUnknown(j, {"name", "port", "enabled", "ids", "id"}, unknown);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].field, "big");
}

TEST(JsonBoundary, DumpReplacesInvalidUtf8) {
  Json j = {{"name", std::string("a\xff")}};
  EXPECT_NO_THROW(dumpJson(j));
}

}  // namespace
}  // namespace trunkline::api
