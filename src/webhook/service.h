#pragma once
// WebhookService: the dispatcher's thread with everything it owns — an EventLoop, its own
// database connection and store, the HTTP sender and the Dispatcher. app/ creates one per
// node and hands dispatcher() to the event sources (CallEventSource, the carrier health
// hook, billing's balance.low) and subscriptionsChanged() to the API.
//
// Threads: one thread of its own; enqueue() and subscriptionsChanged() from any thread.
// Lifetime: start() … stop() (or destruction); sources must stop calling enqueue() before
// it is destroyed.
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/result.h"
#include "webhook/dispatcher.h"
#include "webhook/http_sender.h"

namespace trunkline::storage::sqlite {
class Database;
}

namespace trunkline::webhook {

class SqliteWebhookStore;

struct ServiceOptions {
  DispatcherOptions dispatcher;
  HttpSenderOptions http;
};

class WebhookService {
 public:
  /// Opens `dbPath` (its own connection), resumes pending deliveries and starts the thread.
  static base::Result<std::unique_ptr<WebhookService>> start(const std::string& dbPath,
                                                             const base::Clock& clock,
                                                             ServiceOptions options);
  ~WebhookService();
  WebhookService(const WebhookService&) = delete;
  WebhookService& operator=(const WebhookService&) = delete;

  Dispatcher& dispatcher() { return *dispatcher_; }
  bool enqueue(Event e) { return dispatcher_->enqueue(std::move(e)); }
  void subscriptionsChanged() { dispatcher_->subscriptionsChanged(); }
  /// Stops the thread; deliveries in flight are abandoned and stay pending for the next
  /// start. Idempotent.
  void stop();

 private:
  WebhookService() = default;

  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<SqliteWebhookStore> store_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<HttpSender> sender_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace trunkline::webhook
