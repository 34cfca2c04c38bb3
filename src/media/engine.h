#pragma once
// MediaEngine: the media relay the B2BUA controls. Every call gets a session; every m-line a
// stream with two legs (A caller side, B callee side), each with its own RTP/RTCP port pair
// from the PortPool. Packets received on a leg's ports leave from the other leg's ports to
// that leg's peer — the signalled address until the peer's real source is learned
// (latching, media/latch.h). Statistics, quality estimates and events come back.
//
// Threads: the control API below is thread-safe and cheap (a mutex of the owning worker
// for a few microseconds; addStream also binds four sockets). Sessions are spread over the
// relay workers (session id modulo worker count); a session and all its streams live on
// one worker. The event handler runs on a worker thread (or the thread in pollOnce()) with
// no media lock held: it should only hand the event to the controller's own thread.
//
// Lifetime: one per process (created by app/), outliving every session. Destroying it (or
// stop()) joins the workers; sessions still alive are closed and their ports returned.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "media/packet.h"
#include "media/port_pool.h"
#include "media/relay_worker.h"
#include "media/session.h"

namespace trunkline::media {

struct MediaEngineConfig {
  PortPoolConfig ports{};  // range, quarantine, DSCP (socketOptions.dscp, EF by default)
  std::size_t workers = 1;
  RelayConfig relay{};  // latch window, no-media and hold timeouts
};

class MediaEngine {
 public:
  using EventHandler = std::function<void(const MediaEvent&)>;

  MediaEngine(const base::Clock& clock, MediaEngineConfig config, EventHandler onEvent = {});
  ~MediaEngine();
  MediaEngine(const MediaEngine&) = delete;
  MediaEngine& operator=(const MediaEngine&) = delete;

  /// Creates the workers' epoll sets. Must succeed before anything else is used.
  base::Result<void> init();
  /// Starts one thread per worker.
  void start();
  /// Stops and joins the worker threads (sessions stay; pollOnce() may drive them).
  void stop();
  /// Without threads (tests, tools): one round of every worker on the calling thread,
  /// waiting up to `wait` for packets on the first. Returns packets received. Never call
  /// while started.
  std::size_t pollOnce(std::chrono::milliseconds wait = std::chrono::milliseconds(0));

  base::Result<SessionId> createSession();
  /// Allocates a port pair per leg on each leg's local address and starts relaying.
  /// Returns the relay's addresses for each leg (to put into the SDP sent to that leg).
  base::Result<StreamPorts> addStream(SessionId session, StreamId stream, const StreamSpec& spec);
  /// New signalling for one leg (offer or answer, re-INVITE): remote addresses, rtcp-mux,
  /// payload types. Re-opens that leg's latch window.
  base::Result<void> updateLeg(SessionId session, StreamId stream, Leg leg,
                               const LegSignal& signal);
  /// Hold/resume: stops (false) or restarts (true) forwarding of what `from` sends.
  base::Result<void> setForwarding(SessionId session, StreamId stream, Leg from, bool forward);
  /// Installs (or, with nullptr, removes) the processing step of direction `from`.
  base::Result<void> setProcessor(SessionId session, StreamId stream, Leg from,
                                  std::shared_ptr<PacketProcessor> processor);
  /// Stops a stream, returns its ports to the pool (quarantined) and its final statistics.
  base::Result<StreamStats> removeStream(SessionId session, StreamId stream);
  /// Ends a session: every stream as removeStream; returns the final statistics.
  base::Result<SessionStats> destroySession(SessionId session);
  /// A statistics snapshot of a live session.
  base::Result<SessionStats> stats(SessionId session) const;

  std::size_t sessionCount() const;
  PortPool& portPool() { return pool_; }
  std::size_t workerCount() const { return workers_.size(); }

 private:
  RelayWorker& workerFor(SessionId id) const { return *workers_[id % workers_.size()]; }
  void release(const ReleasedPorts& ports);

  const base::Clock& clock_;
  const MediaEngineConfig config_;
  PortPool pool_;
  std::vector<std::unique_ptr<RelayWorker>> workers_;
  std::atomic<SessionId> nextId_{1};
  bool started_ = false;
};

}  // namespace trunkline::media
