#include "api/api_thread.h"

#include "base/log.h"

namespace trunkline::api {

ApiThread::ApiThread(const base::Clock& clock, HttpServerOptions options, RequestHandler handler)
    : loop_(clock), handler_(std::move(handler)) {
  pending_.push_back(std::move(options));
}

ApiThread::ApiThread(const base::Clock& clock, RequestHandler handler)
    : loop_(clock), handler_(std::move(handler)) {}

ApiThread::~ApiThread() {
  stop();
}

base::Result<net::Address> ApiThread::listen(HttpServerOptions options) {
  auto server = std::make_unique<HttpServer>(loop_, std::move(options), handler_);
  auto bound = server->listen();
  if (!bound) return bound;
  if (servers_.empty()) first_ = *bound;
  servers_.push_back(std::move(server));
  return bound;
}

base::Result<net::Address> ApiThread::start() {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& o : pending)
    if (auto bound = listen(std::move(o)); !bound) return bound;
  if (servers_.empty()) return base::fail(base::Errc::InvalidArgument, "no API listener");
  thread_ = std::thread([this] { loop_.run(); });
  return first_;
}

void ApiThread::stop() {
  if (!thread_.joinable()) {
    servers_.clear();
    return;
  }
  loop_.post([this] {
    for (auto& s : servers_) s->shutdown();
    loop_.stop();
  });
  thread_.join();
  servers_.clear();
}

}  // namespace trunkline::api
