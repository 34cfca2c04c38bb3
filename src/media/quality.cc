#include "media/quality.h"

#include <algorithm>
#include <cctype>

namespace trunkline::media {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

PayloadKind payloadKindFromName(std::string_view encoding) {
  if (iequal(encoding, "telephone-event")) return PayloadKind::TelephoneEvent;
  if (iequal(encoding, "CN")) return PayloadKind::ComfortNoise;
  if (encoding.empty()) return PayloadKind::Unknown;
  // Anything else an audio stream names (including codecs we cannot rate) carries audio
  // with real timestamps, so it feeds the jitter estimate.
  return PayloadKind::Audio;
}

AudioCodec audioCodecFromName(std::string_view encoding) {
  if (iequal(encoding, "PCMU")) return AudioCodec::Pcmu;
  if (iequal(encoding, "PCMA")) return AudioCodec::Pcma;
  if (iequal(encoding, "G722")) return AudioCodec::G722;
  if (iequal(encoding, "G729") || iequal(encoding, "G729A")) return AudioCodec::G729;
  if (iequal(encoding, "opus")) return AudioCodec::Opus;
  return AudioCodec::Unknown;
}

std::string_view audioCodecName(AudioCodec codec) {
  switch (codec) {
    case AudioCodec::Pcmu: return "PCMU";
    case AudioCodec::Pcma: return "PCMA";
    case AudioCodec::G722: return "G722";
    case AudioCodec::G729: return "G729";
    case AudioCodec::Opus: return "opus";
    case AudioCodec::Unknown: break;
  }
  return "unknown";
}

CodecImpairment codecImpairment(AudioCodec codec) {
  switch (codec) {
    // G.113 Appendix I: G.711 with packet loss concealment, Ie 0, Bpl 25.1.
    case AudioCodec::Pcmu:
    case AudioCodec::Pcma: return {0.0, 25.1, 0.0};
    // G.722 is rated on the wideband scale by the ITU; on this narrowband scale it is
    // treated like G.711 with PLC (it is never worse in listening tests). 1.5 ms QMF delay.
    case AudioCodec::G722: return {0.0, 25.1, 1.5};
    // G.113 Appendix I: G.729A (+VAD), Ie 11, Bpl 19.0; 5 ms look-ahead.
    case AudioCodec::G729: return {11.0, 19.0, 5.0};
    // No ITU-T figures for Opus; estimate for wideband Opus at >= 24 kbit/s with in-band
    // FEC off: transparent on the narrowband scale, a robustness between G.729 and G.711.
    // 6.5 ms look-ahead (RFC 6716 §2).
    case AudioCodec::Opus: return {0.0, 20.0, 6.5};
    case AudioCodec::Unknown: break;
  }
  // Unknown codec: no coding impairment assumed, low loss robustness (pessimistic on loss).
  return {0.0, 10.0, 0.0};
}

double delayImpairment(double d) {
  if (d < 0) d = 0;
  double id = 0.024 * d;
  if (d > 177.3) id += 0.11 * (d - 177.3);
  return id;
}

double effectiveEquipmentImpairment(AudioCodec codec, double lossPercent, double burstRatio) {
  const CodecImpairment c = codecImpairment(codec);
  const double ppl = std::clamp(lossPercent, 0.0, 100.0);
  const double burst = burstRatio < 1.0 ? 1.0 : burstRatio;
  return c.ie + (95.0 - c.ie) * ppl / (ppl / burst + c.bpl);
}

double rFactor(const MosInput& in) {
  return 93.2 - delayImpairment(in.oneWayDelayMs) -
         effectiveEquipmentImpairment(in.codec, in.lossPercent, in.burstRatio);
}

double mosFromR(double r) {
  if (r <= 0) return 1.0;
  if (r >= 100) return 4.5;
  return 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6;
}

double estimateOneWayDelayMs(AudioCodec codec, double rttMs, double jitterMs) {
  const double network = rttMs > 0 ? rttMs / 2 : 0;
  const double jitterBuffer = std::max(20.0, 2 * std::max(0.0, jitterMs));
  constexpr double kPacketMs = 20;
  return network + jitterBuffer + kPacketMs + codecImpairment(codec).lookaheadMs;
}

}  // namespace trunkline::media
