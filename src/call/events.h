#pragma once
// Call lifecycle events for observers outside the B2BUA: metrics, the live-call view of the
// API, webhooks. The B2BUA tells every registered observer when a call starts (the INVITE
// was identified and admitted), rings, is answered and ends (after the CDR is final and
// rated, just before it is handed to the CDR writer).
//
// Threads: observers are called on the call's shard thread, synchronously, with no lock
// held. They must not block or do I/O: copy what they need and hand it to their own
// thread (a queue), or update atomics. They must not call back into the B2bua.
//
// Lifetime: observers outlive the B2bua that calls them (app/ owns both).
#include <cstdint>

#include "storage/model.h"

namespace trunkline::call {

struct CallEvent {
  enum class Type : std::uint8_t {
    Started,   // admitted: account, trunk, direction, numbers and startMs are set
    Ringing,   // first 180/183 from the callee side (ringMs set)
    Answered,  // 2xx relayed to the caller (answerMs set; the answering attempt is last)
    Ended,     // the CDR is final (disposition, code, times, media, rating)
  };
  Type type = Type::Started;
  std::uint32_t shard = 0;            // which B2bua (shard index) owns the call
  std::uint64_t callId = 0;           // the call's id within its shard
  const storage::Cdr* cdr = nullptr;  // the call's record so far; valid during the call only
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void onCallEvent(const CallEvent& event) = 0;
};

}  // namespace trunkline::call
