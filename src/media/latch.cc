#include "media/latch.h"

#include <cstring>

#include "net/endpoint.h"

namespace trunkline::media {
namespace {

bool isPrivateV4(std::uint32_t ip) {  // host byte order
  auto in = [ip](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (ip & mask) == net;
  };
  return in(0x0A000000, 8)      // 10/8
         || in(0xAC100000, 12)  // 172.16/12
         || in(0xC0A80000, 16)  // 192.168/16
         || in(0x64400000, 10)  // 100.64/10 (carrier-grade NAT)
         || in(0xA9FE0000, 16)  // 169.254/16
         || in(0x7F000000, 8)   // 127/8
         || in(0x00000000, 8);  // 0/8
}

}  // namespace

bool isPrivateAddress(const net::Address& a) {
  if (a.family() == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr());
    return isPrivateV4(ntohl(s4->sin_addr.s_addr));
  }
  if (a.family() == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr());
    const std::uint8_t* b = s6->sin6_addr.s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      std::uint32_t v4 = 0;
      std::memcpy(&v4, b + 12, 4);
      return isPrivateV4(ntohl(v4));
    }
    if ((b[0] & 0xFE) == 0xFC) return true;                  // fc00::/7
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true;  // fe80::/10
    if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
      return true;
    return false;
  }
  return true;  // not an address at all: certainly not a reachable one
}

bool isUsableRemote(const net::Address& a) {
  return a.valid() && a.port() != 0 && !net::isUnspecified(a);
}

void Latch::restart(const std::optional<net::Address>& signalled, base::MonoTime now) {
  std::optional<net::Address> usable;
  if (signalled && isUsableRemote(*signalled)) usable = *signalled;
  if (usable != signalled_) latched_.reset();  // the peer moved by signalling
  signalled_ = usable;
  locked_ = false;
  latchedInWindow_ = false;
  windowStart_ = now;
  windowCount_ = 0;
}

void Latch::reopenIfSilent(base::MonoTime now) {
  if (latched_) return;
  latchedInWindow_ = false;
  windowStart_ = now;
  windowCount_ = 0;
}

void Latch::latchTo(const net::Address& source, Outcome& out) {
  if (!everLatched_) {
    out.firstLatch = true;
    everLatched_ = true;
  } else if (latched_ && *latched_ != source) {
    out.moved = true;
  } else if (!latched_) {
    out.moved = true;  // re-learned after a signalled move
  }
  latched_ = source;
}

Latch::Outcome Latch::onPacket(const net::Address& source, base::MonoTime now,
                               const LatchConfig& config) {
  Outcome out;
  if (locked_) {
    out.accept = latched_ && *latched_ == source;
    return out;
  }
  if (!signalled_) return out;  // nothing signalled yet: learn nothing, forward nothing

  if (source == *signalled_) {
    // The signalled address itself is always believed, even over a source learned in the
    // window: it is what the peer declared.
    latchTo(source, out);
    locked_ = true;
    out.accept = true;
    return out;
  }

  const bool windowOpen = now - windowStart_ < config.window && windowCount_ < config.windowPackets;
  if (!windowOpen) {
    // The window closed: keep what it learned (lock on it), or keep waiting for the
    // signalled address if it learned nothing.
    if (latchedInWindow_) {
      locked_ = true;
      out.accept = latched_ && *latched_ == source;
    }
    return out;
  }
  if (!config.allowUnsignalledPublic && !isPrivateAddress(*signalled_)) return out;

  if (!latchedInWindow_) {
    latchTo(source, out);
    latchedInWindow_ = true;
  } else if (*latched_ != source) {
    return out;  // a second stranger inside the window: the first one keeps it
  }
  out.accept = true;
  if (++windowCount_ >= config.windowPackets) locked_ = true;
  return out;
}

}  // namespace trunkline::media
