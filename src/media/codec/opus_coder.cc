// Opus (RFC 6716, RTP mapping RFC 7587) through libopus, mono. Stereo streams are decoded
// to mono by libopus itself; we always encode mono (sprop-stereo=0).
#include <algorithm>
#include <array>
#include <climits>

#include <fmt/format.h>
#include <opus/opus.h>

#include "media/codec/coders_internal.h"

namespace trunkline::media::codec::detail {
namespace {

constexpr std::size_t kMaxPacketBytes = 1500;  // we never ask for more than an MTU

bool validOpusRate(std::uint32_t r) {
  return r == 8000 || r == 12000 || r == 16000 || r == 24000 || r == 48000;
}

class OpusDecoderImpl final : public Decoder {
 public:
  OpusDecoderImpl(OpusDecoder* s, std::uint32_t rate) : s_(s), rate_(rate) {}
  ~OpusDecoderImpl() override { opus_decoder_destroy(s_); }
  OpusDecoderImpl(const OpusDecoderImpl&) = delete;
  OpusDecoderImpl& operator=(const OpusDecoderImpl&) = delete;

  CodecId codec() const override { return CodecId::Opus; }
  std::uint32_t pcmRate() const override { return rate_; }
  PacketResult<std::size_t> samplesIn(std::span<const std::uint8_t> payload) const override {
    if (payload.empty()) return packetError(PacketErrc::EmptyPayload);
    if (payload.size() > INT_MAX) return packetError(PacketErrc::TooLong);
    // Checks the framing (TOC byte, frame count and frame lengths, RFC 6716 §3.1-3.4)
    // without decoding, so a malformed packet is refused before it touches any state.
    const auto len = static_cast<opus_int32>(payload.size());
    unsigned char toc = 0;
    std::array<const unsigned char*, 48> frames{};
    std::array<opus_int16, 48> sizes{};
    int count = opus_packet_parse(payload.data(), len, &toc, frames.data(), sizes.data(), nullptr);
    if (count <= 0) return packetError(PacketErrc::InvalidPacket);
    int n = opus_packet_get_nb_samples(payload.data(), len, static_cast<opus_int32>(rate_));
    if (n <= 0) return packetError(PacketErrc::InvalidPacket);
    return static_cast<std::size_t>(n);
  }
  PacketResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                   std::span<std::int16_t> out) override {
    auto n = samplesIn(payload);
    if (!n) return n;
    if (out.size() < *n) return packetError(PacketErrc::BufferTooSmall);
    // The frame lengths inside a packet are checked only here (RFC 6716 §3.4 R1-R7):
    // libopus refuses a malformed packet without touching its state.
    int got = opus_decode(s_, payload.data(), static_cast<opus_int32>(payload.size()), out.data(),
                          static_cast<int>(*n), 0);
    if (got < 0) return packetError(PacketErrc::InvalidPacket);
    if (static_cast<std::size_t>(got) != *n) return packetError(PacketErrc::CodecFailure);
    return *n;
  }
  // Opus PLC extrapolates from the last decoded frames; libopus wants it asked for exactly
  // the missing duration in multiples of 2.5 ms. When the packet after the gap carries
  // in-band FEC (LBRR, RFC 6716 §4.2.4), its copy of the frame just before it is decoded
  // instead of concealing that last part; without FEC data libopus falls back to PLC.
  PacketResult<std::size_t> conceal(std::span<std::int16_t> out,
                                    std::span<const std::uint8_t> next) override {
    const std::size_t unit = rate_ / 400;  // 2.5 ms
    const std::size_t chunk = rate_ / 50;  // conceal in 20 ms steps
    std::size_t total = out.size();
    std::size_t whole = total / unit * unit;
    std::size_t fec = 0;
    if (!next.empty() && next.size() <= INT_MAX) {
      int spf = opus_packet_get_samples_per_frame(next.data(), static_cast<opus_int32>(rate_));
      if (spf > 0 && static_cast<std::size_t>(spf) <= whole &&
          static_cast<std::size_t>(spf) % unit == 0)
        fec = static_cast<std::size_t>(spf);
    }
    std::size_t done = 0;
    while (done < whole - fec) {
      std::size_t n = std::min(chunk, whole - fec - done);
      if (opus_decode(s_, nullptr, 0, out.data() + done, static_cast<int>(n), 0) < 0)
        return packetError(PacketErrc::CodecFailure);
      done += n;
    }
    if (fec > 0) {
      int got = opus_decode(s_, next.data(), static_cast<opus_int32>(next.size()),
                            out.data() + done, static_cast<int>(fec), 1);
      if (got < 0) {  // a malformed next packet: plain PLC for that part
        if (opus_decode(s_, nullptr, 0, out.data() + done, static_cast<int>(fec), 0) < 0)
          return packetError(PacketErrc::CodecFailure);
      }
      done += fec;
    }
    if (done < total) {  // a tail shorter than 2.5 ms: conceal one unit, keep its start
      std::array<std::int16_t, 120> tmp;  // 2.5 ms at 48 kHz
      if (opus_decode(s_, nullptr, 0, tmp.data(), static_cast<int>(unit), 0) < 0)
        return packetError(PacketErrc::CodecFailure);
      std::copy_n(tmp.begin(), total - done, out.begin() + static_cast<std::ptrdiff_t>(done));
    }
    return total;
  }
  bool hasPlc() const override { return true; }
  void reset() override { opus_decoder_ctl(s_, OPUS_RESET_STATE); }

