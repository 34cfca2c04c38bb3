// CodecPlan: offers gain the codecs we can transcode to, answers that pick one of them
// become a transcoding decision and are rewritten to the offerer's codec; decisions
// survive re-offers. Pure SDP text in and out.
#include "call/codec_plan.h"

#include <gtest/gtest.h>

#include <string>

#include "sdp/codecs.h"

namespace trunkline::call {
namespace {

using media::codec::CodecId;

std::string sdpWith(const std::string& formats, const std::string& attrs, int port = 4000) {
  return "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) + " RTP/AVP " + formats + "\r\n" + attrs;
}

sdp::SessionDescription parse(const std::string& text) {
  auto d = sdp::SessionDescription::parseOwned(text);
  EXPECT_TRUE(d) << d.error().message;
  return std::move(*d);
}

std::vector<std::string> namesOf(const sdp::SessionDescription& d, std::size_t i = 0) {
  std::vector<std::string> out;
  for (const auto& c : sdp::codecsOf(d.media(i)))
    out.push_back(std::string(c.name) + "/" + std::to_string(c.payloadType));
  return out;
}

TEST(CodecPlan, OfferGetsTranscodableCodecsAppended) {
  CodecPlan plan;
  auto offer = parse(sdpWith("0 101", "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
  plan.onOffer(Leg::Caller, offer);
  // X's own first (its order), then PCMA and G729 on their static types, opus dynamic.
  EXPECT_EQ(namesOf(offer), (std::vector<std::string>{"PCMU/0", "telephone-event/101", "PCMA/8",
                                                      "G729/18", "opus/96"}));
  EXPECT_NE(offer.serialize().find("a=rtpmap:96 opus/48000/2\r\n"), std::string::npos);
}

TEST(CodecPlan, NothingAppendedWhenOffOrNothingDecodable) {
  CodecPlan off(TranscodePolicy{false, {"PCMA"}});
  auto offer = parse(sdpWith("0", ""));
  off.onOffer(Leg::Caller, offer);
  EXPECT_EQ(namesOf(offer), (std::vector<std::string>{"PCMU/0"}));

  CodecPlan on;
  auto gsm = parse(sdpWith("3", ""));  // GSM: we cannot decode it, so cannot transcode
  on.onOffer(Leg::Caller, gsm);
  EXPECT_EQ(namesOf(gsm), (std::vector<std::string>{"GSM/3"}));

  auto video = parse(sdpWith("0", "") + "m=video 5000 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n");
  on.onOffer(Leg::Caller, video);
  EXPECT_EQ(namesOf(video, 1), (std::vector<std::string>{"H264/97"}));
}

TEST(CodecPlan, DynamicTypesAvoidTheOfferersOwn) {
  CodecPlan plan(TranscodePolicy{true, {"opus", "PCMA"}});
  auto offer = parse(sdpWith("8 96 97", "a=rtpmap:96 foo/8000\r\na=rtpmap:97 bar/8000\r\n"));
  plan.onOffer(Leg::Caller, offer);
  // PCMA is offered already; opus takes the first free dynamic type.
  EXPECT_EQ(namesOf(offer), (std::vector<std::string>{"PCMA/8", "foo/96", "bar/97", "opus/98"}));
}

TEST(CodecPlan, SharedCodecMeansNoTranscoding) {
  CodecPlan plan;
  auto offer = parse(sdpWith("0 8", ""));
  plan.onOffer(Leg::Caller, offer);
  auto answer = parse(sdpWith("8", ""));
  const std::string before = answer.serialize();
  auto r = plan.onAnswer(Leg::Callee, answer);
  EXPECT_TRUE(r.changed.empty());
  EXPECT_FALSE(plan.transcode(0));
  EXPECT_EQ(answer.serialize(), before);  // untouched
}

TEST(CodecPlan, AnswerWithAnotherCodecIsTranscodedAndRewritten) {
  CodecPlan plan;
  auto offer = parse(sdpWith("0 101",
                             "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
                             "a=ptime:30\r\n"));
  plan.onOffer(Leg::Caller, offer);
  auto answer = parse(sdpWith("18 96",
                              "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
                              "a=rtpmap:96 telephone-event/8000\r\na=ptime:20\r\n"));
  auto r = plan.onAnswer(Leg::Callee, answer);
  EXPECT_EQ(r.changed, (std::vector<std::size_t>{0}));
  auto t = plan.transcode(0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->of(Leg::Caller).codec, CodecId::Pcmu);
  EXPECT_EQ(t->of(Leg::Caller).pt, 0);
  EXPECT_EQ(t->of(Leg::Caller).ptimeMs, 30u);
  EXPECT_EQ(t->of(Leg::Caller).eventPt, 101);
  EXPECT_EQ(t->of(Leg::Callee).codec, CodecId::G729);
  EXPECT_EQ(t->of(Leg::Callee).pt, 18);
  EXPECT_EQ(t->of(Leg::Callee).ptimeMs, 20u);
  EXPECT_EQ(t->of(Leg::Callee).eventPt, 96);
  // The caller is told about its own codec, event type and ptime only.
  EXPECT_EQ(namesOf(answer), (std::vector<std::string>{"PCMU/0", "telephone-event/101"}));
  const std::string text = answer.serialize();
  EXPECT_EQ(text.find("G729"), std::string::npos);
  EXPECT_EQ(text.find("annexb"), std::string::npos);
  EXPECT_NE(text.find("a=fmtp:101 0-15\r\n"), std::string::npos);
  EXPECT_NE(text.find("a=ptime:30\r\n"), std::string::npos);
  EXPECT_EQ(text.find("a=ptime:20"), std::string::npos);
}

TEST(CodecPlan, EventsOnlyWhenBothSidesDoThem) {
  CodecPlan plan;
  auto offer = parse(sdpWith("0 101", "a=rtpmap:101 telephone-event/8000\r\n"));
  plan.onOffer(Leg::Caller, offer);
  auto answer = parse(sdpWith("8", ""));  // the carrier does no RFC 4733
  plan.onAnswer(Leg::Callee, answer);
  auto t = plan.transcode(0);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->of(Leg::Caller).eventPt);
  EXPECT_FALSE(t->of(Leg::Callee).eventPt);
  EXPECT_EQ(namesOf(answer), (std::vector<std::string>{"PCMU/0"}));
}

TEST(CodecPlan, ReofferKeepsOrChangesTheDecision) {
  CodecPlan plan;
  auto offer = parse(sdpWith("0", ""));
  plan.onOffer(Leg::Caller, offer);
  auto answer = parse(sdpWith("8", ""));
  ASSERT_EQ(plan.onAnswer(Leg::Callee, answer).changed.size(), 1u);

  // Re-INVITE from the callee (roles swap): it offers PCMA; PCMU is appended; the caller
  // answers PCMU — the same transcoding as before: nothing to reinstall.
  auto reoffer = parse(sdpWith("8", ""));
  plan.onOffer(Leg::Callee, reoffer);
  EXPECT_EQ(namesOf(reoffer)[1], "PCMU/0");
  auto reanswer = parse(sdpWith("0", ""));
  EXPECT_TRUE(plan.onAnswer(Leg::Caller, reanswer).changed.empty());
  ASSERT_TRUE(plan.transcode(0));
  EXPECT_EQ(plan.transcode(0)->of(Leg::Callee).codec, CodecId::Pcma);
  EXPECT_EQ(namesOf(reanswer), (std::vector<std::string>{"PCMA/8"}));

  // A re-offer the far side now answers with a shared codec ends the transcoding.
  auto third = parse(sdpWith("0 8", ""));
  plan.onOffer(Leg::Caller, third);
  auto shared = parse(sdpWith("8", ""));
  EXPECT_EQ(plan.onAnswer(Leg::Callee, shared).changed, (std::vector<std::size_t>{0}));
  EXPECT_FALSE(plan.transcode(0));
  EXPECT_FALSE(plan.anyTranscoded());
}

TEST(CodecPlan, RejectedStreamAndOutOfOrderAnswer) {
  CodecPlan plan;
  auto stray = parse(sdpWith("8", ""));
  EXPECT_TRUE(plan.onAnswer(Leg::Callee, stray).changed.empty());  // no offer pending
  auto offer = parse(sdpWith("0", ""));
  plan.onOffer(Leg::Caller, offer);
  EXPECT_TRUE(plan.onAnswer(Leg::Caller, stray).changed.empty());  // the offerer itself
  auto rejected = parse(sdpWith("8", "", 0));
  EXPECT_TRUE(plan.onAnswer(Leg::Callee, rejected).changed.empty());
  EXPECT_FALSE(plan.transcode(0));
}

TEST(CodecPlan, OpusAgainstG711) {
  CodecPlan plan;
  auto offer = parse(sdpWith("111", "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"));
  plan.onOffer(Leg::Caller, offer);
  auto answer = parse(sdpWith("0", ""));
  plan.onAnswer(Leg::Callee, answer);
  auto t = plan.transcode(0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->of(Leg::Caller).codec, CodecId::Opus);
  EXPECT_EQ(t->of(Leg::Caller).pt, 111);
  EXPECT_EQ(t->of(Leg::Callee).codec, CodecId::Pcmu);
  const std::string text = answer.serialize();
  EXPECT_NE(text.find("a=rtpmap:111 opus/48000/2\r\n"), std::string::npos);
  EXPECT_NE(text.find("a=fmtp:111 useinbandfec=1\r\n"), std::string::npos);
}

TEST(CodecPlan, ValidatesCodecLists) {
  EXPECT_TRUE(validateTranscodeCodecs({"PCMU", "pcma", "G729/8000", "OPUS", "G722"}));
  EXPECT_FALSE(validateTranscodeCodecs({"GSM"}));
  EXPECT_FALSE(validateTranscodeCodecs({"PCMU/16000"}));
  EXPECT_FALSE(validateTranscodeCodecs({"telephone-event"}));
}

}  // namespace
}  // namespace trunkline::call
