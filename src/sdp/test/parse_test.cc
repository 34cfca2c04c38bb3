// Parser: accepted shapes, byte-exact serialization, limits, and errors naming the line.
#include <gtest/gtest.h>

#include "sdp/codecs.h"
#include "test_util.h"

namespace trunkline::sdp {
namespace {

using test::crlf;

const char* const kOffer =
    "v=0\n"
    "o=alice 2890844526 2890844527 IN IP4 192.0.2.1\n"
    "s=-\n"
    "c=IN IP4 192.0.2.1\n"
    "t=0 0\n"
    "a=sendonly\n"
    "m=audio 49170 RTP/AVP 0 8 97 101\n"
    "a=rtpmap:97 iLBC/8000\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-15\n"
    "a=ptime:20\n"
    "a=silenceSupp:off - - - -\n"
    "a=recvonly\n"
    "m=video 51372 RTP/AVP 31 96\n"
    "c=IN IP6 2001:db8::2\n"
    "b=AS:512\n"
    "a=rtpmap:96 H264/90000\n"
    "a=mid:v1\n";

std::string errorOf(std::string_view text, const ParseLimits& limits = {}) {
  auto d = SessionDescription::parse(text, limits);
  if (d) return "parsed";
  return d.error().message;
}

TEST(Parse, ModelOfATypicalOffer) {
  const std::string text = crlf(kOffer);
  auto d = SessionDescription::parse(text);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->serialize(), text);
  EXPECT_EQ(d->sessionLines().size(), 6u);
  EXPECT_EQ(d->origin().username, "alice");
  EXPECT_EQ(d->origin().version(), 2890844527u);
  EXPECT_EQ(d->sessionConnection()->address, "192.0.2.1");
  ASSERT_EQ(d->mediaCount(), 2u);

  const MediaSection& audio = d->media(0);
  EXPECT_EQ(audio.media(), "audio");
  EXPECT_EQ(audio.port(), 49170);
  EXPECT_EQ(audio.formats().size(), 4u);
  EXPECT_FALSE(audio.connection());
  EXPECT_EQ(d->connectionFor(0)->address, "192.0.2.1");  // inherited from the session
  EXPECT_EQ(audio.ptime(), 20u);
  EXPECT_FALSE(audio.maxptime());
  EXPECT_EQ(audio.attribute("silenceSupp"), "off - - - -");
  EXPECT_EQ(audio.fmtp("101"), "0-15");
  EXPECT_FALSE(audio.fmtp("0"));
  EXPECT_EQ(audio.rtpmap("97")->name, "iLBC");
  EXPECT_FALSE(audio.rtpmap("0"));  // no rtpmap line: codecsOf() uses the static table
  // Media level overrides session level (RFC 3264 §5.1); otherwise the session's applies.
  EXPECT_EQ(d->sessionDirection(), Direction::SendOnly);
  EXPECT_EQ(d->directionFor(0), Direction::RecvOnly);
  EXPECT_EQ(d->directionFor(1), Direction::SendOnly);

  auto codecs = codecsOf(audio);
  ASSERT_EQ(codecs.size(), 4u);
  EXPECT_EQ(codecs[0].name, "PCMU");
  EXPECT_EQ(codecs[1].name, "PCMA");
  EXPECT_EQ(codecs[2].name, "iLBC");
  EXPECT_EQ(codecs[3].fmtp, "0-15");

