#include "call/prober.h"

#include <fmt/format.h>

#include "sip/message/builder.h"

namespace trunkline::call {

Prober::Prober(base::TimerQueue& timers, sip::TransactionLayer& layer, LocalAddressFn localAddress,
               sip::RandomSource& random, Report report, std::string userAgent)
    : timers_(timers),
      layer_(layer),
      localAddress_(std::move(localAddress)),
      random_(random),
      report_(std::move(report)),
      userAgent_(std::move(userAgent)),
      callIdBase_(random.hex(8)) {}

Prober::~Prober() {
  stop();
}

void Prober::start(base::Duration interval) {
  stop();
  interval_ = interval;
  round();
}

void Prober::stop() {
  if (timer_) timers_.cancel(timer_);
  timer_ = 0;
}

void Prober::round() {
  timer_ = timers_.schedule(interval_, [this] {
    timer_ = 0;
    round();
  });
  for (const auto& t : targets_) {
    sip::Flow flow;
    flow.kind = t.transport;
    flow.remote = t.destination;
    if (localAddress_) {
      if (auto a = localAddress_(t.transport, t.destination.family())) flow.local = *a;
    }
    const net::Address& local = flow.local;
    std::string uri = t.uri.empty()
                          ? fmt::format("sip:{}:{}", t.destination.sipHost(), t.destination.port())
                          : t.uri;
    auto b = sip::MessageBuilder::request("OPTIONS", uri);
    b.header("Via", fmt::format("SIP/2.0/{} {}:{};branch={};rport", sip::transportName(t.transport),
                                local.sipHost(), local.port(), layer_.newBranch()));
    b.header("Max-Forwards", "70");
    b.header("From", fmt::format("<sip:ping@{}>;tag={}", local.sipHost(), random_.hex(6)));
    b.header("To", fmt::format("<{}>", uri));
    b.header("Call-ID", fmt::format("{}-{}", callIdBase_, cseq_));
    b.header("CSeq", fmt::format("{} OPTIONS", cseq_++));
    if (!userAgent_.empty()) b.header("User-Agent", userAgent_);
    auto txn = layer_.sendRequest(b.finish(), flow);
    if (!txn) {
      report_(ProbeResult{t.gatewayId, false, 0});
      continue;
    }
    pending_[txn->id] = t.gatewayId;
  }
}

void Prober::finish(sip::ClientTransactionHandle txn, ProbeResult result) {
  pending_.erase(txn.id);
  report_(result);
}

bool Prober::onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& rsp) {
  auto it = pending_.find(txn.id);
  if (it == pending_.end()) return false;
  const int code = rsp.statusCode();
  if (code < 200) return true;
  finish(txn, ProbeResult{it->second, code != 408 && code != 503, code});
  return true;
}

bool Prober::onClientTimeout(sip::ClientTransactionHandle txn) {
  auto it = pending_.find(txn.id);
  if (it == pending_.end()) return false;
  finish(txn, ProbeResult{it->second, false, 0});
  return true;
}

bool Prober::onClientTransportError(sip::ClientTransactionHandle txn) {
  return onClientTimeout(txn);
}

}  // namespace trunkline::call
