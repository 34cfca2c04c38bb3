#pragma once
// Building a CDR's derived fields from what the call saw: its times, its final response
// and why it ended. Pure functions on storage::Cdr values; callable from any thread.
#include <cstdint>

#include "storage/model.h"

namespace trunkline::billing {

/// Why a call ended without (or after) its final response, as the B2BUA knows it. The
/// same SIP code means different things depending on this (a 487 after the caller's
/// CANCEL is a cancelled call; after our own ring timeout it is an unanswered one).
enum class EndCause : std::uint8_t {
  Response,        // the far end's final response decided (or the answered call hung up)
  CallerCancel,    // the caller sent CANCEL (or hung up) before answer
  RingTimeout,     // no answer within the ring timeout; we cancelled the far end
  PolicyRejected,  // refused by our policy chain: auth, ACL, limits, fraud, no route, caller ID
  TransportError,  // every target failed at the transport / transaction level
};

/// The one mapping from (final SIP code, end cause) to a Disposition:
///   PolicyRejected              → Rejected (whatever code we answered)
///   CallerCancel                → Cancelled (typically 487)
///   RingTimeout                 → NoAnswer (typically 487 or 408 from the cancelled leg)
///   2xx                         → Answered
///   486 Busy Here, 600 Busy Everywhere → Busy
///   408 Request Timeout, 480 Temporarily Unavailable → NoAnswer
///   anything else (other 4xx/5xx/6xx, 487 we did not cause, no response) → Failed
storage::Disposition dispositionFor(int finalCode, EndCause cause);

/// Whole seconds billed for `durationMs` of talk time: rounded up (1 ms → 1 s, 1000 → 1,
/// 1001 → 2); 0 for 0 or negative durations.
std::uint32_t billableSeconds(std::int64_t durationMs);

/// Completes `cdr` from its times and the end of the call: durationMs = endMs - answerMs
/// when answered (answerMs > 0, endMs >= answerMs), else 0; billableS from it; finalCode,
/// finalReason and disposition from the arguments. Other fields are left as they are.
void finishCdr(storage::Cdr& cdr, int finalCode, std::string_view finalReason, EndCause cause);

}  // namespace trunkline::billing
