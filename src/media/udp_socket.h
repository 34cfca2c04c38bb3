#pragma once
// UdpSocket: an owned, non-blocking UDP socket descriptor for the relay (RAII close), with
// the options media needs: DSCP marking (IP_TOS / IPV6_TCLASS) and buffer sizes.
// Not thread-safe by itself; the relay worker that registered it is its only reader/writer.
#include <cstdint>
#include <utility>

#include "base/result.h"
#include "net/address.h"

namespace trunkline::media {

/// DSCP Expedited Forwarding (RFC 3246), the class for voice bearer traffic.
inline constexpr int kDscpEf = 46;

struct SocketOptions {
  int dscp = kDscpEf;     // 0..63; -1 leaves the system default
  int receiveBuffer = 0;  // SO_RCVBUF bytes; 0 = system default
  int sendBuffer = 0;     // SO_SNDBUF bytes; 0 = system default
};

class UdpSocket {
 public:
  UdpSocket() = default;
  explicit UdpSocket(int fd) : fd_(fd) {}
  ~UdpSocket() { close(); }
  UdpSocket(UdpSocket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UdpSocket& operator=(UdpSocket&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  /// A non-blocking, close-on-exec socket bound to `local` (IPv6 sockets are v6-only).
  static base::Result<UdpSocket> bind(const net::Address& local, const SocketOptions& options);

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void close();
  /// The bound address (getsockname).
  net::Address localAddress() const;

  /// Sets the DSCP (the upper six bits of the TOS / traffic class byte).
  base::Result<void> setDscp(int dscp);
  /// Reads the DSCP back from the kernel.
  base::Result<int> dscp() const;

 private:
  int fd_ = -1;
};

}  // namespace trunkline::media
