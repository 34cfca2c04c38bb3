// The field parsers of values.h: valid forms, the tolerated variants and the refusals.
#include <gtest/gtest.h>

#include "sdp/codecs.h"
#include "sdp/values.h"

namespace trunkline::sdp {
namespace {

TEST(Values, Unsigned) {
  EXPECT_EQ(parseUnsigned("0", 10), 0u);
  EXPECT_EQ(parseUnsigned("65535", 65535), 65535u);
  EXPECT_FALSE(parseUnsigned("65536", 65535));
  EXPECT_FALSE(parseUnsigned("", 10));
  EXPECT_FALSE(parseUnsigned("-1", 10));
  EXPECT_FALSE(parseUnsigned("+1", 10));
  EXPECT_FALSE(parseUnsigned(" 1", 10));
  EXPECT_FALSE(parseUnsigned("1a", 10));
  EXPECT_EQ(parseUnsigned("18446744073709551615", UINT64_MAX), UINT64_MAX);
  EXPECT_FALSE(parseUnsigned("18446744073709551616", UINT64_MAX));
  EXPECT_FALSE(parseUnsigned("000000000000000000001", UINT64_MAX));  // 21 digits
  EXPECT_EQ(parsePayloadType("127"), 127);
  EXPECT_FALSE(parsePayloadType("128"));
}

TEST(Values, Tokens) {
  std::string_view s = "  a \t b  c";
  EXPECT_EQ(nextToken(s), "a");
  EXPECT_EQ(nextToken(s), "b");
  EXPECT_EQ(nextToken(s), "c");
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(nextToken(s), "");
  EXPECT_TRUE(isToken("RTP/AVP"));
  EXPECT_FALSE(isToken(""));
  EXPECT_FALSE(isToken("a b"));
  EXPECT_FALSE(isToken("a\r\n"));
}

TEST(Values, Attribute) {
  auto a = parseAttribute("rtpmap:0 PCMU/8000");
  EXPECT_EQ(a.name, "rtpmap");
  EXPECT_EQ(a.value, "0 PCMU/8000");
  EXPECT_TRUE(a.hasValue);
  auto p = parseAttribute("rtcp-mux");
  EXPECT_EQ(p.name, "rtcp-mux");
  EXPECT_FALSE(p.hasValue);
  auto e = parseAttribute("x:");
  EXPECT_TRUE(e.hasValue);
  EXPECT_EQ(e.value, "");
  // Only the first ':' splits (values such as fingerprints hold more).
  EXPECT_EQ(parseAttribute("fingerprint:sha-1 AA:BB").value, "sha-1 AA:BB");
}

TEST(Values, Origin) {
  auto o = parseOrigin("- 4611731400430051336 2 IN IP4 127.0.0.1");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->username, "-");
  EXPECT_EQ(o->sessionId, "4611731400430051336");
  EXPECT_EQ(o->version(), 2u);
  EXPECT_EQ(o->addrType, "IP4");
  EXPECT_EQ(o->address, "127.0.0.1");
  // A session id beyond 64 bits is tolerated; a version beyond reads as no number.
  auto big = parseOrigin("u 123456789012345678901234 123456789012345678901234 IN IP6 ::1");
  ASSERT_TRUE(big);
  EXPECT_FALSE(big->version());
  EXPECT_FALSE(parseOrigin("- 1 1 IN IP4"));
  EXPECT_FALSE(parseOrigin("- 1 1 IN IP4 1.2.3.4 extra"));
  EXPECT_FALSE(parseOrigin("- x 1 IN IP4 1.2.3.4"));
  EXPECT_FALSE(parseOrigin("- 1 -1 IN IP4 1.2.3.4"));
  std::string out;
  appendOrigin(out, *o);
  EXPECT_EQ(out, "- 4611731400430051336 2 IN IP4 127.0.0.1");
}

TEST(Values, Connection) {
  auto c = parseConnection("IN IP4 192.0.2.1");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->isIp4());
  EXPECT_FALSE(c->isNullAddress());
  auto v6 = parseConnection("IN IP6 2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->isIp6());
  EXPECT_EQ(v6->address, "2001:db8::1");
  auto mc = parseConnection("IN IP4 233.252.0.1/127/3");
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->address, "233.252.0.1");
  EXPECT_EQ(mc->suffix, "/127/3");
  EXPECT_TRUE(parseConnection("IN IP4 0.0.0.0")->isNullAddress());
  EXPECT_TRUE(parseConnection("IN IP6 ::")->isNullAddress());
  EXPECT_FALSE(parseConnection("IN IP6 0.0.0.0")->isNullAddress());
  EXPECT_FALSE(parseConnection("IN IP4"));
  EXPECT_FALSE(parseConnection("IN IP4 /127"));
  EXPECT_FALSE(parseConnection("IN IP4 1.2.3.4 5"));
}

