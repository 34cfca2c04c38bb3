#pragma once
// HTTP/1.1 message values of the API server (RFC 9110 semantics, RFC 9112 syntax): a parsed
// request and the response a handler builds. Plain values: no I/O, any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trunkline::api {

struct Header {
  std::string name;
  std::string value;
};

/// A complete request as the parser hands it over: the head checked against RFC 9112 and
/// the limits, the body exactly Content-Length bytes.
struct HttpRequest {
  std::string method;    // case-sensitive token ("GET")
  std::string target;    // origin-form as received: path plus optional "?query"
  std::string path;      // target up to '?', still percent-encoded
  std::string query;     // after '?', without it
  int minorVersion = 1;  // HTTP/1.minorVersion
  std::vector<Header> headers;
  std::string body;
  bool keepAlive = true;  // after this request (Connection header and version)
  /// Set only for requests on the local control socket (AF_UNIX): the connecting
  /// process's uid as the kernel reports it (SO_PEERCRED), which a client cannot forge.
  /// Never set for TCP.
  std::optional<std::uint32_t> peerUid;

  /// First header named `name` (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  /// Value of query parameter `name` (percent-decoded, '+' as space); nullopt when absent
  /// or badly encoded.
  std::optional<std::string> queryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<Header> headers;  // besides Content-Length/Connection/Date, added on write
  std::string body;

  HttpResponse& set(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
  const std::string* header(std::string_view name) const;
};

/// Standard reason phrase of `status` ("Unprocessable Content"), "Unknown" otherwise.
std::string_view reasonPhrase(int status);

/// The bytes of `r` on the wire: status line, its headers, Content-Length, and
/// "Connection: close" when `keepAlive` is false. `headRequest` omits the body (RFC 9110
/// §9.3.2) but keeps its Content-Length.
std::string serialize(const HttpResponse& r, bool keepAlive, bool headRequest = false);

/// Percent-decoding (RFC 3986 §2.1). nullopt on a malformed escape or a decoded NUL.
/// `plusIsSpace` for query strings (form encoding).
std::optional<std::string> percentDecode(std::string_view s, bool plusIsSpace = false);

bool iequalsAscii(std::string_view a, std::string_view b);

}  // namespace trunkline::api
