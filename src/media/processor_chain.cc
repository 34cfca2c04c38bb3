#include "media/processor_chain.h"

#include <array>
#include <utility>

namespace trunkline::media {
namespace {

/// Hands a stage the worker's output and remembers what it emitted, so the following
/// stages can be run on those packets. Fixed capacity (kMaxEmitPerPacket), like the
/// worker's own limit.
class Collector final : public PacketOutput {
 public:
  explicit Collector(PacketOutput& out) : out_(out) {}
  Packet* emit() override {
    if (count_ == packets_.size()) return nullptr;
    Packet* p = out_.emit();
    if (p != nullptr) packets_[count_++] = p;
    return p;
  }
  std::size_t count() const { return count_; }
  Packet& operator[](std::size_t i) { return *packets_[i]; }

 private:
  PacketOutput& out_;
  std::array<Packet*, kMaxEmitPerPacket> packets_{};
  std::size_t count_ = 0;
};

}  // namespace

ProcessorChain::ProcessorChain(std::vector<std::shared_ptr<PacketProcessor>> stages) {
  for (auto& s : stages)
    if (s) stages_.push_back(std::move(s));
}

PacketProcessor::Verdict ProcessorChain::process(Packet& packet, base::MonoTime now) {
  for (const auto& s : stages_)
    if (s->process(packet, now) == Verdict::Drop) return Verdict::Drop;
  return Verdict::Forward;
}

PacketProcessor::Verdict ProcessorChain::processInto(Packet& packet, base::MonoTime now,
                                                     PacketOutput& out) {
  return runFrom(0, packet, now, out);
}

PacketProcessor::Verdict ProcessorChain::runFrom(std::size_t stage, Packet& packet,
                                                 base::MonoTime now, PacketOutput& out) {
  if (stage == stages_.size()) return Verdict::Forward;
  Collector made(out);
  Verdict v = stages_[stage]->processInto(packet, now, made);
  if (v == Verdict::Drop) {
    for (std::size_t i = 0; i < made.count(); ++i) made[i].size = 0;  // discarded with it
    return Verdict::Drop;
  }
  if (v == Verdict::Forward) v = runFrom(stage + 1, packet, now, out);
  bool anyMade = false;
  for (std::size_t i = 0; i < made.count(); ++i) {
    Packet& p = made[i];
    if (p.size == 0) continue;
    // Emitted packets go through the rest of the chain; one that a later stage drops or
    // replaces is not sent itself (size 0).
    if (runFrom(stage + 1, p, now, out) != Verdict::Forward) p.size = 0;
    anyMade = anyMade || p.size > 0;
  }
  // The received packet was dropped by a later stage but packets made from it survive:
  // those are still sent.
  if (v == Verdict::Drop && anyMade) return Verdict::Consumed;
  return v;
}

std::shared_ptr<PacketProcessor> chainOf(std::vector<std::shared_ptr<PacketProcessor>> stages) {
  std::erase(stages, nullptr);
  if (stages.empty()) return nullptr;
  if (stages.size() == 1) return std::move(stages.front());
  return std::make_shared<ProcessorChain>(std::move(stages));
}

}  // namespace trunkline::media
