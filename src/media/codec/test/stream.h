#pragma once
// Test helpers: whole RTP streams (payload + header fields) as owned values.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "media/codec/coder.h"
#include "media/codec/transcoder.h"

namespace trunkline::media::codec::testing {

struct Pkt {
  std::uint8_t pt = 0;
  bool marker = false;
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  std::uint32_t duration = 0;
  std::vector<std::uint8_t> payload;

  InPacket in() const { return InPacket{pt, marker, seq, ts, payload}; }
};

inline void append(std::vector<Pkt>& to, std::span<const OutPacket> out) {
  for (const auto& p : out)
    to.push_back(Pkt{p.pt, p.marker, p.seq, p.timestamp, p.duration,
                     std::vector<std::uint8_t>(p.payload.begin(), p.payload.end())});
}

/// Encodes `pcm` (at `rate`) as packets of `ptimeMs`, consecutive seq/ts from seq0/ts0.
inline std::vector<Pkt> encodeStream(CodecId id, std::uint8_t pt, std::uint32_t rate,
                                     std::uint32_t ptimeMs, std::span<const std::int16_t> pcm,
                                     std::uint16_t seq0 = 1000, std::uint32_t ts0 = 5000) {
  std::vector<Pkt> pkts;
  auto enc = makeEncoder(id, EncoderOptions{.pcmRate = rate});
  EXPECT_TRUE(enc);
  if (!enc) return pkts;
  const std::size_t frame = std::size_t{rate} * ptimeMs / 1000;
  const std::uint32_t units = codecInfo(id).clockRate / 1000 * ptimeMs;
  std::vector<std::uint8_t> buf(4000);
  std::uint16_t seq = seq0;
  std::uint32_t ts = ts0;
  for (std::size_t off = 0; off + frame <= pcm.size(); off += frame) {
    auto n = (*enc)->encode(pcm.subspan(off, frame), buf);
    EXPECT_TRUE(n);
    if (!n) break;
    pkts.push_back(
        Pkt{pt, pkts.empty(), seq++, ts, units,
            std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n))});
    ts += units;
  }
  return pkts;
}

/// Pushes every packet; each must be accepted.
inline std::vector<Pkt> transcodeAll(Transcoder& t, const std::vector<Pkt>& in) {
  std::vector<Pkt> out;
  for (const auto& p : in) {
    auto r = t.push(p.in());
    EXPECT_TRUE(r) << errcName(r.error());
    if (r) append(out, *r);
  }
  return out;
}

/// Decodes a stream in order (no gaps expected), at `rate`.
inline std::vector<std::int16_t> decodeStream(CodecId id, std::uint32_t rate,
                                              const std::vector<Pkt>& pkts) {
  std::vector<std::int16_t> pcm;
  auto dec = makeDecoder(id, DecoderOptions{.pcmRate = rate});
  EXPECT_TRUE(dec);
  if (!dec) return pcm;
  std::vector<std::int16_t> buf(rate);
  for (const auto& p : pkts) {
    auto n = (*dec)->decode(p.payload, buf);
    EXPECT_TRUE(n);
    if (n) pcm.insert(pcm.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  return pcm;
}

inline Transcoder makeTranscoder(const TranscoderConfig& c) {
  auto t = Transcoder::create(c);
  if (!t) {
    ADD_FAILURE() << t.error().message;
    std::abort();  // every test below would read garbage
  }
  return std::move(*t);
}

}  // namespace trunkline::media::codec::testing
