#pragma once
// Decoder and Encoder: one per stream direction, holding the codec's state (G.729 and Opus
// predict from past frames; G.722 is ADPCM), converting payloads to and from 16-bit linear
// PCM at pcmRate().
//
// Thread affinity: an instance belongs to the relay worker that owns its stream; it is not
// thread-safe and needs no locks. Lifetime: created at stream setup (the only allocation),
// used per packet without allocating, destroyed with the stream.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"
#include "media/codec/codec.h"

namespace trunkline::media::codec {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual CodecId codec() const = 0;
  /// Samples per second of the PCM it produces.
  virtual std::uint32_t pcmRate() const = 0;
  /// How many samples (at pcmRate) `payload` decodes to, after checking its size and
  /// structure. Does not touch the decoder's state, so a packet can be judged (late,
  /// duplicate, too long) before it is decoded.
  virtual PacketResult<std::size_t> samplesIn(std::span<const std::uint8_t> payload) const = 0;
  /// Decodes one RTP payload into `out`; returns the samples written (== samplesIn).
  virtual PacketResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                           std::span<std::int16_t> out) = 0;
  /// Fills all of `out` with audio standing in for lost packets: the codec's own
  /// concealment where it has one (G.729 frame erasure, Opus PLC, and Opus in-band FEC from
  /// `next`, the first packet after the gap, when given), otherwise silence.
  virtual PacketResult<std::size_t> conceal(std::span<std::int16_t> out,
                                            std::span<const std::uint8_t> next) = 0;
  /// True when conceal() does better than silence.
  virtual bool hasPlc() const = 0;
  /// Forget the past (new source / SSRC).
  virtual void reset() = 0;
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  virtual CodecId codec() const = 0;
  virtual std::uint32_t pcmRate() const = 0;
  /// Whether `samples` of PCM can be encoded as one payload (a frame multiple; for Opus,
  /// one of its frame durations).
  virtual bool acceptsSamples(std::size_t samples) const = 0;
  /// The largest payload encode() can write for `samples` of PCM.
  virtual std::size_t maxPayloadBytes(std::size_t samples) const = 0;
  /// Encodes `pcm` as one RTP payload into `out`; returns its length in bytes.
  virtual PacketResult<std::size_t> encode(std::span<const std::int16_t> pcm,
                                           std::span<std::uint8_t> out) = 0;
  virtual void reset() = 0;
};

struct DecoderOptions {
  /// PCM rate to decode to. 0 = the codec's native rate. Only Opus decodes at other rates
  /// (8000, 12000, 16000, 24000, 48000); for the others it must be 0 or native.
  std::uint32_t pcmRate = 0;
};

struct EncoderOptions {
  /// PCM rate handed to encode(). 0 = native. Opus accepts 8000/12000/16000/24000/48000.
  std::uint32_t pcmRate = 0;
  // Opus (RFC 7587 fmtp maxaveragebitrate, useinbandfec, usedtx are the SDP knobs).
  std::uint32_t opusBitrate = 24000;  // bit/s; VoIP wideband sounds good from ~20 kbit/s
  int opusComplexity = 5;             // 0..10; 5 halves the CPU of 10 for a small loss
  bool opusInbandFec = true;          // lets the far decoder rebuild a lost frame
  int opusPacketLossPct = 5;          // how much FEC redundancy the encoder spends
  bool opusDtx = false;               // with DTX the encoder may emit 1-2 byte packets for silence
};

base::Result<std::unique_ptr<Decoder>> makeDecoder(CodecId id, const DecoderOptions& opts = {});
base::Result<std::unique_ptr<Encoder>> makeEncoder(CodecId id, const EncoderOptions& opts = {});

}  // namespace trunkline::media::codec
