// G.722 at 64 kbit/s (mode 1) through spandsp's implementation of ITU-T G.722.
// One payload byte carries one 16 kHz sample pair (both sub-bands of one QMF step), so a
// payload of N bytes is 2N samples = N RTP timestamp units at the (8000) G.722 RTP clock.
#include <algorithm>
#include <climits>
#include <cstdint>

// spandsp's headers use the C names (uint8_t) unqualified, and g722.h needs the
// declaration macros of telephony.h first: keep these three in this order.
#include <stdint.h>

extern "C" {
#include <spandsp/telephony.h>
// (after telephony.h)
#include <spandsp/g722.h>
}

#include "media/codec/coders_internal.h"

namespace trunkline::media::codec::detail {
namespace {

constexpr int kBitRate = 64000;  // RTP G.722 is always mode 1 (RFC 3551 §4.5.2)

class G722Decoder final : public Decoder {
 public:
  explicit G722Decoder(g722_decode_state_t* s) : s_(s) {}
  ~G722Decoder() override { g722_decode_free(s_); }
  G722Decoder(const G722Decoder&) = delete;
  G722Decoder& operator=(const G722Decoder&) = delete;

  CodecId codec() const override { return CodecId::G722; }
  std::uint32_t pcmRate() const override { return 16000; }
  PacketResult<std::size_t> samplesIn(std::span<const std::uint8_t> payload) const override {
    if (payload.empty()) return packetError(PacketErrc::EmptyPayload);
    if (payload.size() > INT_MAX / 2) return packetError(PacketErrc::TooLong);
    return payload.size() * 2;
  }
  PacketResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                   std::span<std::int16_t> out) override {
    auto n = samplesIn(payload);
    if (!n) return n;
    if (out.size() < *n) return packetError(PacketErrc::BufferTooSmall);
    int got = g722_decode(s_, out.data(), payload.data(), static_cast<int>(payload.size()));
    if (got < 0 || static_cast<std::size_t>(got) != *n)
      return packetError(PacketErrc::CodecFailure);
    return *n;
  }
  // No concealment in G.722 itself (Appendices III/IV are not in spandsp): silence. The
  // ADPCM predictors keep their state across the gap and re-converge within a few ms.
  PacketResult<std::size_t> conceal(std::span<std::int16_t> out,
                                    std::span<const std::uint8_t>) override {
    std::fill(out.begin(), out.end(), std::int16_t{0});
    return out.size();
  }
  bool hasPlc() const override { return false; }
  void reset() override { g722_decode_init(s_, kBitRate, 0); }

 private:
  g722_decode_state_t* s_;
};

class G722Encoder final : public Encoder {
 public:
  explicit G722Encoder(g722_encode_state_t* s) : s_(s) {}
  ~G722Encoder() override { g722_encode_free(s_); }
  G722Encoder(const G722Encoder&) = delete;
  G722Encoder& operator=(const G722Encoder&) = delete;

  CodecId codec() const override { return CodecId::G722; }
  std::uint32_t pcmRate() const override { return 16000; }
  bool acceptsSamples(std::size_t samples) const override {
    return samples > 0 && samples % 2 == 0 && samples <= INT_MAX;
  }
  std::size_t maxPayloadBytes(std::size_t samples) const override { return samples / 2; }
  PacketResult<std::size_t> encode(std::span<const std::int16_t> pcm,
                                   std::span<std::uint8_t> out) override {
    if (!acceptsSamples(pcm.size())) return packetError(PacketErrc::BadFrameSize);
    if (out.size() < pcm.size() / 2) return packetError(PacketErrc::BufferTooSmall);
    int got = g722_encode(s_, out.data(), pcm.data(), static_cast<int>(pcm.size()));
    if (got < 0 || static_cast<std::size_t>(got) != pcm.size() / 2)
      return packetError(PacketErrc::CodecFailure);
    return pcm.size() / 2;
  }
  void reset() override { g722_encode_init(s_, kBitRate, 0); }

 private:
  g722_encode_state_t* s_;
};

}  // namespace

base::Result<std::unique_ptr<Decoder>> makeG722Decoder() {
  g722_decode_state_t* s = g722_decode_init(nullptr, kBitRate, 0);
  if (s == nullptr) return base::fail(base::Errc::Internal, "g722_decode_init failed");
  return std::make_unique<G722Decoder>(s);
}

base::Result<std::unique_ptr<Encoder>> makeG722Encoder() {
  g722_encode_state_t* s = g722_encode_init(nullptr, kBitRate, 0);
  if (s == nullptr) return base::fail(base::Errc::Internal, "g722_encode_init failed");
  return std::make_unique<G722Encoder>(s);
}

}  // namespace trunkline::media::codec::detail
