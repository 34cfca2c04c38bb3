#include "webhook/service.h"

#include <random>

#include "base/log.h"
#include "storage/sqlite/database.h"
#include "webhook/sqlite_store.h"

namespace trunkline::webhook {

base::Result<std::unique_ptr<WebhookService>> WebhookService::start(const std::string& dbPath,
                                                                    const base::Clock& clock,
                                                                    ServiceOptions options) {
  std::unique_ptr<WebhookService> s(new WebhookService());
  auto db = storage::sqlite::Database::open(dbPath);
  if (!db) return tl::unexpected(db.error());
  s->db_ = std::move(*db);
  s->store_ = std::make_unique<SqliteWebhookStore>(*s->db_);
  s->loop_ = std::make_unique<net::EventLoop>(clock);
  auto sender = HttpSender::create(*s->loop_, options.http);
  if (!sender) return base::fail(sender.error().code, "webhooks: " + sender.error().message);
  s->sender_ = std::move(*sender);
  std::random_device rd;
  const std::uint64_t seed = (std::uint64_t{rd()} << 32) ^ rd();
  s->dispatcher_ =
      std::make_unique<Dispatcher>(*s->loop_, *s->store_, *s->sender_, options.dispatcher, seed);
  // Before the thread exists this thread is the loop's.
  if (auto r = s->dispatcher_->start(); !r)
    return base::fail(r.error().code, "webhooks: " + r.error().message);
  auto* loop = s->loop_.get();
  s->thread_ = std::thread([loop] { loop->run(); });
  return s;
}

WebhookService::~WebhookService() {
  stop();
}

void WebhookService::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (loop_) loop_->stop();
  if (thread_.joinable()) thread_.join();
  // The loop no longer runs: tear down in dependency order on this thread.
  if (dispatcher_) {
    auto st = dispatcher_->stats();
    TL_LOG_INFO("webhooks stopped: {} delivered, {} retried, {} failed, {} dropped", st.delivered,
                st.retried, st.failed, st.dropped);
    dispatcher_->stop();
  }
  sender_.reset();
  dispatcher_.reset();
}

}  // namespace trunkline::webhook
