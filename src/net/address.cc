#include "net/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace trunkline::net {

std::optional<Address> Address::fromIp(std::string_view ip, std::uint16_t port) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, ip.data(), ip.size());
  buf[ip.size()] = '\0';
  Address a;
  if (ip.find(':') != std::string_view::npos) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1) return std::nullopt;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
    if (inet_pton(AF_INET, buf, &s4->sin_addr) != 1) return std::nullopt;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
  }
  return a;
}

std::optional<Address> Address::parse(std::string_view text, std::uint16_t defaultPort) {
  std::string_view host = text;
  std::uint16_t port = defaultPort;
  auto parsePort = [&](std::string_view p) -> bool {
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || ptr != p.data() + p.size() || v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
  };
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || !parsePort(rest.substr(1))) return std::nullopt;
    }
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
      host = text.substr(0, colon);
      if (!parsePort(text.substr(colon + 1))) return std::nullopt;
    }
  }
  return fromIp(host, port);
}

Address Address::fromSockaddr(const sockaddr* sa, socklen_t len) {
  Address a;
  if (sa && len <= static_cast<socklen_t>(sizeof(a.storage_))) std::memcpy(&a.storage_, sa, len);
  return a;
}

std::uint16_t Address::port() const {
  if (storage_.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (storage_.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void Address::setPort(std::uint16_t port) {
  if (storage_.ss_family == AF_INET)
    reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  else if (storage_.ss_family == AF_INET6)
    reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string Address::ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (storage_.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  else if (storage_.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof buf);
  return buf;
}

std::string Address::sipHost() const {
  return isV6() ? "[" + ip() + "]" : ip();
}

std::string Address::toString() const {
  return sipHost() + ":" + std::to_string(port());
}

bool Address::operator==(const Address& o) const {
  if (storage_.ss_family != o.storage_.ss_family) return false;
  if (storage_.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    auto* b = reinterpret_cast<const sockaddr_in*>(&o.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (storage_.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
    auto* b = reinterpret_cast<const sockaddr_in6*>(&o.storage_);
    return a->sin6_port == b->sin6_port &&
           std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
  }
  return true;
}

std::size_t Address::hash() const {
  std::size_t h = std::hash<std::uint16_t>{}(port());
  auto mix = [&](const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = h * 131 + p[i];
  };
  if (storage_.ss_family == AF_INET)
    mix(reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr),
        4);
  else if (storage_.ss_family == AF_INET6)
    mix(reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr),
        16);
  return h;
}

}  // namespace trunkline::net
