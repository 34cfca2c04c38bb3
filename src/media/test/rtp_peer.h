#pragma once
// Test helper: a UDP endpoint on loopback standing in for a phone or a carrier's media
// server, plus RTP/RTCP packet builders.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "media/udp_socket.h"
#include "net/address.h"

namespace trunkline::media::test {

using Bytes = std::vector<std::uint8_t>;

Bytes makeRtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
              std::size_t payloadSize = 160);
/// An SR with one report block (about `reportedSsrc`, with `lsr`/`dlsr`) or none.
Bytes makeSenderReport(std::uint32_t ssrc, std::uint64_t ntp);
Bytes makeReceiverReport(std::uint32_t ssrc, std::uint32_t reportedSsrc, std::uint8_t fraction,
                         std::int32_t cumulativeLost, std::uint32_t jitter, std::uint32_t lsr,
                         std::uint32_t dlsr);

struct Datagram {
  Bytes bytes;
  net::Address from;
};

class Peer {
 public:
  explicit Peer(const char* ip = "127.0.0.1");
  const net::Address& address() const { return address_; }
  void sendTo(const net::Address& to, const Bytes& bytes);
  std::optional<Datagram> tryReceive();
  /// Waits for one datagram, calling `pump` between non-blocking reads; bounded by
  /// `rounds` pumps (a bounded wait, not a timing assertion).
  std::optional<Datagram> receive(const std::function<void()>& pump, int rounds = 200);

 private:
  UdpSocket socket_;
  net::Address address_;
};

}  // namespace trunkline::media::test
