// URIs: sip/sips/tel/other, user and password, IPv6, parameters, headers, %-escapes and
// RFC 3261 §19.1.4 comparison.
#include <gtest/gtest.h>

#include "sip/message/types.h"

namespace trunkline::sip {
namespace {

Uri must(std::string_view s) {
  auto u = parseUri(s);
  EXPECT_TRUE(u) << s << ": " << (u ? "" : u.error().text());
  return u ? *u : Uri{};
}

TEST(Uri, SipFull) {
  Uri u = must("sip:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=hi&priority=urgent");
  EXPECT_EQ(u.scheme, UriScheme::Sip);
  EXPECT_EQ(u.user, "alice");
  EXPECT_TRUE(u.hasPassword);
  EXPECT_EQ(u.password, "secretword");
  EXPECT_EQ(u.host, "atlanta.com");
  EXPECT_EQ(u.port, 5061);
  EXPECT_EQ(u.params.get("transport"), "tcp");
  EXPECT_EQ(u.params.get("TRANSPORT"), "tcp");
  EXPECT_TRUE(u.params.has("lr"));
  EXPECT_EQ(u.params.get("lr"), "");
  EXPECT_FALSE(u.params.has("maddr"));
  EXPECT_EQ(u.headers, "subject=hi&priority=urgent");
}

TEST(Uri, SipsAndHostOnly) {
  Uri u = must("sips:biloxi.com");
  EXPECT_EQ(u.scheme, UriScheme::Sips);
  EXPECT_TRUE(u.user.empty());
  EXPECT_EQ(u.host, "biloxi.com");
  EXPECT_EQ(must("SIP:ALICE@AtLanTa.CoM").scheme, UriScheme::Sip);
  EXPECT_EQ(must("sip:192.0.2.4").host, "192.0.2.4");
}

TEST(Uri, Ipv6) {
  Uri u = must("sip:[2001:db8::1]:5060;maddr=[2001:db8::2]");
  EXPECT_TRUE(u.hostIsIpv6);
  EXPECT_EQ(u.host, "2001:db8::1");
  EXPECT_EQ(u.port, 5060);
  EXPECT_EQ(u.params.get("maddr"), "[2001:db8::2]");
  EXPECT_TRUE(parseUri("sip:[::1]"));
  EXPECT_TRUE(parseUri("sip:[1:2:3:4:5:6:7:8]"));
  EXPECT_TRUE(parseUri("sip:[::ffff:192.0.2.1]"));
  EXPECT_FALSE(parseUri("sip:[1:2:3:4:5:6:7:8:9]"));
  EXPECT_FALSE(parseUri("sip:[1:2:3:4:5:6:7]"));
  EXPECT_FALSE(parseUri("sip:[2001:db8::1"));
  EXPECT_FALSE(parseUri("sip:[12345::1]"));
  EXPECT_FALSE(parseUri("sip:[1::2::3]"));
  EXPECT_FALSE(parseUri("sip:[::ffff:192.0.2.256]"));
  EXPECT_FALSE(parseUri("sip:[2001:db8::1]x"));
}

TEST(Uri, Tel) {
  Uri u = must("tel:+1-201-555-0123;ext=1234");
  EXPECT_EQ(u.scheme, UriScheme::Tel);
  EXPECT_EQ(u.user, "+1-201-555-0123");
  EXPECT_EQ(u.params.get("ext"), "1234");
  Uri local = must("tel:7042;phone-context=example.com");
  EXPECT_EQ(local.user, "7042");
  EXPECT_FALSE(parseUri("tel:7042"));  // local number needs phone-context
  EXPECT_FALSE(parseUri("tel:+"));
  EXPECT_FALSE(parseUri("tel:+1 201"));
}

TEST(Uri, OtherSchemes) {
  Uri u = must("http://www.example.com/a?b=c");
  EXPECT_EQ(u.scheme, UriScheme::Other);
  EXPECT_EQ(u.schemeText, "http");
  EXPECT_TRUE(parseUri("urn:service:sos"));
  EXPECT_FALSE(parseUri("1http://x"));
  EXPECT_FALSE(parseUri("noscheme"));
  EXPECT_FALSE(parseUri("x:"));
  EXPECT_FALSE(parseUri("x:a b"));
}

TEST(Uri, Malformed) {
  EXPECT_FALSE(parseUri(""));
  EXPECT_FALSE(parseUri("sip:"));
  EXPECT_FALSE(parseUri("sip:@host"));
  EXPECT_FALSE(parseUri("sip:user@"));
  EXPECT_FALSE(parseUri("sip:user@host:"));
  EXPECT_FALSE(parseUri("sip:user@host:70000"));
  EXPECT_FALSE(parseUri("sip:user@host:12a"));
  EXPECT_FALSE(parseUri("sip:user@host;;lr"));
  EXPECT_FALSE(parseUri("sip:user@host;"));
  EXPECT_FALSE(parseUri("sip:user@host?"));
  EXPECT_FALSE(parseUri("sip:user@host?noequals"));
  EXPECT_FALSE(parseUri("sip:us%2@host"));
  EXPECT_FALSE(parseUri("sip:us%zz@host"));
  EXPECT_FALSE(parseUri("sip:user@ho st"));
  EXPECT_FALSE(parseUri("sip:user@-host.com"));
  EXPECT_FALSE(parseUri("sip:user@host.123"));
  EXPECT_FALSE(parseUri("sip:user@1.2.3.456"));
  EXPECT_FALSE(parseUri("sip:a<b@host"));
  EXPECT_EQ(parseUri("sip:user@ho st").error().code, ParseErrc::BadUri);
}

TEST(Uri, Escapes) {
  Uri u = must("sip:%61lice@atlanta.com;x=%41");
  EXPECT_EQ(u.user, "%61lice");
  EXPECT_EQ(unescape(u.user), "alice");
  EXPECT_EQ(unescape("%25%34%31"), "%41");  // not recursive
  EXPECT_EQ(unescape("a%20b"), "a b");
  EXPECT_FALSE(unescape("%"));
  EXPECT_FALSE(unescape("%4"));
  EXPECT_FALSE(unescape("%G0"));
  EXPECT_EQ(unescape(""), "");
}

bool eq(std::string_view a, std::string_view b) {
  auto ua = parseUri(a);
  auto ub = parseUri(b);
  EXPECT_TRUE(ua && ub) << a << " / " << b;
  return ua && ub && uriEquivalent(*ua, *ub) && uriEquivalent(*ub, *ua);
}

TEST(Uri, EquivalenceRfc3261Examples) {
  // §19.1.4: equivalent pairs.
  EXPECT_TRUE(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  EXPECT_TRUE(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                 "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
  EXPECT_TRUE(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                 "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
  // §19.1.4: pairs that are not equivalent.
  EXPECT_FALSE(eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
  EXPECT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
  EXPECT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
  EXPECT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
  EXPECT_FALSE(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
  EXPECT_FALSE(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
  EXPECT_FALSE(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
  EXPECT_FALSE(eq("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
  EXPECT_TRUE(eq("tel:+1-201-555-0123", "tel:+12015550123"));
  EXPECT_FALSE(eq("tel:+12015550123", "tel:+12015550124"));
}

}  // namespace
}  // namespace trunkline::sip

namespace trunkline::sip {
namespace {

// Found by fuzz_sip_uri: a repeated parameter with different values made a URI compare
// unequal to itself.
TEST(UriRegression, RepeatedParameterIsReflexive) {
  auto u =
      parseUri("sip:user;par=u%40example.netPip:user;par=u%40example.netPexample.coexample.com");
  ASSERT_TRUE(u);
  EXPECT_TRUE(uriEquivalent(*u, *u));
  auto a = parseUri("sip:h.example.com;x=1;x=2");
  auto b = parseUri("sip:h.example.com;x=1");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(uriEquivalent(*a, *a));
  EXPECT_EQ(uriEquivalent(*a, *b), uriEquivalent(*b, *a));
}

}  // namespace
}  // namespace trunkline::sip
