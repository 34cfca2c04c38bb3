#pragma once
// How the `trunkline` CLI reaches the REST API (docs/cli.md):
//
//   unix:PATH         the node's control socket (default <data_dir>/trunkline.sock): no key,
//                     the kernel tells the node our uid (root or the node's user = admin)
//   http(s)://H:P     a node elsewhere, with an API key (TRUNKLINE_API_KEY, --key-file)
//   offline           no node: the same API handlers run inside the CLI process on
//                     <data_dir>/trunkline.db (cli_offline.cc), so validation, JSON and errors
//                     are the API's whichever way a command goes
//
// The client is blocking, one request per connection, with a deadline for the whole
// exchange; https uses OpenSSL with the system trust store (or --ca-file) and checks the
// host name. Short-lived: lives for one CLI command on the main thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace trunkline::app::cli {

/// An answer from the API.
struct ApiReply {
  int status = 0;
  std::string contentType;
  std::string body;
};

/// Sends one request and returns the answer; an error only when no answer came (could
/// not connect, timed out, broken response). Implementations: socket (below), offline.
class ApiTransport {
 public:
  virtual ~ApiTransport() = default;
  virtual base::Result<ApiReply> send(std::string_view method, std::string_view target,
                                      std::string_view body) = 0;
  /// "unix:/var/lib/trunkline/trunkline.sock", "https://10.0.0.5:8443", "offline ./data".
  virtual std::string describe() const = 0;
};

/// Where to connect.
struct Endpoint {
  enum class Kind { Unix, Http, Https };
  Kind kind = Kind::Unix;
  std::string path;  // Unix
  std::string host;  // Http(s): name or IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string basePath;  // any path prefix of the URL, without trailing '/'
};

/// "unix:/path", "/path" (a socket path), "http://host[:port][/prefix]",
/// "https://[::1]:8443". Errors say what is wrong.
base::Result<Endpoint> parseEndpoint(std::string_view text);

struct ClientOptions {
  std::string apiKey;     // sent as "Authorization: Bearer"; empty = none
  std::string caFile;     // https: trust these instead of the system store
  bool insecure = false;  // https: skip certificate checks (tests, self-signed labs)
  std::chrono::milliseconds timeout{15000};
};

/// A transport over a Unix or TCP socket (TLS for https).
std::unique_ptr<ApiTransport> makeSocketTransport(Endpoint endpoint, ClientOptions options);

/// Parses the head and body of an HTTP/1.1 response held whole in `raw` (as read until
/// the peer closed or Content-Length was reached). nullopt when it is not one.
std::optional<ApiReply> parseResponse(std::string_view raw);
/// Bytes still needed after `raw` for a complete response: 0 = complete, -1 = unknown
/// (no Content-Length: read to EOF), else how many (at least 1 while the head is partial).
std::int64_t responseMissing(std::string_view raw);

/// One line for a failed request: "error: Invalid field value: name: must ... (field
/// name)" from an RFC 7807 problem, or the status and body otherwise.
std::string describeFailure(const ApiReply& reply);

/// Process exit status for an answer: 0 for 2xx, 1 for 4xx (the request was refused),
/// 3 for 5xx and anything else. (2 is kept for "the node could not be reached".)
int exitCodeFor(int status);
constexpr int kExitUnreachable = 2;

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string urlEncode(std::string_view s);

}  // namespace trunkline::app::cli
