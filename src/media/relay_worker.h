#pragma once
// RelayWorker: one relay thread's loop and everything it owns — an epoll set over the
// sockets of its sessions, a packet pool, and the sessions themselves (streams, latches,
// statistics). Internal to media/; the controller talks to MediaEngine.
//
// Locking: one mutex per worker (`mutex_`) guards all of its sessions. The worker holds it
// while it handles one round of ready sockets (one recvmmsg batch per socket, then the
// sendmmsg); control calls (add/update/remove stream, stats...) take it for their short
// critical sections from any thread. It is almost never contended (control calls are per
// call event, rounds are microseconds), and it buys a synchronous control API. The event
// handler is called with the mutex released. The PortPool has its own mutex and is never
// called with a worker's mutex held.
//
// Lifetime: a stream's sockets are closed and removed from epoll under the mutex; its
// memory lives on in a graveyard until the end of the worker's current round, because the
// events epoll_wait returned before the removal may still point at it.
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "media/latch.h"
#include "media/packet.h"
#include "media/port_pool.h"
#include "media/rtp_stats.h"
#include "media/session.h"

namespace trunkline::media {

struct RelayConfig {
  LatchConfig latch;
  base::Duration noMediaTimeout = std::chrono::seconds(60);
  base::Duration holdTimeout = std::chrono::hours(1);
  base::Duration housekeepingInterval = std::chrono::seconds(1);
};

/// Ports a removed stream held, for the engine to hand back to the PortPool.
struct ReleasedPorts {
  std::array<net::Address, 2> rtp;  // per leg; invalid if not held
};

class RelayWorker {
 public:
  using EventSink = std::function<void(const MediaEvent&)>;
  static constexpr std::size_t kBatch = 32;
  /// Packets processors may emit before the round's queued sends are flushed (1 → N).
  static constexpr std::size_t kMaxEmitted = 96;
  static constexpr std::size_t kSendSlots = kBatch + kMaxEmitted;

  RelayWorker(const base::Clock& clock, const RelayConfig& config, EventSink sink);
  ~RelayWorker();
  RelayWorker(const RelayWorker&) = delete;
  RelayWorker& operator=(const RelayWorker&) = delete;

  base::Result<void> init();  // epoll + wake eventfd
  void startThread();
  void stopThread();
  /// One round: wait up to `waitMs` for readiness, handle it, housekeeping, events.
  /// Returns the number of packets received. The worker thread's body; tests call it
  /// directly (never while the thread runs).
  std::size_t runOnce(int waitMs);

  // Control (any thread).
  base::Result<void> addSession(SessionId id);
  base::Result<void> addStream(SessionId id, StreamId stream, const StreamSpec& spec,
                               std::array<PortPair, 2>&& ports);
  base::Result<void> updateLeg(SessionId id, StreamId stream, Leg leg, const LegSignal& signal);
  base::Result<void> setForwarding(SessionId id, StreamId stream, Leg from, bool forward);
  base::Result<void> setProcessor(SessionId id, StreamId stream, Leg from,
                                  std::shared_ptr<PacketProcessor> processor);
  base::Result<StreamStats> removeStream(SessionId id, StreamId stream, ReleasedPorts& released);
  base::Result<SessionStats> removeSession(SessionId id, std::vector<ReleasedPorts>& released);
  base::Result<SessionStats> stats(SessionId id) const;
  std::size_t sessionCount() const;

