// The CLI's HTTP client: endpoint and response parsing, problem rendering, tables, and a
// real exchange with the API's HttpServer on a Unix socket (peer uid from the kernel).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "api/api_thread.h"
#include "app/cli_client.h"
#include "app/cli_table.h"
#include "base/clock.h"

namespace trunkline::app::cli {
namespace {

TEST(CliEndpoint, ParsesUnixHttpAndHttps) {
  auto e = parseEndpoint("unix:/run/tl.sock");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Endpoint::Kind::Unix);
  EXPECT_EQ(e->path, "/run/tl.sock");
  e = parseEndpoint("http://127.0.0.1:8080");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Endpoint::Kind::Http);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 8080);
  e = parseEndpoint("https://[::1]:8443/tl/");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, Endpoint::Kind::Https);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 8443);
  EXPECT_EQ(e->basePath, "/tl");
  e = parseEndpoint("https://api.example.net");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 443);
  for (const char* bad : {"ftp://x", "http://", "http://h:0", "http://h:70000", "http://[::1",
                          "http://user:pw@h:80", "unix:", "127.0.0.1:8080"})
    EXPECT_FALSE(parseEndpoint(bad)) << bad;
}

TEST(CliResponse, CompleteTruncatedAndHostile) {
  const std::string ok =
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "
      "8\r\n\r\n{\"id\":1}";
  EXPECT_EQ(responseMissing(ok), 0);
  auto r = parseResponse(ok);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->contentType, "application/json");
  EXPECT_EQ(r->body, "{\"id\":1}");
  EXPECT_EQ(responseMissing(ok.substr(0, ok.size() - 3)), 3);
  EXPECT_FALSE(parseResponse(ok.substr(0, ok.size() - 3)));  // broken off mid-body
  EXPECT_EQ(responseMissing("HTTP/1.1 200 OK\r\nConte"), 1);
  EXPECT_EQ(responseMissing("HTTP/1.1 204 No Content\r\n\r\n"), -1);
  for (const char* bad : {"", "garbage\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
                          "HTTP/1.1 99 X\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"})
    EXPECT_FALSE(parseResponse(bad)) << bad;
}

TEST(CliProblem, OneLineWithFieldsAndExitCodes) {
  ApiReply r{
      422, "application/problem+json",
      R"({"type":"/problems/validation","title":"Invalid field value","status":422,)"
      R"("detail":"ips[0]: not a CIDR","errors":[{"field":"ips[0]","message":"not a CIDR"}]})"};
  EXPECT_EQ(describeFailure(r), "error: Invalid field value: ips[0]: not a CIDR (field ips[0])");
  EXPECT_EQ(describeFailure({502, "text/html", "<h1>bad gateway</h1>"}),
            "error: HTTP 502: <h1>bad gateway</h1>");
  EXPECT_EQ(describeFailure({500, "", "{\"title\": 5}"}), "error: HTTP 500: {\"title\": 5}");
  EXPECT_EQ(exitCodeFor(200), 0);
  EXPECT_EQ(exitCodeFor(204), 0);
  EXPECT_EQ(exitCodeFor(404), 1);
  EXPECT_EQ(exitCodeFor(422), 1);
  EXPECT_EQ(exitCodeFor(503), 3);
  EXPECT_EQ(urlEncode("a b&c=+é"), "a%20b%26c%3D%2B%C3%A9");
}

TEST(CliTable, ColumnsAsWideAsTheirWidestCellNothingCut) {
  const std::string id = "tlk_0123456789abcdef";
  EXPECT_EQ(renderTable({"ID", "NAME"}, {{"1", id}, {"1234567", "x"}}),
            "ID       NAME\n"
            "1        " +
                id +
                "\n"
                "1234567  x\n");
  Json items = Json::parse(R"([{"id":1,"name":"acme","ips":["10.0.0.0/8","192.0.2.1/32"],
      "credential":{"username":"u"},"enabled":false,"none":null,"empty":[]}])");
  auto out = renderItems({field("ID", "id"), field("IPS", "ips"),
                          field("USER", "credential.username"), field("ON", "enabled"),
                          field("N", "none"), field("E", "empty"), field("MISSING", "no.such")},
                         items);
  EXPECT_EQ(out,
            "ID  IPS                      USER  ON  N  E  MISSING\n"
            "1   10.0.0.0/8,192.0.2.1/32  u     no  -  -  -\n");
  EXPECT_EQ(renderItems({field("A", "a")}, Json::object()), "A\n");  // not a list: no rows
}

// The API's server on a Unix socket: the handler sees the caller's uid; the client's
// request reaches it whole and the answer comes back.
TEST(CliUnixSocket, RequestCarriesThePeerUid) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tl-cli-sock-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.sock").string();
  base::SystemClock clock;
  std::string seenBody;
  api::ApiThread thread(clock, [&](const api::HttpRequest& r) {
    api::HttpResponse resp;
    resp.status = r.peerUid ? 200 : 500;
    resp.body = std::to_string(r.peerUid.value_or(999999)) + " " + r.method + " " + r.target;
    seenBody = r.body;
    return resp;
  });
  api::HttpServerOptions o;
  o.unixPath = path;
  ASSERT_TRUE(thread.listen(o));
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // A second server on the same live path is refused.
  api::ApiThread other(clock, [](const api::HttpRequest&) { return api::HttpResponse{}; });
  ASSERT_TRUE(thread.start());
  EXPECT_FALSE(other.listen(o));

  auto t = makeSocketTransport(*parseEndpoint("unix:" + path), {});
  auto r = t->send("POST", "/v1/x?y=1", "{\"a\":1}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::to_string(::geteuid()) + " POST /v1/x?y=1");
  EXPECT_EQ(seenBody, "{\"a\":1}");
  thread.stop();
  EXPECT_FALSE(std::filesystem::exists(path));  // removed on shutdown
  auto gone = t->send("GET", "/", "");
  EXPECT_FALSE(gone);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trunkline::app::cli
