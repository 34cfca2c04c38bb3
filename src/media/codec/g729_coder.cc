// G.729 Annex A through Belledonne's bcg729. An RTP payload (RFC 3551 §4.5.6) is a run of
// 10-byte voice frames (10 ms each), optionally ended by one 2-byte Annex B SID frame
// (comfort-noise parameters standing for 10 ms). Any 80 bits decode to something, so only
// the length can be wrong.
#include <algorithm>
#include <array>

extern "C" {
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
}

#include "media/codec/coders_internal.h"

namespace trunkline::media::codec::detail {
namespace {

constexpr std::size_t kFrameBytes = 10;
constexpr std::size_t kSidBytes = 2;
constexpr std::size_t kFrameSamples = 80;

class G729Decoder final : public Decoder {
 public:
  explicit G729Decoder(bcg729DecoderChannelContextStruct* s) : s_(s) {}
  ~G729Decoder() override { closeBcg729DecoderChannel(s_); }
  G729Decoder(const G729Decoder&) = delete;
  G729Decoder& operator=(const G729Decoder&) = delete;

  CodecId codec() const override { return CodecId::G729; }
  std::uint32_t pcmRate() const override { return 8000; }
  PacketResult<std::size_t> samplesIn(std::span<const std::uint8_t> payload) const override {
    if (payload.empty()) return packetError(PacketErrc::EmptyPayload);
    std::size_t rest = payload.size() % kFrameBytes;
    if (rest != 0 && rest != kSidBytes) return packetError(PacketErrc::BadLength);
    return (payload.size() / kFrameBytes + (rest != 0 ? 1 : 0)) * kFrameSamples;
  }
  PacketResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                   std::span<std::int16_t> out) override {
    auto n = samplesIn(payload);
    if (!n) return n;
    if (out.size() < *n) return packetError(PacketErrc::BufferTooSmall);
    std::size_t frames = payload.size() / kFrameBytes;
    for (std::size_t f = 0; f < frames; ++f)
      bcg729Decoder(s_, payload.data() + f * kFrameBytes, kFrameBytes, 0, 0, 0,
                    out.data() + f * kFrameSamples);
    if (payload.size() % kFrameBytes == kSidBytes)
      bcg729Decoder(s_, payload.data() + frames * kFrameBytes, kSidBytes, 0, 1, 0,
                    out.data() + frames * kFrameSamples);
    return *n;
  }
  // G.729 §4.4 frame erasure: the decoder repeats the last LSPs and pitch with decaying
  // gains. Partial frames are concealed whole and trimmed.
  PacketResult<std::size_t> conceal(std::span<std::int16_t> out,
                                    std::span<const std::uint8_t>) override {
    static constexpr std::array<std::uint8_t, kFrameBytes> kZeros{};
    std::size_t done = 0;
    while (done + kFrameSamples <= out.size()) {
      bcg729Decoder(s_, kZeros.data(), kFrameBytes, 1, 0, 0, out.data() + done);
      done += kFrameSamples;
    }
    if (done < out.size()) {
      std::array<std::int16_t, kFrameSamples> tmp;
      bcg729Decoder(s_, kZeros.data(), kFrameBytes, 1, 0, 0, tmp.data());
      std::copy_n(tmp.begin(), out.size() - done, out.begin() + static_cast<std::ptrdiff_t>(done));
    }
    return out.size();
  }
  bool hasPlc() const override { return true; }
  void reset() override {
    auto* fresh = initBcg729DecoderChannel();
    if (fresh == nullptr) return;  // keep the old state rather than none
    closeBcg729DecoderChannel(s_);
    s_ = fresh;
  }

 private:
  bcg729DecoderChannelContextStruct* s_;
};

class G729Encoder final : public Encoder {
 public:
  explicit G729Encoder(bcg729EncoderChannelContextStruct* s) : s_(s) {}
  ~G729Encoder() override { closeBcg729EncoderChannel(s_); }
  G729Encoder(const G729Encoder&) = delete;
  G729Encoder& operator=(const G729Encoder&) = delete;

  CodecId codec() const override { return CodecId::G729; }
  std::uint32_t pcmRate() const override { return 8000; }
  bool acceptsSamples(std::size_t samples) const override {
    return samples > 0 && samples % kFrameSamples == 0;
  }
  std::size_t maxPayloadBytes(std::size_t samples) const override {
    return samples / kFrameSamples * kFrameBytes;
  }
  // VAD/DTX (Annex B) is off: every frame is a voice frame, which every G.729 receiver
  // accepts whatever its annexb fmtp says.
  PacketResult<std::size_t> encode(std::span<const std::int16_t> pcm,
                                   std::span<std::uint8_t> out) override {
    if (!acceptsSamples(pcm.size())) return packetError(PacketErrc::BadFrameSize);
    if (out.size() < maxPayloadBytes(pcm.size())) return packetError(PacketErrc::BufferTooSmall);
    std::size_t frames = pcm.size() / kFrameSamples;
    for (std::size_t f = 0; f < frames; ++f) {
      std::uint8_t len = 0;
      bcg729Encoder(s_, pcm.data() + f * kFrameSamples, out.data() + f * kFrameBytes, &len);
      if (len != kFrameBytes) return packetError(PacketErrc::CodecFailure);
    }
    return frames * kFrameBytes;
  }
  void reset() override {
    auto* fresh = initBcg729EncoderChannel(0);
    if (fresh == nullptr) return;
    closeBcg729EncoderChannel(s_);
    s_ = fresh;
  }

 private:
  bcg729EncoderChannelContextStruct* s_;
};

}  // namespace

base::Result<std::unique_ptr<Decoder>> makeG729Decoder() {
  auto* s = initBcg729DecoderChannel();
  if (s == nullptr) return base::fail(base::Errc::Internal, "initBcg729DecoderChannel failed");
  return std::make_unique<G729Decoder>(s);
}

base::Result<std::unique_ptr<Encoder>> makeG729Encoder() {
  auto* s = initBcg729EncoderChannel(0);
  if (s == nullptr) return base::fail(base::Errc::Internal, "initBcg729EncoderChannel failed");
  return std::make_unique<G729Encoder>(s);
}

}  // namespace trunkline::media::codec::detail
