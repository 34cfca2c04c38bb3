#include "app/server.h"

#include "app/call_stack.h"
#include "app/thread_name.h"

#include <csignal>
#include <cstdio>
#include <future>

#include <fmt/format.h>
#include <asio/signal_set.hpp>

#include "api/api.h"
#include "api/api_thread.h"
#include "api/live_routes.h"
#include "api/runtime_routes.h"
#include "api/webhook_routes.h"
#include "base/clock.h"
#include "base/log.h"
#include "call/sip_service.h"
#include "metrics/call_metrics.h"
#include "metrics/live_calls.h"
#include "metrics/node_stats.h"
#include "metrics/process.h"
#include "net/event_loop.h"
#include "net/tls_context.h"
#include "sip/transaction/layer.h"
#include "sip/transport/listen_spec.h"
#include "sip/transport/transport_layer.h"
#include "storage/data_dir.h"
#include "storage/sqlite/api_key_store.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/rate_store.h"
#include "storage/sqlite/runtime_stores.h"
#include "webhook/call_events.h"
#include "webhook/payload.h"
#include "webhook/service.h"
#include "webhook/sqlite_store.h"

namespace trunkline::app {
namespace {

// Transport → transactions: parsed messages go to the transaction layer; what the parser
// refused goes to the service, which answers requests with 400/505/513.
class Inbound final : public sip::TransportHandler {
 public:
  Inbound(sip::TransactionLayer& txns, call::SipService& service)
      : txns_(txns), service_(service) {}
  void onMessage(sip::SipMessage msg, const sip::Flow& flow) override {
    txns_.onMessage(std::move(msg), flow);
  }
  void onParseError(std::string_view bytes, const sip::ParseError& err,
                    const sip::Flow& flow) override {
    service_.onMalformed(bytes, err, flow);
  }

 private:
  sip::TransactionLayer& txns_;
  call::SipService& service_;
};

// Transactions → transport (which routes responses by their top Via, RFC 3261 §18.2.2).
class Outbound final : public sip::TransportSender {
 public:
  explicit Outbound(sip::TransportLayer& tp) : tp_(tp) {}
  bool send(const sip::Flow& flow, std::string_view bytes) override {
    return tp_.send(flow, bytes);
  }

