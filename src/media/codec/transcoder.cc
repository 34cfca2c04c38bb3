#include "media/codec/transcoder.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"
#include "media/codec/telephone_event.h"

namespace trunkline::media::codec {
namespace {

constexpr std::uint32_t kResyncMs = 2000;
constexpr std::uint32_t kMaxEventBytes = 64;  // 16 blocks: far more than any sender uses

std::uint32_t mulDiv(std::uint64_t v, std::uint32_t mul, std::uint32_t div) {
  return static_cast<std::uint32_t>(v * mul / div);
}

base::Result<void> invalid(std::string msg) {
  return base::fail(base::Errc::InvalidArgument, "transcoder: " + std::move(msg));
}

base::Result<void> validate(const TranscoderConfig& c) {
  if (!codecInfo(c.inCodec).audio || !codecInfo(c.outCodec).audio)
    return invalid("both codecs must be audio codecs");
  if (!isValidPtime(c.outCodec, c.outPtimeMs))
    return invalid(
        fmt::format("{} cannot be sent with ptime {} ms", codecName(c.outCodec), c.outPtimeMs));
  auto pt = [](std::optional<std::uint8_t> p) { return !p || *p <= 127; };
  if (c.inPt > 127 || c.outPt > 127 || !pt(c.inEventPt) || !pt(c.outEventPt) || !pt(c.inCnPt))
    return invalid("payload types are 7-bit");
  if ((c.inEventPt && *c.inEventPt == c.inPt) || (c.inCnPt && *c.inCnPt == c.inPt) ||
      (c.inEventPt && c.inCnPt && *c.inEventPt == *c.inCnPt) ||
      (c.outEventPt && *c.outEventPt == c.outPt))
    return invalid("payload types of one side must differ");
  if (c.maxPacketMs < 10 || c.maxPacketMs > 1000) return invalid("maxPacketMs outside 10..1000");
  if (c.maxConcealMs > 1000) return invalid("maxConcealMs above 1000");
  if (c.inEventClock > 192000 || c.outEventClock > 192000) return invalid("event clock too high");
  return {};
}

}  // namespace

base::Result<Transcoder> Transcoder::create(const TranscoderConfig& config) {
  if (auto v = validate(config); !v) return tl::unexpected(v.error());
  Transcoder t;
  t.config_ = config;
  const CodecInfo& in = codecInfo(config.inCodec);
  const CodecInfo& out = codecInfo(config.outCodec);
  t.inClock_ = in.clockRate;
  t.outClock_ = out.clockRate;
  // Opus codes at 8/16/48 kHz itself, so with Opus on one side the PCM stays at the other
  // side's rate and no resampler runs; Opus on both sides stays at 48 kHz.
  if (config.inCodec == CodecId::Opus)
    t.decRate_ = config.outCodec == CodecId::Opus ? 48000 : out.sampleRate;
  else
    t.decRate_ = in.sampleRate;
  t.encRate_ = config.outCodec == CodecId::Opus ? t.decRate_ : out.sampleRate;
  t.inEventClock_ = config.inEventClock != 0 ? config.inEventClock : t.inClock_;
  t.outEventClock_ = config.outEventClock != 0 ? config.outEventClock : t.outClock_;

  auto dec = makeDecoder(config.inCodec, DecoderOptions{.pcmRate = t.decRate_});
  if (!dec) return tl::unexpected(dec.error());
  t.dec_ = std::move(*dec);
  EncoderOptions eo = config.encoder;
  eo.pcmRate = t.encRate_;
  auto enc = makeEncoder(config.outCodec, eo);
  if (!enc) return tl::unexpected(enc.error());
  t.enc_ = std::move(*enc);
  if (t.decRate_ != t.encRate_) {
    auto rs = Resampler::create(t.decRate_, t.encRate_, config.resamplerQuality);
    if (!rs) return tl::unexpected(rs.error());
    t.resampler_.emplace(std::move(*rs));
  }

  t.frameSamples_ = std::size_t{t.encRate_} * config.outPtimeMs / 1000;
  t.frameUnits_ = t.outClock_ / 1000 * config.outPtimeMs;
  if (!t.enc_->acceptsSamples(t.frameSamples_))
    return base::fail(base::Errc::InvalidArgument, "transcoder: encoder refuses the frame size");
  t.maxPacketSamples_ = std::size_t{t.decRate_} * config.maxPacketMs / 1000;
  t.maxConcealUnits_ = t.inClock_ / 1000 * config.maxConcealMs;
  t.resyncUnits_ = t.inClock_ / 1000 * kResyncMs;
  t.maxPayload_ = std::max<std::size_t>(t.enc_->maxPayloadBytes(t.frameSamples_), kMaxEventBytes);

  // Decode (and conceal) in pieces of at most maxPacketMs, whole 10 ms.
  std::size_t decCap = (std::size_t{config.maxPacketMs} + 9) / 10 * 10 * t.decRate_ / 1000;
  t.decBuf_.resize(decCap);
  if (t.resampler_) t.rsBuf_.resize(t.resampler_->maxOutput(decCap));
  t.pending_.resize(t.frameSamples_);
  // One push carries at most a concealed gap, a packet, a silence fill and a resync flush.
  t.maxOut_ = (config.maxConcealMs + config.maxPacketMs) / config.outPtimeMs + 4;
  t.out_.reserve(t.maxOut_);
  t.arena_.resize(t.maxOut_ * t.maxPayload_);
  t.outSeq_ = config.firstSeq;
  t.outTs_ = config.firstTimestamp;
  return t;
}

PacketResult<std::span<const OutPacket>> Transcoder::push(const InPacket& in) {
  out_.clear();
  arenaUsed_ = 0;
  PacketResult<std::span<const OutPacket>> r;
  if (in.pt == config_.inPt) {
    r = pushAudio(in);
  } else if (config_.inEventPt && in.pt == *config_.inEventPt) {
    r = pushEvent(in);
  } else if (config_.inCnPt && in.pt == *config_.inCnPt) {
    ++stats_.cnDropped;
    if (started_ && static_cast<std::int16_t>(in.seq - nextInSeq_) >= 0)
      nextInSeq_ = static_cast<std::uint16_t>(in.seq + 1);
    r = std::span<const OutPacket>{};
  } else {
    r = packetError(PacketErrc::UnknownPt);
  }
  if (!r) ++stats_.rejected;
  return r;
}

void Transcoder::start(const InPacket& in) {
  started_ = true;
  nextInTs_ = in.timestamp;
  nextInSeq_ = in.seq;
  markNext_ = true;
}

PacketResult<std::span<const OutPacket>> Transcoder::pushAudio(const InPacket& in) {
  auto n = dec_->samplesIn(in.payload);
  if (!n) return tl::unexpected(n.error());
  if (*n > maxPacketSamples_) return packetError(PacketErrc::TooLong);
  const std::uint32_t units = mulDiv(*n, inClock_, decRate_);

  if (!started_) {
    start(in);
  } else {
    auto d = static_cast<std::int32_t>(in.timestamp - nextInTs_);
    auto s = static_cast<std::int16_t>(in.seq - nextInSeq_);
    if (d < 0) {
      if (static_cast<std::uint32_t>(-static_cast<std::int64_t>(d)) <= resyncUnits_) {
        ++stats_.late;
        return std::span<const OutPacket>(out_);
      }
      ++stats_.resyncs;
      flushPartial();
      start(in);
    } else if (d > 0) {
      auto gap = static_cast<std::uint32_t>(d);
      if (s > 0 && gap <= maxConcealUnits_) {
        stats_.lostPackets += static_cast<std::uint64_t>(s);
        conceal(std::uint64_t{gap} * decRate_ / inClock_, in.payload);
      } else {
        if (s > 0) stats_.lostPackets += static_cast<std::uint64_t>(s);
        discontinuity(gap);
      }
    }
  }
  if (in.marker) markNext_ = true;

  auto got = dec_->decode(in.payload, std::span<std::int16_t>(decBuf_).first(*n));
  if (got) {
    appendDecoded(std::span<const std::int16_t>(decBuf_).first(*got));
  } else {
    // samplesIn() accepted it, so only the library's deeper checks failed: keep the
    // timeline whole by concealing the packet's duration.
    ++stats_.decodeErrors;
    conceal(*n, {});
  }
  ++stats_.packetsIn;
  nextInTs_ = in.timestamp + units;
  nextInSeq_ = static_cast<std::uint16_t>(in.seq + 1);
  return std::span<const OutPacket>(out_);
}

PacketResult<std::span<const OutPacket>> Transcoder::pushEvent(const InPacket& in) {
  if (in.payload.empty()) return packetError(PacketErrc::EmptyPayload);
  if (in.payload.size() % kEventBlockBytes != 0) return packetError(PacketErrc::BadLength);
  if (in.payload.size() > kMaxEventBytes) return packetError(PacketErrc::TooLong);
  if (!started_) start(in);
  if (static_cast<std::int16_t>(in.seq - nextInSeq_) >= 0)
    nextInSeq_ = static_cast<std::uint16_t>(in.seq + 1);
  if (!config_.outEventPt) {
    ++stats_.eventsDropped;
    return std::span<const OutPacket>(out_);
  }
  std::span<std::uint8_t> buf(arena_.data() + arenaUsed_, maxPayload_);
  auto len = rescaleEvents(in.payload, inEventClock_, outEventClock_, buf);
  if (!len) return tl::unexpected(len.error());
  arenaUsed_ += *len;
  // Where the event starts relative to the next expected audio sample, moved onto the
  // output timeline (pending output + the offset scaled to the output clock).
  auto d = static_cast<std::int64_t>(static_cast<std::int32_t>(in.timestamp - nextInTs_));
  std::int64_t offset = d * outClock_ / static_cast<std::int64_t>(inClock_);
  auto ts = static_cast<std::uint32_t>(static_cast<std::int64_t>(outTs_) + pendingUnits() + offset);
  out_.push_back(OutPacket{*config_.outEventPt, in.marker, outSeq_++, ts, 0, buf.first(*len)});
  ++stats_.eventsOut;
  return std::span<const OutPacket>(out_);
}

std::span<const OutPacket> Transcoder::flush() {
  out_.clear();
  arenaUsed_ = 0;
  flushPartial();
  return out_;
}

void Transcoder::reset() {
  started_ = false;
  pendingLen_ = 0;
  markNext_ = true;
  dec_->reset();
  if (resampler_) resampler_->reset();
}

void Transcoder::conceal(std::uint64_t decSamples, std::span<const std::uint8_t> next) {
  stats_.concealedSamples += decSamples;
  // Conceal in buffer-sized pieces (whole 10 ms), FEC only for the piece that ends at `next`.
  while (decSamples > 0) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(decSamples, decBuf_.size()));
    bool last = n == decSamples;
    std::span<std::int16_t> buf = std::span<std::int16_t>(decBuf_).first(n);
    if (!dec_->conceal(buf, last ? next : std::span<const std::uint8_t>{}))
      std::fill(buf.begin(), buf.end(), std::int16_t{0});
    appendDecoded(buf);
    decSamples -= n;
  }
}

