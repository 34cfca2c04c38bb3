#include "app/server.h"

#include "app/call_stack.h"

#include <csignal>
#include <cstdio>

#include <fmt/format.h>
#include <asio/signal_set.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "call/sip_service.h"
#include "net/event_loop.h"
#include "net/tls_context.h"
#include "sip/transaction/layer.h"
#include "sip/transport/listen_spec.h"
#include "sip/transport/transport_layer.h"
#include "storage/data_dir.h"
#include "storage/sqlite/database.h"

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
  auto calls = CallStack::create(cfg, dataDir->file("trunkline.db"), loop, transport);
  if (!calls) return startupError(calls.error().message);
  (*calls)->attach(service, transactions);
  Inbound inbound(transactions, service);
  transport.setHandler(&inbound);

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
  transport.setHandler(nullptr);
  (*calls)->stop();
  TL_LOG_INFO("trunkline stopped");
  return 0;
}

}  // namespace trunkline::app
