// RFC 3264 read-out: pairing by index, rejected streams, codecs, directions and holds,
// rtcp-mux and SDES crypto agreement.
#include <gtest/gtest.h>

#include "sdp/offer_answer.h"
#include "test_util.h"

namespace trunkline::sdp {
namespace {

using test::crlf;
using test::mustParse;

const char* const kOffer =
    "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
    "m=audio 4000 RTP/SAVP 96 0 8 101\n"
    "a=rtpmap:96 opus/48000/2\na=fmtp:96 useinbandfec=1\n"
    "a=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n"
    "a=rtcp-mux\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:T0ZGRVJLRVk=|2^31\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:T0ZGRVJLRVky\n"
    "m=video 4002 RTP/AVP 97\na=rtpmap:97 H264/90000\n"
    "m=audio 4004 RTP/AVP 0\n";

TEST(OfferAnswer, NegotiatedStreams) {
  auto offer = mustParse(crlf(kOffer));
  auto answer =
      mustParse(crlf("v=0\no=- 5 5 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.1\nt=0 0\n"
                     "m=audio 6000 RTP/SAVP 8 120 102\n"
                     "a=rtpmap:120 opus/48000/2\na=fmtp:120 stereo=0\n"
                     "a=rtpmap:102 telephone-event/8000\n"
                     "a=rtcp-mux\n"
                     "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:QU5TV0VS\n"
                     "a=recvonly\n"
                     "m=video 0 RTP/AVP 97\n"
                     "m=audio 6004 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"));
  auto n = negotiate(offer, answer);
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_EQ(n->streams.size(), 3u);
  EXPECT_EQ(n->activeStreams(), 2u);

  const StreamAgreement& a = n->streams[0];
  EXPECT_FALSE(a.rejected);
  ASSERT_EQ(a.codecs.size(), 3u);
  EXPECT_EQ(a.codecs[0].name, "PCMA");
  EXPECT_EQ(a.codecs[0].payloadType, 8);
  EXPECT_EQ(a.codecs[1].name, "opus");
  EXPECT_EQ(a.codecs[1].payloadType, 120);      // the answerer's number for it...
  EXPECT_EQ(a.codecs[1].offerPayloadType, 96);  // ...and the offerer's
  EXPECT_EQ(a.codecs[1].channels, 2);
  EXPECT_EQ(a.codecs[1].answerFmtp, "stereo=0");
  EXPECT_EQ(a.codecs[1].offerFmtp, "useinbandfec=1");
  EXPECT_EQ(a.codecs[2].name, "telephone-event");
  EXPECT_EQ(a.codecs[2].offerPayloadType, 101);
  // Answer recvonly: only the offerer sends.
  EXPECT_EQ(a.answerDirection, Direction::RecvOnly);
  EXPECT_TRUE(a.offererSends);
  EXPECT_FALSE(a.answererSends);
  EXPECT_TRUE(a.rtcpMux);
  EXPECT_TRUE(a.secure);
  ASSERT_TRUE(a.crypto);
  EXPECT_EQ(a.crypto->offer.tag, 2u);
  EXPECT_EQ(a.crypto->offer.keyParams, "inline:T0ZGRVJLRVky");
  EXPECT_EQ(a.crypto->answer.keyParams, "inline:QU5TV0VS");

  EXPECT_TRUE(n->streams[1].rejected);
  EXPECT_TRUE(n->streams[1].codecs.empty());
  const StreamAgreement& third = n->streams[2];
  EXPECT_FALSE(third.rtcpMux);  // not offered
  EXPECT_FALSE(third.secure);
  ASSERT_EQ(third.codecs.size(), 1u);
  EXPECT_EQ(third.codecs[0].name, "PCMU");
  EXPECT_TRUE(third.offererSends && third.answererSends);
}

TEST(OfferAnswer, CryptoWithoutAMatchingTag) {
  auto offer = mustParse(crlf(kOffer));
  auto answer =
      mustParse(crlf("v=0\no=- 5 5 IN IP4 b\nc=IN IP4 198.51.100.1\n"
                     "m=audio 6000 RTP/SAVP 0\na=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:QU5TV0VS\n"
                     "m=video 0 RTP/AVP 97\nm=audio 0 RTP/AVP 0\n"));
  auto n = negotiate(offer, answer);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->streams[0].secure);
  EXPECT_FALSE(n->streams[0].crypto);  // the caller fails the call: SRTP without keys
  // Same tag, other suite: no agreement either.
  auto suite =
      mustParse(crlf("v=0\no=- 5 5 IN IP4 b\nc=IN IP4 198.51.100.1\n"
                     "m=audio 6000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:QU5TV0VS\n"
                     "m=video 0 RTP/AVP 97\nm=audio 0 RTP/AVP 0\n"));
  EXPECT_FALSE(negotiate(offer, suite)->streams[0].crypto);
}

TEST(OfferAnswer, MalformedAnswers) {
  auto offer = mustParse(crlf(kOffer));
  auto fewer = mustParse(crlf("v=0\no=- 5 5 IN IP4 b\nm=audio 6000 RTP/AVP 0\n"));
  auto r = negotiate(offer, fewer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "answer has 1 m-lines, the offer 3 (RFC 3264 §6)");
  auto swapped =
      mustParse(crlf("v=0\no=- 5 5 IN IP4 b\nm=video 6000 RTP/AVP 97\n"
                     "m=audio 0 RTP/AVP 0\nm=audio 0 RTP/AVP 0\n"));
  auto s = negotiate(offer, swapped);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "m-line 0: offer has audio, answer video");
  // Accepting a stream the offer declined still counts as rejected.
  auto o2 = mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nm=audio 0 RTP/AVP 0\n"));
  auto a2 = mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 0\n"));
  EXPECT_TRUE(negotiate(o2, a2)->streams[0].rejected);
}

