#include "metrics/call_metrics.h"

#include <string>

namespace trunkline::metrics {
namespace {

std::string_view directionLabel(storage::Direction d) {
  return d == storage::Direction::Inbound ? "inbound" : "outbound";
}

}  // namespace

std::string_view dispositionLabel(storage::Disposition d) {
  switch (d) {
    case storage::Disposition::Answered: return "answered";
    case storage::Disposition::Busy: return "busy";
    case storage::Disposition::NoAnswer: return "no_answer";
    case storage::Disposition::Failed: return "failed";
    case storage::Disposition::Cancelled: return "cancelled";
    case storage::Disposition::Rejected: return "rejected";
    case storage::Disposition::NoMedia: return "no_media";
  }
  return "unknown";
}

const std::vector<double>& CallMetrics::pddBuckets() {
  static const std::vector<double> b{0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30};
  return b;
}

CallMetrics::CallMetrics(Registry& r)
    : started_(r.counter("trunkline_calls_started_total",
                         "Calls admitted by the policy chain (attempts per second: rate()).",
                         {"direction", "trunk"})),
      ended_(r.counter("trunkline_calls_total",
                       "Calls ended, one per CDR, by disposition and final SIP code (0: none).",
                       {"direction", "trunk", "disposition", "code"})),
      answeredMs_(r.counter("trunkline_call_answered_seconds_total",
                            "Talk time of answered calls, seconds (ACD = this / answered calls).",
                            {"direction", "trunk"}, 1000)),
      pdd_(r.histogram("trunkline_call_pdd_seconds",
                       "Post-dial delay: INVITE received to first ringing (or answer), seconds.",
                       {"direction", "trunk"}, pddBuckets())),
      carrierAttempts_(r.counter("trunkline_carrier_attempts_total",
                                 "INVITEs sent to carriers, by final SIP code (0: timeout, "
                                 "transport error or abandoned).",
                                 {"carrier", "code"})),
      carrierAnsweredMs_(r.counter("trunkline_carrier_answered_seconds_total",
                                   "Talk time of calls answered through a carrier, seconds.",
                                   {"carrier"}, 1000)),
      carrierPdd_(r.histogram("trunkline_carrier_pdd_seconds",
                              "Post-dial delay of the carrier that rang or answered: its "
                              "INVITE to first ringing (or answer), seconds.",
                              {"carrier"}, pddBuckets())) {}

void CallMetrics::onCallEvent(const call::CallEvent& e) {
  if (!e.cdr) return;
  const storage::Cdr& cdr = *e.cdr;
  const std::string trunk = std::to_string(cdr.trunkId);
  const std::string_view dir = directionLabel(cdr.direction);
  if (e.type == call::CallEvent::Type::Started) {
    started_.labels({dir, trunk}).inc();
    return;
  }
  if (e.type != call::CallEvent::Type::Ended) return;

  ended_.labels({dir, trunk, dispositionLabel(cdr.disposition), std::to_string(cdr.finalCode)})
      .inc();
  const bool answered = cdr.answerMs > 0;
  if (answered && cdr.durationMs > 0)
    answeredMs_.labels({dir, trunk}).inc(static_cast<std::uint64_t>(cdr.durationMs));
  // PDD: the caller's wait for ringing; a call answered without ringing counts its answer.
  const std::int64_t alerted = cdr.ringMs > 0 ? cdr.ringMs : cdr.answerMs;
  if (alerted >= cdr.startMs && alerted > 0)
    pdd_.labels({dir, trunk}).observe(static_cast<double>(alerted - cdr.startMs) / 1000.0);

  for (std::size_t i = 0; i < cdr.attempts.size(); ++i) {
    const auto& a = cdr.attempts[i];
    if (a.carrierId == 0) continue;  // a trunk (inbound delivery), not a carrier
    const std::string carrier = std::to_string(a.carrierId);
    carrierAttempts_.labels({carrier, std::to_string(a.sipCode)}).inc();
    // The last attempt is the one that rang/answered the call (earlier ones failed over);
    // only it owns the call's ring and answer times.
    if (i + 1 != cdr.attempts.size()) continue;
    if (answered && a.sipCode / 100 == 2 && cdr.durationMs > 0)
      carrierAnsweredMs_.labels({carrier}).inc(static_cast<std::uint64_t>(cdr.durationMs));
    if (alerted > 0 && alerted >= a.startMs)
      carrierPdd_.labels({carrier}).observe(static_cast<double>(alerted - a.startMs) / 1000.0);
  }
}

}  // namespace trunkline::metrics
