#pragma once
// net::Address: an IPv4 or IPv6 address with port, as the kernel wants it (sockaddr).
// A small value type: copyable, hashable, comparable; no allocation.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace trunkline::net {

class Address {
 public:
  Address() = default;
  /// "1.2.3.4:5060", "[::1]:5060", "1.2.3.4" (port = defaultPort), "::1" (bare IPv6).
  static std::optional<Address> parse(std::string_view text, std::uint16_t defaultPort = 0);
  /// A literal IP (no port; "[::1]" or "::1" accepted) with the given port.
  static std::optional<Address> fromIp(std::string_view ip, std::uint16_t port);
  static Address fromSockaddr(const sockaddr* sa, socklen_t len);

  bool valid() const { return storage_.ss_family == AF_INET || storage_.ss_family == AF_INET6; }
  bool isV6() const { return storage_.ss_family == AF_INET6; }
  int family() const { return storage_.ss_family; }
  std::uint16_t port() const;
  void setPort(std::uint16_t port);
  /// "1.2.3.4" or "::1" (no brackets).
  std::string ip() const;
  /// "1.2.3.4:5060" or "[::1]:5060".
  std::string toString() const;
  /// The host as it goes in a SIP URI / Via: "1.2.3.4" or "[::1]".
  std::string sipHost() const;

  const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* sockaddrPtr() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t sockaddrLen() const { return isV6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in); }

  bool operator==(const Address& o) const;
  bool operator!=(const Address& o) const { return !(*this == o); }
  std::size_t hash() const;

 private:
  sockaddr_storage storage_{};
};

struct AddressHash {
  std::size_t operator()(const Address& a) const { return a.hash(); }
};

}  // namespace trunkline::net
