#include "media/codec/codec.h"

#include <gtest/gtest.h>

namespace trunkline::media::codec {
namespace {

TEST(CodecRegistry, FindsByRtpmapNameCaseInsensitively) {
  const CodecInfo* c = findCodec("pcmu", 8000);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, CodecId::Pcmu);
  ASSERT_NE(findCodec("OPUS", 48000), nullptr);
  EXPECT_EQ(findCodec("OPUS", 48000)->id, CodecId::Opus);
  EXPECT_EQ(findCodec("G729", 8000)->id, CodecId::G729);
}

TEST(CodecRegistry, ClockRateMustMatch) {
  EXPECT_EQ(findCodec("PCMU", 16000), nullptr);
  EXPECT_EQ(findCodec("opus", 8000), nullptr);
  EXPECT_EQ(findCodec("G722", 16000), nullptr);  // the rtpmap says 8000, RFC 3551 §4.5.2
  EXPECT_EQ(findCodec("AMR", 8000), nullptr);
}

TEST(CodecRegistry, TelephoneEventAtAnyClock) {
  ASSERT_NE(findCodec("telephone-event", 48000), nullptr);
  EXPECT_EQ(findCodec("telephone-event", 8000)->id, CodecId::TelephoneEvent);
  EXPECT_FALSE(codecInfo(CodecId::TelephoneEvent).audio);
}

TEST(CodecRegistry, G722ClockIsHalfItsSampleRate) {
  const CodecInfo& g = codecInfo(CodecId::G722);
  EXPECT_EQ(g.clockRate, 8000u);
  EXPECT_EQ(g.sampleRate, 16000u);
}

TEST(CodecRegistry, StaticPayloadTypes) {
  EXPECT_EQ(findStaticPt(0)->id, CodecId::Pcmu);
  EXPECT_EQ(findStaticPt(8)->id, CodecId::Pcma);
  EXPECT_EQ(findStaticPt(9)->id, CodecId::G722);
  EXPECT_EQ(findStaticPt(18)->id, CodecId::G729);
  EXPECT_EQ(findStaticPt(3), nullptr);  // GSM: not supported
  EXPECT_EQ(findStaticPt(101), nullptr);
}

TEST(CodecRegistry, InfoIsIndexedById) {
  for (const auto& c : allCodecs()) EXPECT_EQ(&codecInfo(c.id), &c);
}

TEST(CodecRegistry, ValidPtimes) {
  EXPECT_TRUE(isValidPtime(CodecId::Pcmu, 20));
  EXPECT_TRUE(isValidPtime(CodecId::Pcmu, 30));
  EXPECT_FALSE(isValidPtime(CodecId::Pcmu, 25));
  EXPECT_FALSE(isValidPtime(CodecId::Pcmu, 0));
  EXPECT_TRUE(isValidPtime(CodecId::G729, 40));
  EXPECT_TRUE(isValidPtime(CodecId::Opus, 60));
  EXPECT_FALSE(isValidPtime(CodecId::Opus, 30));
  EXPECT_FALSE(isValidPtime(CodecId::TelephoneEvent, 20));
}

TEST(CodecRegistry, ErrorNamesAreDistinct) {
  EXPECT_NE(errcName(PacketErrc::BadLength), errcName(PacketErrc::InvalidPacket));
  EXPECT_EQ(errcName(PacketErrc::UnknownPt), "unexpected payload type");
}

}  // namespace
}  // namespace trunkline::media::codec
