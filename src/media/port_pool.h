#pragma once
// PortPool: hands out RTP/RTCP port pairs (even RTP port, RTCP on RTP + 1, RFC 3550 §11)
// from a configured range, separately for every local address (IPv4 and IPv6 pools are
// independent, as are two interfaces of one family).
//
// A pair is returned already bound (two non-blocking sockets with the configured DSCP), so
// "allocated" always means "ours": ports another process holds fail to bind and are
// skipped. Released pairs sit in quarantine for a while before reuse, so a late packet of
// a finished call cannot land in the next call on the same port (where a fresh latch window
// might even learn its source). A pair is never handed out twice at once.
//
// Thread-safe (one mutex; allocation scans at most the range once and binds two sockets).
// One per MediaEngine; outlives every PortPair it handed out (release() must be called
// with the pair's address once its sockets are closed).
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "media/udp_socket.h"
#include "net/address.h"

namespace trunkline::media {

struct PortPoolConfig {
  std::uint16_t minPort = 20000;
  std::uint16_t maxPort = 39999;
  base::Duration quarantine = std::chrono::seconds(30);
  SocketOptions socketOptions{};
};

/// A bound RTP/RTCP socket pair.
struct PortPair {
  UdpSocket rtp;
  UdpSocket rtcp;
  net::Address rtpAddress;   // local IP + even port
  net::Address rtcpAddress;  // local IP + port + 1
};

class PortPool {
 public:
  PortPool(const base::Clock& clock, PortPoolConfig config);
  PortPool(const PortPool&) = delete;
  PortPool& operator=(const PortPool&) = delete;

  /// Binds a free pair on `localIp` (its port is ignored). Errors: invalid address or
  /// range (InvalidArgument), every pair in use or quarantined (Unavailable, "exhausted"),
  /// no pair could be bound (Io).
  base::Result<PortPair> allocate(const net::Address& localIp);
  /// Returns the pair whose RTP port is `rtpPort` on `localIp`; it may be handed out again
  /// after the quarantine. Call after its sockets are closed. Unknown pairs are ignored.
  void release(const net::Address& localIp, std::uint16_t rtpPort);

  /// Pairs in use on `localIp`.
  std::size_t inUse(const net::Address& localIp) const;
  /// Pairs the range holds per address.
  std::size_t capacity() const { return pairCount_; }
  std::uint64_t bindFailures() const;

 private:
  enum class State : std::uint8_t { Free, InUse, Quarantined };
  struct AddressPool {
    std::vector<State> state;
    std::size_t cursor = 0;  // next index to try: round-robin spreads reuse
    std::size_t inUse = 0;
    std::deque<std::pair<std::size_t, base::MonoTime>> quarantine;  // FIFO by release time
  };
  AddressPool& poolFor(const net::Address& ipOnly);
  void expireQuarantine(AddressPool& pool, base::MonoTime now);

  const base::Clock& clock_;
  const PortPoolConfig config_;
  std::uint16_t firstPort_ = 0;  // even
  std::size_t pairCount_ = 0;
  mutable std::mutex mutex_;
  std::unordered_map<net::Address, AddressPool, net::AddressHash> pools_;
  std::uint64_t bindFailures_ = 0;
};

}  // namespace trunkline::media
