#include "sip/transport/dscp.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace trunkline::sip {
namespace {

// The socket's address family, also before it is bound (SO_DOMAIN).
base::Result<int> familyOf(int fd) {
  int family = 0;
  socklen_t len = sizeof family;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) != 0)
    return base::fail(base::Errc::Io, fmt::format("socket family: {}", std::strerror(errno)));
  if (family != AF_INET && family != AF_INET6)
    return base::fail(base::Errc::InvalidArgument, "DSCP needs an IPv4 or IPv6 socket");
  return family;
}

}  // namespace

base::Result<void> setSocketDscp(int fd, int dscp) {
  if (dscp < 0 || dscp > 63)
    return base::fail(base::Errc::InvalidArgument, fmt::format("DSCP {} is not in 0..63", dscp));
  if (dscp == 0) return {};
  auto family = familyOf(fd);
  if (!family) return tl::unexpected(family.error());
  const int tos = dscp << 2;
  const int rc = *family == AF_INET6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
                                     : ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  if (rc != 0)
    return base::fail(base::Errc::Io, fmt::format("set DSCP {}: {}", dscp, std::strerror(errno)));
  return {};
}

base::Result<int> socketDscp(int fd) {
  auto family = familyOf(fd);
  if (!family) return tl::unexpected(family.error());
  int tos = 0;
  socklen_t len = sizeof tos;
  const int rc = *family == AF_INET6 ? ::getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, &len)
                                     : ::getsockopt(fd, IPPROTO_IP, IP_TOS, &tos, &len);
  if (rc != 0) return base::fail(base::Errc::Io, fmt::format("get DSCP: {}", std::strerror(errno)));
  return (tos & 0xFF) >> 2;
}

}  // namespace trunkline::sip
