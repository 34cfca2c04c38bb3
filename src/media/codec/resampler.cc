#include "media/codec/resampler.h"

#include <climits>
#include <utility>

#include <fmt/format.h>
#include <speex/speex_resampler.h>

namespace trunkline::media::codec {
namespace {

bool supportedRate(std::uint32_t r) {
  return r == 8000 || r == 16000 || r == 48000;
}

}  // namespace

base::Result<Resampler> Resampler::create(std::uint32_t inRate, std::uint32_t outRate,
                                          int quality) {
  if (!supportedRate(inRate) || !supportedRate(outRate))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("resampler: unsupported rates {} -> {}", inRate, outRate));
  if (quality < SPEEX_RESAMPLER_QUALITY_MIN || quality > SPEEX_RESAMPLER_QUALITY_MAX)
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("resampler: quality {} outside 0..10", quality));
  int err = RESAMPLER_ERR_SUCCESS;
  SpeexResamplerState* s = speex_resampler_init(1, inRate, outRate, quality, &err);
  if (s == nullptr || err != RESAMPLER_ERR_SUCCESS)
    return base::fail(base::Errc::Internal,
                      fmt::format("speex_resampler_init: {}", speex_resampler_strerror(err)));
  return Resampler(s, inRate, outRate);
}

Resampler::Resampler(Resampler&& other) noexcept
    : s_(std::exchange(other.s_, nullptr)), inRate_(other.inRate_), outRate_(other.outRate_) {}

Resampler& Resampler::operator=(Resampler&& other) noexcept {
  if (this != &other) {
    if (s_ != nullptr) speex_resampler_destroy(s_);
    s_ = std::exchange(other.s_, nullptr);
    inRate_ = other.inRate_;
    outRate_ = other.outRate_;
  }
  return *this;
}

Resampler::~Resampler() {
  if (s_ != nullptr) speex_resampler_destroy(s_);
}

std::size_t Resampler::maxOutput(std::size_t inSamples) const {
  // Ceiling of the exact ratio, plus one for the phase the previous call left behind.
  return (inSamples * outRate_ + inRate_ - 1) / inRate_ + 1;
}

PacketResult<std::size_t> Resampler::process(std::span<const std::int16_t> in,
                                             std::span<std::int16_t> out) {
  if (s_ == nullptr) return packetError(PacketErrc::CodecFailure);
  if (in.size() > UINT32_MAX / 48 || out.size() < maxOutput(in.size()))
    return packetError(PacketErrc::BufferTooSmall);
  spx_uint32_t inLen = static_cast<spx_uint32_t>(in.size());
  spx_uint32_t outLen =
      static_cast<spx_uint32_t>(out.size() > UINT32_MAX ? UINT32_MAX : out.size());
  int err = speex_resampler_process_int(s_, 0, in.data(), &inLen, out.data(), &outLen);
  if (err != RESAMPLER_ERR_SUCCESS || inLen != in.size())
    return packetError(PacketErrc::CodecFailure);
  return static_cast<std::size_t>(outLen);
}

std::uint32_t Resampler::latency() const {
  return s_ == nullptr ? 0 : static_cast<std::uint32_t>(speex_resampler_get_output_latency(s_));
}

void Resampler::reset() {
  if (s_ != nullptr) speex_resampler_reset_mem(s_);
}

}  // namespace trunkline::media::codec
