#pragma once
// CallMetrics: the call families of /metrics, fed by the B2BUA's lifecycle events
// (call/events.h). Labels are ids only (trunk id, carrier id, direction, disposition, SIP
// code): never numbers or names a customer typed, and bounded by the configuration.
//
//   trunkline_calls_started_total{direction,trunk}              admitted calls (CPS: rate())
//   trunkline_calls_total{direction,trunk,disposition,code}     ended calls, every CDR
//   trunkline_call_answered_seconds_total{direction,trunk}       talk time of answered calls
//   trunkline_call_pdd_seconds{direction,trunk}                  INVITE → first ring (or answer)
//   trunkline_carrier_attempts_total{carrier,code}               INVITEs to carriers by answer
//   trunkline_carrier_answered_seconds_total{carrier}            talk time through a carrier
//   trunkline_carrier_pdd_seconds{carrier}                       attempt → ring, answering carrier
//
// ASR/ACD are PromQL over these (see README.md). Observers run on the shard thread; each
// event is a child lookup (short mutex, per call, never per message) and relaxed adds.
#include "call/events.h"
#include "metrics/registry.h"

namespace trunkline::metrics {

class CallMetrics final : public call::CallObserver {
 public:
  /// Registers the families in `registry`, which outlives this.
  explicit CallMetrics(Registry& registry);
  void onCallEvent(const call::CallEvent& event) override;

  /// Upper bounds of the PDD histograms, seconds.
  static const std::vector<double>& pddBuckets();

 private:
  CounterFamily& started_;
  CounterFamily& ended_;
  CounterFamily& answeredMs_;
  HistogramFamily& pdd_;
  CounterFamily& carrierAttempts_;
  CounterFamily& carrierAnsweredMs_;
  HistogramFamily& carrierPdd_;
};

/// "answered", "busy", "no_answer", "failed", "cancelled", "rejected", "no_media".
std::string_view dispositionLabel(storage::Disposition d);

}  // namespace trunkline::metrics
