#pragma once
// RFC 4028 session timers: parsing Session-Expires / Min-SE and the 422 rule, as pure
// functions over a SipMessage. No timers here: the owner of the dialog schedules refreshes.
//
// The B2BUA does not negotiate session timers yet (it neither advertises nor requires the
// "timer" option tag); it detects dead dialogs with periodic in-dialog OPTIONS instead
// (src/call/README.md). These helpers are what the negotiation will be built on.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/message/message.h"

namespace trunkline::sip {

enum class Refresher : std::uint8_t { None, Uac, Uas };

struct SessionExpires {
  std::uint32_t seconds = 0;
  Refresher refresher = Refresher::None;
};

/// RFC 4028 §4: "delta-seconds *(;se-params)" with refresher=uac|uas. Nullopt if malformed.
std::optional<SessionExpires> parseSessionExpires(std::string_view value);
/// RFC 4028 §5: Min-SE value (delta-seconds, params ignored). Nullopt if malformed.
std::optional<std::uint32_t> parseMinSE(std::string_view value);

/// RFC 4028 §4: the smallest Session-Expires anyone may ask for.
inline constexpr std::uint32_t kMinSessionExpires = 90;

struct SessionTimerCheck {
  /// 0 = acceptable; 422 = Session Interval Too Small (send Min-SE: minSE); 400 = malformed.
  int rejectCode = 0;
  std::uint32_t minSE = kMinSessionExpires;
  /// The interval the UAS would run with (absent when the request asks for none).
  std::optional<SessionExpires> interval;
};

/// RFC 4028 §9 (UAS side): a request whose Session-Expires is below our Min-SE (or below
/// its own Min-SE) is refused with 422 carrying our Min-SE. Otherwise the interval is the
/// request's (refresher chosen by the UAS when the request left it open: the UAC when it
/// said it supports "timer", else us).
SessionTimerCheck checkSessionTimer(const SipMessage& request, std::uint32_t localMinSE);

}  // namespace trunkline::sip
