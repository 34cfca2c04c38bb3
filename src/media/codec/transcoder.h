#pragma once
// Transcoder: one direction of a transcoded stream. RTP payloads of codec X in (any ptime
// the sender chose), RTP payloads of codec Y out at a fixed ptime, with the output RTP
// sequence numbers and timestamps it owns. The relay parses and writes RTP headers (SSRC,
// CSRC, extensions are its business); the Transcoder sees payload type, marker, sequence,
// timestamp and payload.
//
// Per input packet:
//   * audio of the input PT is decoded (to PCM at a rate both codecs share when Opus is
//     one side, else the decoder's native rate), resampled if the rates differ (only
//     G.722 16 kHz against an 8 kHz codec), appended to a frame buffer, and every full
//     output frame is encoded as one packet. 30 ms in / 20 ms out gives 1 or 2 packets
//     per input packet; 20 in / 60 out gives one every third.
//   * a gap in timestamps with missing sequence numbers is packet loss: up to
//     maxConcealMs of it is filled by the decoder's concealment (G.729 erasure, Opus PLC
//     and in-band FEC; silence for G.711/G.722) so output timing stays continuous.
//   * a gap without missing sequence numbers is the sender being silent (VAD/DTX, RFC 3551
//     §4.1), as is a loss longer than maxConcealMs: the partial output frame is completed
//     with silence, the rest of the gap is skipped in the output timestamps, and the
//     next packet carries the marker bit (start of a talkspurt).
//   * packets older than expected (reordered or duplicated) are dropped and counted; a
//     jump back of more than 2 s is taken as the source restarting (resync).
//   * telephone-event (RFC 4733) packets are relayed with the output event PT, their
//     timestamp mapped onto the output timeline and durations rescaled to the output event
//     clock. They share the output sequence numbers with the audio.
//   * comfort noise (RFC 3389), if its PT is configured, is dropped: the silence it
//     describes becomes a gap as above.
//
// Thread affinity: one instance per stream direction on the relay worker that owns the
// stream; not thread-safe, takes no locks. Lifetime: the stream's. Every buffer is sized
// in create(); push() and flush() do not allocate, and the packets they return point into
// the Transcoder and stay valid until its next call.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "media/codec/codec.h"
#include "media/codec/coder.h"
#include "media/codec/resampler.h"

namespace trunkline::media::codec {

struct TranscoderConfig {
  CodecId inCodec = CodecId::Pcmu;
  std::uint8_t inPt = 0;
  CodecId outCodec = CodecId::Pcma;
  std::uint8_t outPt = 8;
  std::uint32_t outPtimeMs = 20;  // isValidPtime(outCodec, ...)

  // RFC 4733 events. Unset inEventPt: such packets are an unknown PT. Unset outEventPt:
  // the far side takes no events, they are dropped (counted).
  std::optional<std::uint8_t> inEventPt;
  std::optional<std::uint8_t> outEventPt;
  std::uint32_t inEventClock = 0;   // 0 = the input audio clock
  std::uint32_t outEventClock = 0;  // 0 = the output audio clock
  // RFC 3389 comfort noise arriving on the input (PT 13 usually); unset: unknown PT.
  std::optional<std::uint8_t> inCnPt;

  // First output sequence number and timestamp: random per stream (RFC 3550 §5.1), drawn by
  // the caller so tests can fix them.
  std::uint16_t firstSeq = 0;
  std::uint32_t firstTimestamp = 0;

