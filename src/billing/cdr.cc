#include "billing/cdr.h"

namespace trunkline::billing {

storage::Disposition dispositionFor(int finalCode, EndCause cause) {
  using storage::Disposition;
  switch (cause) {
    case EndCause::PolicyRejected: return Disposition::Rejected;
    case EndCause::CallerCancel: return Disposition::Cancelled;
    case EndCause::RingTimeout: return Disposition::NoAnswer;
    case EndCause::Response:
    case EndCause::TransportError: break;
  }
  if (finalCode >= 200 && finalCode < 300) return Disposition::Answered;
  switch (finalCode) {
    case 486:
    case 600: return Disposition::Busy;
    case 408:
    case 480: return Disposition::NoAnswer;
    default: return Disposition::Failed;
  }
}

std::uint32_t billableSeconds(std::int64_t durationMs) {
  if (durationMs <= 0) return 0;
  auto s = durationMs / 1000 + (durationMs % 1000 != 0 ? 1 : 0);  // no overflow near INT64_MAX
  return s > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(s);
}

void finishCdr(storage::Cdr& cdr, int finalCode, std::string_view finalReason, EndCause cause) {
  cdr.finalCode = finalCode;
  cdr.finalReason = std::string(finalReason);
  cdr.disposition = dispositionFor(finalCode, cause);
  const bool answered = cdr.answerMs > 0 && cdr.endMs >= cdr.answerMs;
  cdr.durationMs = answered ? cdr.endMs - cdr.answerMs : 0;
  cdr.billableS = billableSeconds(cdr.durationMs);
}

}  // namespace trunkline::billing
