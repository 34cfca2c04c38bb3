#pragma once
// Symmetric RTP latching (the relay's NAT traversal and its anti-hijack guard).
//
// A phone behind NAT signals a private address (or one its NAT rewrites), but its packets
// arrive from the NAT's public address; the relay must learn that real source and send the
// other side's media back to it (symmetric RTP, RFC 4961). Learning from any packet would
// let a stranger who guesses the relay port steal the stream ("RTP bleed"), so a Latch:
//  - accepts a packet from the signalled address at any time before it locks, and locks on it;
//  - otherwise learns a different source only inside a short window after the stream
//    (re)starts — a time limit and a packet limit — and only the first such source; with
//    `allowUnsignalledPublic` off, only when the signalled address is private/unroutable;
//  - once locked, accepts only the latched address; everything else is dropped (counted by
//    the caller). A re-offer (restart) opens a new window.
// Before the signalling has given any address, nothing is learned.
//
// Plain value, no locks: owned by the relay worker that owns the stream. Time is passed in.
#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "net/address.h"

namespace trunkline::media {

struct LatchConfig {
  base::Duration window = std::chrono::seconds(2);
  std::uint32_t windowPackets = 10;  // accepted from an unsignalled source before locking
  bool allowUnsignalledPublic = true;
};

/// RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared (100.64/10), link-local
/// (169.254/16, fe80::/10), loopback, unspecified, 0/8, unique-local fc00::/7, and the
/// IPv4-mapped forms of those: addresses that cannot be a peer's reachable public address.
bool isPrivateAddress(const net::Address& a);

/// A usable signalled media address: valid family, not unspecified (old-style hold
/// c=0.0.0.0), port not 0 (a rejected stream).
bool isUsableRemote(const net::Address& a);

class Latch {
 public:
  struct Outcome {
    bool accept = false;
    bool firstLatch = false;  // first time this leg learned a source
    bool moved = false;       // the learned source changed to a different address
  };

  /// (Re)starts learning with the address from signalling (nullopt or unusable: unknown).
  /// A changed signalled address forgets the previous latch; the same one keeps it as the
  /// destination until the new window decides.
  void restart(const std::optional<net::Address>& signalled, base::MonoTime now);

  /// Opens a fresh learning window if this latch has learned nothing yet (the peer has not
  /// been heard from): called when the other leg is signalled (the answer), because a peer
  /// behind NAT often sends nothing until the call is answered, which may be long after its
  /// own offer opened the first window. A latch that has a source keeps it, locked or not.
  void reopenIfSilent(base::MonoTime now);

  /// Decides on one received packet from `source`.
  Outcome onPacket(const net::Address& source, base::MonoTime now, const LatchConfig& config);

  /// Where packets for this leg go: the latched source, else the signalled address.
  const net::Address* destination() const {
    if (latched_) return &*latched_;
    if (signalled_) return &*signalled_;
    return nullptr;
  }
  const std::optional<net::Address>& signalled() const { return signalled_; }
  const std::optional<net::Address>& latched() const { return latched_; }
  bool locked() const { return locked_; }

 private:
  void latchTo(const net::Address& source, Outcome& out);

  std::optional<net::Address> signalled_;
  std::optional<net::Address> latched_;
  bool everLatched_ = false;
  bool locked_ = false;
  bool latchedInWindow_ = false;
  base::MonoTime windowStart_{};
  std::uint32_t windowCount_ = 0;
};

}  // namespace trunkline::media