TEST(OfferAnswer, HoldForms) {
  const char* answer = "v=0\no=- 5 5 IN IP4 b\nc=IN IP4 198.51.100.1\nm=audio 6000 RTP/AVP 0\n%s";
  struct Case {
    const char* offerExtra;
    const char* answerExtra;
    HoldState hold;
    bool offererSends;
    bool answererSends;
  };
  const Case cases[] = {
      {"c=IN IP4 192.0.2.1\n", "", HoldState::None, true, true},
      {"c=IN IP4 192.0.2.1\na=sendonly\n", "a=recvonly\n", HoldState::SendOnly, true, false},
      {"c=IN IP4 192.0.2.1\na=inactive\n", "a=inactive\n", HoldState::Inactive, false, false},
      {"c=IN IP4 192.0.2.1\na=recvonly\n", "a=sendonly\n", HoldState::None, false, true},
      // RFC 2543 hold: the offerer asks not to be sent to, whatever the direction says.
      {"c=IN IP4 0.0.0.0\n", "", HoldState::NullAddress, true, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.offerExtra);
    auto o = mustParse(
        crlf(std::string("v=0\no=- 1 1 IN IP4 a\nm=audio 4000 RTP/AVP 0\n") + c.offerExtra));
    std::string a = answer;
    a.replace(a.find("%s"), 2, c.answerExtra);
    auto ans = mustParse(crlf(a));
    EXPECT_EQ(holdState(o, 0), c.hold);
    EXPECT_EQ(isOnHold(o), c.hold != HoldState::None);
    auto n = negotiate(o, ans);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->streams[0].offerHold, c.hold);
    EXPECT_EQ(n->streams[0].offererSends, c.offererSends);
    EXPECT_EQ(n->streams[0].answererSends, c.answererSends);
  }
  // Hold of the whole call means every live stream is held; rejected ones do not count.
  auto mixed =
      mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nc=IN IP4 192.0.2.1\n"
                     "m=audio 4000 RTP/AVP 0\na=sendonly\n"
                     "m=video 4002 RTP/AVP 31\n"
                     "m=video 0 RTP/AVP 31\n"));
  EXPECT_FALSE(isOnHold(mixed));
  mixed.setDirection(1, Direction::Inactive);
  EXPECT_TRUE(isOnHold(mixed));
  auto none = mustParse(crlf("v=0\no=- 1 1 IN IP4 a\nm=audio 0 RTP/AVP 0\n"));
  EXPECT_FALSE(isOnHold(none));
}

}  // namespace
}  // namespace trunkline::sdp
