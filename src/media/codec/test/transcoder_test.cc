// Transcoding pairs, checked on the audio: a 1 kHz tone goes in, the output stream is
// decoded and its frequency, level and tone-to-noise ratio measured.
//
// Tolerances: the frequency within ±2 Hz (measured: within 0.01 Hz) catches a wrong rate or
// resampling ratio (0.2 %) and lost or repeated blocks. The level tolerance is the sum of
// the codecs' own (G.711 ±0.2 dB, G.722 ±0.5, Opus ±1, G.729 ±1.5; see coder_test.cc). The
// tone-to-rest floor sits 4-10 dB under the value measured with Debian 12's libraries (in
// each test's comment), so a codec update passes but a buffering slip (one dropped or doubled
// sample per packet puts a click in every packet, ~20 dB worse) does not.
// 1 kHz is a sub-multiple of 8 kHz, so G.711's quantisation error repeats every 8 samples
// and lands on harmonics (and partly on the tone): G.711-only chains measure better than
// they would with speech. g711_test.cc measures real quantisation noise at 1020 Hz.
#include "media/codec/transcoder.h"

#include <gtest/gtest.h>

#include "media/codec/test/signal.h"
#include "media/codec/test/stream.h"

namespace trunkline::media::codec {
namespace {

using testing::dbfs;
using testing::Pkt;
using testing::sine;
using testing::toneSnrDb;
using testing::zeroCrossingHz;

constexpr double kAmp = 10000;
const double kInDb = 20 * std::log10(kAmp / std::sqrt(2.0) / 32768.0);

struct Measured {
  double hz, db, snr;
};

// One second from 0.5 s on (past codec and filter start-up; 1000 whole periods).
Measured measure(const std::vector<std::int16_t>& pcm, std::uint32_t rate) {
  EXPECT_GE(pcm.size(), rate * 3 / 2);
  if (pcm.size() < rate * 3 / 2) return {0, -200, -200};
  auto s = std::span<const std::int16_t>(pcm).subspan(rate / 2, rate);
  return {zeroCrossingHz(s, rate), dbfs(s), toneSnrDb(s, 1000, rate)};
}

TranscoderConfig cfg(CodecId in, std::uint8_t inPt, CodecId out, std::uint8_t outPt,
                     std::uint32_t ptime = 20) {
  TranscoderConfig c;
  c.inCodec = in;
  c.inPt = inPt;
  c.outCodec = out;
  c.outPt = outPt;
  c.outPtimeMs = ptime;
  return c;
}

// 2 s of tone at `rate`.
std::vector<std::int16_t> tone(std::uint32_t rate) {
  return sine(1000, rate, kAmp, rate * 2);
}

TEST(TranscodeAudio, PcmuToG729ToPcma) {
  auto pcmu = testing::encodeStream(CodecId::Pcmu, 0, 8000, 20, tone(8000));
  auto t1 = testing::makeTranscoder(cfg(CodecId::Pcmu, 0, CodecId::G729, 18));
  auto g729 = testing::transcodeAll(t1, pcmu);
  ASSERT_EQ(g729.size(), 100u);
  for (const auto& p : g729) ASSERT_EQ(p.payload.size(), 20u);
  auto t2 = testing::makeTranscoder(cfg(CodecId::G729, 18, CodecId::Pcma, 8));
  auto pcma = testing::transcodeAll(t2, g729);
  ASSERT_EQ(pcma.size(), 100u);
  auto m = measure(testing::decodeStream(CodecId::Pcma, 8000, pcma), 8000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 2.0);  // measured -0.6 dB
  EXPECT_GT(m.snr, 22);           // measured 26.9 dB
}

TEST(TranscodeAudio, OpusToPcmu) {
  // Opus decodes straight to 8 kHz: no resampler in this direction.
  auto opus = testing::encodeStream(CodecId::Opus, 111, 48000, 20, tone(48000));
  auto t = testing::makeTranscoder(cfg(CodecId::Opus, 111, CodecId::Pcmu, 0));
  EXPECT_EQ(t.decodeRate(), 8000u);
  auto pcmu = testing::transcodeAll(t, opus);
  ASSERT_EQ(pcmu.size(), 100u);
  EXPECT_EQ(pcmu[1].ts - pcmu[0].ts, 160u);
  auto m = measure(testing::decodeStream(CodecId::Pcmu, 8000, pcmu), 8000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 1.2);  // measured -0.1 dB
  EXPECT_GT(m.snr, 26);           // measured 32.2 dB
}

TEST(TranscodeAudio, PcmaToOpusAndBackToPcmu) {
  auto pcma = testing::encodeStream(CodecId::Pcma, 8, 8000, 20, tone(8000));
  auto t1 = testing::makeTranscoder(cfg(CodecId::Pcma, 8, CodecId::Opus, 96));
  EXPECT_EQ(t1.encodeRate(), 8000u);
  auto opus = testing::transcodeAll(t1, pcma);
  ASSERT_EQ(opus.size(), 100u);
  EXPECT_EQ(opus[1].ts - opus[0].ts, 960u);  // 20 ms at the 48 kHz Opus RTP clock
  EXPECT_EQ(opus[0].duration, 960u);
  auto t2 = testing::makeTranscoder(cfg(CodecId::Opus, 96, CodecId::Pcmu, 0));
  auto pcmu = testing::transcodeAll(t2, opus);
  auto m = measure(testing::decodeStream(CodecId::Pcmu, 8000, pcmu), 8000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 1.5);  // measured -0.1 dB
  EXPECT_GT(m.snr, 25);           // measured 31.4 dB
}

TEST(TranscodeAudio, G722ToPcma) {
  // 16 kHz -> 8 kHz through the resampler; G.722 timestamps advance 160 per 20 ms.
  auto g722 = testing::encodeStream(CodecId::G722, 9, 16000, 20, tone(16000));
  ASSERT_EQ(g722[1].ts - g722[0].ts, 160u);
  auto t = testing::makeTranscoder(cfg(CodecId::G722, 9, CodecId::Pcma, 8));
  EXPECT_EQ(t.decodeRate(), 16000u);
  EXPECT_EQ(t.encodeRate(), 8000u);
  auto pcma = testing::transcodeAll(t, g722);
  ASSERT_GE(pcma.size(), 99u);  // the resampler holds back its latency
  auto m = measure(testing::decodeStream(CodecId::Pcma, 8000, pcma), 8000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 0.7);  // measured -0.03 dB
  EXPECT_GT(m.snr, 40);           // measured 51.6 dB
}

TEST(TranscodeAudio, PcmuToG722) {
  auto pcmu = testing::encodeStream(CodecId::Pcmu, 0, 8000, 20, tone(8000));
  auto t = testing::makeTranscoder(cfg(CodecId::Pcmu, 0, CodecId::G722, 9));
  auto g722 = testing::transcodeAll(t, pcmu);
  ASSERT_GE(g722.size(), 99u);
  EXPECT_EQ(g722[0].payload.size(), 160u);
  EXPECT_EQ(g722[1].ts - g722[0].ts, 160u);
  auto m = measure(testing::decodeStream(CodecId::G722, 16000, g722), 16000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 0.7);  // measured -0.01 dB
  EXPECT_GT(m.snr, 32);           // measured 36.6 dB
}

TEST(TranscodeAudio, G722ToOpusStaysWideband) {
  auto g722 = testing::encodeStream(CodecId::G722, 9, 16000, 20, tone(16000));
  auto t = testing::makeTranscoder(cfg(CodecId::G722, 9, CodecId::Opus, 111));
  EXPECT_EQ(t.encodeRate(), 16000u);  // no resampler: Opus codes the 16 kHz PCM
  auto opus = testing::transcodeAll(t, g722);
  ASSERT_EQ(opus.size(), 100u);
  auto m = measure(testing::decodeStream(CodecId::Opus, 16000, opus), 16000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 1.5);  // measured -0.03 dB
  EXPECT_GT(m.snr, 30);           // measured 38.6 dB
}

TEST(TranscodeAudio, Ptime30InTo20Out) {
  // 30 ms PCMU in, 20 ms PCMA out: three output packets per two input packets, and the
  // tone must come through as cleanly as plain G.711 (a buffering slip would not).
  auto pcmu = testing::encodeStream(CodecId::Pcmu, 0, 8000, 30, tone(8000));
  ASSERT_EQ(pcmu.size(), 66u);
  auto t = testing::makeTranscoder(cfg(CodecId::Pcmu, 0, CodecId::Pcma, 8, 20));
  std::vector<std::size_t> perPacket;
  std::vector<Pkt> pcma;
  for (const auto& p : pcmu) {
    auto r = t.push(p.in());
    ASSERT_TRUE(r);
    perPacket.push_back(r->size());
    testing::append(pcma, *r);
  }
  EXPECT_EQ(perPacket[0], 1u);  // 30 ms buffered: one 20 ms packet, 10 ms waiting
  EXPECT_EQ(perPacket[1], 2u);  // 10 + 30 = 40 ms: two packets
  ASSERT_EQ(pcma.size(), 99u);
  for (std::size_t i = 0; i < pcma.size(); ++i) {
    EXPECT_EQ(pcma[i].payload.size(), 160u);
    EXPECT_EQ(static_cast<std::uint16_t>(pcma[i].seq - pcma[0].seq), i);
    EXPECT_EQ(pcma[i].ts - pcma[0].ts, 160u * i);
  }
  auto m = measure(testing::decodeStream(CodecId::Pcma, 8000, pcma), 8000);
  EXPECT_NEAR(m.hz, 1000, 1);
  EXPECT_NEAR(m.db, kInDb, 0.3);  // measured -0.03 dB
  EXPECT_GT(m.snr, 45);           // measured 56.4 dB
}

TEST(TranscodeAudio, G729In20OutPcmu60) {
  auto g729 = testing::encodeStream(CodecId::G729, 18, 8000, 20, tone(8000));
  auto t = testing::makeTranscoder(cfg(CodecId::G729, 18, CodecId::Pcmu, 0, 60));
  auto pcmu = testing::transcodeAll(t, g729);
  ASSERT_EQ(pcmu.size(), 33u);
  EXPECT_EQ(pcmu[0].payload.size(), 480u);
  EXPECT_EQ(pcmu[1].ts - pcmu[0].ts, 480u);
  auto m = measure(testing::decodeStream(CodecId::Pcmu, 8000, pcmu), 8000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 1.7);  // measured -0.8 dB
  EXPECT_GT(m.snr, 22);           // measured 27.0 dB
}

TEST(TranscodeAudio, Opus20RepacketisedTo60) {
  auto opus = testing::encodeStream(CodecId::Opus, 111, 48000, 20, tone(48000));
  auto t = testing::makeTranscoder(cfg(CodecId::Opus, 111, CodecId::Opus, 100, 60));
  EXPECT_EQ(t.decodeRate(), 48000u);
  auto out = testing::transcodeAll(t, opus);
  ASSERT_EQ(out.size(), 33u);
  EXPECT_EQ(out[1].ts - out[0].ts, 2880u);
  EXPECT_EQ(out[0].pt, 100);
  auto m = measure(testing::decodeStream(CodecId::Opus, 48000, out), 48000);
  EXPECT_NEAR(m.hz, 1000, 2);
  EXPECT_NEAR(m.db, kInDb, 2.0);  // measured -0.2 dB
  EXPECT_GT(m.snr, 24);           // measured 28.9 dB
}

}  // namespace
}  // namespace trunkline::media::codec
