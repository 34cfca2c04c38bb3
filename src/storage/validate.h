#pragma once
// Validation and canonical forms of the data model's fields. Every ConfigStore
// implementation runs these before writing, so a bad value is refused with the same
// message whichever store (or the declarative file) it came through. Pure functions; any
// thread.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::storage {

/// An IP address as 16 bytes; IPv4 is held IPv4-mapped (::ffff:a.b.c.d), so one table
/// answers for both families and a v4-mapped IPv6 source matches an IPv4 CIDR.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
  bool operator==(const IpAddress&) const = default;
};

/// A network: address with host bits zero and a prefix length over the 128-bit form
/// (an IPv4 /24 is held as /120).
struct IpNetwork {
  IpAddress address;
  int prefixLen = 0;  // 0..128 in the mapped form
  bool contains(const IpAddress& a) const;
};

/// "203.0.113.5", "2001:db8::1" or "[2001:db8::1]".
std::optional<IpAddress> parseIp(std::string_view text);
/// "203.0.113.0/24", "2001:db8::/32"; a bare address is a host route (/32, /128). Host bits
/// must be zero. Error message names the input.
base::Result<IpNetwork> parseCidr(std::string_view text);
/// Canonical text of a CIDR ("203.0.113.7" → "203.0.113.7/32", "2001:DB8::/32" → "2001:db8::/32").
base::Result<std::string> normalizeCidr(std::string_view text);
std::string formatNetwork(const IpNetwork& n);

/// "+" then 8–15 digits, first digit not 0.
base::Result<void> validateE164(std::string_view number);
/// Codec names Trunkline knows (case-insensitive on input, canonical spelling stored).
const std::vector<std::string_view>& knownCodecs();
/// Names of accounts, trunks, carriers: 1–64 of [A-Za-z0-9._-].
base::Result<void> validateName(std::string_view what, std::string_view name);

std::string_view transportName(Transport t);
std::optional<Transport> parseTransport(std::string_view s);
std::string_view callerIdPolicyName(CallerIdPolicy p);
std::optional<CallerIdPolicy> parseCallerIdPolicy(std::string_view s);
/// "off", "offer", "required" (parsing is case-insensitive).
std::string_view srtpPolicyName(SrtpPolicy p);
std::optional<SrtpPolicy> parseSrtpPolicy(std::string_view s);

/// Check and canonicalise an entity in place (CIDRs, codec spelling, country case). Ids
/// and references are not checked here (the store does, against its rows).
base::Result<void> normalize(Account& a);
base::Result<void> normalize(Trunk& t);
base::Result<void> normalize(Number& n);
base::Result<void> normalize(Carrier& c);
base::Result<void> normalize(Route& r);

}  // namespace trunkline::storage