 private:
  struct Stream;
  struct Session;
  struct SocketSlot {
    Stream* stream = nullptr;
    Leg leg = Leg::A;
    bool rtcpSocket = false;
    bool dead = false;
  };
  struct LegState {
    PortPair ports;
    Latch rtpLatch;
    Latch rtcpLatch;
    bool rtcpMux = false;
    PayloadTable payloads;
    SocketSlot rtpSlot;
    SocketSlot rtcpSlot;
    std::optional<base::Duration> rtt;
  };
  struct DirectionState {
    bool forward = true;
    std::shared_ptr<PacketProcessor> processor;
    bool encryptedIn = false;  // the processor takes SRTP/SRTCP (padding, RTCP unreadable)
    bool plainAfter = false;   // ... and turns it into plain RTP/RTCP (unprotect)
    RtpReceiverStats rtp;
    SenderReportHistory senderReports;  // SRs received from this leg
    DirectionStats counters;            // counters only; the rest is filled on snapshot
    bool haveRemoteReport = false;
    ReportBlock remoteReport;  // the other leg's latest block about this stream
  };
  struct Stream {
    Session* session = nullptr;
    StreamId id = 0;
    std::array<LegState, 2> legs;
    std::array<DirectionState, 2> dirs;
  };
  struct Session {
    SessionId id = 0;
    base::MonoTime created{};
    base::MonoTime lastActivity{};
    bool timedOut = false;
    std::map<StreamId, std::unique_ptr<Stream>> streams;
  };
  /// A packet of the current round waiting for sendmmsg.
  struct Outgoing {
    int fd = -1;
    DirectionStats* counters = nullptr;
  };
  /// The PacketOutput handed to processors: packets from the worker's pool, queued for the
  /// round's sendmmsg after the processor returns.
  class Emitter final : public PacketOutput {
   public:
    explicit Emitter(RelayWorker& worker) : worker_(worker) {}
    Packet* emit() override;

   private:
    RelayWorker& worker_;
  };

  std::size_t handleReadable(SocketSlot& slot, base::MonoTime now);
  /// Decides on one received packet; returns the socket to send it from (-1: dropped) and
  /// fills `dest`.
  int processPacket(Stream& stream, const SocketSlot& slot, Packet& packet,
                    const net::Address*& dest, base::MonoTime now);
  /// The processor part of processPacket (only for directions that have one): runs it,
  /// queues the packet and/or what it emitted. Returns -1 (everything already queued).
  int processWithProcessor(LegState& outLeg, DirectionState& dir, bool rtcp, Packet& packet,
                           base::MonoTime now);
  /// Where a packet of this direction goes: the other leg's socket and peer; -1 if unknown.
  static int destinationOf(LegState& outLeg, bool rtcp, const net::Address*& dest);
  void enqueue(const Packet& packet, const net::Address& dest, int fd, DirectionStats* counters);
  /// sendmmsg of everything queued; releases emitted buffers.
  void flushSends();
  void onRtcp(Stream& stream, Leg from, const Packet& packet, base::MonoTime now);
  void latchEvent(const Stream& stream, Leg leg, bool rtcp, const Latch& latch,
                  const Latch::Outcome& outcome);
  void housekeeping(base::MonoTime now);
  void restartLeg(LegState& leg, const LegSignal& signal, base::MonoTime now);
  bool registerSocket(int fd, SocketSlot* slot);
  void retireStream(std::unique_ptr<Stream> stream, ReleasedPorts& released);
  StreamStats snapshot(const Stream& stream) const;
  Stream* findStream(SessionId id, StreamId stream);
  void threadMain();

  const base::Clock& clock_;
  const RelayConfig config_;
  EventSink sink_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: stopThread() wakes epoll_wait
  std::thread thread_;
  std::atomic<bool> running_{false};

  mutable std::mutex mutex_;
  std::unordered_map<SessionId, std::unique_ptr<Session>> sessions_;
  std::vector<std::unique_ptr<Stream>> graveyard_;
  std::vector<MediaEvent> events_;
  base::MonoTime nextHousekeeping_{};

  // Round state, used only by the thread running runOnce (not under the mutex's care for
  // the fields, but only touched while holding it).
  PacketPool pool_{kBatch + kMaxEmitted};
  std::array<epoll_event, 64> ready_{};
  std::array<mmsghdr, kBatch> recv_{};
  std::array<iovec, kBatch> recvIov_{};
  std::array<sockaddr_storage, kBatch> recvFrom_{};
  std::array<std::uint32_t, kBatch> recvBuf_{};
  std::array<Packet, kBatch> packets_{};
  std::array<mmsghdr, kSendSlots> send_{};
  std::array<iovec, kSendSlots> sendIov_{};
  std::array<Outgoing, kSendSlots> sendMeta_{};
  std::size_t sendCount_ = 0;
  // Packets emitted by processors since the last flush, and their pool buffers.
  Emitter emitter_{*this};
  std::array<Packet, kMaxEmitted> emitted_{};
  std::array<std::uint32_t, kMaxEmitted> emittedBuf_{};
  std::size_t emittedCount_ = 0;
  std::size_t emitFirst_ = 0;  // first slot of the packet being processed
  std::vector<MediaEvent> delivering_;
};

}  // namespace trunkline::media
