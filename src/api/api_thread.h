#pragma once
// ApiThread: the API's own thread, with its EventLoop and HttpServer. Requests are handled
// on it one after the other, so whatever the handler uses (its own database connection,
// the router, the rate limiter) belongs to that thread while it runs. The SIP threads are
// never blocked by the API: they share nothing with it but the database file.
//
// Lifetime: created by app/, started once, stopped (or destroyed) before anything the
// handler uses goes away.
#include <memory>
#include <thread>

#include "api/http_server.h"
#include "base/clock.h"
#include "net/event_loop.h"

namespace trunkline::api {

class ApiThread {
 public:
  ApiThread(const base::Clock& clock, HttpServerOptions options, RequestHandler handler);
  ~ApiThread();
  ApiThread(const ApiThread&) = delete;
  ApiThread& operator=(const ApiThread&) = delete;

  /// Binds (on the calling thread, so a bad address fails start-up at once) and starts the
  /// thread. Returns the bound address.
  base::Result<net::Address> start();
  /// Closes the listener and every connection and joins the thread. Idempotent; any thread
  /// but the API thread itself.
  void stop();

 private:
  net::EventLoop loop_;
  HttpServer server_;
  std::thread thread_;
};

}  // namespace trunkline::api
