#include "api/api_thread.h"

#include "base/log.h"

namespace trunkline::api {

ApiThread::ApiThread(const base::Clock& clock, HttpServerOptions options, RequestHandler handler)
    : loop_(clock), server_(loop_, std::move(options), std::move(handler)) {}

ApiThread::~ApiThread() {
  stop();
}

base::Result<net::Address> ApiThread::start() {
  auto bound = server_.listen();
  if (!bound) return bound;
  thread_ = std::thread([this] { loop_.run(); });
  return bound;
}

void ApiThread::stop() {
  if (!thread_.joinable()) return;
  loop_.post([this] {
    server_.shutdown();
    loop_.stop();
  });
  thread_.join();
}

}  // namespace trunkline::api
