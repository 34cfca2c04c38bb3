// Never crash on hostile input: every corpus body truncated at every byte and with every
// byte replaced by syntax-laden characters must parse to a description or an error; what
// parses must serialize to a fixed point, survive a rewrite into a valid description with
// the same m-line count, and negotiate against itself.
#include <gtest/gtest.h>

#include "sdp/codecs.h"
#include "sdp/offer_answer.h"
#include "sdp/origin.h"
#include "sdp/rewrite.h"
#include "test_util.h"

namespace trunkline::sdp {
namespace {

const ParseLimits kUnlimited{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};

RewritePlan planFor(const SessionDescription& d, bool variant) {
  RewritePlan p;
  p.address = variant ? "2001:db8::1" : "203.0.113.1";
  p.addrType = variant ? "IP6" : "IP4";
  p.stripIce = variant;
  p.keepNullHold = !variant;
  p.codecs = {CodecFilter{"audio", {"PCMA", "opus"}, true}};
  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    StreamPlan s;
    s.port = static_cast<std::uint16_t>(30000 + 2 * i);
    s.rtcp = variant ? RtcpAction::Remove : RtcpAction::Set;
    s.rtcpPort = static_cast<std::uint16_t>(30001 + 2 * i);
    s.rtcpAddress = !variant;
    s.rtcpMux = variant;
    if (variant)
      s.cryptos = std::vector<CryptoSpec>{{1, "AES_CM_128_HMAC_SHA1_80", "inline:QQ", ""}};
    p.streams.push_back(s);
  }
  return p;
}

std::size_t exercise(std::string_view bytes, bool variant) {
  auto d = SessionDescription::parse(bytes);
  if (!d) {
    EXPECT_EQ(d.error().message.rfind("SDP ", 0), 0u) << d.error().message;
    return 0;
  }
  const std::string once = d->serialize();
  auto again = SessionDescription::parse(once, kUnlimited);
  if (!again) {
    ADD_FAILURE() << "serialized form does not parse: " << again.error().message;
    return 0;
  }
  EXPECT_EQ(again->serialize(), once);
  for (std::size_t i = 0; i < d->mediaCount(); ++i) (void)codecsOf(d->media(i));
  const std::size_t streams = d->mediaCount();
  auto report = rewrite(*d, planFor(*d, variant));
  EXPECT_TRUE(report);
  OriginKeeper keeper(1, 1);
  keeper.stamp(*d, variant ? "IP6" : "IP4", variant ? "2001:db8::1" : "203.0.113.1");
  const std::string out = d->serialize();
  auto parsed = SessionDescription::parse(out, kUnlimited);
  if (!parsed) {
    ADD_FAILURE() << "rewritten form does not parse: " << parsed.error().message << "\n" << out;
    return 0;
  }
  EXPECT_EQ(parsed->mediaCount(), streams);
  auto n = negotiate(*again, *parsed);
  EXPECT_TRUE(n);
  return 1;
}

TEST(Robustness, TruncateAndMutateEveryByte) {
  const char kMutations[] = {'\0', '\r', '\n', ' ', '=', ':', '/', '0', '9', 'm', '\xff'};
  std::vector<std::filesystem::path> files = test::filesIn("golden", ".in.sdp");
  for (const auto& p : test::filesIn("data/roundtrip", ".sdp")) files.push_back(p);
  std::size_t runs = 0;
  std::size_t parsed = 0;
  for (const auto& f : files) {
    const std::string input = test::readFile(f.string());
    for (std::size_t i = 0; i <= input.size(); ++i) {
      parsed += exercise(std::string_view(input).substr(0, i), i % 2 == 0);
      ++runs;
      if (i == input.size()) break;
      std::string mutated = input;
      for (char c : kMutations) {
        mutated[i] = c;
        parsed += exercise(mutated, (i + c) % 2 == 0);
        ++runs;
      }
      std::string deleted = input;
      deleted.erase(i, 1);
      parsed += exercise(deleted, false);
      ++runs;
    }
  }
  EXPECT_GT(runs, 100000u);
  EXPECT_GT(parsed, runs / 4);  // the mutations are not all rejected up front
}

TEST(Robustness, PathologicalInputs) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 a\r\n";
  exercise(std::string(70000, 'A'), false);
  exercise(std::string(60000, '\n'), false);
  exercise(head + std::string(60000, ' '), false);
  std::string manyMedia = head;
  for (int i = 0; i < 64; ++i) manyMedia += "m=audio 4000 RTP/AVP 0 8 101\r\na=rtcp:4001\r\n";
  EXPECT_EQ(exercise(manyMedia, true), 1u);
  std::string manyFormats = head + "m=audio 4000 RTP/AVP";
  for (int i = 0; i < 128; ++i) manyFormats += " " + std::to_string(i);
  EXPECT_EQ(exercise(manyFormats + "\r\n", false), 1u);
  for (std::string_view s :
       {"v=0", "v=0\r\no=", "v=0\no=- 1 1 IN IP4 a\nm=", "v=0\no=- 1 1 IN IP4 a\nm=audio",
        "v=0\no=- 1 1 IN IP4 a\nm=audio 0 RTP/AVP\na=rtpmap:", "v=0\no=- 1 1 IN IP4 a\na=:",
        "v=0\no=- 1 1 IN IP4 a\nm=audio 1 RTP/AVP 0\na=crypto:1 A inline:|||",
        "v=0\no=- 1 1 IN IP4 a\nm=audio 1 RTP/AVP 0\na=rtcp:1 IN IP4 0.0.0.0\na=rtcp:2"})
    exercise(s, true);
}

}  // namespace
}  // namespace trunkline::sdp
