// The B2BUA rewrite beyond the golden cases: codec filter corner cases, rejection
// reporting, plan validation, and the OriginKeeper's version rule (RFC 3264 §8).
#include <gtest/gtest.h>

#include "sdp/codecs.h"
#include "sdp/origin.h"
#include "sdp/rewrite.h"
#include "test_util.h"

namespace trunkline::sdp {
namespace {

using test::crlf;
using test::mustParse;

std::string formatsOf(const SessionDescription& d, std::size_t i) {
  std::string out;
  for (std::string_view f : d.media(i).formats()) {
    if (!out.empty()) out += ' ';
    out += f;
  }
  return out;
}

TEST(CodecFilter, PreferenceTelephoneEventAndConsistency) {
  auto d =
      mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nc=IN IP4 192.0.2.1\n"
                     "m=audio 4000 RTP/AVP 96 0 97 98 8 101 100\n"
                     "a=rtpmap:96 opus/48000/2\na=fmtp:96 useinbandfec=1\na=rtcp-fb:96 nack\n"
                     "a=rtpmap:97 AMR-WB/16000\na=rtpmap:98 AMR-WB/16000\na=fmtp:98 octet-align=1\n"
                     "a=rtpmap:101 telephone-event/8000\na=rtpmap:100 telephone-event/16000\n"
                     "a=rtcp-fb:* ccm fir\n"));
  CodecFilter f{"audio", {"AMR-WB", "PCMU"}, true};
  EXPECT_TRUE(filterCodecs(d, 0, f));
  // Both AMR-WB entries (received order), then PCMU; telephone-event at 16000 goes with
  // AMR-WB and at 8000 with PCMU, so both stay, in received order.
  EXPECT_EQ(formatsOf(d, 0), "97 98 0 101 100");
  EXPECT_FALSE(d.media(0).rtpmap("96"));
  EXPECT_FALSE(d.media(0).fmtp("96"));
  EXPECT_EQ(d.media(0).fmtp("98"), "octet-align=1");
  EXPECT_TRUE(d.media(0).rtpmap("101"));
  EXPECT_TRUE(d.media(0).rtpmap("100"));
  // Without PCMU only the 16 kHz events remain.
  auto wide = mustParse(d.serialize());
  EXPECT_TRUE(filterCodecs(wide, 0, CodecFilter{"audio", {"AMR-WB"}, true}));
  EXPECT_EQ(formatsOf(wide, 0), "97 98 100");
  EXPECT_FALSE(wide.media(0).rtpmap("101"));
  const std::string out = d.serialize();
  EXPECT_EQ(out.find("rtcp-fb:96"), std::string::npos);
  EXPECT_NE(out.find("a=rtcp-fb:* ccm fir"), std::string::npos);
  // Every remaining rtpmap/fmtp names a format of the m= line.
  for (const Line& l : d.media(0).lines()) {
    auto fmt = formatOfAttribute(parseAttribute(l.value));
    if (fmt.empty() || fmt == "*") continue;
    const auto& fs = d.media(0).formats();
    EXPECT_NE(std::find(fs.begin(), fs.end(), fmt), fs.end()) << l.value;
  }
}

TEST(CodecFilter, TelephoneEventOptionsAndOtherMedia) {
  const std::string text = crlf(
      "v=0\no=- 1 1 IN IP4 a\nc=IN IP4 192.0.2.1\n"
      "m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/48000\n"
      "m=video 4002 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
      "m=image 4004 udptl t38\n");
  {
    // No telephone-event clock matches PCMU's 8000: keep them all rather than lose DTMF.
    auto d = mustParse(text);
    EXPECT_TRUE(filterCodecs(d, 0, CodecFilter{"audio", {"PCMU"}, true}));
    EXPECT_EQ(formatsOf(d, 0), "0 101");
    // Another media type's filter and non-RTP streams are left alone.
    EXPECT_TRUE(filterCodecs(d, 1, CodecFilter{"audio", {"PCMU"}, true}));
    EXPECT_EQ(formatsOf(d, 1), "96");
    EXPECT_TRUE(filterCodecs(d, 2, CodecFilter{"image", {"PCMU"}, true}));
    EXPECT_EQ(formatsOf(d, 2), "t38");
  }
  {
    auto d = mustParse(text);
    EXPECT_TRUE(filterCodecs(d, 0, CodecFilter{"audio", {"PCMU"}, false}));
    EXPECT_EQ(formatsOf(d, 0), "0");
    EXPECT_FALSE(d.media(0).rtpmap("101"));
  }
  {
    // telephone-event and CN alone are not a codec.
    auto d = mustParse(text);
    EXPECT_FALSE(filterCodecs(d, 0, CodecFilter{"audio", {"telephone-event", "CN"}, true}));
    EXPECT_TRUE(d.media(0).rejected());
    EXPECT_EQ(formatsOf(d, 0), "0 101");
  }
  {
    // An empty allow-list keeps everything.
    auto d = mustParse(text);
    EXPECT_TRUE(filterCodecs(d, 0, CodecFilter{"audio", {}, true}));
    EXPECT_EQ(d.serialize(), text);
  }
}

