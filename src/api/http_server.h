#pragma once
// HttpServer: HTTP/1.1 (optionally over TLS) on one listening address (TCP, or a Unix
// domain socket for local control), on one EventLoop.
//
// Each connection reads requests with RequestParser, hands each complete one to the
// handler (synchronously, on the loop thread) and writes the responses in order, so
// pipelined requests are answered in sequence. It reads or writes, never both: while a
// response is being written nothing more is read, so a client that does not read its
// answers cannot make the server buffer without bound.
//
// Defences: parser limits (head, header count, body); a request must be complete within
// `requestTimeout` of its first byte and each write must finish within it (slow clients
// get 408 or are closed); an idle keep-alive connection is closed after `idleTimeout`; at
// most `maxConnections` at once (more are closed on accept). Timers run on the loop's
// injected clock.
//
// Thread affinity: everything on the loop thread (listen() before the loop runs is fine).
// Lifetime: outlives nothing it hands out; destroying it (loop stopped or on the loop
// thread) closes every connection.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "api/http_parser.h"
#include "base/clock.h"
#include "base/result.h"
#include "net/address.h"
#include "net/event_loop.h"
#include "net/tls_context.h"

namespace trunkline::api {

struct HttpServerOptions {
  net::Address listen;     // port 0 = any free port (see listen()'s result)
  net::TlsContextPtr tls;  // null: plain HTTP
  HttpLimits limits;
  std::size_t maxConnections = 256;
  base::Duration requestTimeout = std::chrono::seconds(10);
  base::Duration idleTimeout = std::chrono::seconds(60);
  /// Non-empty: listen on this AF_UNIX path instead of `listen` (the local control socket,
  /// plain HTTP; `tls` is ignored). The file gets `unixMode`; requests on it carry the
  /// peer's uid (HttpRequest::peerUid). A stale file left by a node that died is replaced;
  /// a path where a server still answers is an error. shutdown() removes the file.
  std::string unixPath;
  std::uint32_t unixMode = 0600;
};

using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  HttpServer(net::EventLoop& loop, HttpServerOptions options, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts accepting; returns the bound address (an invalid Address for a Unix
  /// socket). Errors name the address or path.
  base::Result<net::Address> listen();
  /// Stops accepting and closes every connection.
  void shutdown();
  std::size_t connectionCount() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace trunkline::api
