#include "call/sdp_rewrite.h"

namespace trunkline::call {

std::string rewriteSdp(std::string_view sdp, const SdpContext&) {
  // Identity until media anchoring lands (src/media): the endpoints exchange RTP directly.
  return std::string(sdp);
}

}  // namespace trunkline::call
