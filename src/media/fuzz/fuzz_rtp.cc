// libFuzzer target for the relay's wire parsers: RTP header, RTCP compound walk, the
// RTP/RTCP demultiplexer, and the receive statistics fed with whatever parses. Aborts on
// a broken invariant (a length past the buffer, too many blocks stored).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/rtp.h"
#include "media/rtp_stats.h"

using namespace trunkline::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> all(data, size);
  (void)looksLikeRtcp(all);
  if (auto h = parseRtpHeader(all)) {
    if (h->headerLength + h->payloadLength > size) std::abort();
  }
  if (auto s = parseRtcp(all)) {
    if (s->blockCount > RtcpSummary::kMaxBlocks) std::abort();
    SenderReportHistory history;
    history.record(s->ntpMiddle(), trunkline::base::MonoTime{});
    for (std::size_t i = 0; i < s->blockCount; ++i)
      (void)history.roundTrip(s->blocks[i], trunkline::base::MonoTime{std::chrono::seconds(1)});
  }
  // The input as a stream of small packets (first byte = length) through the statistics,
  // with arrival times and payload kinds taken from the bytes too.
  PayloadTable table;
  table.set(101, 8000, "telephone-event");
  table.set(96, 48000, "opus");
  RtpReceiverStats stats;
  std::size_t offset = 0;
  std::int64_t t = 0;
  while (offset < size) {
    const std::size_t len = std::min<std::size_t>(data[offset], size - offset - 1);
    ++offset;
    if (auto h = parseRtpHeader(all.subspan(offset, len))) {
      t += (len * 977) % 40'000'000;
      stats.onPacket(*h, table.lookup(h->payloadType),
                     trunkline::base::MonoTime{trunkline::base::Duration{t}});
    }
    offset += len;
  }
  const ReceiverReport r = stats.report();
  if (r.jitterMs < 0 || r.maxJitterMs < 0) std::abort();
  return 0;
}