TEST(Rewrite, ReportsAndRejections) {
  const std::string text = crlf(
      "v=0\no=- 1 1 IN IP4 a\nc=IN IP4 192.0.2.1\n"
      "m=audio 4000 RTP/AVP 9\n"
      "m=video 4002 RTP/AVP 96\na=rtpmap:96 H264/90000\na=rtcp:4003\n"
      "m=audio 0 RTP/AVP 0\n");
  RewritePlan plan;
  plan.address = "203.0.113.1";
  plan.codecs = {CodecFilter{"audio", {"PCMA"}, true}};
  plan.streams.resize(2);
  plan.streams[0].port = 5000;
  plan.streams[1].port = 5002;
  plan.streams[1].reject = true;
  auto d = mustParse(text);
  auto r = rewrite(d, plan);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->streams.size(), 3u);
  EXPECT_TRUE(r->streams[0].noAcceptableCodec);
  EXPECT_TRUE(r->streams[0].rejected);
  EXPECT_FALSE(r->streams[0].wasRejected);
  EXPECT_TRUE(r->streams[1].rejected);
  EXPECT_FALSE(r->streams[1].noAcceptableCodec);
  EXPECT_TRUE(r->streams[2].wasRejected);
  EXPECT_EQ(r->activeStreams, 0u);
  EXPECT_TRUE(r->notAcceptable());
  EXPECT_EQ(d.mediaCount(), 3u);
  EXPECT_EQ(d.media(0).port(), 0);
  EXPECT_EQ(d.media(1).port(), 0);
  EXPECT_FALSE(d.media(1).rtcp());  // the peer's RTCP port does not leak on a rejected stream

  // All streams rejected on input but none for codecs: not our 488 to send.
  auto allRejected = mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nm=audio 0 RTP/AVP 0\n"));
  auto r2 = rewrite(allRejected, RewritePlan{});
  ASSERT_TRUE(r2);
  EXPECT_FALSE(r2->notAcceptable());
}

TEST(Rewrite, InvalidPlansChangeNothing) {
  const std::string text =
      crlf("v=0\no=- 1 1 IN IP4 a\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\n");
  auto refused = [&](const RewritePlan& plan) {
    auto d = mustParse(text);
    auto r = rewrite(d, plan);
    EXPECT_EQ(d.serialize(), text);
    return !r && r.error().code == base::Errc::InvalidArgument;
  };
  RewritePlan p;
  p.address = "203.0.113.1 x";
  EXPECT_TRUE(refused(p));
  p = {};
  p.streams.resize(2);
  EXPECT_TRUE(refused(p));
  p = {};
  p.streams.resize(1);
  p.streams[0].proto = "";
  EXPECT_TRUE(refused(p));
  p = {};
  p.streams.resize(1);
  p.streams[0].cryptos = std::vector<CryptoSpec>{{1, "SUITE", "inline:a b", ""}};
  EXPECT_TRUE(refused(p));
  p = {};
  p.streams.resize(1);
  p.streams[0].cryptos = std::vector<CryptoSpec>{{1, "SUITE", "inline:ab", "x\r\ny"}};
  EXPECT_TRUE(refused(p));
  p = {};
  p.streams.resize(1);
  p.streams[0].rtcp = RtcpAction::Set;
  p.streams[0].rtcpAddress = true;  // but no address anywhere
  EXPECT_TRUE(refused(p));
  p = {};
  p.removeAttributes = {"two words"};
  EXPECT_TRUE(refused(p));
}

TEST(Rewrite, PerStreamAddressOverridesThePlanAddress) {
  auto d =
      mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nc=IN IP4 192.0.2.1\n"
                     "m=audio 4000 RTP/AVP 0\nm=video 4002 RTP/AVP 31\n"));
  RewritePlan plan;
  plan.address = "203.0.113.1";
  plan.streams.resize(2);
  plan.streams[1].address = "203.0.113.2";
  ASSERT_TRUE(rewrite(d, plan));
  EXPECT_EQ(d.connectionFor(0)->address, "203.0.113.1");
  EXPECT_EQ(d.connectionFor(1)->address, "203.0.113.2");
  EXPECT_FALSE(d.media(0).connection());
}

std::string stamped(OriginKeeper& k, std::string_view body) {
  auto d = mustParse(crlf(body));
  k.stamp(d, "IP4", "203.0.113.1");
  return std::string(d.sessionLines()[1].value);
}

TEST(OriginKeeper, VersionGrowsExactlyWhenContentChanges) {
  OriginKeeper k(4242, 10, "trunkline");
  EXPECT_FALSE(k.stamped());
  const char* a = "v=0\no=x 1 1 IN IP4 a\nm=audio 4000 RTP/AVP 0\n";
  const char* b = "v=0\no=x 1 2 IN IP4 b\nm=audio 4000 RTP/AVP 0\na=sendonly\n";
  EXPECT_EQ(stamped(k, a), "trunkline 4242 10 IN IP4 203.0.113.1");
  EXPECT_TRUE(k.stamped());
  // The sender's own o= changes do not count; ours is replaced anyway.
  EXPECT_EQ(stamped(k, "v=0\no=y 9 9 IN IP4 z\nm=audio 4000 RTP/AVP 0\n"),
            "trunkline 4242 10 IN IP4 203.0.113.1");
  EXPECT_EQ(stamped(k, b), "trunkline 4242 11 IN IP4 203.0.113.1");
  EXPECT_EQ(stamped(k, b), "trunkline 4242 11 IN IP4 203.0.113.1");
  EXPECT_EQ(stamped(k, a), "trunkline 4242 12 IN IP4 203.0.113.1");
  EXPECT_EQ(k.version(), 12u);
  // Our own address is part of the content.
  auto d = mustParse(crlf(a));
  k.stamp(d, "IP6", "2001:db8::1");
  EXPECT_EQ(k.version(), 13u);
  EXPECT_EQ(d.origin().address, "2001:db8::1");
  EXPECT_NE(OriginKeeper::contentHash(d, "IP4", "a"), OriginKeeper::contentHash(d, "IP4", "b"));
  // A username that is not a token falls back to "-".
  OriginKeeper bad(1, 1, "two words");
  EXPECT_EQ(stamped(bad, a), "- 1 1 IN IP4 203.0.113.1");
}

}  // namespace
}  // namespace trunkline::sdp
