#include "media/engine.h"

#include <fmt/format.h>

namespace trunkline::media {

MediaEngine::MediaEngine(const base::Clock& clock, MediaEngineConfig config, EventHandler onEvent)
    : clock_(clock), config_(std::move(config)), pool_(clock, config_.ports) {
  const std::size_t n = config_.workers == 0 ? 1 : config_.workers;
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    workers_.push_back(std::make_unique<RelayWorker>(clock_, config_.relay, onEvent));
}

MediaEngine::~MediaEngine() {
  stop();
  // The workers' destructors close the sockets of sessions still alive; the pool goes
  // with the engine, so their ports need no returning.
  workers_.clear();
}

base::Result<void> MediaEngine::init() {
  for (auto& w : workers_)
    if (auto r = w->init(); !r) return r;
  return {};
}

void MediaEngine::start() {
  if (started_) return;
  started_ = true;
  for (auto& w : workers_) w->startThread();
}

void MediaEngine::stop() {
  if (!started_) return;
  for (auto& w : workers_) w->stopThread();
  started_ = false;
}

std::size_t MediaEngine::pollOnce(std::chrono::milliseconds wait) {
  if (started_) return 0;  // the worker threads own the rounds
  std::size_t n = 0;
  bool first = true;
  for (auto& w : workers_) {
    n += w->runOnce(first ? static_cast<int>(wait.count()) : 0);
    first = false;
  }
  return n;
}

base::Result<SessionId> MediaEngine::createSession() {
  const SessionId id = nextId_.fetch_add(1, std::memory_order_relaxed);
  if (auto r = workerFor(id).addSession(id); !r) return tl::unexpected(r.error());
  return id;
}

void MediaEngine::release(const ReleasedPorts& ports) {
  for (const net::Address& a : ports.rtp)
    if (a.valid()) pool_.release(a, a.port());
}

base::Result<StreamPorts> MediaEngine::addStream(SessionId session, StreamId stream,
                                                 const StreamSpec& spec) {
  std::array<PortPair, 2> pairs;
  for (Leg leg : {Leg::A, Leg::B}) {
    auto pair = pool_.allocate(spec.leg(leg).localIp);
    if (!pair) {
      for (PortPair& p : pairs) {
        if (!p.rtp.valid()) continue;
        p.rtp.close();
        p.rtcp.close();
        pool_.release(p.rtpAddress, p.rtpAddress.port());
      }
      return tl::unexpected(pair.error());
    }
    pairs[legIndex(leg)] = std::move(*pair);
  }
  StreamPorts ports;
  for (Leg leg : {Leg::A, Leg::B})
    ports.legs[legIndex(leg)] =
        LegPorts{pairs[legIndex(leg)].rtpAddress, pairs[legIndex(leg)].rtcpAddress};
  if (auto r = workerFor(session).addStream(session, stream, spec, std::move(pairs)); !r) {
    // The worker hands the sockets back untouched on failure; close them, return ports.
    for (PortPair& p : pairs) {
      p.rtp.close();
      p.rtcp.close();
    }
    for (Leg leg : {Leg::A, Leg::B}) {
      const net::Address& a = ports.legs[legIndex(leg)].rtp;
      pool_.release(a, a.port());
    }
    return tl::unexpected(r.error());
  }
  return ports;
}

base::Result<void> MediaEngine::updateLeg(SessionId session, StreamId stream, Leg leg,
                                          const LegSignal& signal) {
  return workerFor(session).updateLeg(session, stream, leg, signal);
}

base::Result<void> MediaEngine::setForwarding(SessionId session, StreamId stream, Leg from,
                                              bool forward) {
  return workerFor(session).setForwarding(session, stream, from, forward);
}

base::Result<void> MediaEngine::setProcessor(SessionId session, StreamId stream, Leg from,
                                             std::shared_ptr<PacketProcessor> processor) {
  return workerFor(session).setProcessor(session, stream, from, std::move(processor));
}

base::Result<StreamStats> MediaEngine::removeStream(SessionId session, StreamId stream) {
  ReleasedPorts released;
  auto stats = workerFor(session).removeStream(session, stream, released);
  if (stats) release(released);
  return stats;
}

base::Result<SessionStats> MediaEngine::destroySession(SessionId session) {
  std::vector<ReleasedPorts> released;
  auto stats = workerFor(session).removeSession(session, released);
  for (const ReleasedPorts& r : released) release(r);
  return stats;
}

base::Result<SessionStats> MediaEngine::stats(SessionId session) const {
  return workerFor(session).stats(session);
}

std::size_t MediaEngine::sessionCount() const {
  std::size_t n = 0;
  for (const auto& w : workers_) n += w->sessionCount();
  return n;
}

}  // namespace trunkline::media
