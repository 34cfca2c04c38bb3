#include "metrics/node_stats.h"

namespace trunkline::metrics {

void NodeStats::publish(std::uint32_t shard, const ShardCounters& c) {
  std::lock_guard lock(mu_);
  if (shard < shards_.size()) shards_[shard] = c;
}

ShardCounters NodeStats::total() const {
  std::vector<ShardCounters> copy;
  {
    std::lock_guard lock(mu_);
    copy = shards_;
  }
  ShardCounters t;
  for (const auto& s : copy) {
    t.transport.packetsIn += s.transport.packetsIn;
    t.transport.packetsOut += s.transport.packetsOut;
    t.transport.bytesIn += s.transport.bytesIn;
    t.transport.bytesOut += s.transport.bytesOut;
    t.transport.parseErrors += s.transport.parseErrors;
    t.transport.framingErrors += s.transport.framingErrors;
    t.transport.udpTruncated += s.transport.udpTruncated;
    t.transport.sendErrors += s.transport.sendErrors;
    t.transport.connectionsAccepted += s.transport.connectionsAccepted;
    t.transport.connectionsRefused += s.transport.connectionsRefused;
    t.transport.tlsHandshakeFailures += s.transport.tlsHandshakeFailures;
    auto& x = t.transactions;
    const auto& y = s.transactions;
    x.clientCreated += y.clientCreated;
    x.serverCreated += y.serverCreated;
    x.clientTerminated += y.clientTerminated;
    x.serverTerminated += y.serverTerminated;
    x.requestRetransmitsSent += y.requestRetransmitsSent;
    x.responseRetransmitsSent += y.responseRetransmitsSent;
    x.requestRetransmitsAbsorbed += y.requestRetransmitsAbsorbed;
    x.responseRetransmitsAbsorbed += y.responseRetransmitsAbsorbed;
    x.timeouts += y.timeouts;
    x.transportErrors += y.transportErrors;
    x.strayResponses += y.strayResponses;
    t.service.requests += s.service.requests;
    t.service.malformedRequests += s.service.malformedRequests;
    t.service.malformedDropped += s.service.malformedDropped;
    t.service.loopsDetected += s.service.loopsDetected;
    t.calls.invites += s.calls.invites;
    t.calls.rejected += s.calls.rejected;
    t.calls.answered += s.calls.answered;
    t.calls.failed += s.calls.failed;
    t.calls.cancelled += s.calls.cancelled;
    t.calls.attempts += s.calls.attempts;
    t.calls.failovers += s.calls.failovers;
    t.calls.deadDialogs += s.calls.deadDialogs;
    t.calls.maxDurationHangups += s.calls.maxDurationHangups;
    t.registrar.requests += s.registrar.requests;
    t.registrar.challenged += s.registrar.challenged;
    t.registrar.forbidden += s.registrar.forbidden;
    t.registrar.added += s.registrar.added;
    t.registrar.refreshed += s.registrar.refreshed;
    t.registrar.removed += s.registrar.removed;
    t.registrar.expired += s.registrar.expired;
    t.registrations += s.registrations;
    t.liveCalls += s.liveCalls;
  }
  return t;
}

void NodeStats::registerMetrics(Registry& registry,
                                std::function<billing::CdrWriterStats()> cdrStats) {
  registry.addCollector([this](TextWriter& out) {
    const ShardCounters t = total();
    using MT = MetricType;
    auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
      out.family(name, help, MT::Counter);
      out.sample(name, {}, v);
    };
    out.family("trunkline_sip_messages_total", "SIP messages received and sent.", MT::Counter);
    out.sample("trunkline_sip_messages_total", {{"direction", "in"}}, t.transport.packetsIn);
    out.sample("trunkline_sip_messages_total", {{"direction", "out"}}, t.transport.packetsOut);
    out.family("trunkline_sip_bytes_total", "SIP bytes received and sent.", MT::Counter);
    out.sample("trunkline_sip_bytes_total", {{"direction", "in"}}, t.transport.bytesIn);
    out.sample("trunkline_sip_bytes_total", {{"direction", "out"}}, t.transport.bytesOut);
    counter("trunkline_sip_parse_errors_total",
            "Messages the parser refused (framing errors and oversized datagrams included).",
            t.transport.parseErrors);
    counter("trunkline_sip_malformed_requests_total",
            "Malformed requests answered with 400/505/513.", t.service.malformedRequests);
    counter("trunkline_sip_send_errors_total", "Sends the transport could not complete.",
            t.transport.sendErrors);
    out.family("trunkline_sip_transactions_total", "SIP transactions created.", MT::Counter);
    out.sample("trunkline_sip_transactions_total", {{"role", "client"}},
               t.transactions.clientCreated);
    out.sample("trunkline_sip_transactions_total", {{"role", "server"}},
               t.transactions.serverCreated);
    const std::uint64_t created = t.transactions.clientCreated + t.transactions.serverCreated;
    const std::uint64_t ended = t.transactions.clientTerminated + t.transactions.serverTerminated;
    out.single("trunkline_sip_transactions_active", "SIP transactions not yet terminated.",
               MT::Gauge, static_cast<double>(created > ended ? created - ended : 0));
    const char* kRetx = "trunkline_sip_retransmissions_total";
    out.family(kRetx,
               "Retransmissions: sent by our timers (A/E/G and replays), or received and "
               "absorbed by the transaction layer.",
               MT::Counter);
    out.sample(kRetx, {{"kind", "request"}, {"direction", "sent"}},
               t.transactions.requestRetransmitsSent);
    out.sample(kRetx, {{"kind", "response"}, {"direction", "sent"}},
               t.transactions.responseRetransmitsSent);
    out.sample(kRetx, {{"kind", "request"}, {"direction", "received"}},
               t.transactions.requestRetransmitsAbsorbed);
    out.sample(kRetx, {{"kind", "response"}, {"direction", "received"}},
               t.transactions.responseRetransmitsAbsorbed);
    counter("trunkline_sip_transaction_timeouts_total",
            "Transactions ended by timer B, F or H, or abandoned.", t.transactions.timeouts);
    counter("trunkline_sip_connections_refused_total", "TCP/TLS connections refused over a limit.",
            t.transport.connectionsRefused);
    counter("trunkline_b2bua_invites_total", "INVITEs that reached the B2BUA.", t.calls.invites);
    counter("trunkline_b2bua_target_attempts_total", "INVITEs sent to targets.", t.calls.attempts);
    counter("trunkline_b2bua_failovers_total", "Moves to a next target.", t.calls.failovers);
    counter("trunkline_b2bua_dead_dialogs_total", "Calls ended by dead-dialog detection.",
            t.calls.deadDialogs);
    out.family("trunkline_registrar_requests_total", "REGISTER requests by outcome.", MT::Counter);
    const char* kReg = "trunkline_registrar_requests_total";
    out.sample(kReg, {{"outcome", "all"}}, t.registrar.requests);
    out.sample(kReg, {{"outcome", "challenged"}}, t.registrar.challenged);
    out.sample(kReg, {{"outcome", "forbidden"}}, t.registrar.forbidden);
    out.family("trunkline_registrar_bindings_changes_total", "Binding changes.", MT::Counter);
    const char* kBind = "trunkline_registrar_bindings_changes_total";
    out.sample(kBind, {{"change", "added"}}, t.registrar.added);
    out.sample(kBind, {{"change", "refreshed"}}, t.registrar.refreshed);
    out.sample(kBind, {{"change", "removed"}}, t.registrar.removed);
    out.sample(kBind, {{"change", "expired"}}, t.registrar.expired);
    out.single("trunkline_registrations", "Live registration bindings.", MT::Gauge,
               static_cast<double>(t.registrations));
  });
  if (!cdrStats) return;
  registry.addCollector([read = std::move(cdrStats)](TextWriter& out) {
    const auto s = read();
    using MT = MetricType;
    out.single("trunkline_cdr_queue_depth", "CDRs submitted, not yet written nor abandoned.",
               MT::Gauge, static_cast<double>(s.queueDepth));
    out.family("trunkline_cdr_written_total", "CDRs committed to storage.", MT::Counter);
    out.sample("trunkline_cdr_written_total", {}, s.written);
    out.family("trunkline_cdr_failed_commits_total", "CDR batch commits that failed (retried).",
               MT::Counter);
    out.sample("trunkline_cdr_failed_commits_total", {}, s.failedCommits);
    out.family("trunkline_cdr_abandoned_total", "CDRs given up at shutdown.", MT::Counter);
    out.sample("trunkline_cdr_abandoned_total", {}, s.abandoned);
  });
}

}  // namespace trunkline::metrics