TEST(Values, MediaLine) {
  auto m = parseMediaLine("audio 49170 RTP/AVP 0 8 101");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->media, "audio");
  EXPECT_EQ(m->port, 49170);
  EXPECT_EQ(m->portCount, 0);
  EXPECT_EQ(m->proto, "RTP/AVP");
  ASSERT_EQ(m->formats.size(), 3u);
  EXPECT_EQ(m->formats[2], "101");
  auto pc = parseMediaLine("video 51372/2 RTP/AVP 99");
  ASSERT_TRUE(pc);
  EXPECT_EQ(pc->portCount, 2);
  EXPECT_TRUE(parseMediaLine("video 0 RTP/AVP"));  // rejected, no formats: tolerated
  EXPECT_FALSE(parseMediaLine("video 5000 RTP/AVP"));
  EXPECT_FALSE(parseMediaLine("audio 65536 RTP/AVP 0"));
  EXPECT_FALSE(parseMediaLine("audio -1 RTP/AVP 0"));
  EXPECT_FALSE(parseMediaLine("audio 5000/0 RTP/AVP 0"));
  EXPECT_FALSE(parseMediaLine("audio x RTP/AVP 0"));
  EXPECT_FALSE(parseMediaLine("audio 4000 RTP/AVP 0 8", 1));
  std::string out;
  appendMediaLine(out, *pc);
  EXPECT_EQ(out, "video 51372/2 RTP/AVP 99");
  EXPECT_TRUE(isRtpProto("UDP/TLS/RTP/SAVPF"));
  EXPECT_TRUE(isSecureRtpProto("RTP/SAVP"));
  EXPECT_FALSE(isSecureRtpProto("RTP/AVP"));
  EXPECT_FALSE(isRtpProto("udptl"));
}

TEST(Values, RtpMapAndFmtp) {
  auto r = parseRtpMap("111 opus/48000/2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payloadType, 111);
  EXPECT_EQ(r->name, "opus");
  EXPECT_EQ(r->clockRate, 48000u);
  EXPECT_EQ(r->channels, 2);
  EXPECT_EQ(parseRtpMap("0 PCMU/8000")->channels, 1);
  EXPECT_FALSE(parseRtpMap("128 x/8000"));
  EXPECT_FALSE(parseRtpMap("96 /8000"));
  EXPECT_FALSE(parseRtpMap("96 H264"));
  EXPECT_FALSE(parseRtpMap("96 H264/0"));
  EXPECT_FALSE(parseRtpMap("96 H264/x"));
  EXPECT_FALSE(parseRtpMap("96 opus/48000/"));
  auto f = parseFmtp("101 0-16");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->format, "101");
  EXPECT_EQ(f->params, "0-16");
  EXPECT_EQ(formatOfAttribute(parseAttribute("rtcp-fb:* nack")), "*");
  EXPECT_EQ(formatOfAttribute(parseAttribute("fmtp:18 annexb=no")), "18");
  EXPECT_EQ(formatOfAttribute(parseAttribute("ptime:20")), "");
}

TEST(Values, Rtcp) {
  auto r = parseRtcp("53020");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->port, 53020);
  EXPECT_TRUE(r->address.empty());
  auto a = parseRtcp("53020 IN IP6 2001:db8::1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->addrType, "IP6");
  EXPECT_EQ(a->address, "2001:db8::1");
  EXPECT_FALSE(parseRtcp("70000"));
  EXPECT_FALSE(parseRtcp("5000 IN IP4"));
  std::string out;
  appendRtcp(out, 9, "IP4", "0.0.0.0");
  EXPECT_EQ(out, "9 IN IP4 0.0.0.0");
}

TEST(Values, Crypto) {
  auto c = parseCrypto(
      "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4 "
      "KDR=1 UNENCRYPTED_SRTCP");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tag, 1u);
  EXPECT_EQ(c->suite, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(c->sessionParams, "KDR=1 UNENCRYPTED_SRTCP");
  auto k = parseCryptoKey(c->keyParams);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->method, "inline");
  EXPECT_EQ(k->keySalt, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
  EXPECT_EQ(k->lifetime, "2^20");
  EXPECT_EQ(k->mki, "1:4");
  auto noLifetime = parseCryptoKey("inline:abc|1:4;inline:def");
  ASSERT_TRUE(noLifetime);
  EXPECT_EQ(noLifetime->keySalt, "abc");
  EXPECT_EQ(noLifetime->lifetime, "");
  EXPECT_EQ(noLifetime->mki, "1:4");
  EXPECT_FALSE(parseCryptoKey("inline:"));
  EXPECT_FALSE(parseCryptoKey("nokey"));
  EXPECT_FALSE(parseCrypto("1234567890 AES_CM_128_HMAC_SHA1_80 inline:x"));  // tag > 9 digits
  EXPECT_FALSE(parseCrypto("1 AES_CM_128_HMAC_SHA1_80"));
  EXPECT_FALSE(parseCrypto("x AES_CM_128_HMAC_SHA1_80 inline:x"));
  std::string out;
  appendCrypto(out, *c);
  EXPECT_EQ(out,
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4 "
            "KDR=1 UNENCRYPTED_SRTCP");
}