  const MediaSection& video = d->media(1);
  EXPECT_TRUE(video.connection()->isIp6());
  EXPECT_EQ(d->connectionFor(1)->address, "2001:db8::2");
  EXPECT_EQ(video.mid(), "v1");
  ASSERT_EQ(video.bandwidths().size(), 1u);
  EXPECT_EQ(video.bandwidths()[0].value, 512u);
  auto vcodecs = codecsOf(video);
  ASSERT_EQ(vcodecs.size(), 2u);
  EXPECT_EQ(vcodecs[0].name, "H261");
  EXPECT_EQ(vcodecs[0].clockRate, 90000u);
}

TEST(Parse, LineEndings) {
  const std::string canonical = crlf(kOffer);
  // LF only.
  auto lf = SessionDescription::parse(kOffer);
  ASSERT_TRUE(lf);
  EXPECT_EQ(lf->serialize(), canonical);
  // No line end on the last line; a trailing empty line; mixed endings.
  std::string noFinal = canonical.substr(0, canonical.size() - 2);
  EXPECT_EQ(SessionDescription::parse(noFinal)->serialize(), canonical);
  EXPECT_EQ(SessionDescription::parseOwned(canonical + "\r\n")->serialize(), canonical);
  std::string mixed = canonical;
  mixed.erase(mixed.find("\r\n"), 1);
  EXPECT_EQ(SessionDescription::parse(mixed)->serialize(), canonical);
}

TEST(Parse, UnknownLinesAndOrderAreKept) {
  const std::string text = crlf(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=x\nx=vendor thing\nt=0 0\na=zzz:1\na=aaa\n"
      "m=audio 4000 RTP/AVP 0\nq=what\na=b\na=a\nc=IN IP4 192.0.2.1\n");
  auto d = SessionDescription::parse(text);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->serialize(), text);
  EXPECT_EQ(d->media(0).lines().size(), 4u);
  EXPECT_EQ(d->media(0).lines()[0].type, 'q');
  // A c= after the attributes is out of RFC order but still found.
  EXPECT_EQ(d->media(0).connection()->address, "192.0.2.1");
}

TEST(Parse, ToleratedVariants) {
  // No s= and no t= (seen from small embedded stacks), empty s=, rejected stream without
  // formats, a value with trailing spaces (kept verbatim).
  for (const char* body : {"v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio 4000 RTP/AVP 0\n",
                           "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=\nt=0 0\n",
                           "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nm=video 0 RTP/AVP\n",
                           "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=- \na=tool:x  \n",
                           "v=0\r\n\r\no=- 1 1 IN IP4 1.2.3.4\r\n \r\n"}) {
    SCOPED_TRACE(body);
    auto d = SessionDescription::parse(body);
    ASSERT_TRUE(d) << d.error().message;
    auto again = SessionDescription::parseOwned(d->serialize());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->serialize(), d->serialize());
  }
  auto trailing = SessionDescription::parse("v=0\no=- 1 1 IN IP4 1.2.3.4\ns=- \n");
  EXPECT_EQ(trailing->sessionName(), "- ");
}

TEST(Parse, ErrorsNameTheLineAndTheReason) {
  EXPECT_EQ(errorOf(""), "SDP line 1: empty body (no v=0)");
  EXPECT_EQ(errorOf("\r\n\r\n"), "SDP line 3: empty body (no v=0)");
  EXPECT_EQ(errorOf("o=- 1 1 IN IP4 1.2.3.4\r\n"), "SDP line 1: the first line must be v=0");
  EXPECT_EQ(errorOf("v=1\r\n"), "SDP line 1: the first line must be v=0");
  EXPECT_EQ(errorOf("v=0\r\ns=x\r\n"), "SDP line 3: no o= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4\r\n"), "SDP line 2: malformed o= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\no=- 1 1 IN IP4 a\r\n"),
            "SDP line 3: a second o= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nv=0\r\n"), "SDP line 3: a second v= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nc=IN IP4\r\n"), "SDP line 3: malformed c= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 99999 RTP/AVP 0\r\n"),
            "SDP line 3: malformed m= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 5 RTP/AVP\r\n"),
            "SDP line 3: malformed m= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 5 RTP/AVP 0\r\nc=IN IP4 1.2.3.4 x\r\n"),
            "SDP line 4: malformed c= line");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nm=audio 5 RTP/AVP 0\r\no=- 1 1 IN IP4 a\r\n"),
            "SDP line 4: o= inside a media description");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nhello\r\n"),
            "SDP line 3: not of the form <type>=<value>");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\nA=x\r\n"),
            "SDP line 3: not of the form <type>=<value>");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\na =x\r\n"),
            "SDP line 3: not of the form <type>=<value>");
  EXPECT_EQ(errorOf(std::string("v=0\r\no=- 1 1 IN IP4 a\r\na=x\0y\r\n", 29)),
            "SDP line 3: NUL or CR inside a value");
  EXPECT_EQ(errorOf("v=0\r\no=- 1 1 IN IP4 a\r\na=x\ry\r\n"),
            "SDP line 3: NUL or CR inside a value");
}