 private:
  sip::TransportLayer& tp_;
};

int startupError(const std::string& message) {
  TL_LOG_ERROR("startup failed: {}", message);
  std::fprintf(stderr, "trunkline: %s\n", message.c_str());
  return 1;
}

// The REST API: its own database connection and stores, used only by the API thread.
struct ApiNode {
  std::unique_ptr<storage::sqlite::Database> db;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> config;
  std::unique_ptr<storage::sqlite::SqliteApiKeyStore> keys;
  std::unique_ptr<storage::sqlite::SqliteRateStore> rates;
  std::unique_ptr<api::CoreDeps> deps;
  std::unique_ptr<storage::sqlite::SqliteCdrStore> cdrs;
  std::unique_ptr<storage::sqlite::SqliteGatewayStatusStore> gateways;
  std::unique_ptr<api::RuntimeDeps> runtime;
  std::unique_ptr<storage::sqlite::SqliteRegistrationStore> registrations;
  std::unique_ptr<api::LiveDeps> live;
  std::unique_ptr<webhook::SqliteWebhookStore> webhooks;
  std::unique_ptr<api::WebhookDeps> webhookDeps;
  api::Router router;
  std::unique_ptr<api::ApiService> service;
  std::unique_ptr<api::ApiThread> thread;
  std::string url;      // empty when the TCP listener is not running
  std::string control;  // the control socket's path, empty when none
};

// Starts the API of [api]. Null (and no error) when it is disabled, or when the built-in
// default address is taken: only an address the config names must be available.
base::Result<std::unique_ptr<ApiNode>> startApi(const ops::NodeConfig& cfg,
                                                const std::string& dbPath, const base::Clock& clock,
                                                const api::LiveDeps& live,
                                                std::function<void()> webhooksChanged) {
  const auto& a = cfg.api;
  if (!a.enabled) return std::unique_ptr<ApiNode>();
  auto node = std::make_unique<ApiNode>();
  auto db = storage::sqlite::Database::open(dbPath);
  if (!db) return tl::unexpected(db.error());
  node->db = std::move(*db);
  node->config = std::make_unique<storage::sqlite::SqliteConfigStore>(*node->db);
  node->keys = std::make_unique<storage::sqlite::SqliteApiKeyStore>(*node->db);
  auto* config = node->config.get();
  node->deps = std::make_unique<api::CoreDeps>(api::CoreDeps{
      *node->config, *node->keys, clock, cfg.sip.realm, [config]() -> base::Result<void> {
        auto v = config->configVersion();
        if (!v) return tl::unexpected(v.error());
        return {};
      }});
  node->rates = std::make_unique<storage::sqlite::SqliteRateStore>(*node->db);
  node->deps->rates = node->rates.get();
  api::registerCoreRoutes(node->router, *node->deps);
  node->cdrs = std::make_unique<storage::sqlite::SqliteCdrStore>(*node->db);
  node->gateways = std::make_unique<storage::sqlite::SqliteGatewayStatusStore>(*node->db);
  node->runtime =
      std::make_unique<api::RuntimeDeps>(api::RuntimeDeps{*node->cdrs, *node->gateways, *config});
  api::registerRuntimeRoutes(node->router, *node->runtime);
  node->registrations = std::make_unique<storage::sqlite::SqliteRegistrationStore>(*node->db);
  node->live = std::make_unique<api::LiveDeps>(live);
  node->live->registrations = node->registrations.get();
  node->live->config = config;
  api::registerLiveRoutes(node->router, *node->live);
  node->webhooks = std::make_unique<webhook::SqliteWebhookStore>(*node->db);
  node->webhookDeps = std::make_unique<api::WebhookDeps>(
      api::WebhookDeps{*node->webhooks, clock, std::move(webhooksChanged)});
  api::registerWebhookRoutes(node->router, *node->webhookDeps);
  node->service = std::make_unique<api::ApiService>(node->router, *node->keys, clock,
                                                    api::ServiceOptions{a.rateLimit, a.burst});

  api::HttpServerOptions opts;
  auto listen = net::Address::parse(a.listen);
  if (!listen) return base::fail(base::Errc::Config, fmt::format("[api] listen '{}'", a.listen));
  opts.listen = *listen;
  opts.maxConnections = a.maxConnections;
  opts.requestTimeout = std::chrono::seconds(a.requestTimeoutS);
  opts.idleTimeout = std::chrono::seconds(a.idleTimeoutS);
  opts.limits.maxBodyBytes = a.maxBodyBytes;
  if (a.tls) {
    net::TlsFiles files{a.certificate, a.privateKey, "", false};
    if (a.certificate.empty()) files = {cfg.tls->certificate, cfg.tls->privateKey, "", false};
    auto ctx = net::makeTlsServerContext(files);
    if (!ctx) return tl::unexpected(ctx.error());
    opts.tls = *ctx;
  }
  auto* service = node->service.get();
  node->thread = std::make_unique<api::ApiThread>(
      clock, [service](const api::HttpRequest& r) { return service->handle(r); });
  // The CLI's control socket (src/app/cli_client.h): same handler, the peer's uid as
  // principal. A path the config names must work; the default one is skipped with a
  // warning when it cannot (a data directory path too long for a socket address).
  if (auto path = ops::controlSocketPath(cfg); !path.empty()) {
    api::HttpServerOptions control = opts;
    control.tls = nullptr;
    control.unixPath = path;
    if (auto bound = node->thread->listen(control); bound) {
      node->control = path;
    } else if (a.controlSocket) {
      return base::fail(bound.error().code,
                        fmt::format("[api] control_socket {}", bound.error().message));
    } else {
      TL_LOG_WARN("API control socket not started: {}; set [api] control_socket",
                  bound.error().message);
    }
  }
  auto bound = node->thread->listen(opts);
  if (!bound) {
    if (!a.listenConfigured) {
      TL_LOG_WARN("API not started on TCP: default address {} unavailable ({}); set [api] listen",
                  a.listen, bound.error().message);
      if (node->control.empty()) return std::unique_ptr<ApiNode>();
    } else {
      return base::fail(bound.error().code, fmt::format("[api] listen {}", bound.error().message));
    }
  } else {
    node->url = fmt::format("{}://{}", a.tls ? "https" : "http", bound->toString());
  }
  if (auto started = node->thread->start(); !started) return tl::unexpected(started.error());
  return node;
}

}  // namespace

int runServer(const ops::NodeConfig& cfg) {
  base::setLogLevel(cfg.logLevel);

  auto dataDir = storage::DataDir::open(cfg.dataDir);
  if (!dataDir) return startupError(dataDir.error().message);
  auto db = storage::sqlite::Database::open(dataDir->file("trunkline.db"));
  if (!db) return startupError(db.error().message);

  sip::TransportOptions topts;
  topts.limits.maxHeaderBytes = cfg.sip.maxMessageSize;
  topts.limits.maxMessageBytes = cfg.sip.maxMessageSize;
  topts.idleTimeout = std::chrono::seconds(cfg.sip.tcpIdleTimeoutS);
  topts.maxConnectionsPerIp = cfg.sip.maxConnectionsPerIp;
  topts.maxConnections = cfg.sip.maxConnections;
  topts.dscp = static_cast<int>(cfg.sip.dscp);
  if (cfg.tls) {
    net::TlsFiles files{cfg.tls->certificate, cfg.tls->privateKey, cfg.tls->caFile,
                        !cfg.tls->caFile.empty()};
    auto server = net::makeTlsServerContext(files);
    if (!server) return startupError(server.error().message);
    auto client = net::makeTlsClientContext(files);
    if (!client) return startupError(client.error().message);
    topts.tlsServer = *server;
    topts.tlsClient = *client;
  }

  base::SystemClock clock;
  net::EventLoop loop(clock);
  sip::TransportLayer transport(loop, topts);

  std::vector<sip::ListenSpec> specs;
  for (const auto& text : cfg.sip.listen) {
    auto spec = sip::parseListenSpec(text);
    if (!spec) return startupError(fmt::format("listen '{}': {}", text, spec.error().message));
    specs.push_back(*spec);
  }
  call::ServiceConfig scfg;
  scfg.serverHeader = cfg.sip.serverHeader;
  std::string listening;
  for (const auto& spec : specs) {
    auto bound = transport.listen(spec);
    if (!bound)
      return startupError(fmt::format("listen {}: {}", spec.toString(), bound.error().message));
    scfg.localSentBy.push_back(bound->toString());
    listening += fmt::format("{}{}:{}", listening.empty() ? "" : ", ",
                             sip::transportName(spec.kind), bound->toString());
  }

  call::SipService service(loop.timers(), scfg);
  Outbound outbound(transport);
  sip::TimerConfig tcfg;
  tcfg.t1 = std::chrono::milliseconds(cfg.sip.t1Ms);
  tcfg.t2 = std::chrono::milliseconds(cfg.sip.t2Ms);
  tcfg.t4 = std::chrono::milliseconds(cfg.sip.t4Ms);
  sip::TransactionLayer transactions(loop.timers(), tcfg, outbound, service);
  service.attach(transactions);
  // Observability (metrics/): the registry behind /metrics, the call observers that feed
  // it and the live-call view, and the shard's counters published every kPublishEvery.
  metrics::Registry registry;
  metrics::CallMetrics callMetrics(registry);
  metrics::LiveCalls liveCalls(1);
  liveCalls.registerMetrics(registry);
  metrics::NodeStats nodeStats(1);
  // Webhooks (webhook/): their own thread and database connection; a shard only copies
  // the CDR into the dispatcher's bounded queue. Outlives the call stack (its observer).
  auto webhooks = [&] {
    ScopedThreadName name("tl-webhook");
    return webhook::WebhookService::start(dataDir->file("trunkline.db"), clock, {});
  }();
  if (!webhooks) return startupError(webhooks.error().message);
  webhook::CallEventSource webhookCalls((*webhooks)->dispatcher(), clock);
  auto calls = CallStack::create(cfg, dataDir->file("trunkline.db"), loop, transport,
                                 {&callMetrics, &liveCalls, &webhookCalls});
  if (!calls) return startupError(calls.error().message);
  {
    auto* dispatcher = &(*webhooks)->dispatcher();
    const std::string nodeId = (*db)->nodeId();
    (*calls)->setGatewayChangeHook([dispatcher, nodeId, &clock](const CallStack::GatewayChange& g) {
      const auto type = g.up ? webhook::EventType::CarrierUp : webhook::EventType::CarrierDown;
      if (!dispatcher->wants(type)) return;
      const auto atMs =
          std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
              .count();
      (void)dispatcher->enqueue(webhook::carrierEvent(
          {g.up, g.carrierId, g.carrierName, g.gatewayId, g.gateway, g.probeCode, nodeId}, atMs));
    });
  }
  (*calls)->attach(service, transactions);
  Inbound inbound(transactions, service);
  transport.setHandler(&inbound);

  auto* stack = calls->get();
  nodeStats.registerMetrics(registry, [stack] { return stack->cdrStats(); });
  registry.addCollector(
      [](metrics::TextWriter& out) { writeProcessStats(out, metrics::readProcessStats()); });
  constexpr base::Duration kPublishEvery = std::chrono::milliseconds(200);
  base::TimerId publishTimer = 0;
  std::function<void()> publishStats = [&] {
    liveCalls.publish(0);
    metrics::ShardCounters c;
    c.transport = transport.counters();
    c.transactions = transactions.counters();
    c.service = service.counters();
    stack->fillCounters(c);
    nodeStats.publish(0, c);
    publishTimer = loop.schedule(kPublishEvery, publishStats);
  };
  publishStats();

  api::LiveDeps live;
  live.metrics = &registry;
  live.metricsPublic = cfg.api.metricsPublic;
  live.calls = &liveCalls;
  // A hang-up runs on the shard; the API thread waits for it, bounded (a stopped or
  // overloaded loop is a 503, never a stuck API).
  live.hangup = [&loop, stack](std::uint32_t, std::uint64_t callId) {
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    loop.post([stack, callId, done] { done->set_value(stack->hangup(callId, "hung up via API")); });
    if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
      return api::HangupResult::Timeout;
    return result.get() ? api::HangupResult::Done : api::HangupResult::NotFound;
  };
  auto* webhookService = webhooks->get();
  auto apiNode = [&] {
    ScopedThreadName name("tl-api");
    return startApi(cfg, dataDir->file("trunkline.db"), clock, live,
                    [webhookService] { webhookService->subscriptionsChanged(); });
  }();
  if (!apiNode) return startupError(apiNode.error().message);
  if (*apiNode && !(*apiNode)->url.empty()) listening += fmt::format(", api {}", (*apiNode)->url);
  if (*apiNode && !(*apiNode)->control.empty())
    listening += fmt::format(", control {}", (*apiNode)->control);

  asio::signal_set signals(loop.io(), SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int sig) {
    if (ec) return;
    TL_LOG_INFO("{} received: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*calls)->hangupAll();
    transport.shutdown();
    loop.stop();
  });
  std::signal(SIGPIPE, SIG_IGN);

  TL_LOG_INFO("trunkline ready: node {} listening on {}; data directory {} (schema v{})",
              (*db)->nodeId(), listening, dataDir->path(), (*db)->schemaVersion());
  loop.run();
  loop.cancel(publishTimer);
  if (*apiNode) (*apiNode)->thread->stop();
  transport.setHandler(nullptr);
  (*calls)->stop();
  (*webhooks)->stop();  // after the last call events; pending deliveries resume at the next start
  TL_LOG_INFO("trunkline stopped");
  return 0;
}

}  // namespace trunkline::app
