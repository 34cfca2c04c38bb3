#pragma once
// Resampler: 16-bit mono PCM between 8, 16 and 48 kHz (any pair of the three), for the
// G.722 (16 kHz) ↔ narrowband (8 kHz) paths of the Transcoder.
//
// The filter is speexdsp's: a windowed-sinc (Kaiser window) polyphase FIR, linear phase.
// The quality level picks the filter length and window; Trunkline uses 5 by default
// (about 80 taps at the input rate when downsampling by 2, roughly 70 dB of stop-band
// attenuation, pass band to ~0.9 of the lower Nyquist). The filter delays the signal by
// latency() samples, constant for the stream's life.
//
// Thread affinity: one instance per stream direction, owned by its relay worker, not
// thread-safe. Lifetime: created at stream setup (the only allocation); process() never
// allocates.
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "media/codec/codec.h"

struct SpeexResamplerState_;

namespace trunkline::media::codec {

class Resampler {
 public:
  static constexpr int kDefaultQuality = 5;

  /// Rates must each be 8000, 16000 or 48000; quality 0..10.
  static base::Result<Resampler> create(std::uint32_t inRate, std::uint32_t outRate,
                                        int quality = kDefaultQuality);

  Resampler(Resampler&& other) noexcept;
  Resampler& operator=(Resampler&& other) noexcept;
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;
  ~Resampler();

  std::uint32_t inRate() const { return inRate_; }
  std::uint32_t outRate() const { return outRate_; }
  /// An output span of this size always takes all of `inSamples` input.
  std::size_t maxOutput(std::size_t inSamples) const;
  /// Resamples all of `in` into `out`; returns the samples written. Across calls the
  /// output count averages in * outRate / inRate (a call may give one more or less).
  PacketResult<std::size_t> process(std::span<const std::int16_t> in, std::span<std::int16_t> out);
  /// Delay the filter adds, in output samples.
  std::uint32_t latency() const;
  /// Clears the filter history (a new source).
  void reset();

 private:
  Resampler(SpeexResamplerState_* s, std::uint32_t in, std::uint32_t out)
      : s_(s), inRate_(in), outRate_(out) {}
  SpeexResamplerState_* s_ = nullptr;
  std::uint32_t inRate_ = 0;
  std::uint32_t outRate_ = 0;
};

}  // namespace trunkline::media::codec
