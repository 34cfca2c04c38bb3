#pragma once
// The one place a session description crosses from one leg to the other. Identity today;
// the media issue replaces the body with one pointing at our relay ports (RFC 4566/3264).
// Called on the call's shard thread.
#include <cstdint>
#include <string>
#include <string_view>

namespace trunkline::call {

/// The two dialogs of a call: the caller's dialog with us and ours with the callee.
enum class Leg : std::uint8_t { Caller, Callee };
constexpr Leg other(Leg l) {
  return l == Leg::Caller ? Leg::Callee : Leg::Caller;
}

struct SdpContext {
  std::uint64_t callId = 0;   // the B2BUA's call id (stable for the call)
  Leg towards = Leg::Callee;  // the leg the body is about to be sent on
};

/// Returns the body to send. Bodies that are not application/sdp are passed unchanged by
/// the caller of this hook.
std::string rewriteSdp(std::string_view sdp, const SdpContext& context);

}  // namespace trunkline::call
