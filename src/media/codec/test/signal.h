#pragma once
// Test helpers: generate tones and measure what came out of a codec chain.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

namespace trunkline::media::codec::testing {

/// `n` samples of a sine of `freq` Hz and peak `amplitude` at `rate` Hz, starting at
/// sample index `start` (so consecutive calls continue the same wave).
inline std::vector<std::int16_t> sine(double freq, double rate, double amplitude, std::size_t n,
                                      std::size_t start = 0) {
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    double x = amplitude * std::sin(2 * std::numbers::pi * freq * double(start + i) / rate);
    v[i] = static_cast<std::int16_t>(std::lround(x));
  }
  return v;
}

inline double rms(std::span<const std::int16_t> s) {
  if (s.empty()) return 0;
  double acc = 0;
  for (auto x : s) acc += double(x) * double(x);
  return std::sqrt(acc / double(s.size()));
}

/// RMS level relative to a full-scale square wave (dBFS as most meters show it).
inline double dbfs(std::span<const std::int16_t> s) {
  return 20 * std::log10(rms(s) / 32768.0 + 1e-12);
}

/// Amplitude (peak) of the component at `freq`, by the Goertzel recurrence: one DFT bin
/// evaluated without an FFT. Exact for a whole number of periods in the window.
inline double goertzelAmplitude(std::span<const std::int16_t> s, double freq, double rate) {
  double w = 2 * std::numbers::pi * freq / rate;
  double c = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (auto x : s) {
    double s0 = double(x) + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  double power = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 2 * std::sqrt(std::max(power, 0.0)) / double(s.size());
}

/// Share of the signal's energy that is the tone at `freq`, in dB (0 = pure tone; a codec
/// adding noise or distortion pushes it negative).
inline double toneShareDb(std::span<const std::int16_t> s, double freq, double rate) {
  double a = goertzelAmplitude(s, freq, rate);
  double toneRms = a / std::sqrt(2.0);
  return 20 * std::log10(toneRms / (rms(s) + 1e-12) + 1e-12);
}

/// Tone-to-rest ratio in dB: the tone's power against everything else (noise, distortion,
/// other frequencies). Use windows holding a whole number of periods.
inline double toneSnrDb(std::span<const std::int16_t> s, double freq, double rate) {
  double a = goertzelAmplitude(s, freq, rate);
  double tone = a * a / 2;
  double total = rms(s) * rms(s);
  double rest = total - tone;
  if (rest <= tone * 1e-10) return 100;
  return 10 * std::log10(tone / rest);
}

/// Frequency from upward zero crossings (first to last crossing, interpolated).
inline double zeroCrossingHz(std::span<const std::int16_t> s, double rate) {
  double first = -1, last = -1;
  int count = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i - 1] < 0 && s[i] >= 0) {
      double frac = double(-s[i - 1]) / double(s[i] - s[i - 1]);
      double t = double(i - 1) + frac;
      if (first < 0)
        first = t;
      else
        ++count;
      last = t;
    }
  }
  if (count == 0) return 0;
  return double(count) * rate / (last - first);
}

}  // namespace trunkline::media::codec::testing
