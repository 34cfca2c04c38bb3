#include "media/port_pool.h"

#include <fmt/format.h>

#include "net/address_format.h"
#include "net/endpoint.h"

namespace trunkline::media {

PortPool::PortPool(const base::Clock& clock, PortPoolConfig config)
    : clock_(clock), config_(config) {
  // The first even port at or above minPort; a pair needs its odd partner inside the range.
  std::uint32_t first = config_.minPort + (config_.minPort % 2);
  if (first == 0) first = 2;  // port 0 means "any" to the kernel: never use it
  if (config_.maxPort >= first + 1)
    pairCount_ = (static_cast<std::uint32_t>(config_.maxPort) - first + 1) / 2;
  firstPort_ = static_cast<std::uint16_t>(first);
}

PortPool::AddressPool& PortPool::poolFor(const net::Address& ipOnly) {
  auto it = pools_.find(ipOnly);
  if (it == pools_.end()) {
    AddressPool pool;
    pool.state.assign(pairCount_, State::Free);
    it = pools_.emplace(ipOnly, std::move(pool)).first;
  }
  return it->second;
}

void PortPool::expireQuarantine(AddressPool& pool, base::MonoTime now) {
  while (!pool.quarantine.empty() && pool.quarantine.front().second <= now) {
    const std::size_t index = pool.quarantine.front().first;
    if (pool.state[index] == State::Quarantined) pool.state[index] = State::Free;
    pool.quarantine.pop_front();
  }
}

base::Result<PortPair> PortPool::allocate(const net::Address& localIp) {
  if (!localIp.valid()) return base::fail(base::Errc::InvalidArgument, "no local address");
  if (pairCount_ == 0) return base::fail(base::Errc::InvalidArgument, "empty media port range");
  const net::Address key = net::ipOnly(localIp);

  std::lock_guard lock(mutex_);
  AddressPool& pool = poolFor(key);
  expireQuarantine(pool, clock_.now());

  bool sawFree = false;
  std::string lastError;
  for (std::size_t tried = 0; tried < pairCount_; ++tried) {
    const std::size_t index = pool.cursor;
    pool.cursor = (pool.cursor + 1) % pairCount_;
    if (pool.state[index] != State::Free) continue;
    sawFree = true;
    const auto port = static_cast<std::uint16_t>(firstPort_ + 2 * index);
    net::Address rtpAddr = key;
    rtpAddr.setPort(port);
    net::Address rtcpAddr = key;
    rtcpAddr.setPort(static_cast<std::uint16_t>(port + 1));
    auto rtp = UdpSocket::bind(rtpAddr, config_.socketOptions);
    if (!rtp) {
      ++bindFailures_;
      lastError = rtp.error().message;
      continue;  // someone else holds it; it stays Free and is tried again another time
    }
    auto rtcp = UdpSocket::bind(rtcpAddr, config_.socketOptions);
    if (!rtcp) {
      ++bindFailures_;
      lastError = rtcp.error().message;
      continue;
    }
    pool.state[index] = State::InUse;
    ++pool.inUse;
    return PortPair{std::move(*rtp), std::move(*rtcp), rtpAddr, rtcpAddr};
  }
  if (!sawFree)
    return base::fail(base::Errc::Unavailable,
                      fmt::format("media ports exhausted on {} ({} pairs in use or quarantined)",
                                  key.ip(), pairCount_));
  return base::fail(base::Errc::Io, fmt::format("no media port pair could be bound on {}: {}",
                                                key.ip(), lastError));
}

void PortPool::release(const net::Address& localIp, std::uint16_t rtpPort) {
  if (rtpPort < firstPort_ || (rtpPort - firstPort_) % 2 != 0) return;
  const std::size_t index = (rtpPort - firstPort_) / 2;
  if (index >= pairCount_) return;
  std::lock_guard lock(mutex_);
  auto it = pools_.find(net::ipOnly(localIp));
  if (it == pools_.end()) return;
  AddressPool& pool = it->second;
  if (pool.state[index] != State::InUse) return;  // double release: ignore, keep counts right
  --pool.inUse;
  if (config_.quarantine.count() <= 0) {
    pool.state[index] = State::Free;
    return;
  }
  pool.state[index] = State::Quarantined;
  pool.quarantine.emplace_back(index, clock_.now() + config_.quarantine);
}

std::size_t PortPool::inUse(const net::Address& localIp) const {
  std::lock_guard lock(mutex_);
  auto it = pools_.find(net::ipOnly(localIp));
  return it == pools_.end() ? 0 : it->second.inUse;
}

std::uint64_t PortPool::bindFailures() const {
  std::lock_guard lock(mutex_);
  return bindFailures_;
}

}  // namespace trunkline::media