TEST(Parse, Limits) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 a\r\n";
  ParseLimits small;
  small.maxBytes = 100;
  EXPECT_EQ(errorOf(head + std::string(100, 'x'), small), "SDP body of 123 bytes exceeds 100");
  small = {};
  small.maxLineLength = 10;
  EXPECT_EQ(errorOf(head, small), "SDP line 2: longer than 10 bytes");
  small = {};
  small.maxLines = 3;
  EXPECT_EQ(errorOf(head + "s=a\r\nt=0 0\r\n", small), "SDP line 4: more than 3 lines");
  small = {};
  small.maxMediaSections = 2;
  std::string three = head;
  for (int i = 0; i < 3; ++i) three += "m=audio 4000 RTP/AVP 0\r\n";
  EXPECT_EQ(errorOf(three, small), "SDP line 5: more than 2 media descriptions");
  small = {};
  small.maxFormatsPerMedia = 2;
  EXPECT_EQ(errorOf(head + "m=audio 4000 RTP/AVP 0 8 9\r\n", small),
            "SDP line 3: malformed m= line");
  // The defaults hold a large WebRTC-sized body but not a flood.
  std::string big = head;
  for (int i = 0; i < 2100; ++i) big += "a=x\r\n";
  EXPECT_NE(errorOf(big), "parsed");
  EXPECT_NE(errorOf(head + "a=" + std::string(5000, 'y') + "\r\n"), "parsed");
  EXPECT_NE(errorOf(std::string(70 * 1024, '\n')), "parsed");
}

TEST(Parse, OwnedAndBorrowedLifetimes) {
  std::string text = crlf(kOffer);
  auto owned = SessionDescription::parseOwned(text);
  ASSERT_TRUE(owned);
  const std::string expected = text;
  // The owned description does not look at the caller's buffer any more.
  std::fill(text.begin(), text.end(), 'Z');
  text.clear();
  text.shrink_to_fit();
  EXPECT_EQ(owned->serialize(), expected);
  // Views survive a move of the description (arena blocks and vectors move, not copy).
  owned->setPort(0, 1234);
  SessionDescription moved = std::move(*owned);
  EXPECT_NE(moved.serialize().find("m=audio 1234 RTP/AVP 0 8 97 101\r\n"), std::string::npos);
  SessionDescription clone = moved.clone();
  moved.setPort(0, 999);
  EXPECT_NE(clone.serialize().find("m=audio 1234 "), std::string::npos);
  EXPECT_EQ(clone.media(0).port(), 1234);
}

TEST(Parse, MalformedAttributesReadAsAbsent) {
  auto d = SessionDescription::parseOwned(
      crlf("v=0\no=- 1 1 IN IP4 a\nm=audio 4000 RTP/AVP 96 97\na=rtpmap:96 opus\n"
           "a=rtcp:notaport\na=ptime:abc\na=crypto:1 ONLY_SUITE\na=candidate:garbage\n"
           "a=setup:sideways\na=fingerprint:onlyhash\n"));
  ASSERT_TRUE(d) << d.error().message;
  const MediaSection& m = d->media(0);
  EXPECT_FALSE(m.rtpmap("96"));
  EXPECT_FALSE(m.rtcp());
  EXPECT_FALSE(m.ptime());
  EXPECT_TRUE(m.cryptos().empty());
  EXPECT_TRUE(m.candidates().empty());
  EXPECT_TRUE(m.hasIce());  // the attribute is there, even if its value is broken
  EXPECT_FALSE(m.setup());
  EXPECT_FALSE(m.fingerprint());
  auto codecs = codecsOf(m);
  ASSERT_EQ(codecs.size(), 2u);
  EXPECT_FALSE(codecs[0].known());
  EXPECT_FALSE(codecs[1].known());
}

TEST(Parse, DirectionAndHoldForms) {
  auto d = SessionDescription::parseOwned(
      crlf("v=0\no=- 1 1 IN IP4 a\nc=IN IP4 0.0.0.0\na=inactive\n"
           "m=audio 4000 RTP/AVP 0\na=sendrecv\n"
           "m=audio 4002 RTP/AVP 0\n"
           "m=audio 4004 RTP/AVP 0\nc=IN IP4 192.0.2.9\na=sendonly\na=recvonly\n"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->directionFor(0), Direction::SendRecv);
  EXPECT_EQ(d->directionFor(1), Direction::Inactive);
  EXPECT_EQ(d->directionFor(2), Direction::RecvOnly);  // the last one wins
  EXPECT_TRUE(d->connectionFor(0)->isNullAddress());
  EXPECT_FALSE(d->connectionFor(2)->isNullAddress());
}

}  // namespace
}  // namespace trunkline::sdp
