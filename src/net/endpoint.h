#pragma once
// Conversions between net::Address and Asio endpoints (no allocation: sockaddr copies).
#include <cstring>

#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include "net/address.h"

namespace trunkline::net {

template <class Endpoint>
Endpoint toEndpoint(const Address& a) {
  Endpoint ep;
  if (!a.valid()) return ep;
  std::memcpy(ep.data(), a.sockaddrPtr(), a.sockaddrLen());
  ep.resize(a.sockaddrLen());
  return ep;
}

template <class Endpoint>
Address fromEndpoint(const Endpoint& ep) {
  return Address::fromSockaddr(ep.data(), static_cast<socklen_t>(ep.size()));
}

inline asio::ip::udp::endpoint toUdpEndpoint(const Address& a) {
  return toEndpoint<asio::ip::udp::endpoint>(a);
}
inline asio::ip::tcp::endpoint toTcpEndpoint(const Address& a) {
  return toEndpoint<asio::ip::tcp::endpoint>(a);
}

/// The address with its port cleared: the key for per-source-IP accounting.
inline Address ipOnly(Address a) {
  a.setPort(0);
  return a;
}

/// True for 0.0.0.0 / :: (a wildcard bind address).
inline bool isUnspecified(const Address& a) {
  if (a.family() == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_addr.s_addr == 0;
  if (a.family() == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED(
        &reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr())->sin6_addr);
  return false;
}

}  // namespace trunkline::net
