#include "media/quality.h"

#include <gtest/gtest.h>

namespace trunkline::media {
namespace {

TEST(Quality, CodecNames) {
  EXPECT_EQ(audioCodecFromName("pcmu"), AudioCodec::Pcmu);
  EXPECT_EQ(audioCodecFromName("PCMA"), AudioCodec::Pcma);
  EXPECT_EQ(audioCodecFromName("G722"), AudioCodec::G722);
  EXPECT_EQ(audioCodecFromName("G729"), AudioCodec::G729);
  EXPECT_EQ(audioCodecFromName("OPUS"), AudioCodec::Opus);
  EXPECT_EQ(audioCodecFromName("AMR"), AudioCodec::Unknown);
  EXPECT_EQ(payloadKindFromName("Telephone-Event"), PayloadKind::TelephoneEvent);
  EXPECT_EQ(payloadKindFromName("CN"), PayloadKind::ComfortNoise);
  EXPECT_EQ(payloadKindFromName("AMR"), PayloadKind::Audio);
  EXPECT_EQ(payloadKindFromName(""), PayloadKind::Unknown);
}

TEST(Quality, MosFromRKnownPoints) {
  EXPECT_DOUBLE_EQ(mosFromR(-5), 1.0);
  EXPECT_DOUBLE_EQ(mosFromR(0), 1.0);
  EXPECT_DOUBLE_EQ(mosFromR(100), 4.5);
  EXPECT_DOUBLE_EQ(mosFromR(120), 4.5);
  // 1 + 0.035·50 + 50·(−10)·50·7e−6 = 2.575
  EXPECT_NEAR(mosFromR(50), 2.575, 1e-12);
  // The G.107 default R of 93.2 is the familiar best-case narrowband MOS of about 4.41.
  EXPECT_NEAR(mosFromR(93.2), 4.4093, 1e-4);
}

TEST(Quality, DelayImpairment) {
  EXPECT_DOUBLE_EQ(delayImpairment(0), 0.0);
  EXPECT_NEAR(delayImpairment(100), 2.4, 1e-12);
  EXPECT_NEAR(delayImpairment(177.3), 0.024 * 177.3, 1e-12);
  EXPECT_NEAR(delayImpairment(200), 4.8 + 0.11 * 22.7, 1e-12);  // past the knee
  EXPECT_DOUBLE_EQ(delayImpairment(-10), 0.0);
}

TEST(Quality, EffectiveEquipmentImpairment) {
  EXPECT_DOUBLE_EQ(effectiveEquipmentImpairment(AudioCodec::Pcmu, 0), 0.0);
  EXPECT_DOUBLE_EQ(effectiveEquipmentImpairment(AudioCodec::G729, 0), 11.0);
  // G.711 with PLC at 1 % random loss: 95·1/(1 + 25.1)
  EXPECT_NEAR(effectiveEquipmentImpairment(AudioCodec::Pcma, 1), 95.0 / 26.1, 1e-12);
  // G.729A at 2 %: 11 + 84·2/(2 + 19)
  EXPECT_NEAR(effectiveEquipmentImpairment(AudioCodec::G729, 2), 11.0 + 84.0 * 2 / 21, 1e-12);
  // Bursty loss hurts more than random loss at the same rate.
  EXPECT_GT(effectiveEquipmentImpairment(AudioCodec::Pcmu, 5, 2.0),
            effectiveEquipmentImpairment(AudioCodec::Pcmu, 5, 1.0));
  // Out-of-range loss is clamped, never NaN.
  EXPECT_NEAR(effectiveEquipmentImpairment(AudioCodec::Pcmu, 250), 95.0 * 100 / 125.1, 1e-9);
}

TEST(Quality, MosKnownValues) {
  MosInput in;
  in.codec = AudioCodec::Pcmu;
  EXPECT_NEAR(rFactor(in), 93.2, 1e-12);
  EXPECT_NEAR(estimateMos(in), 4.409, 1e-3);

  in.codec = AudioCodec::G729;  // R = 82.2
  EXPECT_NEAR(estimateMos(in), 1 + 0.035 * 82.2 + 82.2 * 22.2 * 17.8 * 7e-6, 1e-9);
  EXPECT_NEAR(estimateMos(in), 4.104, 1e-3);

  // G.711, 1 % loss, 100 ms one way: R = 93.2 − 2.4 − 3.6398 = 87.16 → MOS ≈ 4.263.
  in.codec = AudioCodec::Pcmu;
  in.lossPercent = 1;
  in.oneWayDelayMs = 100;
  EXPECT_NEAR(rFactor(in), 93.2 - 2.4 - 95.0 / 26.1, 1e-9);
  EXPECT_NEAR(estimateMos(in), 4.263, 1e-3);

  // Heavy loss drives quality to "poor" (below 3).
  in.lossPercent = 15;
  EXPECT_LT(estimateMos(in), 3.0);
  // Monotonic: more loss, lower MOS.
  double last = 5;
  for (double loss = 0; loss <= 30; loss += 1) {
    in.lossPercent = loss;
    const double mos = estimateMos(in);
    EXPECT_LT(mos, last);
    last = mos;
  }
}

TEST(Quality, OneWayDelayEstimate) {
  // 60 ms RTT, 3 ms jitter: 30 + max(20, 6) + 20 + 0 for G.711.
  EXPECT_DOUBLE_EQ(estimateOneWayDelayMs(AudioCodec::Pcmu, 60, 3), 70.0);
  // 40 ms jitter → 80 ms buffer; G.729 adds 5 ms look-ahead.
  EXPECT_DOUBLE_EQ(estimateOneWayDelayMs(AudioCodec::G729, 0, 40), 105.0);
}

}  // namespace
}  // namespace trunkline::media
