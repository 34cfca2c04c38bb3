#pragma once
// CallEventSource: the B2BUA's call lifecycle events (call/events.h) as webhook events.
// Started, Answered and Ended become call.started, call.answered and call.ended (the
// latter with the final, rated CDR); Ringing is not published.
//
// Threads: onCallEvent() runs on the call's shard thread. It only checks an atomic mask
// (skipping events no subscription wants) and copies the CDR into the dispatcher's
// queue; JSON is rendered later on the dispatcher thread.
// Lifetime: registered in B2buaConfig::observers by app/; outlives the B2BUA, and the
// Dispatcher outlives it.
#include "base/clock.h"
#include "call/events.h"
#include "webhook/dispatcher.h"

namespace trunkline::webhook {

class CallEventSource final : public call::CallObserver {
 public:
  CallEventSource(Dispatcher& dispatcher, const base::Clock& clock)
      : dispatcher_(dispatcher), clock_(clock) {}
  void onCallEvent(const call::CallEvent& event) override;

 private:
  Dispatcher& dispatcher_;
  const base::Clock& clock_;
};

}  // namespace trunkline::webhook
