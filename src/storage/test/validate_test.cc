#include <gtest/gtest.h>

#include "storage/validate.h"

namespace trunkline::storage {
namespace {

std::string err(const base::Result<void>& r) {
  return r ? std::string("<ok>") : r.error().message;
}

TEST(Validate, CidrCanonicalForms) {
  EXPECT_EQ(*normalizeCidr("203.0.113.0/24"), "203.0.113.0/24");
  EXPECT_EQ(*normalizeCidr("203.0.113.7"), "203.0.113.7/32");
  EXPECT_EQ(*normalizeCidr("2001:DB8::/32"), "2001:db8::/32");
  EXPECT_EQ(*normalizeCidr("::1"), "::1/128");
  EXPECT_EQ(*normalizeCidr("0.0.0.0/0"), "0.0.0.0/0");
}

TEST(Validate, CidrErrors) {
  auto hostBits = normalizeCidr("203.0.113.5/24");
  ASSERT_FALSE(hostBits);
  EXPECT_EQ(hostBits.error().message,
            "bad CIDR '203.0.113.5/24': host bits are set (did you mean 203.0.113.0/24?)");
  EXPECT_EQ(normalizeCidr("203.0.113.0/33").error().message,
            "bad CIDR '203.0.113.0/33': prefix length must be 0-32");
  EXPECT_EQ(normalizeCidr("2001:db8::/129").error().message,
            "bad CIDR '2001:db8::/129': prefix length must be 0-128");
  EXPECT_EQ(normalizeCidr("example.com/24").error().message,
            "bad CIDR 'example.com/24': 'example.com' is not an IP address");
  EXPECT_FALSE(normalizeCidr("10.0.0.0/"));
  EXPECT_FALSE(normalizeCidr("10.0.0.0/+8"));
}

TEST(Validate, NetworkContainsMappedAddresses) {
  auto net = parseCidr("10.1.0.0/16");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(*parseIp("10.1.200.3")));
  EXPECT_TRUE(net->contains(*parseIp("::ffff:10.1.2.3")));
  EXPECT_FALSE(net->contains(*parseIp("10.2.0.1")));
  auto v6 = parseCidr("2001:db8:aa::/48");
  EXPECT_TRUE(v6->contains(*parseIp("[2001:db8:aa:1::5]")));
  EXPECT_FALSE(v6->contains(*parseIp("2001:db8:ab::5")));
  EXPECT_FALSE(parseIp("300.1.1.1"));
}

TEST(Validate, E164) {
  EXPECT_TRUE(validateE164("+14155550100"));
  EXPECT_TRUE(validateE164("+44207123"));         // 8 digits
  EXPECT_TRUE(validateE164("+123456789012345"));  // 15 digits
  EXPECT_EQ(err(validateE164("14155550100")),
            "bad E.164 number '14155550100': expected '+' and 8-15 digits, e.g. +14155550100");
  EXPECT_FALSE(validateE164("+1234567"));
  EXPECT_FALSE(validateE164("+1234567890123456"));
  EXPECT_FALSE(validateE164("+1415555O100"));
  EXPECT_FALSE(validateE164("+04155550100"));
}

Trunk ipTrunk() {
  Trunk t;
  t.accountId = 1;
  t.name = "pbx1";
  t.allowedCidrs = {"203.0.113.0/24"};
  return t;
}

TEST(Validate, TrunkCodecsAreCanonicalised) {
  auto t = ipTrunk();
  t.codecs = {"pcmu", "OPUS", "Telephone-Event"};
  ASSERT_TRUE(normalize(t));
  EXPECT_EQ(t.codecs, (std::vector<std::string>{"PCMU", "opus", "telephone-event"}));
  t.codecs = {"PCMU", "GSM"};
  EXPECT_EQ(err(normalize(t)),
            "trunk 'pbx1': unknown codec 'GSM' (allowed: PCMU PCMA G729 G722 opus "
            "telephone-event)");
}

TEST(Validate, TrunkRules) {
  auto t = ipTrunk();
  t.allowedCidrs.clear();
  EXPECT_EQ(err(normalize(t)),
            "trunk 'pbx1': no way to authenticate: give source CIDRs and/or digest credentials");
  t = ipTrunk();
  t.registration = true;
  EXPECT_EQ(err(normalize(t)), "trunk 'pbx1': a registration trunk needs digest credentials");
  t = ipTrunk();
  t.port = 0;
  EXPECT_EQ(err(normalize(t)), "trunk 'pbx1': port must be 1-65535");
  t = ipTrunk();
  t.callerIdPolicy = CallerIdPolicy::Fixed;
  t.fixedCallerId = "555";
  EXPECT_NE(err(normalize(t)).find("fixed caller ID: bad E.164 number '555'"), std::string::npos);
  t = ipTrunk();
  t.name = "bad name";
  EXPECT_EQ(err(normalize(t)), "bad trunk name 'bad name': 1-64 characters of A-Z a-z 0-9 . _ -");
  t = ipTrunk();
  t.credentials.push_back({0, "u1", "trunkline", "abc", std::string(64, 'a')});
  EXPECT_EQ(err(normalize(t)),
            "trunk 'pbx1': digest credential 'u1': HA1 must be 32 (MD5) and 64 (SHA-256) hex "
            "digits");
  t = ipTrunk();
  t.allowedCidrs = {"10.0.0.0/8", "10.0.0.0/8"};
  EXPECT_EQ(err(normalize(t)), "trunk 'pbx1': CIDR '10.0.0.0/8' listed twice");
}

TEST(Validate, CarrierAndRoute) {
  Carrier c;
  c.name = "telco";
  EXPECT_EQ(err(normalize(c)), "carrier 'telco': needs at least one gateway");
  c.gateways.push_back({0, "[2001:db8::7]", 5060, Transport::Udp, 1, 1});
  ASSERT_TRUE(normalize(c));
  EXPECT_EQ(c.gateways[0].host, "2001:db8::7");
  c.gateways[0].port = 0;
  EXPECT_EQ(err(normalize(c)), "carrier 'telco': gateway 2001:db8::7: port must be 1-65535");

  Route r;
  r.prefix = "+1";
  r.targets.push_back({1, 1, 1});
  EXPECT_EQ(err(normalize(r)), "bad route prefix '+1': up to 15 digits (no '+'); empty = default");
  r.prefix = "1";
  r.failoverCodes = {200};
  EXPECT_EQ(err(normalize(r)),
            "route '1': failover code 200 is not a final error response (300-699)");
  r.failoverCodes = {503};
  r.prefix = "";
  EXPECT_TRUE(normalize(r));
}

TEST(Validate, AccountCountry) {
  Account a{0, "acme", "us", true};
  ASSERT_TRUE(normalize(a));
  EXPECT_EQ(a.country, "US");
  a.country = "USA";
  EXPECT_EQ(err(normalize(a)),
            "account 'acme': bad country 'USA': expected an ISO 3166-1 alpha-2 code such as US");
}

}  // namespace
}  // namespace trunkline::storage
