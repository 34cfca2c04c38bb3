#pragma once
// Receiver URLs. Only absolute http:// and https:// URLs with a host are accepted; user
// information, fragments, spaces and control characters are refused (RFC 3986 §3: we keep
// to the subset a receiver needs, so what we store is exactly what we connect to).
// Pure functions; any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace trunkline::webhook {

inline constexpr std::size_t kMaxUrlLength = 2048;

struct Url {
  bool tls = false;
  std::string host;  // name, IPv4 literal, or IPv6 literal without brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, "/" at least
  /// Host header value (brackets around IPv6, port when not the scheme's default).
  std::string hostHeader() const;
};

/// Parses and validates; the error says what is wrong in words fit for an API client.
base::Result<Url> parseUrl(std::string_view text);

}  // namespace trunkline::webhook
