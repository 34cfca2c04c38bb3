// Each codec alone: a 1 kHz tone through encode/decode keeps its frequency and level;
// concealment; hostile payloads are refused without crashing.
#include "media/codec/coder.h"

#include <algorithm>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "media/codec/test/signal.h"

namespace trunkline::media::codec {
namespace {

using testing::dbfs;
using testing::sine;
using testing::toneSnrDb;
using testing::zeroCrossingHz;

constexpr double kAmp = 10000;  // peak; RMS -13.3 dBFS, a loud but unclipped talker
const double kInDb = 20 * std::log10(kAmp / std::sqrt(2.0) / 32768.0);

struct RoundTrip {
  std::vector<std::int16_t> pcm;
  std::size_t packets = 0;
  std::size_t bytes = 0;
};

// Encodes 1 s of tone in 20 ms packets and decodes every packet.
RoundTrip roundTrip(CodecId id, std::uint32_t rate, EncoderOptions eo = {}) {
  eo.pcmRate = rate;
  auto enc = makeEncoder(id, eo);
  auto dec = makeDecoder(id, DecoderOptions{.pcmRate = rate});
  EXPECT_TRUE(enc && dec);
  RoundTrip r;
  if (!enc || !dec) return r;
  const std::size_t frame = rate / 50;
  auto in = sine(1000, rate, kAmp, rate);
  std::vector<std::uint8_t> payload(2000);
  std::vector<std::int16_t> out(frame * 6);
  for (std::size_t off = 0; off + frame <= in.size(); off += frame) {
    auto n = (*enc)->encode(std::span<const std::int16_t>(in).subspan(off, frame), payload);
    EXPECT_TRUE(n) << errcName(n.error());
    if (!n) return r;
    ++r.packets;
    r.bytes += *n;
    auto p = std::span<const std::uint8_t>(payload).first(*n);
    auto want = (*dec)->samplesIn(p);
    EXPECT_TRUE(want);
    auto got = (*dec)->decode(p, out);
    EXPECT_TRUE(got);
    if (!got) return r;
    EXPECT_EQ(*got, *want);
    r.pcm.insert(r.pcm.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*got));
  }
  return r;
}

// The last 800 ms: past every codec's start-up (G.729 and Opus need a few frames).
std::span<const std::int16_t> steady(const std::vector<std::int16_t>& pcm, std::uint32_t rate) {
  return std::span<const std::int16_t>(pcm).subspan(rate / 5);
}

struct Case {
  CodecId id;
  std::uint32_t rate;
  std::size_t bytesPer20ms;  // 0 = variable (Opus)
  double levelTolDb;
  double minSnrDb;  // tone against everything else
};

// Tolerances (measured with Debian 12's libraries in brackets): G.711 is a near-transparent
// quantiser: level ±0.2 dB [-0.03], tone 35 dB over the rest [37]. G.722 at 64 kbit/s codes
// a 1 kHz tone almost as well [0.0 dB, 47 dB]. G.729 is a speech model, not a waveform coder:
// its post-filter shifts a pure tone's level [-0.8 dB] and it adds more noise [27 dB], hence
// ±1.5 dB and 22 dB. Opus at 24 kbit/s: ±1 dB [-0.2 worst], 22 dB [27 at 8 kHz]. The
// frequency must stay within ±2 Hz [0.01]: a wrong rate or a dropped or repeated block moves
// it by several Hz.
class CodecRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(CodecRoundTrip, ToneKeepsFrequencyAndLevel) {
  const Case c = GetParam();
  auto r = roundTrip(c.id, c.rate);
  ASSERT_EQ(r.packets, 50u);
  ASSERT_EQ(r.pcm.size(), c.rate);
  if (c.bytesPer20ms != 0) {
    EXPECT_EQ(r.bytes, 50 * c.bytesPer20ms);
  }
  auto s = steady(r.pcm, c.rate);
  EXPECT_NEAR(zeroCrossingHz(s, c.rate), 1000.0, 2.0);
  EXPECT_NEAR(dbfs(s), kInDb, c.levelTolDb);
  EXPECT_GT(toneSnrDb(s, 1000, c.rate), c.minSnrDb);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecRoundTrip,
                         ::testing::Values(Case{CodecId::Pcmu, 8000, 160, 0.2, 35},
                                           Case{CodecId::Pcma, 8000, 160, 0.2, 35},
                                           Case{CodecId::G722, 16000, 160, 0.5, 40},
                                           Case{CodecId::G729, 8000, 20, 1.5, 22},
                                           Case{CodecId::Opus, 48000, 0, 1.0, 22},
                                           Case{CodecId::Opus, 16000, 0, 1.0, 22},
                                           Case{CodecId::Opus, 8000, 0, 1.0, 22}),
                         [](const auto& info) {
                           return std::string(codecName(info.param.id)) + "_" +
                                  std::to_string(info.param.rate);
                         });

TEST(Coders, NativeRateOnlyForFixedRateCodecs) {
  EXPECT_FALSE(makeDecoder(CodecId::Pcmu, DecoderOptions{.pcmRate = 16000}));
  EXPECT_FALSE(makeEncoder(CodecId::G722, EncoderOptions{.pcmRate = 8000}));
  EXPECT_FALSE(makeDecoder(CodecId::Opus, DecoderOptions{.pcmRate = 44100}));
  EXPECT_FALSE(makeDecoder(CodecId::TelephoneEvent));
  EXPECT_TRUE(makeDecoder(CodecId::G722, DecoderOptions{.pcmRate = 16000}));
  EncoderOptions bad;
  bad.opusComplexity = 11;
  EXPECT_FALSE(makeEncoder(CodecId::Opus, bad));
}

TEST(Coders, PayloadSizesGiveDurations) {
  auto g729 = *makeDecoder(CodecId::G729);
  std::vector<std::uint8_t> p(22);
  EXPECT_EQ(*g729->samplesIn(std::span(p).first(10)), 80u);
  EXPECT_EQ(*g729->samplesIn(std::span(p).first(20)), 160u);
  EXPECT_EQ(*g729->samplesIn(std::span(p).first(22)), 240u);  // two voice frames + SID
  EXPECT_EQ(*g729->samplesIn(std::span(p).first(2)), 80u);    // SID alone
  auto g722 = *makeDecoder(CodecId::G722);
  EXPECT_EQ(*g722->samplesIn(std::span(p).first(20)), 40u);
  auto pcmu = *makeDecoder(CodecId::Pcmu);
  EXPECT_EQ(*pcmu->samplesIn(std::span(p).first(7)), 7u);
}

TEST(Coders, WrongG729LengthsAreRefused) {
  auto dec = *makeDecoder(CodecId::G729);
  std::vector<std::uint8_t> p(64, 0x55);
  std::vector<std::int16_t> out(1000);
  for (std::size_t len : {1u, 3u, 7u, 9u, 11u, 13u, 19u, 21u, 25u}) {
    auto r = dec->decode(std::span(p).first(len), out);
    ASSERT_FALSE(r) << len;
    EXPECT_EQ(r.error(), PacketErrc::BadLength) << len;
  }
  EXPECT_EQ(dec->decode({}, out).error(), PacketErrc::EmptyPayload);
  EXPECT_EQ(dec->decode(std::span(p).first(20), std::span(out).first(100)).error(),
            PacketErrc::BufferTooSmall);
  // SID frames decode to comfort noise of one frame.
  EXPECT_EQ(*dec->decode(std::span(p).first(12), out), 160u);
}

TEST(Coders, MalformedOpusIsRefusedWithoutTouchingState) {
  auto dec = *makeDecoder(CodecId::Opus, DecoderOptions{.pcmRate = 8000});
  std::vector<std::int16_t> out(960 * 2);
  // Code 3 (arbitrary frame count) with a count of 0 frames: RFC 6716 §3.2.5 forbids it.
  std::vector<std::uint8_t> zeroFrames = {0x03, 0x00};
  EXPECT_EQ(dec->decode(zeroFrames, out).error(), PacketErrc::InvalidPacket);
  // Code 1 (two equal frames) needs an even number of bytes after the TOC (§3.2.3).
  std::vector<std::uint8_t> oddPair = {0x01, 0x10, 0x20, 0x30};
  EXPECT_EQ(dec->decode(oddPair, out).error(), PacketErrc::InvalidPacket);
  // Code 3 announcing 48 frames of 20 ms = 960 ms, more than the 120 ms an Opus packet holds.
  std::vector<std::uint8_t> tooMany = {0x0B, 0x30, 0x00, 0x00};
  EXPECT_EQ(dec->decode(tooMany, out).error(), PacketErrc::InvalidPacket);
  EXPECT_EQ(dec->decode({}, out).error(), PacketErrc::EmptyPayload);
}

TEST(Coders, RandomBytesNeverCrashAnyDecoder) {
  std::mt19937 rng(1234);
  std::vector<std::uint8_t> p(1500);
  std::vector<std::int16_t> out(48000);  // 1 s at 48 kHz: more than any accepted packet
  for (CodecId id : {CodecId::Pcmu, CodecId::Pcma, CodecId::G722, CodecId::G729, CodecId::Opus}) {
    auto dec = *makeDecoder(id);
    int accepted = 0;
    for (int i = 0; i < 3000; ++i) {
      std::size_t len = std::uniform_int_distribution<std::size_t>(0, p.size())(rng);
      if (i % 3 == 0) len %= 24;  // short packets reach the framing corner cases
      for (std::size_t k = 0; k < len; ++k) p[k] = static_cast<std::uint8_t>(rng());
      auto payload = std::span<const std::uint8_t>(p).first(len);
      auto n = dec->samplesIn(payload);
      auto r = dec->decode(payload, out);
      ASSERT_EQ(bool(n), bool(r)) << codecName(id) << " len " << len;
      if (r) {
        ++accepted;
        ASSERT_EQ(*r, *n);
        ASSERT_LE(*r, out.size());
      }
    }
    EXPECT_GT(accepted, 0) << codecName(id);
  }
}

TEST(Coders, EncoderFrameSizesAndBuffers) {
  std::vector<std::int16_t> pcm(960);
  std::vector<std::uint8_t> out(2000);
  auto g729 = *makeEncoder(CodecId::G729);
  EXPECT_EQ(g729->encode(std::span(pcm).first(100), out).error(), PacketErrc::BadFrameSize);
  EXPECT_EQ(g729->encode(std::span(pcm).first(160), std::span(out).first(19)).error(),
            PacketErrc::BufferTooSmall);
  EXPECT_EQ(*g729->encode(std::span(pcm).first(160), out), 20u);
  auto g722 = *makeEncoder(CodecId::G722);
  EXPECT_EQ(g722->encode(std::span(pcm).first(321), out).error(), PacketErrc::BadFrameSize);
  auto opus = *makeEncoder(CodecId::Opus, EncoderOptions{.pcmRate = 16000});
  EXPECT_TRUE(opus->acceptsSamples(320));   // 20 ms
  EXPECT_TRUE(opus->acceptsSamples(960));   // 60 ms
  EXPECT_FALSE(opus->acceptsSamples(480));  // 30 ms is not an Opus frame
  EXPECT_EQ(opus->encode(std::span(pcm).first(480), out).error(), PacketErrc::BadFrameSize);
  auto pcmu = *makeEncoder(CodecId::Pcmu);
  EXPECT_EQ(pcmu->encode({}, out).error(), PacketErrc::BadFrameSize);
}

// Feeds `frames` 20 ms packets of tone, then conceals 40 ms; returns the concealed audio.
std::vector<std::int16_t> concealAfterTone(CodecId id, std::uint32_t rate) {
  auto enc = *makeEncoder(id, EncoderOptions{.pcmRate = rate});
  auto dec = *makeDecoder(id, DecoderOptions{.pcmRate = rate});
  const std::size_t frame = rate / 50;
  auto in = sine(1000, rate, kAmp, frame * 10);
  std::vector<std::uint8_t> payload(1500);
  std::vector<std::int16_t> out(frame);
  for (std::size_t off = 0; off < in.size(); off += frame) {
    auto n = *enc->encode(std::span<const std::int16_t>(in).subspan(off, frame), payload);
    EXPECT_TRUE(dec->decode(std::span<const std::uint8_t>(payload).first(n), out));
  }
  std::vector<std::int16_t> gap(frame * 2 + 7);  // not a frame multiple on purpose
  auto r = dec->conceal(gap, {});
  EXPECT_TRUE(r);
  EXPECT_EQ(*r, gap.size());
  return gap;
}

TEST(Coders, ConcealmentContinuesTheToneWherePossible) {
  // G.729 erasure and Opus PLC repeat the last pitch period with decaying gain: the
  // first 10 ms of the gap still carries the tone, near its level [measured -1.6 dB for
  // G.729, -0.6 dB for Opus].
  for (auto [id, rate] : {std::pair{CodecId::G729, 8000u}, std::pair{CodecId::Opus, 16000u}}) {
    auto gap = concealAfterTone(id, rate);
    auto first10 = std::span<const std::int16_t>(gap).first(rate / 100);
    EXPECT_GT(dbfs(first10), kInDb - 6) << codecName(id);
    EXPECT_NEAR(zeroCrossingHz(first10, rate), 1000, 40) << codecName(id);
  }
  // G.711 and G.722 have no concealment: silence, which the caller knows from hasPlc().
  for (auto [id, rate] : {std::pair{CodecId::Pcma, 8000u}, std::pair{CodecId::G722, 16000u}}) {
    auto gap = concealAfterTone(id, rate);
    EXPECT_TRUE(std::all_of(gap.begin(), gap.end(), [](std::int16_t s) { return s == 0; }));
    EXPECT_FALSE((*makeDecoder(id))->hasPlc());
  }
}

TEST(Coders, OpusInBandFecRebuildsTheLostFrameBetterThanPlc) {
  // A speech-like signal (two modulated tones) in 20 ms Opus packets with FEC; every tenth
  // packet is lost. Concealing with the next packet's FEC data comes far closer to what the
  // lost packet would have decoded to than PLC alone [measured +5.5 dB against -1.9 dB].
  EncoderOptions eo;
  eo.pcmRate = 16000;
  eo.opusInbandFec = true;
  eo.opusPacketLossPct = 20;
  auto enc = *makeEncoder(CodecId::Opus, eo);
  std::vector<std::int16_t> in(16000);
  for (std::size_t i = 0; i < in.size(); ++i) {
    double t = double(i) / 16000;
    double pi2 = 2 * std::numbers::pi;
    in[i] = static_cast<std::int16_t>(
        6000 * std::sin(pi2 * 300 * t) * (1 + 0.5 * std::sin(pi2 * 3 * t)) +
        3000 * std::sin(pi2 * 1100 * t + 0.3 * std::sin(pi2 * 5 * t)));
  }
  std::vector<std::vector<std::uint8_t>> pkts;
  std::vector<std::uint8_t> buf(1500);
  for (std::size_t off = 0; off + 320 <= in.size(); off += 320) {
    auto n = *enc->encode(std::span<const std::int16_t>(in).subspan(off, 320), buf);
    pkts.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  auto decodeAll = [&](bool lose, bool fec) {
    auto dec = *makeDecoder(CodecId::Opus, DecoderOptions{.pcmRate = 16000});
    std::vector<std::int16_t> out(in.size());
    for (std::size_t i = 0; i < pkts.size(); ++i) {
      auto slot = std::span<std::int16_t>(out).subspan(i * 320, 320);
      if (lose && i % 10 == 5) {
        EXPECT_TRUE(dec->conceal(slot, fec ? std::span<const std::uint8_t>(pkts[i + 1])
                                           : std::span<const std::uint8_t>{}));
      } else {
        EXPECT_EQ(*dec->decode(pkts[i], slot), 320u);
      }
    }
    return out;
  };
  auto clean = decodeAll(false, false);
  auto snrOfLost = [&](const std::vector<std::int16_t>& got) {
    double err = 0, ref = 0;
    for (std::size_t i = 5; i < pkts.size(); i += 10)
      for (std::size_t k = i * 320; k < (i + 1) * 320; ++k) {
        err += (double(got[k]) - clean[k]) * (double(got[k]) - clean[k]);
        ref += double(clean[k]) * clean[k];
      }
    return 10 * std::log10(ref / (err + 1e-9));
  };
  double plc = snrOfLost(decodeAll(true, false));
  double fec = snrOfLost(decodeAll(true, true));
  EXPECT_GT(fec, plc + 4) << "plc " << plc << " fec " << fec;
  EXPECT_GT(fec, 3.0);
}

}  // namespace
}  // namespace trunkline::media::codec
