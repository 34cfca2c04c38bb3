#pragma once
// ApiThread: the API's own thread, with its EventLoop and its HttpServers (the TCP
// listener and the local control socket share the thread and the handler). Requests are
// handled on it one after the other, so whatever the handler uses (its own database
// connection, the router, the rate limiter) belongs to that thread while it runs. The SIP
// threads are never blocked by the API: they share nothing with it but the database file.
//
// Lifetime: created by app/, started once, stopped (or destroyed) before anything the
// handler uses goes away.
#include <memory>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "base/clock.h"
#include "net/event_loop.h"

namespace trunkline::api {

class ApiThread {
 public:
  ApiThread(const base::Clock& clock, HttpServerOptions options, RequestHandler handler);
  /// No listener yet: add them with listen() before start().
  ApiThread(const base::Clock& clock, RequestHandler handler);
  ~ApiThread();
  ApiThread(const ApiThread&) = delete;
  ApiThread& operator=(const ApiThread&) = delete;

  /// Binds one more listener (on the calling thread, before start(), so a bad address
  /// fails start-up at once). Returns the bound address (invalid for a Unix socket).
  base::Result<net::Address> listen(HttpServerOptions options);
  /// Binds the listener given to the constructor, if any, and starts the thread. Returns
  /// the first listener's bound address.
  base::Result<net::Address> start();
  /// Closes every listener and connection and joins the thread. Idempotent; any thread
  /// but the API thread itself.
  void stop();

 private:
  net::EventLoop loop_;
  RequestHandler handler_;
  std::vector<HttpServerOptions> pending_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
  net::Address first_;
  std::thread thread_;
};

}  // namespace trunkline::api
