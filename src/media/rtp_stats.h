#pragma once
// Receive-side RTP statistics of one direction of a stream (RFC 3550 Appendix A.1, A.3,
// A.8) and the RTCP bookkeeping that yields round-trip times (§6.4.1). Plain values updated
// in place by the relay worker that owns the stream: no locks, no allocation per packet.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/clock.h"
#include "media/quality.h"
#include "media/rtp.h"

namespace trunkline::media {

/// How a payload type is to be read: clock rate (for jitter in ms), kind and codec.
struct PayloadInfo {
  std::uint32_t clockRate = 0;  // 0 = unknown: no jitter computed
  PayloadKind kind = PayloadKind::Unknown;
  AudioCodec codec = AudioCodec::Unknown;
};

/// Payload type → PayloadInfo, a flat array (a lookup is an index). Payload types the
/// signalling did not map fall back to the RFC 3551 static assignments that are audio at
/// 8000 Hz (0 PCMU, 3 GSM, 4 G723, 8 PCMA, 9 G722, 13 CN, 15 G728, 18 G729).
class PayloadTable {
 public:
  void clear() { entries_ = {}; }
  /// Maps `pt` (0..127; others ignored) to an rtpmap encoding name and clock rate.
  void set(std::uint8_t pt, std::uint32_t clockRate, std::string_view encoding);
  PayloadInfo lookup(std::uint8_t pt) const;

 private:
  std::array<PayloadInfo, 128> entries_{};
};

/// Snapshot of one direction's receive statistics.
struct ReceiverReport {
  std::uint32_t ssrc = 0;
  std::uint64_t packets = 0;        // RTP packets fed in (all payload types)
  std::int64_t expected = 0;        // from the extended sequence numbers (A.3)
  std::int64_t lost = 0;            // expected − received; may be negative on duplicates
  std::uint64_t reordered = 0;      // arrived with a sequence number below the highest seen
  std::uint64_t sourceChanges = 0;  // SSRC changes and sequence restarts
  std::uint32_t jitterTs = 0;       // interarrival jitter, timestamp units (A.8)
  double jitterMs = 0;
  double maxJitterMs = 0;
  std::uint32_t clockRate = 0;             // of the audio the jitter was measured on
  AudioCodec codec = AudioCodec::Unknown;  // of the last audio packet
  double lossPercent() const {
    return expected > 0 && lost > 0 ? 100.0 * static_cast<double>(lost) / expected : 0.0;
  }
};

/// Sequence-number loss accounting and interarrival jitter for one direction.
class RtpReceiverStats {
 public:
  /// Feeds one accepted packet, with its arrival time on the relay's clock.
  void onPacket(const RtpHeader& h, const PayloadInfo& info, base::MonoTime arrival);
  ReceiverReport report() const;

 private:
  // RFC 3550 A.1: a jump of fewer than kMaxDropout ahead is a gap (loss); up to
  // kMaxMisorder behind is a late packet; anything else is a restart candidate that is
  // accepted once the following packet confirms it.
  static constexpr std::uint32_t kMaxDropout = 3000;
  static constexpr std::uint32_t kMaxMisorder = 100;
  static constexpr std::uint32_t kSeqMod = 1u << 16;

  void startSource(const RtpHeader& h);
  void initSequence(std::uint16_t seq);
  void updateSequence(std::uint16_t seq);
  void updateJitter(const RtpHeader& h, const PayloadInfo& info, base::MonoTime arrival);

  bool started_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint16_t maxSeq_ = 0;
  std::uint32_t cycles_ = 0;  // count of sequence wraps × 65536
  std::uint32_t baseSeq_ = 0;
  std::uint32_t badSeq_ = kSeqMod + 1;
  std::int64_t received_ = 0;  // in the current sequence run
  // Totals of earlier runs (before an SSRC change or restart).
  std::int64_t priorExpected_ = 0;
  std::int64_t priorReceived_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t sourceChanges_ = 0;

  // A.8 jitter, kept in timestamp units of clockRate_.
  bool haveTransit_ = false;
  std::uint32_t lastTransit_ = 0;
  double jitter_ = 0;
  double maxJitterMs_ = 0;
  std::uint32_t clockRate_ = 0;
  AudioCodec codec_ = AudioCodec::Unknown;
};

/// Remembers the last few sender reports relayed in one direction (their NTP middle bits
/// and when the relay saw them), so a report block coming back with LSR/DLSR gives the
/// round trip between the relay and the reporting endpoint:
///   RTT = arrival(report) − arrival(SR echoed as LSR) − DLSR.
class SenderReportHistory {
 public:
  void record(std::uint32_t ntpMiddle, base::MonoTime seenAt);
  /// The RTT for a report block received at `now`, if its LSR matches a recorded SR.
  std::optional<base::Duration> roundTrip(const ReportBlock& block, base::MonoTime now) const;

 private:
  struct Entry {
    std::uint32_t ntpMiddle = 0;
    base::MonoTime seenAt{};
    bool used = false;
  };
  std::array<Entry, 8> ring_{};
  std::size_t next_ = 0;
};

}  // namespace trunkline::media