void Transcoder::discontinuity(std::uint64_t gapUnits) {
  std::uint64_t gap = gapUnits * encRate_ / inClock_;  // output-rate samples
  if (pendingLen_ > 0) {
    auto fill = static_cast<std::size_t>(std::min<std::uint64_t>(gap, frameSamples_ - pendingLen_));
    appendSilence(fill);
    gap -= fill;
  }
  if (pendingLen_ == 0 && gap > 0) {
    // Skip the rest of the silence: the output stream pauses as the input did.
    outTs_ += static_cast<std::uint32_t>(gap * outClock_ / encRate_);
    markNext_ = true;
    ++stats_.discontinuities;
  }
}

void Transcoder::appendDecoded(std::span<const std::int16_t> pcm) {
  if (!resampler_) {
    appendPcm(pcm);
    return;
  }
  auto got = resampler_->process(pcm, rsBuf_);
  if (!got) {  // cannot happen with buffers sized in create(); keep timing with silence
    TL_BUG("transcoder: resampler refused a sized buffer");
    appendSilence(static_cast<std::size_t>(std::uint64_t{pcm.size()} * encRate_ / decRate_));
    return;
  }
  appendPcm(std::span<const std::int16_t>(rsBuf_).first(*got));
}

void Transcoder::appendPcm(std::span<const std::int16_t> pcm) {
  while (!pcm.empty()) {
    std::size_t take = std::min(pcm.size(), frameSamples_ - pendingLen_);
    std::copy_n(pcm.begin(), take, pending_.begin() + static_cast<std::ptrdiff_t>(pendingLen_));
    pendingLen_ += take;
    pcm = pcm.subspan(take);
    if (pendingLen_ == frameSamples_) encodeFrame();
  }
}

