#include "rtp_peer.h"

#include <sys/socket.h>

#include "base/assert.h"

namespace trunkline::media::test {
namespace {
void put32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
}  // namespace

Bytes makeRtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
              std::size_t payloadSize) {
  Bytes b = {0x80, pt, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
  put32(b, ts);
  put32(b, ssrc);
  for (std::size_t i = 0; i < payloadSize; ++i)
    b.push_back(static_cast<std::uint8_t>(seq * 7 + i));  // recognisable per packet
  return b;
}

Bytes makeSenderReport(std::uint32_t ssrc, std::uint64_t ntp) {
  Bytes b = {0x80, 200, 0, 6};
  put32(b, ssrc);
  put32(b, static_cast<std::uint32_t>(ntp >> 32));
  put32(b, static_cast<std::uint32_t>(ntp));
  put32(b, 0);
  put32(b, 10);
  put32(b, 1600);
  return b;
}

Bytes makeReceiverReport(std::uint32_t ssrc, std::uint32_t reportedSsrc, std::uint8_t fraction,
                         std::int32_t cumulativeLost, std::uint32_t jitter, std::uint32_t lsr,
                         std::uint32_t dlsr) {
  Bytes b = {0x81, 201, 0, 7};
  put32(b, ssrc);
  put32(b, reportedSsrc);
  b.push_back(fraction);
  const auto lost = static_cast<std::uint32_t>(cumulativeLost) & 0xFFFFFF;
  b.push_back(static_cast<std::uint8_t>(lost >> 16));
  b.push_back(static_cast<std::uint8_t>(lost >> 8));
  b.push_back(static_cast<std::uint8_t>(lost));
  put32(b, 100);  // extended highest sequence
  put32(b, jitter);
  put32(b, lsr);
  put32(b, dlsr);
  return b;
}

Peer::Peer(const char* ip) {
  auto s = UdpSocket::bind(*net::Address::fromIp(ip, 0), SocketOptions{-1, 0, 0});
  TL_RELEASE_ASSERT(s.has_value());  // test setup: loopback must be bindable
  socket_ = std::move(*s);
  address_ = socket_.localAddress();
}

void Peer::sendTo(const net::Address& to, const Bytes& bytes) {
  ::sendto(socket_.fd(), bytes.data(), bytes.size(), 0, to.sockaddrPtr(), to.sockaddrLen());
}

std::optional<Datagram> Peer::tryReceive() {
  std::uint8_t buf[8192];
  sockaddr_storage from{};
  socklen_t len = sizeof from;
  const ssize_t n = ::recvfrom(socket_.fd(), buf, sizeof buf, MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) return std::nullopt;
  return Datagram{Bytes(buf, buf + n),
                  net::Address::fromSockaddr(reinterpret_cast<sockaddr*>(&from), len)};
}

std::optional<Datagram> Peer::receive(const std::function<void()>& pump, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    if (auto d = tryReceive()) return d;
    pump();
  }
  return tryReceive();
}

}  // namespace trunkline::media::test
