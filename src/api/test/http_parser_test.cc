#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "api/http_parser.h"

namespace trunkline::api {
namespace {

struct Outcome {
  std::vector<HttpRequest> requests;
  int errorStatus = 0;  // 0 = no error
  std::size_t leftover = 0;
};

// Feeds `input` in pieces cut at `cuts` (ascending offsets), like reads from a socket.
Outcome run(std::string_view input, const std::vector<std::size_t>& cuts, HttpLimits limits = {}) {
  RequestParser p(limits);
  Outcome out;
  std::string buf;
  std::size_t pos = 0;
  auto feed = [&](std::size_t upto) {
    buf.append(input.substr(pos, upto - pos));
    pos = upto;
    while (true) {
      auto s = p.parse(buf);
      if (s == RequestParser::State::NeedMore) return true;
      if (s == RequestParser::State::Error) {
        out.errorStatus = p.error().status;
        return false;
      }
      const auto used = p.consumed();
      out.requests.push_back(p.take());
      buf.erase(0, used);
    }
  };
  for (auto c : cuts)
    if (!feed(c)) return out;
  if (feed(input.size())) out.leftover = buf.size();
  return out;
}

Outcome whole(std::string_view input, HttpLimits limits = {}) {
  return run(input, {}, limits);
}

TEST(HttpParser, SimpleGet) {
  auto o = whole("GET /v1/trunks?limit=5&cursor=a%20b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
  ASSERT_EQ(o.errorStatus, 0);
  ASSERT_EQ(o.requests.size(), 1u);
  const auto& r = o.requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/v1/trunks");
  EXPECT_EQ(r.query, "limit=5&cursor=a%20b");
  EXPECT_EQ(r.queryParam("limit"), "5");
  EXPECT_EQ(r.queryParam("cursor"), "a b");
  EXPECT_FALSE(r.queryParam("missing"));
  ASSERT_NE(r.header("ACCEPT"), nullptr);
  EXPECT_EQ(*r.header("accept"), "*/*");
  EXPECT_TRUE(r.keepAlive);
  EXPECT_TRUE(r.body.empty());
}

TEST(HttpParser, BodyAndPipelinedRequests) {
  const std::string two =
      "POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n{\"name\":\"a\"}\n"
      "DELETE /v1/accounts/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto o = whole(two);
  ASSERT_EQ(o.errorStatus, 0);
  ASSERT_EQ(o.requests.size(), 2u);
  EXPECT_EQ(o.requests[0].body, "{\"name\":\"a\"}\n");
  EXPECT_TRUE(o.requests[0].keepAlive);
  EXPECT_EQ(o.requests[1].method, "DELETE");
  EXPECT_FALSE(o.requests[1].keepAlive);
  EXPECT_EQ(o.leftover, 0u);
}

TEST(HttpParser, SameResultWhereverTheBytesAreSplit) {
  const std::vector<std::string> inputs = {
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "\r\nPOST /x HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nabcd"
      "GET /y HTTP/1.1\r\nHost: b\r\n\r\n",
      "PATCH /v1/trunks/1 HTTP/1.1\r\nhost:a\r\ncontent-length:2\r\n\r\n{}",
  };
  for (const auto& in : inputs) {
    const auto ref = whole(in);
    ASSERT_EQ(ref.errorStatus, 0) << in;
    for (std::size_t cut = 1; cut < in.size(); ++cut) {
      auto o = run(in, {cut});
      ASSERT_EQ(o.errorStatus, 0) << "cut at " << cut;
      ASSERT_EQ(o.requests.size(), ref.requests.size()) << "cut at " << cut;
      for (std::size_t i = 0; i < o.requests.size(); ++i) {
        EXPECT_EQ(o.requests[i].target, ref.requests[i].target);
        EXPECT_EQ(o.requests[i].body, ref.requests[i].body);
        EXPECT_EQ(o.requests[i].headers.size(), ref.requests[i].headers.size());
        EXPECT_EQ(o.requests[i].keepAlive, ref.requests[i].keepAlive);
      }
    }
    // And one byte at a time.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
    auto o = run(in, every);
    EXPECT_EQ(o.requests.size(), ref.requests.size());
  }
}

struct Hostile {
  std::string name;
  std::string input;
  int status;
};

TEST(HttpParser, HostileInputIsRefusedWithTheRightStatusAtEverySplit) {
  HttpLimits small;
  small.maxRequestLine = 64;
  small.maxHeaderBytes = 256;
  small.maxHeaders = 4;
  small.maxBodyBytes = 16;
  const std::vector<Hostile> cases = {
      {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400},
      {"bare CR", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400},
      {"folding", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n", 400},
      {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
      {"no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400},
      {"missing host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400},
      {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"cl not a number", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400},
      {"cl negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
      {"cl list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", 400},
      {"cl conflict",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"cl huge", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
       413},
      {"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
      {"cl and te",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       411},
      {"gzip te", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"http2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
      {"bad version", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute form", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"ctl in target", std::string("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400},
      {"nul in value", std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35), 400},
      {"bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"long line", "GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
      {"long line no end", "GET /" + std::string(100, 'a'), 414},
      {"many headers", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431},
      {"big head no end", "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'x'), 431},
      {"big body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n", 413},
      {"expect other", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417},
      {"many empty lines", std::string(40, '\r') + "\n", 400},
  };
  for (const auto& c : cases) {
    auto o = whole(c.input, small);
    EXPECT_EQ(o.errorStatus, c.status) << c.name;
    EXPECT_TRUE(o.requests.empty()) << c.name;
    for (std::size_t cut = 1; cut < c.input.size(); ++cut) {
      auto s = run(c.input, {cut}, small);
      ASSERT_EQ(s.errorStatus, c.status) << c.name << " cut at " << cut;
    }
  }
}

TEST(HttpParser, KeepAliveRules) {
  EXPECT_FALSE(whole("GET / HTTP/1.0\r\n\r\n").requests.at(0).keepAlive);
  EXPECT_TRUE(whole("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").requests.at(0).keepAlive);
  EXPECT_FALSE(whole("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n")
                   .requests.at(0)
                   .keepAlive);
}

TEST(HttpParser, ExpectContinueIsReportedUntilTheBodyArrives) {
  RequestParser p;
  std::string head =
      "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  ASSERT_EQ(p.parse(head), RequestParser::State::NeedMore);
  EXPECT_TRUE(p.expectsContinue());
  EXPECT_TRUE(p.inRequest());
  head += "{}";
  ASSERT_EQ(p.parse(head), RequestParser::State::Complete);
  auto r = p.take();
  EXPECT_EQ(r.body, "{}");
  EXPECT_FALSE(p.expectsContinue());
  EXPECT_FALSE(p.inRequest());
}

TEST(HttpParser, RandomBytesNeverCrashAndAlwaysEnd) {
  std::mt19937 rng(12345);
  const std::string alphabet = "GET POST/ HTTP/1.1\r\n:Host-Length 0123456789abc\x00\x7f\xff";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s;
    const int n = static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    if (iter % 2) s = "GET / HTTP/1.1\r\nHost: a\r\n" + s;
    auto o = whole(s);
    // Either requests were parsed, an error was found, or more bytes are awaited.
    for (const auto& r : o.requests) EXPECT_FALSE(r.method.empty());
  }
}

TEST(HttpSerialize, ContentLengthConnectionAndHead) {
  HttpResponse r;
  r.status = 201;
  r.set("Location", "/v1/accounts/1");
  r.body = "{}";
  EXPECT_EQ(serialize(r, true),
            "HTTP/1.1 201 Created\r\nLocation: /v1/accounts/1\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(serialize(r, false, true),
            "HTTP/1.1 201 Created\r\nLocation: /v1/accounts/1\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n");
  HttpResponse none;
  none.status = 204;
  EXPECT_EQ(serialize(none, true), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(HttpDecode, PercentDecoding) {
  EXPECT_EQ(percentDecode("a%2Fb%20c"), "a/b c");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(percentDecode("a+b"), "a+b");
  EXPECT_FALSE(percentDecode("%"));
  EXPECT_FALSE(percentDecode("%4"));
  EXPECT_FALSE(percentDecode("%zz"));
  EXPECT_FALSE(percentDecode("%00"));
}

}  // namespace
}  // namespace trunkline::api
