#pragma once
// Call quality estimate: a simplified ITU-T G.107 E-model turning loss and delay into an
// R factor and a MOS, with the codec impairment values of ITU-T G.113 Appendix I. Pure
// functions; the formulas are written out in README.md.
#include <cstdint>
#include <string_view>

namespace trunkline::media {

/// Codecs the quality model and the statistics know. Not a codec implementation (that is
/// media/codec/): only what the E-model and the jitter computation need.
enum class AudioCodec : std::uint8_t { Unknown, Pcmu, Pcma, G722, G729, Opus };

/// What kind of payload a payload type carries, for the statistics: telephone-events
/// (RFC 4733) share the sequence space of the audio but repeat the event's start timestamp,
/// so they must not feed the jitter estimate.
enum class PayloadKind : std::uint8_t { Unknown, Audio, TelephoneEvent, ComfortNoise };

/// Classifies an rtpmap encoding name ("PCMU", "telephone-event", "opus"...; ASCII case
/// ignored).
PayloadKind payloadKindFromName(std::string_view encoding);
AudioCodec audioCodecFromName(std::string_view encoding);
std::string_view audioCodecName(AudioCodec codec);

/// Equipment impairment factor Ie and packet-loss robustness Bpl of a codec (G.113 App. I
/// where the ITU gives them; documented estimates otherwise, see README.md).
struct CodecImpairment {
  double ie = 0;
  double bpl = 10;
  double lookaheadMs = 0;  // algorithmic delay beyond the frame itself
};
CodecImpairment codecImpairment(AudioCodec codec);

struct MosInput {
  AudioCodec codec = AudioCodec::Unknown;
  double lossPercent = 0;    // packet loss probability Ppl, in percent (0..100)
  double oneWayDelayMs = 0;  // mouth-to-ear delay d
  double burstRatio = 1;     // BurstR; 1 = random loss
};

/// Delay impairment Id for a one-way delay in ms (Cole & Rosenbluth's fit of G.107).
double delayImpairment(double oneWayDelayMs);
/// Effective equipment impairment Ie,eff (G.107 §7.x): Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl).
double effectiveEquipmentImpairment(AudioCodec codec, double lossPercent, double burstRatio = 1);
/// R = 93.2 − Id − Ie,eff (G.107 defaults for every other term; advantage factor A = 0).
double rFactor(const MosInput& in);
/// G.107 Annex B: R → MOS (1 … 4.5).
double mosFromR(double r);
inline double estimateMos(const MosInput& in) {
  return mosFromR(rFactor(in));
}

/// A mouth-to-ear delay estimate when only network figures are known: half the round trip,
/// a jitter buffer of twice the jitter (at least 20 ms), one 20 ms packet and the codec's
/// look-ahead.
double estimateOneWayDelayMs(AudioCodec codec, double rttMs, double jitterMs);

}  // namespace trunkline::media