TEST(Values, CandidateAndIce) {
  auto c = parseCandidate(
      "842163049 1 udp 1686052607 198.51.100.77 49203 typ srflx raddr 10.0.0.1 rport 9");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->component, 1);
  EXPECT_EQ(c->priority, 1686052607u);
  EXPECT_EQ(c->port, 49203);
  EXPECT_EQ(c->type, "srflx");
  EXPECT_EQ(c->extensions, "raddr 10.0.0.1 rport 9");
  EXPECT_FALSE(parseCandidate("1 1 udp 1 1.2.3.4 5 host"));  // no "typ"
  EXPECT_FALSE(parseCandidate("1 0 udp 1 1.2.3.4 5 typ host"));
  EXPECT_FALSE(parseCandidate("1 1 udp 1 1.2.3.4 70000 typ host"));
  EXPECT_TRUE(isIceAttribute("ice-ufrag"));
  EXPECT_TRUE(isIceAttribute("end-of-candidates"));
  EXPECT_FALSE(isIceAttribute("rtcp-mux"));
}

TEST(Values, DirectionDtlsBandwidth) {
  EXPECT_EQ(directionFromName("inactive"), Direction::Inactive);
  EXPECT_FALSE(directionFromName("sendrecv:"));
  EXPECT_EQ(directionName(Direction::RecvOnly), "recvonly");
  EXPECT_EQ(reversed(Direction::SendOnly), Direction::RecvOnly);
  EXPECT_TRUE(sends(Direction::SendOnly));
  EXPECT_FALSE(receives(Direction::SendOnly));
  EXPECT_EQ(parseSetup("actpass"), Setup::ActPass);
  EXPECT_FALSE(parseSetup("sometimes"));
  auto f = parseFingerprint("sha-256 AB:CD");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->value, "AB:CD");
  auto b = parseBandwidth("AS:64");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->type, "AS");
  EXPECT_EQ(b->value, 64u);
  EXPECT_FALSE(parseBandwidth(":64"));
  EXPECT_FALSE(parseBandwidth("AS:"));
}

TEST(Codecs, StaticPayloadTypes) {
  EXPECT_EQ(staticPayloadType(0)->name, "PCMU");
  EXPECT_EQ(staticPayloadType(8)->name, "PCMA");
  EXPECT_EQ(staticPayloadType(9)->clockRate, 8000u);  // G.722's RTP clock (RFC 3551 §4.5.2)
  EXPECT_EQ(staticPayloadType(18)->name, "G729");
  EXPECT_EQ(staticPayloadType(3)->name, "GSM");
  EXPECT_EQ(staticPayloadType(4)->name, "G723");
  EXPECT_EQ(staticPayloadType(13)->name, "CN");
  EXPECT_EQ(staticPayloadType(10)->channels, 2);
  EXPECT_EQ(staticPayloadType(34)->clockRate, 90000u);
  EXPECT_FALSE(staticPayloadType(2));
  EXPECT_FALSE(staticPayloadType(19));
  EXPECT_FALSE(staticPayloadType(96));
}

TEST(Codecs, Matching) {
  Codec opus{"111", 111, "opus", 48000, 2, ""};
  EXPECT_TRUE(codecMatches(opus, "OPUS"));
  EXPECT_TRUE(codecMatches(opus, "opus/48000"));
  EXPECT_TRUE(codecMatches(opus, "opus/48000/2"));
  EXPECT_FALSE(codecMatches(opus, "opus/48000/1"));
  EXPECT_FALSE(codecMatches(opus, "opus/16000"));
  EXPECT_FALSE(codecMatches(opus, "opu"));
  EXPECT_FALSE(codecMatches(opus, "opus/"));
  Codec unknown{"96", 96, "", 0, 1, ""};
  EXPECT_FALSE(codecMatches(unknown, ""));
}

}  // namespace
}  // namespace trunkline::sdp
