// G.711 tables against the values of ITU-T G.711 (Tables 1a/2a: decision and output levels)
// and the G.191 reference behaviour for negative samples.
#include "media/codec/g711.h"

#include <array>
#include <cstdlib>

#include <gtest/gtest.h>

#include "media/codec/test/signal.h"

namespace trunkline::media::codec::g711 {
namespace {

int ulawSegment(std::uint8_t code) {
  return ((~code) >> 4) & 7;
}
int alawSegment(std::uint8_t code) {
  return ((code ^ 0x55) >> 4) & 7;
}
// A 14-bit (µ-law) or 13-bit (A-law) G.711 level as a 16-bit sample.
std::int16_t from14(int v) {
  return static_cast<std::int16_t>(v * 4);
}
std::int16_t from13(int v) {
  return static_cast<std::int16_t>(v * 8);
}

TEST(G711Ulaw, ZeroCodes) {
  EXPECT_EQ(ulawDecode(0xFF), 0);  // positive zero
  EXPECT_EQ(ulawDecode(0x7F), 0);  // negative zero
  EXPECT_EQ(ulawEncode(0), 0xFF);
  EXPECT_EQ(ulawEncode(-1), 0x7F);  // G.191: one's complement, -1 is "negative zero"
}

TEST(G711Ulaw, ExtremeCodes) {
  EXPECT_EQ(ulawDecode(0x80), from14(8031));  // +32124
  EXPECT_EQ(ulawDecode(0x00), from14(-8031));
  EXPECT_EQ(ulawEncode(32767), 0x80);
  EXPECT_EQ(ulawEncode(-32768), 0x00);
}

TEST(G711Ulaw, OutputLevelsOfTheFirstSegments) {
  // Segment 0 outputs 0, 2, ..., 30 (step 2); segment 1 starts at 33 (step 4); segment 2
  // at 99 (step 8), segment 7 ends at 8031 (14-bit units).
  EXPECT_EQ(ulawDecode(0xFE), from14(2));
  EXPECT_EQ(ulawDecode(0xF0), from14(30));
  EXPECT_EQ(ulawDecode(0xEF), from14(33));
  EXPECT_EQ(ulawDecode(0xEE), from14(37));
  EXPECT_EQ(ulawDecode(0xDF), from14(99));
  EXPECT_EQ(ulawDecode(0x8F), from14(4191));  // first level of segment 7
}

TEST(G711Ulaw, SegmentEndPoints) {
  // Decision values where a new segment starts (14-bit): 31, 95, 223, 479, 991, 2015, 4063.
  constexpr std::array<int, 7> kStarts = {31, 95, 223, 479, 991, 2015, 4063};
  for (std::size_t k = 0; k < kStarts.size(); ++k) {
    int b = kStarts[k];
    EXPECT_EQ(ulawSegment(ulawEncode(from14(b - 1))), static_cast<int>(k)) << b;
    EXPECT_EQ(ulawSegment(ulawEncode(from14(b))), static_cast<int>(k) + 1) << b;
    // Mirror image for negative samples (magnitude = one's complement, so -b-1 ↔ +b).
    EXPECT_EQ(ulawSegment(ulawEncode(from14(-b))), static_cast<int>(k)) << b;
    EXPECT_EQ(ulawSegment(ulawEncode(from14(-b - 1))), static_cast<int>(k) + 1) << b;
  }
}

TEST(G711Alaw, ReferenceCodes) {
  EXPECT_EQ(alawDecode(0xD5), from13(1));  // +8: the smallest positive level
  EXPECT_EQ(alawDecode(0x55), from13(-1));
  EXPECT_EQ(alawDecode(0xAA), from13(4032));  // +32256
  EXPECT_EQ(alawDecode(0x2A), from13(-4032));
  EXPECT_EQ(alawEncode(0), 0xD5);  // A-law has no zero level
  EXPECT_EQ(alawEncode(-1), 0x55);
  EXPECT_EQ(alawEncode(32767), 0xAA);
  EXPECT_EQ(alawEncode(-32768), 0x2A);
}

TEST(G711Alaw, OutputLevelsOfTheFirstSegments) {
  // Segments 0 and 1 both step 2 (levels 1, 3, ..., 63); segment 2 starts at 66 (step 4).
  EXPECT_EQ(alawDecode(0xDF), from13(21));  // segment 0, mantissa 10
  EXPECT_EQ(alawDecode(0x80 ^ 0x55 ^ 0x10), from13(33));
  EXPECT_EQ(alawDecode(0x80 ^ 0x55 ^ 0x20), from13(66));
  EXPECT_EQ(alawDecode(0x80 ^ 0x55 ^ 0x70), from13(2112));
}

TEST(G711Alaw, SegmentEndPoints) {
  // 12-bit magnitudes where a segment starts: 32, 64, 128, 256, 512, 1024, 2048.
  constexpr std::array<int, 7> kStarts = {32, 64, 128, 256, 512, 1024, 2048};
  for (std::size_t k = 0; k < kStarts.size(); ++k) {
    int b = kStarts[k];
    EXPECT_EQ(alawSegment(alawEncode(from13(b - 1))), static_cast<int>(k)) << b;
    EXPECT_EQ(alawSegment(alawEncode(from13(b))), static_cast<int>(k) + 1) << b;
    EXPECT_EQ(alawSegment(alawEncode(from13(-b))), static_cast<int>(k)) << b;
    EXPECT_EQ(alawSegment(alawEncode(from13(-b - 1))), static_cast<int>(k) + 1) << b;
  }
}

TEST(G711, EveryCodeSurvivesDecodeEncode) {
  for (int c = 0; c < 256; ++c) {
    auto code = static_cast<std::uint8_t>(c);
    if (code != 0x7F) {  // negative zero comes back as positive zero
      EXPECT_EQ(ulawEncode(ulawDecode(code)), code) << c;
    }
    EXPECT_EQ(alawEncode(alawDecode(code)), code) << c;
  }
}

TEST(G711, QuantisationIsMonotonicAndBounded) {
  int prevU = -40000, prevA = -40000;
  for (int x = -32768; x <= 32767; ++x) {
    auto s = static_cast<std::int16_t>(x);
    int u = ulawDecode(ulawEncode(s));
    int a = alawDecode(alawEncode(s));
    ASSERT_GE(u, prevU) << x;
    ASSERT_GE(a, prevA) << x;
    prevU = u;
    prevA = a;
    if (std::abs(x) <= 32000) {
      // Half a step is at most 1/32 of the level (+ the lowest segments' fixed step).
      ASSERT_LE(std::abs(u - x), std::abs(x) / 16 + 16) << x;
      ASSERT_LE(std::abs(a - x), std::abs(x) / 16 + 16) << x;
    }
  }
}

TEST(G711, SignalToQuantisationNoiseOfALoudTone) {
  // G.711 gives about 38 dB SNR for a loud sine; 35 dB leaves room, a wrong segment or
  // rounding costs 6 dB or more. 1020 Hz (not 1 kHz, a sub-multiple of 8 kHz whose error
  // would repeat every 8 samples) so the error behaves like noise, as in ITU-T test tones.
  auto in = testing::sine(1020, 8000, 20000, 8000);
  std::vector<std::int16_t> u(in.size()), a(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    u[i] = ulawDecode(ulawEncode(in[i]));
    a[i] = alawDecode(alawEncode(in[i]));
  }
  EXPECT_GT(testing::toneSnrDb(u, 1020, 8000), 35.0);
  auto snr = [&](const std::vector<std::int16_t>& out) {
    std::vector<std::int16_t> err(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) err[i] = static_cast<std::int16_t>(out[i] - in[i]);
    return 20 * std::log10(testing::rms(in) / testing::rms(err));
  };
  EXPECT_GT(snr(u), 35.0);
  EXPECT_GT(snr(a), 35.0);
}

TEST(G711, UlawAlawDirectTablesMatchDecodeThenEncode) {
  for (int c = 0; c < 256; ++c) {
    auto code = static_cast<std::uint8_t>(c);
    EXPECT_EQ(ulawToAlaw(code), alawEncode(ulawDecode(code)));
    EXPECT_EQ(alawToUlaw(code), ulawEncode(alawDecode(code)));
  }
}

TEST(G711, BlockFormsStopAtTheShorterSpan) {
  std::array<std::int16_t, 4> pcm = {0, 8, -8, 32767};
  std::array<std::uint8_t, 3> out{};
  EXPECT_EQ(alawEncode(pcm, out), 3u);
  EXPECT_EQ(out[0], 0xD5);
  EXPECT_EQ(out[2], 0x55);
}

}  // namespace
}  // namespace trunkline::media::codec::g711
