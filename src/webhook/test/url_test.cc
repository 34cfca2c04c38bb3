#include "webhook/url.h"

#include <gtest/gtest.h>

namespace trunkline::webhook {
namespace {

TEST(Url, ParsesHttpAndHttps) {
  auto u = parseUrl("https://hooks.example.com/trunkline?x=1");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/trunkline?x=1");
  EXPECT_EQ(u->hostHeader(), "hooks.example.com");

  u = parseUrl("HTTP://127.0.0.1:8080");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->hostHeader(), "127.0.0.1:8080");

  u = parseUrl("http://[::1]:9000/h");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->hostHeader(), "[::1]:9000");

  u = parseUrl("http://example.com?q");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/?q");
}

TEST(Url, RefusesWhatIsNotAPlainHttpUrl) {
  for (std::string_view bad : {"",
                               "ftp://example.com/",
                               "file:///etc/passwd",
                               "gopher://x",
                               "http://",
                               "http:///path",
                               "http://user:pw@example.com/",
                               "http://example.com/#frag",
                               "http://exa mple.com/",
                               "http://example.com:0/",
                               "http://example.com:65536/",
                               "http://example.com:/",
                               "http://example.com:80x/",
                               "http://[::1/",
                               "http://[zz]/",
                               "http://ex_ample.com/",
                               "http://example..com/",
                               "http://example.com/\x01",
                               "http://example.com/\xc3\xa9",
                               "javascript:alert(1)",
                               "//example.com/"}) {
    EXPECT_FALSE(parseUrl(bad)) << bad;
  }
  EXPECT_FALSE(parseUrl("http://e.com/" + std::string(kMaxUrlLength, 'a')));
}

}  // namespace
}  // namespace trunkline::webhook
