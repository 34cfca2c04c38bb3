#include "media/transcode_processor.h"

#include <cstring>

#include "media/rtp.h"

namespace trunkline::media {
namespace {

constexpr std::size_t kRtpHeader = 12;

}  // namespace

base::Result<std::shared_ptr<TranscodeProcessor>> TranscodeProcessor::create(
    const TranscodeConfig& config) {
  auto t = codec::Transcoder::create(config.transcoder);
  if (!t) return tl::unexpected(t.error());
  return std::shared_ptr<TranscodeProcessor>(new TranscodeProcessor(config, std::move(*t)));
}

std::optional<std::span<const codec::OutPacket>> TranscodeProcessor::transcode(
    const Packet& packet) {
  const std::span<const std::uint8_t> bytes(packet.data, packet.size);
  const auto h = parseRtpHeader(bytes);
  if (!h) {
    bump(rejected_);
    return std::nullopt;
  }
  const codec::TranscoderConfig& tc = config_.transcoder;
  if (h->payloadType == tc.inPt) {
    // Only audio decides the source: events may come under an SSRC of their own.
    if (sourceSsrc_ && *sourceSsrc_ != h->ssrc) {
      transcoder_.reset();
      bump(sourceChanges_);
    }
    sourceSsrc_ = h->ssrc;
  }
  codec::InPacket in;
  in.pt = h->payloadType;
  in.marker = h->marker;
  in.seq = h->sequence;
  in.timestamp = h->timestamp;
  in.payload = bytes.subspan(h->headerLength, h->payloadLength);
  auto out = transcoder_.push(in);
  if (!out) {
    bump(rejected_);
    return std::nullopt;
  }
  bump(packetsIn_);
  return *out;
}

bool TranscodeProcessor::write(const codec::OutPacket& out, Packet& to) {
  const std::size_t size = kRtpHeader + out.payload.size();
  if (size > to.size + to.tailroom) return false;
  std::uint8_t* p = to.data;
  // RFC 3550 §5.1: V=2, no padding, no extension, no CSRC.
  p[0] = 0x80;
  p[1] = static_cast<std::uint8_t>((out.marker ? 0x80 : 0) | (out.pt & 0x7f));
  p[2] = static_cast<std::uint8_t>(out.seq >> 8);
  p[3] = static_cast<std::uint8_t>(out.seq);
  for (int i = 0; i < 4; ++i) {
    p[4 + i] = static_cast<std::uint8_t>(out.timestamp >> (24 - 8 * i));
    p[8 + i] = static_cast<std::uint8_t>(config_.ssrc >> (24 - 8 * i));
  }
  if (!out.payload.empty()) std::memcpy(p + kRtpHeader, out.payload.data(), out.payload.size());
  // Keep the packet's room accounting: size + tailroom is constant.
  to.tailroom = to.size + to.tailroom - size;
  to.size = size;
  to.rtcp = false;
  return true;
}

PacketProcessor::Verdict TranscodeProcessor::processInto(Packet& packet, base::MonoTime,
                                                         PacketOutput& output) {
  if (packet.rtcp) {
    bump(rtcpDropped_);
    return Verdict::Drop;
  }
  const auto made = transcode(packet);
  if (!made) return Verdict::Drop;
  std::uint64_t written = 0, lost = 0;
  for (const codec::OutPacket& o : *made) {
    Packet* p = output.emit();
    if (p == nullptr || !write(o, *p)) {
      ++lost;
      continue;
    }
    ++written;
  }
  if (written) bump(packetsOut_, written);
  if (lost) bump(noBuffer_, lost);
  return Verdict::Consumed;
}

PacketProcessor::Verdict TranscodeProcessor::process(Packet& packet, base::MonoTime) {
  if (packet.rtcp) {
    bump(rtcpDropped_);
    return Verdict::Drop;
  }
  const auto made = transcode(packet);
  if (!made || made->empty()) return Verdict::Drop;  // nothing to send (yet)
  // The input bytes are no longer needed: the transcoder's output lives in its own arena.
  if (!write(made->front(), packet)) {
    bump(noBuffer_, made->size());
    return Verdict::Drop;
  }
  bump(packetsOut_);
  if (made->size() > 1) bump(noBuffer_, made->size() - 1);
  return Verdict::Forward;
}

TranscodeCounters TranscodeProcessor::counters() const {
  TranscodeCounters c;
  c.packetsIn = packetsIn_.load(std::memory_order_relaxed);
  c.packetsOut = packetsOut_.load(std::memory_order_relaxed);
  c.rtcpDropped = rtcpDropped_.load(std::memory_order_relaxed);
  c.rejected = rejected_.load(std::memory_order_relaxed);
  c.noBuffer = noBuffer_.load(std::memory_order_relaxed);
  c.sourceChanges = sourceChanges_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace trunkline::media
