#include "base/result.h"

namespace trunkline::base {

std::string_view errcName(Errc e) {
  switch (e) {
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::NotFound: return "not found";
    case Errc::AlreadyExists: return "already exists";
    case Errc::Io: return "i/o error";
    case Errc::Timeout: return "timeout";
    case Errc::Config: return "configuration error";
    case Errc::Protocol: return "protocol error";
    case Errc::Unavailable: return "unavailable";
    case Errc::Internal: return "internal error";
  }
  return "unknown";
}

}  // namespace trunkline::base