 private:
  OpusDecoder* s_;
  std::uint32_t rate_;
};

class OpusEncoderImpl final : public Encoder {
 public:
  OpusEncoderImpl(OpusEncoder* s, std::uint32_t rate, std::uint32_t bitrate, bool dtx)
      : s_(s), rate_(rate), bitrate_(bitrate), dtx_(dtx) {}
  ~OpusEncoderImpl() override { opus_encoder_destroy(s_); }
  OpusEncoderImpl(const OpusEncoderImpl&) = delete;
  OpusEncoderImpl& operator=(const OpusEncoderImpl&) = delete;

  CodecId codec() const override { return CodecId::Opus; }
  std::uint32_t pcmRate() const override { return rate_; }
  bool acceptsSamples(std::size_t n) const override {
    // 2.5, 5, 10, 20, 40, 60 ms.
    return n == rate_ / 400 || n == rate_ / 200 || n == rate_ / 100 || n == rate_ / 50 ||
           n == rate_ / 25 || n == rate_ * 3 / 50;
  }
  /// Three times the average size at the configured bitrate (VBR peaks stay well below),
  /// at least 128 bytes, at most an MTU; handed to libopus as its hard limit.
  std::size_t maxPayloadBytes(std::size_t samples) const override {
    std::size_t avg = std::uint64_t{bitrate_} * samples / rate_ / 8;
    return std::clamp<std::size_t>(3 * avg, 128, kMaxPacketBytes);
  }
  /// Returns 0 when DTX is on and the frame need not be sent (libopus says so by producing
  /// at most 2 bytes).
  PacketResult<std::size_t> encode(std::span<const std::int16_t> pcm,
                                   std::span<std::uint8_t> out) override {
    if (!acceptsSamples(pcm.size())) return packetError(PacketErrc::BadFrameSize);
    if (out.empty()) return packetError(PacketErrc::BufferTooSmall);
    auto cap = static_cast<opus_int32>(std::min(out.size(), maxPayloadBytes(pcm.size())));
    opus_int32 got = opus_encode(s_, pcm.data(), static_cast<int>(pcm.size()), out.data(), cap);
    if (got < 0)
      return got == OPUS_BUFFER_TOO_SMALL ? packetError(PacketErrc::BufferTooSmall)
                                          : packetError(PacketErrc::CodecFailure);
    if (dtx_ && got <= 2) return std::size_t{0};
    return static_cast<std::size_t>(got);
  }
  void reset() override { opus_encoder_ctl(s_, OPUS_RESET_STATE); }

 private:
  OpusEncoder* s_;
  std::uint32_t rate_;
  std::uint32_t bitrate_;
  bool dtx_;
};

}  // namespace

base::Result<std::unique_ptr<Decoder>> makeOpusDecoder(std::uint32_t pcmRate) {
  if (!validOpusRate(pcmRate))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("opus cannot decode to {} Hz", pcmRate));
  int err = OPUS_OK;
  OpusDecoder* s = opus_decoder_create(static_cast<opus_int32>(pcmRate), 1, &err);
  if (s == nullptr || err != OPUS_OK)
    return base::fail(base::Errc::Internal,
                      fmt::format("opus_decoder_create: {}", opus_strerror(err)));
  return std::make_unique<OpusDecoderImpl>(s, pcmRate);
}

base::Result<std::unique_ptr<Encoder>> makeOpusEncoder(const EncoderOptions& o) {
  std::uint32_t rate = o.pcmRate == 0 ? 48000 : o.pcmRate;
  if (!validOpusRate(rate))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("opus cannot encode from {} Hz", rate));
  if (o.opusBitrate < 6000 || o.opusBitrate > 510000 || o.opusComplexity < 0 ||
      o.opusComplexity > 10 || o.opusPacketLossPct < 0 || o.opusPacketLossPct > 100)
    return base::fail(base::Errc::InvalidArgument, "opus encoder option out of range");
  int err = OPUS_OK;
  OpusEncoder* s =
      opus_encoder_create(static_cast<opus_int32>(rate), 1, OPUS_APPLICATION_VOIP, &err);
  if (s == nullptr || err != OPUS_OK)
    return base::fail(base::Errc::Internal,
                      fmt::format("opus_encoder_create: {}", opus_strerror(err)));
  auto enc = std::make_unique<OpusEncoderImpl>(s, rate, o.opusBitrate, o.opusDtx);
  bool ok =
      opus_encoder_ctl(s, OPUS_SET_BITRATE(static_cast<opus_int32>(o.opusBitrate))) == OPUS_OK &&
      opus_encoder_ctl(s, OPUS_SET_COMPLEXITY(o.opusComplexity)) == OPUS_OK &&
      opus_encoder_ctl(s, OPUS_SET_INBAND_FEC(o.opusInbandFec ? 1 : 0)) == OPUS_OK &&
      opus_encoder_ctl(s, OPUS_SET_PACKET_LOSS_PERC(o.opusPacketLossPct)) == OPUS_OK &&
      opus_encoder_ctl(s, OPUS_SET_DTX(o.opusDtx ? 1 : 0)) == OPUS_OK &&
      opus_encoder_ctl(s, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) == OPUS_OK;
  if (!ok) return base::fail(base::Errc::Internal, "opus_encoder_ctl failed");
  return enc;
}

}  // namespace trunkline::media::codec::detail
