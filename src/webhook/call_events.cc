#include "webhook/call_events.h"

namespace trunkline::webhook {

void CallEventSource::onCallEvent(const call::CallEvent& event) {
  EventType type;
  switch (event.type) {
    case call::CallEvent::Type::Started: type = EventType::CallStarted; break;
    case call::CallEvent::Type::Answered: type = EventType::CallAnswered; break;
    case call::CallEvent::Type::Ended: type = EventType::CallEnded; break;
    case call::CallEvent::Type::Ringing:
    default: return;
  }
  if (event.cdr == nullptr || !dispatcher_.wants(type)) return;
  Event e;
  e.type = type;
  e.accountId = event.cdr->accountId;
  e.atMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wallNow().time_since_epoch())
          .count();
  e.cdr = *event.cdr;
  (void)dispatcher_.enqueue(std::move(e));  // a full queue counts and logs the drop
}

}  // namespace trunkline::webhook
