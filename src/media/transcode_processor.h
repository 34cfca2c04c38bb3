#pragma once
// TranscodeProcessor: the relay step of one direction of a transcoded stream. RTP of codec X
// from the sending leg in, RTP of codec Y towards the receiving leg out, through a
// codec::Transcoder (media/codec/transcoder.h: decode, resample, re-frame to the output
// ptime, conceal loss, relabel telephone-event, absorb comfort noise).
//
// The output is a new RTP stream (RFC 3550 §3, §8: a translator that changes the encoding
// is the source of what it sends): its own SSRC, sequence numbers and timestamps, a plain
// 12-byte header (no CSRC, no extension, no padding). One received packet gives 0..N
// packets (PacketOutput), e.g. 30 ms in → 20 ms out alternates one and two packets.
//
// RTCP of the direction is dropped, not forwarded: the sender's SR describes a stream the
// receiver never sees (other SSRC, packet and octet counts, timestamps), and its report
// blocks describe our output towards it, which the far peer cannot use either. Relaying
// either would make the receiver compute wrong loss, jitter and round-trip figures; sending
// nothing is honest (RFC 3550 §6: RTCP is optional for a peer to act on, and every endpoint
// in the field tolerates a silent translator). Generating our own SR/RR is future work. The
// relay still reads the dropped RTCP for its statistics before this step runs.
//
// A new SSRC from the sender (a restarted source, a failover of the far media server)
// resets the Transcoder's input state; our output stream continues (same SSRC, contiguous
// numbers, marker set on the next packet).
//
// Threads: created on the control thread, runs on the stream's relay worker (handed over by
// MediaEngine::setProcessor). counters() may be read from any thread (relaxed atomics, one
// writer). Lifetime: as long as the engine or a controller holds it; no per-packet
// allocation (the Transcoder sized everything at creation).
#include <atomic>
#include <cstdint>
#include <memory>

#include "base/result.h"
#include "media/codec/transcoder.h"
#include "media/packet.h"

namespace trunkline::media {

struct TranscodeConfig {
  codec::TranscoderConfig transcoder;  // codecs, payload types, output ptime, events, CN
  std::uint32_t ssrc = 0;              // of our output stream (random, from the controller)
};

struct TranscodeCounters {
  std::uint64_t packetsIn = 0;    // RTP packets accepted by the transcoder
  std::uint64_t packetsOut = 0;   // RTP packets written
  std::uint64_t rtcpDropped = 0;  // RTCP of this direction (see above)
  std::uint64_t rejected = 0;     // malformed RTP, or a payload the transcoder refused
  std::uint64_t noBuffer = 0;     // output packets lost for want of a relay buffer
  std::uint64_t sourceChanges = 0;
};

class TranscodeProcessor final : public PacketProcessor {
 public:
  static base::Result<std::shared_ptr<TranscodeProcessor>> create(const TranscodeConfig& config);

  /// Without an output (1 → 1 use): the first packet produced replaces the received one;
  /// further ones are lost (counted as noBuffer). The relay uses processInto().
  Verdict process(Packet& packet, base::MonoTime now) override;
  Verdict processInto(Packet& packet, base::MonoTime now, PacketOutput& out) override;

  TranscodeCounters counters() const;
  const TranscodeConfig& config() const { return config_; }

 private:
  TranscodeProcessor(const TranscodeConfig& config, codec::Transcoder transcoder)
      : config_(config), transcoder_(std::move(transcoder)) {}
  /// Runs the transcoder on `packet`; nullopt when it was refused (counted).
  std::optional<std::span<const codec::OutPacket>> transcode(const Packet& packet);
  /// Writes header + payload of `out` into `to`; false if it does not fit.
  bool write(const codec::OutPacket& out, Packet& to);
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);  // one writer
  }

  TranscodeConfig config_;
  codec::Transcoder transcoder_;
  std::optional<std::uint32_t> sourceSsrc_;
  std::atomic<std::uint64_t> packetsIn_{0};
  std::atomic<std::uint64_t> packetsOut_{0};
  std::atomic<std::uint64_t> rtcpDropped_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> noBuffer_{0};
  std::atomic<std::uint64_t> sourceChanges_{0};
};

}  // namespace trunkline::media
