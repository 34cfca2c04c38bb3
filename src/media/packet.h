#pragma once
// The relay's packet buffers and the per-stream processing hook.
//
// A datagram is received straight into a pooled buffer that leaves headroom before it and
// tailroom after it, and is sent from that same buffer: nothing is copied between
// receive and send. The spare room is for steps that grow a packet in place — an SRTP
// authentication tag (+ MKI) appended on protect, a header extension or a re-encoded
// payload — so that they do not copy either.
//
// PacketPool: fixed capacity, allocated once; acquire/release are O(1) and never allocate.
// Owned and used by one relay worker thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "net/address.h"

namespace trunkline::media {

inline constexpr std::size_t kPacketHeadroom = 64;
inline constexpr std::size_t kPacketTailroom = 64;
inline constexpr std::size_t kMaxDatagram = 4096;  // larger datagrams are dropped (truncated)

/// One packet being relayed: a window into a pooled buffer.
struct Packet {
  std::uint8_t* data = nullptr;  // first byte of the datagram
  std::size_t size = 0;
  std::size_t headroom = 0;  // writable bytes before data
  std::size_t tailroom = 0;  // writable bytes after data + size
  bool rtcp = false;
  net::Address source;

  /// Grows the packet by `n` bytes at the end (e.g. an SRTP tag); false if it does not fit.
  bool append(std::size_t n) {
    if (n > tailroom) return false;
    size += n;
    tailroom -= n;
    return true;
  }
  /// Shrinks the packet by `n` bytes at the end (e.g. stripping an SRTP tag).
  bool trim(std::size_t n) {
    if (n > size) return false;
    size -= n;
    tailroom += n;
    return true;
  }
};

/// Where a processor puts packets it makes (1 → N: a transcoder turning one 30 ms packet
/// into two of 20 ms, or a 20 ms one into nothing until a 60 ms frame is full). Provided by
/// the relay worker for the duration of one process() call.
class PacketOutput {
 public:
  /// A fresh, empty packet (size 0, rtcp false, kPacketHeadroom before it and
  /// kMaxDatagram + kPacketTailroom after) from the worker's pool. Whatever it holds when
  /// process() returns is sent to the same destination as the received packet, after it
  /// (if that is forwarded) and in the order of the calls; one left at size 0 is not sent.
  /// nullptr when the round has no buffer to spare (or the per-packet limit is reached):
  /// the processor drops what it would have written and counts it.
  virtual Packet* emit() = 0;

 protected:
  ~PacketOutput() = default;
};

/// At most this many packets may be emitted for one received packet (a 200 ms packet after
/// 120 ms of concealed loss, sent on at 10 ms, is 32; telephone-event packets ride along).
inline constexpr std::size_t kMaxEmitPerPacket = 40;

/// A step between receive and send for one direction of one stream: SRTP
/// protect/unprotect, a transcoder, a recorder tap. Runs on the stream's relay worker thread
/// for every accepted packet of that direction after the statistics were taken (so they see
/// what the peer sent). Rewrites the packet in place within its head/tailroom, drops it, or
/// consumes it and emits others (PacketOutput). Must not block or allocate per packet.
class PacketProcessor {
 public:
  enum class Verdict {
    Forward,   // send the (possibly rewritten) packet
    Drop,      // refuse it (counted as droppedProcessor); anything emitted is discarded too
    Consumed,  // the packet itself is not sent, what was emitted is (may be nothing)
  };
  virtual ~PacketProcessor() = default;
  /// The 1 → 1 step: rewrite in place or drop (never Consumed).
  virtual Verdict process(Packet& packet, base::MonoTime now) = 0;
  /// What the relay calls. Processors that make packets override it; the default is the
  /// 1 → 1 step, so in-place processors (SRTP) implement process() only.
  virtual Verdict processInto(Packet& packet, base::MonoTime now, PacketOutput& out) {
    (void)out;
    return process(packet, now);
  }
};

/// Fixed pool of packet buffers, each kPacketHeadroom + kMaxDatagram + kPacketTailroom.
class PacketPool {
 public:
  static constexpr std::size_t kBufferSize = kPacketHeadroom + kMaxDatagram + kPacketTailroom;
  static constexpr std::uint32_t kNone = UINT32_MAX;

  explicit PacketPool(std::size_t count) : storage_(count * kBufferSize) {
    free_.reserve(count);
    for (std::size_t i = count; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
  }
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  /// A free buffer index, or kNone when all are in use.
  std::uint32_t acquire() {
    if (free_.empty()) return kNone;
    const std::uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  void release(std::uint32_t index) { free_.push_back(index); }  // capacity reserved: no alloc
  std::uint8_t* buffer(std::uint32_t index) { return storage_.data() + index * kBufferSize; }
  /// Where a datagram is received in buffer `index` (after the headroom).
  std::uint8_t* payload(std::uint32_t index) { return buffer(index) + kPacketHeadroom; }
  std::size_t available() const { return free_.size(); }
  std::size_t capacity() const { return storage_.size() / kBufferSize; }

 private:
  std::vector<std::uint8_t> storage_;
  std::vector<std::uint32_t> free_;
};

}  // namespace trunkline::media