  std::uint32_t maxPacketMs = 200;   // longer input packets are refused (TooLong)
  std::uint32_t maxConcealMs = 120;  // longer losses are treated as a silence gap
  int resamplerQuality = Resampler::kDefaultQuality;
  EncoderOptions encoder;  // Opus knobs; pcmRate is chosen by the Transcoder
};

struct InPacket {
  std::uint8_t pt = 0;
  bool marker = false;
  std::uint16_t seq = 0;
  std::uint32_t timestamp = 0;
  std::span<const std::uint8_t> payload;
};

struct OutPacket {
  std::uint8_t pt = 0;
  bool marker = false;
  std::uint16_t seq = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t duration = 0;  // output RTP clock units of audio carried; 0 for events
  std::span<const std::uint8_t> payload;
};

struct TranscoderStats {
  std::uint64_t packetsIn = 0;         // audio packets decoded
  std::uint64_t packetsOut = 0;        // audio packets produced
  std::uint64_t eventsOut = 0;         // telephone-event packets relayed
  std::uint64_t eventsDropped = 0;     // events with no output event PT
  std::uint64_t cnDropped = 0;         // comfort-noise packets absorbed
  std::uint64_t rejected = 0;          // push() returned an error
  std::uint64_t late = 0;              // reordered/duplicate packets dropped
  std::uint64_t lostPackets = 0;       // sequence numbers never seen
  std::uint64_t concealedSamples = 0;  // at the decoder's PCM rate
  std::uint64_t discontinuities = 0;   // silence gaps skipped in the output timeline
  std::uint64_t resyncs = 0;
  std::uint64_t decodeErrors = 0;  // valid-looking packets the library refused (concealed)
  std::uint64_t encodeErrors = 0;  // frames the encoder refused (skipped)
  std::uint64_t dtxFrames = 0;     // output frames the encoder chose not to send
};

class Transcoder {
 public:
  static base::Result<Transcoder> create(const TranscoderConfig& config);

  Transcoder(Transcoder&&) noexcept = default;
  Transcoder& operator=(Transcoder&&) noexcept = default;

  /// Takes one input packet; returns the output packets it completed (often none or one).
  /// An error means the packet was refused and nothing changed.
  PacketResult<std::span<const OutPacket>> push(const InPacket& in);
  /// Emits the partial output frame, padded with silence (before a hold or the end).
  std::span<const OutPacket> flush();
  /// The input source changed (new SSRC): forget input timing and decoder history, drop
  /// the partial frame. Output sequence and timestamps continue; the next packet is marked.
  void reset();

  const TranscoderConfig& config() const { return config_; }
  const TranscoderStats& stats() const { return stats_; }
  std::uint32_t inClock() const { return inClock_; }
  std::uint32_t outClock() const { return outClock_; }
  /// PCM rates of the decoder and the encoder.
  std::uint32_t decodeRate() const { return decRate_; }
  std::uint32_t encodeRate() const { return encRate_; }
  /// Output timestamp units per output packet.
  std::uint32_t frameUnits() const { return frameUnits_; }

 private:
  Transcoder() = default;
  PacketResult<std::span<const OutPacket>> pushAudio(const InPacket& in);
  PacketResult<std::span<const OutPacket>> pushEvent(const InPacket& in);
  void start(const InPacket& in);
  void conceal(std::uint64_t decSamples, std::span<const std::uint8_t> next);
  void discontinuity(std::uint64_t gapUnits);
  void appendDecoded(std::span<const std::int16_t> pcm);
  void appendPcm(std::span<const std::int16_t> pcm);
  void appendSilence(std::size_t samples);
  void encodeFrame();
  void flushPartial();
  std::uint32_t pendingUnits() const;

  TranscoderConfig config_;
  std::unique_ptr<Decoder> dec_;
  std::unique_ptr<Encoder> enc_;
  std::optional<Resampler> resampler_;
  std::uint32_t inClock_ = 0, outClock_ = 0, decRate_ = 0, encRate_ = 0;
  std::uint32_t inEventClock_ = 0, outEventClock_ = 0;
  std::size_t frameSamples_ = 0;  // per output packet, at encRate_
  std::uint32_t frameUnits_ = 0;  // per output packet, in outClock_
  std::size_t maxPacketSamples_ = 0;
  std::uint32_t maxConcealUnits_ = 0;
  std::uint32_t resyncUnits_ = 0;
  std::size_t maxPayload_ = 0;

  std::vector<std::int16_t> decBuf_;
  std::vector<std::int16_t> rsBuf_;
  std::vector<std::int16_t> pending_;
  std::size_t pendingLen_ = 0;
  std::vector<std::uint8_t> arena_;
  std::size_t arenaUsed_ = 0;
  std::vector<OutPacket> out_;
  std::size_t maxOut_ = 0;

  bool started_ = false;
  std::uint32_t nextInTs_ = 0;
  std::uint16_t nextInSeq_ = 0;
  std::uint32_t outTs_ = 0;  // timestamp of the first sample in pending_
  std::uint16_t outSeq_ = 0;
  bool markNext_ = true;
  TranscoderStats stats_;
};

}  // namespace trunkline::media::codec