void Transcoder::appendSilence(std::size_t samples) {
  while (samples > 0) {
    std::size_t take = std::min(samples, frameSamples_ - pendingLen_);
    std::fill_n(pending_.begin() + static_cast<std::ptrdiff_t>(pendingLen_), take, std::int16_t{0});
    pendingLen_ += take;
    samples -= take;
    if (pendingLen_ == frameSamples_) encodeFrame();
  }
}

void Transcoder::encodeFrame() {
  pendingLen_ = 0;
  const std::uint32_t ts = outTs_;
  outTs_ += frameUnits_;
  if (out_.size() >= maxOut_ || arenaUsed_ + maxPayload_ > arena_.size()) {
    TL_BUG("transcoder: more output packets than sized for");
    ++stats_.encodeErrors;
    markNext_ = true;
    return;
  }
  std::span<std::uint8_t> buf(arena_.data() + arenaUsed_, maxPayload_);
  auto len = enc_->encode(std::span<const std::int16_t>(pending_).first(frameSamples_), buf);
  if (!len) {
    ++stats_.encodeErrors;
    markNext_ = true;
    return;
  }
  if (*len == 0) {  // DTX: nothing to send for this frame
    ++stats_.dtxFrames;
    markNext_ = true;
    return;
  }
  arenaUsed_ += *len;
  out_.push_back(OutPacket{config_.outPt, markNext_, outSeq_++, ts, frameUnits_, buf.first(*len)});
  markNext_ = false;
  ++stats_.packetsOut;
}

void Transcoder::flushPartial() {
  if (pendingLen_ > 0) appendSilence(frameSamples_ - pendingLen_);
}

std::uint32_t Transcoder::pendingUnits() const {
  return static_cast<std::uint32_t>(std::uint64_t{pendingLen_} * outClock_ / encRate_);
}

}  // namespace trunkline::media::codec
