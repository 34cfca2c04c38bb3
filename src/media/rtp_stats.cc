#include "media/rtp_stats.h"

#include <cstdlib>

namespace trunkline::media {

void PayloadTable::set(std::uint8_t pt, std::uint32_t clockRate, std::string_view encoding) {
  if (pt >= entries_.size()) return;
  entries_[pt] =
      PayloadInfo{clockRate, payloadKindFromName(encoding), audioCodecFromName(encoding)};
}

PayloadInfo PayloadTable::lookup(std::uint8_t pt) const {
  if (pt >= entries_.size()) return {};
  const PayloadInfo& e = entries_[pt];
  if (e.kind != PayloadKind::Unknown) return e;
  switch (pt) {  // RFC 3551 §6 static audio assignments at 8000 Hz RTP clock
    case 0: return {8000, PayloadKind::Audio, AudioCodec::Pcmu};
    case 8: return {8000, PayloadKind::Audio, AudioCodec::Pcma};
    case 9: return {8000, PayloadKind::Audio, AudioCodec::G722};
    case 18: return {8000, PayloadKind::Audio, AudioCodec::G729};
    case 13: return {8000, PayloadKind::ComfortNoise, AudioCodec::Unknown};
    case 3:
    case 4:
    case 15: return {8000, PayloadKind::Audio, AudioCodec::Unknown};
    default: return {};
  }
}

void RtpReceiverStats::initSequence(std::uint16_t seq) {
  baseSeq_ = seq;
  maxSeq_ = seq;
  badSeq_ = kSeqMod + 1;  // an impossible value: no restart pending
  cycles_ = 0;
  received_ = 0;
}

void RtpReceiverStats::startSource(const RtpHeader& h) {
  if (started_) {
    priorExpected_ += static_cast<std::int64_t>(cycles_) + maxSeq_ - baseSeq_ + 1;
    priorReceived_ += received_;
    ++sourceChanges_;
  }
  started_ = true;
  ssrc_ = h.ssrc;
  initSequence(h.sequence);
  haveTransit_ = false;
}

void RtpReceiverStats::updateSequence(std::uint16_t seq) {
  const std::uint16_t delta = static_cast<std::uint16_t>(seq - maxSeq_);
  if (delta < kMaxDropout) {
    // In order, possibly with a gap; a smaller value means the 16-bit counter wrapped.
    if (seq < maxSeq_) cycles_ += kSeqMod;
    maxSeq_ = seq;
  } else if (delta <= kSeqMod - kMaxMisorder) {
    // A big jump: the sender restarted or this is a stray packet. Only a second packet
    // continuing from it makes it the new sequence.
    if (seq == badSeq_) {
      priorExpected_ += static_cast<std::int64_t>(cycles_) + maxSeq_ - baseSeq_ + 1;
      priorReceived_ += received_;
      ++sourceChanges_;
      initSequence(seq);
    } else {
      badSeq_ = (static_cast<std::uint32_t>(seq) + 1) & (kSeqMod - 1);
      return;  // not counted until confirmed
    }
  } else {
    ++reordered_;  // late or duplicate
  }
  ++received_;
}

void RtpReceiverStats::updateJitter(const RtpHeader& h, const PayloadInfo& info,
                                    base::MonoTime arrival) {
  if (info.clockRate != clockRate_) {
    clockRate_ = info.clockRate;
    haveTransit_ = false;  // a new clock: transit times are not comparable
    jitter_ = 0;
  }
  // Arrival in timestamp units, split to stay exact and far from overflow.
  const std::int64_t ns = arrival.time_since_epoch().count();
  const std::int64_t sec = ns / 1'000'000'000;
  const std::int64_t rem = ns % 1'000'000'000;
  const std::uint64_t arrivalTs = static_cast<std::uint64_t>(sec) * clockRate_ +
                                  static_cast<std::uint64_t>(rem) * clockRate_ / 1'000'000'000;
  const std::uint32_t transit = static_cast<std::uint32_t>(arrivalTs) - h.timestamp;
  if (haveTransit_) {
    // D(i−1, i) = (Rj − Ri) − (Sj − Si), on 32-bit wrapping values; J += (|D| − J)/16.
    const std::int32_t d = static_cast<std::int32_t>(transit - lastTransit_);
    const double absD = std::abs(static_cast<double>(d));
    jitter_ += (absD - jitter_) / 16.0;
    const double ms = jitter_ * 1000.0 / clockRate_;
    if (ms > maxJitterMs_) maxJitterMs_ = ms;
  }
  lastTransit_ = transit;
  haveTransit_ = true;
}

void RtpReceiverStats::onPacket(const RtpHeader& h, const PayloadInfo& info,
                                base::MonoTime arrival) {
  ++packets_;
  if (!started_) {
    // Events before any audio start the run too: they share the audio's numbering.
    startSource(h);
    ++received_;
  } else if (h.ssrc != ssrc_) {
    // An event stream under its own SSRC (some gateways do this) must not look like a new
    // audio source every time a digit is sent.
    if (info.kind == PayloadKind::TelephoneEvent) return;
    startSource(h);
    ++received_;
  } else {
    updateSequence(h.sequence);
  }
  if (info.kind == PayloadKind::Audio || info.kind == PayloadKind::ComfortNoise) {
    if (info.codec != AudioCodec::Unknown) codec_ = info.codec;
    if (info.clockRate > 0) updateJitter(h, info, arrival);
  }
}

ReceiverReport RtpReceiverStats::report() const {
  ReceiverReport r;
  r.ssrc = ssrc_;
  r.packets = packets_;
  const std::int64_t expectedNow =
      started_ ? static_cast<std::int64_t>(cycles_) + maxSeq_ - baseSeq_ + 1 : 0;
  r.expected = priorExpected_ + expectedNow;
  r.lost = r.expected - (priorReceived_ + received_);
  r.reordered = reordered_;
  r.sourceChanges = sourceChanges_;
  r.jitterTs = static_cast<std::uint32_t>(jitter_);
  r.clockRate = clockRate_;
  r.jitterMs = clockRate_ > 0 ? jitter_ * 1000.0 / clockRate_ : 0;
  r.maxJitterMs = maxJitterMs_;
  r.codec = codec_;
  return r;
}

void SenderReportHistory::record(std::uint32_t ntpMiddle, base::MonoTime seenAt) {
  ring_[next_] = Entry{ntpMiddle, seenAt, true};
  next_ = (next_ + 1) % ring_.size();
}

std::optional<base::Duration> SenderReportHistory::roundTrip(const ReportBlock& block,
                                                             base::MonoTime now) const {
  if (block.lsr == 0) return std::nullopt;  // no SR received yet by the reporter
  for (const Entry& e : ring_) {
    if (!e.used || e.ntpMiddle != block.lsr) continue;
    // DLSR is in 1/65536 s.
    const base::Duration dlsr{static_cast<std::int64_t>(block.dlsr) * 1'000'000'000 / 65536};
    const base::Duration rtt = (now - e.seenAt) - dlsr;
    return rtt.count() < 0 ? base::Duration{0} : rtt;
  }
  return std::nullopt;
}

}  // namespace trunkline::media
