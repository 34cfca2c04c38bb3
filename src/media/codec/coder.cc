// makeDecoder/makeEncoder, and the G.711 coders (table lookups, no library).
#include "media/codec/coder.h"

#include <algorithm>

#include <fmt/format.h>

#include "media/codec/coders_internal.h"
#include "media/codec/g711.h"

namespace trunkline::media::codec {
namespace detail {
namespace {

class G711Decoder final : public Decoder {
 public:
  explicit G711Decoder(CodecId id) : id_(id) {}
  CodecId codec() const override { return id_; }
  std::uint32_t pcmRate() const override { return 8000; }
  PacketResult<std::size_t> samplesIn(std::span<const std::uint8_t> payload) const override {
    if (payload.empty()) return packetError(PacketErrc::EmptyPayload);
    return payload.size();
  }
  PacketResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                   std::span<std::int16_t> out) override {
    if (payload.empty()) return packetError(PacketErrc::EmptyPayload);
    if (out.size() < payload.size()) return packetError(PacketErrc::BufferTooSmall);
    return id_ == CodecId::Pcmu ? g711::ulawDecode(payload, out) : g711::alawDecode(payload, out);
  }
  // G.711 has no concealment of its own (its Appendix I algorithm is not implemented
  // here): a gap becomes silence.
  PacketResult<std::size_t> conceal(std::span<std::int16_t> out,
                                    std::span<const std::uint8_t>) override {
    std::fill(out.begin(), out.end(), std::int16_t{0});
    return out.size();
  }
  bool hasPlc() const override { return false; }
  void reset() override {}

 private:
  CodecId id_;
};

class G711Encoder final : public Encoder {
 public:
  explicit G711Encoder(CodecId id) : id_(id) {}
  CodecId codec() const override { return id_; }
  std::uint32_t pcmRate() const override { return 8000; }
  bool acceptsSamples(std::size_t samples) const override { return samples > 0; }
  std::size_t maxPayloadBytes(std::size_t samples) const override { return samples; }
  PacketResult<std::size_t> encode(std::span<const std::int16_t> pcm,
                                   std::span<std::uint8_t> out) override {
    if (pcm.empty()) return packetError(PacketErrc::BadFrameSize);
    if (out.size() < pcm.size()) return packetError(PacketErrc::BufferTooSmall);
    return id_ == CodecId::Pcmu ? g711::ulawEncode(pcm, out) : g711::alawEncode(pcm, out);
  }
  void reset() override {}

 private:
  CodecId id_;
};

}  // namespace

std::unique_ptr<Decoder> makeG711Decoder(CodecId id) {
  return std::make_unique<G711Decoder>(id);
}
std::unique_ptr<Encoder> makeG711Encoder(CodecId id) {
  return std::make_unique<G711Encoder>(id);
}

}  // namespace detail

namespace {

base::Result<void> checkNativeRate(CodecId id, std::uint32_t rate) {
  if (rate == 0 || rate == codecInfo(id).sampleRate) return {};
  return base::fail(
      base::Errc::InvalidArgument,
      fmt::format("{} works at {} Hz only, not {}", codecName(id), codecInfo(id).sampleRate, rate));
}

}  // namespace

base::Result<std::unique_ptr<Decoder>> makeDecoder(CodecId id, const DecoderOptions& opts) {
  if (id != CodecId::Opus && id != CodecId::TelephoneEvent) {
    if (auto r = checkNativeRate(id, opts.pcmRate); !r) return tl::unexpected(r.error());
  }
  switch (id) {
    case CodecId::Pcmu:
    case CodecId::Pcma: return detail::makeG711Decoder(id);
    case CodecId::G722: return detail::makeG722Decoder();
    case CodecId::G729: return detail::makeG729Decoder();
    case CodecId::Opus: return detail::makeOpusDecoder(opts.pcmRate == 0 ? 48000 : opts.pcmRate);
    case CodecId::TelephoneEvent: break;
  }
  return base::fail(base::Errc::InvalidArgument, "telephone-event has no decoder");
}

base::Result<std::unique_ptr<Encoder>> makeEncoder(CodecId id, const EncoderOptions& opts) {
  if (id != CodecId::Opus && id != CodecId::TelephoneEvent) {
    if (auto r = checkNativeRate(id, opts.pcmRate); !r) return tl::unexpected(r.error());
  }
  switch (id) {
    case CodecId::Pcmu:
    case CodecId::Pcma: return detail::makeG711Encoder(id);
    case CodecId::G722: return detail::makeG722Encoder();
    case CodecId::G729: return detail::makeG729Encoder();
    case CodecId::Opus: return detail::makeOpusEncoder(opts);
    case CodecId::TelephoneEvent: break;
  }
  return base::fail(base::Errc::InvalidArgument, "telephone-event has no encoder");
}

}  // namespace trunkline::media::codec
