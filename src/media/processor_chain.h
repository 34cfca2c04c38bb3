#pragma once
// ProcessorChain: several PacketProcessors on one direction of a stream, run in order, so
// that steps compose — [SrtpUnprotect, Transcode] on the direction from an SRTP leg,
// [Transcode, SrtpProtect] on the direction towards one.
//
// Each stage sees what the one before it let through: the received packet while it is
// forwarded, and every packet an earlier stage emitted (so SRTP protect after a transcoder
// encrypts each packet the transcoder made). A stage's Drop stops that packet only. Order
// on the wire: the received packet (if it survives), then emitted packets in the order
// they were made; if a stage after an emitting one also emits (two 1 → N stages), its
// packets follow all of the earlier stage's — no pipeline needs that today.
//
// Threads and lifetime: as any processor — built on the control thread, installed with
// MediaEngine::setProcessor, run on the stream's relay worker; it holds its stages
// (shared, so the controller can keep a stage to read its counters).
#include <memory>
#include <vector>

#include "media/packet.h"

namespace trunkline::media {

class ProcessorChain final : public PacketProcessor {
 public:
  /// Null stages are skipped.
  explicit ProcessorChain(std::vector<std::shared_ptr<PacketProcessor>> stages);

  /// 1 → 1 use (no output): each stage's process(); the first Drop ends it.
  Verdict process(Packet& packet, base::MonoTime now) override;
  Verdict processInto(Packet& packet, base::MonoTime now, PacketOutput& out) override;

  const std::vector<std::shared_ptr<PacketProcessor>>& stages() const { return stages_; }

 private:
  Verdict runFrom(std::size_t stage, Packet& packet, base::MonoTime now, PacketOutput& out);

  std::vector<std::shared_ptr<PacketProcessor>> stages_;
};

/// The chain of the non-null processors given, or the single one itself, or nullptr.
std::shared_ptr<PacketProcessor> chainOf(std::vector<std::shared_ptr<PacketProcessor>> stages);

}  // namespace trunkline::media
