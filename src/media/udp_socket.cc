#include "media/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "net/address_format.h"

namespace trunkline::media {

void UdpSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

base::Result<UdpSocket> UdpSocket::bind(const net::Address& local, const SocketOptions& options) {
  if (!local.valid()) return base::fail(base::Errc::InvalidArgument, "no local address family");
  const int family = local.family();
  UdpSocket s(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!s.valid())
    return base::fail(base::Errc::Io, fmt::format("socket: {}", std::strerror(errno)));
  if (family == AF_INET6) {
    int on = 1;
    ::setsockopt(s.fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  if (options.receiveBuffer > 0)
    ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUF, &options.receiveBuffer, sizeof(int));
  if (options.sendBuffer > 0)
    ::setsockopt(s.fd_, SOL_SOCKET, SO_SNDBUF, &options.sendBuffer, sizeof(int));
  if (::bind(s.fd_, local.sockaddrPtr(), local.sockaddrLen()) != 0)
    return base::fail(base::Errc::Io, fmt::format("bind {}: {}", local, std::strerror(errno)));
  if (options.dscp >= 0) {
    if (auto r = s.setDscp(options.dscp); !r) return tl::unexpected(r.error());
  }
  return s;
}

net::Address UdpSocket::localAddress() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return net::Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

base::Result<void> UdpSocket::setDscp(int dscp) {
  if (dscp < 0 || dscp > 63) return base::fail(base::Errc::InvalidArgument, "DSCP must be 0..63");
  const int tos = dscp << 2;  // DSCP is the top six bits; the ECN bits stay 0
  const net::Address local = localAddress();
  const bool v6 = local.valid() ? local.isV6() : false;
  const int rc = v6 ? ::setsockopt(fd_, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
                    : ::setsockopt(fd_, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  if (rc != 0) return base::fail(base::Errc::Io, fmt::format("set DSCP: {}", std::strerror(errno)));
  return {};
}

base::Result<int> UdpSocket::dscp() const {
  int tos = 0;
  socklen_t len = sizeof tos;
  const net::Address local = localAddress();
  const bool v6 = local.valid() ? local.isV6() : false;
  const int rc = v6 ? ::getsockopt(fd_, IPPROTO_IPV6, IPV6_TCLASS, &tos, &len)
                    : ::getsockopt(fd_, IPPROTO_IP, IP_TOS, &tos, &len);
  if (rc != 0) return base::fail(base::Errc::Io, fmt::format("get DSCP: {}", std::strerror(errno)));
  return tos >> 2;
}

}  // namespace trunkline::media
