// The edit functions: placement of new lines (RFC 8866 §5 order), replacement in place,
// validation of what callers pass, and that untouched lines keep their bytes.
#include <gtest/gtest.h>

#include "test_util.h"

namespace trunkline::sdp {
namespace {

using test::crlf;
using test::mustParse;

const char* const kBase =
    "v=0\n"
    "o=- 1 1 IN IP4 192.0.2.1\n"
    "s=-\n"
    "t=0 0\n"
    "a=tool:x\n"
    "m=audio 4000 RTP/AVP 0 8 101\n"
    "i=voice\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\n"
    "a=ptime:20\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:BBBB\n"
    "a=sendrecv\n"
    "a=rtcp:4001\n";

TEST(Edit, ConnectionGoesWhereRfc8866PutsIt) {
  auto d = mustParse(crlf(kBase));
  EXPECT_TRUE(d.setConnection(kSessionLevel, "IP4", "203.0.113.1"));
  EXPECT_TRUE(d.setConnection(0, "IP6", "2001:db8::1"));
  EXPECT_EQ(d.serialize(), crlf("v=0\n"
                                "o=- 1 1 IN IP4 192.0.2.1\n"
                                "s=-\n"
                                "c=IN IP4 203.0.113.1\n"
                                "t=0 0\n"
                                "a=tool:x\n"
                                "m=audio 4000 RTP/AVP 0 8 101\n"
                                "i=voice\n"
                                "c=IN IP6 2001:db8::1\n"
                                "a=rtpmap:101 telephone-event/8000\n"
                                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\n"
                                "a=ptime:20\n"
                                "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:BBBB\n"
                                "a=sendrecv\n"
                                "a=rtcp:4001\n"));
  // Set again: replaced in place, not duplicated.
  EXPECT_TRUE(d.setConnection(kSessionLevel, "IP4", "203.0.113.2"));
  EXPECT_EQ(d.sessionConnection()->address, "203.0.113.2");
  EXPECT_TRUE(d.removeConnection(0));
  EXPECT_FALSE(d.removeConnection(0));
  EXPECT_EQ(d.connectionFor(0)->address, "203.0.113.2");
  // Refused: not a token.
  EXPECT_FALSE(d.setConnection(kSessionLevel, "IP4", "1.2.3.4\r\nm=evil"));
  EXPECT_FALSE(d.setConnection(kSessionLevel, "", "1.2.3.4"));
  EXPECT_EQ(d.sessionConnection()->address, "203.0.113.2");
}

TEST(Edit, MediaLineFields) {
  auto d = mustParse(crlf(kBase));
  d.setPort(0, 5000);
  d.setPortCount(0, 2);
  EXPECT_TRUE(d.setProto(0, "RTP/SAVP"));
  EXPECT_FALSE(d.setProto(0, "RTP AVP"));
  const std::string_view formats[] = {"8", "101"};
  EXPECT_TRUE(d.setFormats(0, formats));
  EXPECT_FALSE(d.setFormats(0, {}));
  EXPECT_EQ(d.media(0).rawMediaLine(), "audio 5000/2 RTP/SAVP 8 101");
  d.setPortCount(0, 0);
  EXPECT_EQ(d.media(0).rawMediaLine(), "audio 5000 RTP/SAVP 8 101");
  // The fields point into the description, not into the temporaries passed in.
  {
    std::string proto = "RTP/AVPF";
    EXPECT_TRUE(d.setProto(0, proto));
    proto.assign(proto.size(), 'X');
  }
  EXPECT_EQ(d.media(0).proto(), "RTP/AVPF");
  // A rejected stream written without formats cannot be reopened.
  auto r = mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nm=video 0 RTP/AVP\n"));
  r.setPort(0, 4000);
  EXPECT_TRUE(r.media(0).rejected());
}

TEST(Edit, AttributesInPlace) {
  auto d = mustParse(crlf(kBase));
  d.setDirection(0, Direction::Inactive);
  d.setRtcp(0, 6001, "IP4", "203.0.113.1");
  const Crypto ours[] = {{7, "AES_CM_128_HMAC_SHA1_80", "inline:CCCC", "UNENCRYPTED_SRTCP"}};
  d.setCryptos(0, ours);
  EXPECT_TRUE(d.setAttribute(0, "ptime", "30"));
  EXPECT_TRUE(d.addAttribute(0, "rtcp-mux"));
  EXPECT_TRUE(d.addAttribute(kSessionLevel, "ice-lite"));
  EXPECT_EQ(d.serialize(), crlf("v=0\n"
                                "o=- 1 1 IN IP4 192.0.2.1\n"
                                "s=-\n"
                                "t=0 0\n"
                                "a=tool:x\n"
                                "a=ice-lite\n"
                                "m=audio 4000 RTP/AVP 0 8 101\n"
                                "i=voice\n"
                                "a=rtpmap:101 telephone-event/8000\n"
                                "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:CCCC UNENCRYPTED_SRTCP\n"
                                "a=ptime:30\n"
                                "a=inactive\n"
                                "a=rtcp:6001 IN IP4 203.0.113.1\n"
                                "a=rtcp-mux\n"));
  EXPECT_FALSE(d.addAttribute(0, "bad name"));
  EXPECT_FALSE(d.addAttribute(0, "x", "line\r\nbreak"));
  EXPECT_FALSE(d.setAttribute(0, "a:b"));
  EXPECT_EQ(d.removeAttributes(0, "rtcp-mux"), 1u);
  d.setDirection(0, std::nullopt);
  d.setRtcp(0, std::nullopt);
  d.setCryptos(0, {});
  EXPECT_FALSE(d.media(0).direction());
  EXPECT_FALSE(d.media(0).rtcp());
  EXPECT_TRUE(d.media(0).cryptos().empty());
  // A direction set where there was none is appended.
  d.setDirection(kSessionLevel, Direction::SendOnly);
  EXPECT_EQ(d.sessionLines().back().value, "sendonly");
  EXPECT_EQ(d.directionFor(0), Direction::SendOnly);
  // removeAttributesIf sees parsed attributes.
  EXPECT_EQ(d.removeAttributesIf(0, [](const Attribute& a) { return a.name == "rtpmap"; }), 1u);
}

TEST(Edit, OriginAndIce) {
  auto d = mustParse(test::readFile(test::testDir() + "/data/roundtrip/webrtc_chrome_offer.sdp"));
  EXPECT_TRUE(d.setOrigin(Origin{"tl", "99", "3", "IN", "IP4", "203.0.113.1"}));
  EXPECT_EQ(d.sessionLines()[1].value, "tl 99 3 IN IP4 203.0.113.1");
  EXPECT_FALSE(d.setOrigin(Origin{"tl", "x", "3", "IN", "IP4", "203.0.113.1"}));
  EXPECT_FALSE(d.setOrigin(Origin{"tl", "1", "3", "IN", "IP4", "a b"}));
  EXPECT_EQ(d.origin().sessionId, "99");
  ASSERT_TRUE(d.media(0).hasIce());
  // 3 candidates + ufrag + pwd + options.
  EXPECT_EQ(d.stripIce(), 6u);
  EXPECT_FALSE(d.media(0).hasIce());
  EXPECT_EQ(d.stripIce(), 0u);
  const std::string out = d.serialize();
  EXPECT_EQ(out.find("candidate"), std::string::npos);
  EXPECT_EQ(out.find("ice-"), std::string::npos);
  EXPECT_NE(out.find("a=fingerprint:sha-256"), std::string::npos);  // DTLS is not ICE
}

}  // namespace
}  // namespace trunkline::sdp
