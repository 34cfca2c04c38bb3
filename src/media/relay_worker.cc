#include "media/relay_worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/assert.h"
#include "base/log.h"
#include "media/quality.h"
#include "media/rtp.h"
#include "media/srtp.h"

namespace trunkline::media {
namespace {

base::Error notFound(SessionId id) {
  return base::Error(base::Errc::NotFound, fmt::format("no media session {}", id));
}

}  // namespace

RelayWorker::RelayWorker(const base::Clock& clock, const RelayConfig& config, EventSink sink)
    : clock_(clock), config_(config), sink_(std::move(sink)) {
  events_.reserve(64);
  delivering_.reserve(64);
}

RelayWorker::~RelayWorker() {
  stopThread();
  // Sessions close their sockets through PortPair destructors; the engine has already
  // returned their ports (or is going away with the pool).
  sessions_.clear();
  graveyard_.clear();
  if (wake_ >= 0) ::close(wake_);
  if (epoll_ >= 0) ::close(epoll_);
}

base::Result<void> RelayWorker::init() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0)
    return base::fail(base::Errc::Io, fmt::format("epoll_create1: {}", std::strerror(errno)));
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_ < 0)
    return base::fail(base::Errc::Io, fmt::format("eventfd: {}", std::strerror(errno)));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // nullptr marks the wake-up descriptor
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) != 0)
    return base::fail(base::Errc::Io, fmt::format("epoll_ctl: {}", std::strerror(errno)));
  nextHousekeeping_ = clock_.now() + config_.housekeepingInterval;

  // The receive descriptors point at fixed arrays; only lengths change per round.
  for (std::size_t i = 0; i < kBatch; ++i) {
    recv_[i].msg_hdr.msg_iov = &recvIov_[i];
    recv_[i].msg_hdr.msg_iovlen = 1;
  }
  for (std::size_t i = 0; i < kSendSlots; ++i) {
    send_[i].msg_hdr.msg_iov = &sendIov_[i];
    send_[i].msg_hdr.msg_iovlen = 1;
  }
  return {};
}

void RelayWorker::startThread() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { threadMain(); });
}

void RelayWorker::stopThread() {
  if (!running_.exchange(false)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void RelayWorker::threadMain() {
  while (running_.load(std::memory_order_relaxed)) runOnce(200);
}

bool RelayWorker::registerSocket(int fd, SocketSlot* slot) {
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: a socket not drained in one round comes back
  ev.data.ptr = slot;
  return ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

// ---- control -------------------------------------------------------------------------

base::Result<void> RelayWorker::addSession(SessionId id) {
  std::lock_guard lock(mutex_);
  if (sessions_.count(id))
    return base::fail(base::Errc::AlreadyExists, fmt::format("media session {} exists", id));
  auto s = std::make_unique<Session>();
  s->id = id;
  s->created = s->lastActivity = clock_.now();
  sessions_.emplace(id, std::move(s));
  return {};
}

RelayWorker::Stream* RelayWorker::findStream(SessionId id, StreamId stream) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  auto st = it->second->streams.find(stream);
  return st == it->second->streams.end() ? nullptr : st->second.get();
}

void RelayWorker::restartLeg(LegState& leg, const LegSignal& signal, base::MonoTime now) {
  leg.rtcpMux = signal.rtcpMux;
  leg.rtpLatch.restart(signal.rtp, now);
  std::optional<net::Address> rtcp = signal.rtcp;
  if (!rtcp && signal.rtp && !signal.rtcpMux) {
    // RFC 3550 §11: without a=rtcp, RTCP goes to the next higher (odd) port.
    rtcp = *signal.rtp;
    if (rtcp->port() != 0 && rtcp->port() < 65535)
      rtcp->setPort(static_cast<std::uint16_t>(rtcp->port() + 1));
  }
  leg.rtcpLatch.restart(rtcp, now);
  leg.payloads.clear();
  for (const PayloadMapping& p : signal.payloads) leg.payloads.set(p.pt, p.clockRate, p.encoding);
}

base::Result<void> RelayWorker::addStream(SessionId id, StreamId streamId, const StreamSpec& spec,
                                          std::array<PortPair, 2>&& ports) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return tl::unexpected(notFound(id));
  Session& session = *it->second;
  if (session.streams.count(streamId))
    return base::fail(base::Errc::AlreadyExists,
                      fmt::format("stream {} of media session {} exists", streamId, id));
  auto stream = std::make_unique<Stream>();
  stream->session = &session;
  stream->id = streamId;
  const base::MonoTime now = clock_.now();
  for (Leg leg : {Leg::A, Leg::B}) {
    LegState& l = stream->legs[legIndex(leg)];
    l.ports = std::move(ports[legIndex(leg)]);
    l.rtpSlot = SocketSlot{stream.get(), leg, false, false};
    l.rtcpSlot = SocketSlot{stream.get(), leg, true, false};
    restartLeg(l, spec.leg(leg).remote, now);
  }
  for (LegState& l : stream->legs) {
    if (!registerSocket(l.ports.rtp.fd(), &l.rtpSlot) ||
        !registerSocket(l.ports.rtcp.fd(), &l.rtcpSlot)) {
      const int err = errno;
      for (LegState& u : stream->legs) {  // undo what was registered; EPOLL_CTL_DEL of an
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, u.ports.rtp.fd(), nullptr);   // unregistered fd
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, u.ports.rtcp.fd(), nullptr);  // fails harmlessly
      }
      // Hand the sockets back to the caller so it can return the ports.
      ports[0] = std::move(stream->legs[0].ports);
      ports[1] = std::move(stream->legs[1].ports);
      return base::fail(base::Errc::Io, fmt::format("epoll_ctl: {}", std::strerror(err)));
    }
  }
  session.lastActivity = now;
  session.streams.emplace(streamId, std::move(stream));
  return {};
}

base::Result<void> RelayWorker::updateLeg(SessionId id, StreamId stream, Leg leg,
                                          const LegSignal& signal) {
  std::lock_guard lock(mutex_);
  Stream* s = findStream(id, stream);
  if (!s) return tl::unexpected(notFound(id));
  const base::MonoTime now = clock_.now();
  restartLeg(s->legs[legIndex(leg)], signal, now);
  // The other leg's window opened at its own offer; if it has sent nothing since (a NAT'd
  // caller waiting for the answer through a long ring), it gets a new one now.
  LegState& otherLeg = s->legs[1 - legIndex(leg)];
  otherLeg.rtpLatch.reopenIfSilent(now);
  otherLeg.rtcpLatch.reopenIfSilent(now);
  s->session->lastActivity = now;
  return {};
}

base::Result<void> RelayWorker::setForwarding(SessionId id, StreamId stream, Leg from,
                                              bool forward) {
  std::lock_guard lock(mutex_);
  Stream* s = findStream(id, stream);
  if (!s) return tl::unexpected(notFound(id));
  s->dirs[legIndex(from)].forward = forward;
  if (forward) s->session->lastActivity = clock_.now();
  return {};
}

base::Result<void> RelayWorker::setProcessor(SessionId id, StreamId stream, Leg from,
                                             std::shared_ptr<PacketProcessor> processor) {
  std::shared_ptr<PacketProcessor> old;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  Stream* s = findStream(id, stream);
  if (!s) return tl::unexpected(notFound(id));
  DirectionState& dir = s->dirs[legIndex(from)];
  const auto* srtp = dynamic_cast<const SrtpProcessor*>(processor.get());
  dir.encryptedIn = srtp && srtp->encryptedInput();
  dir.plainAfter = dir.encryptedIn && !srtp->encryptedOutput();
  old = std::exchange(dir.processor, std::move(processor));
  return {};
}

void RelayWorker::retireStream(std::unique_ptr<Stream> stream, ReleasedPorts& released) {
  for (Leg leg : {Leg::A, Leg::B}) {
    LegState& l = stream->legs[legIndex(leg)];
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, l.ports.rtp.fd(), nullptr);
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, l.ports.rtcp.fd(), nullptr);
    l.ports.rtp.close();
    l.ports.rtcp.close();
    l.rtpSlot.dead = l.rtcpSlot.dead = true;
    released.rtp[legIndex(leg)] = l.ports.rtpAddress;
  }
  stream->session = nullptr;
  graveyard_.push_back(std::move(stream));
}

base::Result<StreamStats> RelayWorker::removeStream(SessionId id, StreamId streamId,
                                                    ReleasedPorts& released) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return tl::unexpected(notFound(id));
  auto st = it->second->streams.find(streamId);
  if (st == it->second->streams.end())
    return base::fail(base::Errc::NotFound,
                      fmt::format("no stream {} in media session {}", streamId, id));
  StreamStats stats = snapshot(*st->second);
  std::unique_ptr<Stream> stream = std::move(st->second);
  it->second->streams.erase(st);
  retireStream(std::move(stream), released);
  return stats;
}

base::Result<SessionStats> RelayWorker::removeSession(SessionId id,
                                                      std::vector<ReleasedPorts>& released) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return tl::unexpected(notFound(id));
  std::unique_ptr<Session> session = std::move(it->second);
  sessions_.erase(it);
  SessionStats stats;
  stats.id = id;
  stats.age = clock_.now() - session->created;
  for (auto& [streamId, stream] : session->streams) {
    stats.streams.push_back(snapshot(*stream));
    released.emplace_back();
    retireStream(std::move(stream), released.back());
  }
  return stats;
}

base::Result<SessionStats> RelayWorker::stats(SessionId id) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return tl::unexpected(notFound(id));
  SessionStats stats;
  stats.id = id;
  stats.age = clock_.now() - it->second->created;
  for (const auto& [streamId, stream] : it->second->streams)
    stats.streams.push_back(snapshot(*stream));
  return stats;
}

std::size_t RelayWorker::sessionCount() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

StreamStats RelayWorker::snapshot(const Stream& stream) const {
  StreamStats out;
  out.id = stream.id;
  for (Leg leg : {Leg::A, Leg::B}) {
    const LegState& l = stream.legs[legIndex(leg)];
    LegStats& ls = out.legs[legIndex(leg)];
    ls.local = LegPorts{l.ports.rtpAddress, l.ports.rtcpAddress};
    ls.signalled = l.rtpLatch.signalled();
    ls.latched = l.rtpLatch.latched();
    ls.locked = l.rtpLatch.locked();
    ls.rtcpMux = l.rtcpMux;
    if (l.rtt) ls.rttMs = std::chrono::duration<double, std::milli>(*l.rtt).count();
  }
  for (Leg from : {Leg::A, Leg::B}) {
    const DirectionState& d = stream.dirs[legIndex(from)];
    DirectionStats& ds = out.from[legIndex(from)];
    ds = d.counters;
    ds.rtp = d.rtp.report();
    const std::uint32_t clock = ds.rtp.clockRate ? ds.rtp.clockRate : 8000;
    double lossPercent = ds.rtp.lossPercent();
    double jitterMs = ds.rtp.jitterMs;
    if (d.haveRemoteReport) {
      // The receiving peer's view covers both hops (the relay does not renumber), so it
      // is the better figure for what the listener hears.
      ds.haveRemoteReport = true;
      ds.remoteFractionLostPercent = d.remoteReport.fractionLost * 100.0 / 256.0;
      ds.remoteCumulativeLost = d.remoteReport.cumulativeLost;
      ds.remoteJitterMs = d.remoteReport.jitter * 1000.0 / clock;
      if (ds.rtp.expected > 0 && d.remoteReport.cumulativeLost > 0)
        lossPercent = std::min(100.0, 100.0 * d.remoteReport.cumulativeLost / ds.rtp.expected);
      jitterMs = ds.remoteJitterMs;
    }
    if (ds.rtp.packets > 0) {
      double rttMs = 0;
      for (const LegState& l : stream.legs)
        if (l.rtt) rttMs += std::chrono::duration<double, std::milli>(*l.rtt).count();
      MosInput in;
      in.codec = ds.rtp.codec;
      in.lossPercent = lossPercent;
      in.oneWayDelayMs = estimateOneWayDelayMs(in.codec, rttMs, jitterMs);
      ds.rFactor = rFactor(in);
      ds.mos = mosFromR(ds.rFactor);
    }
  }
  return out;
}

// ---- data path ------------------------------------------------------------------------

std::size_t RelayWorker::runOnce(int waitMs) {
  const int n = ::epoll_wait(epoll_, ready_.data(), static_cast<int>(ready_.size()), waitMs);
  std::size_t received = 0;
  {
    std::lock_guard lock(mutex_);
    const base::MonoTime now = clock_.now();
    for (int i = 0; i < n; ++i) {
      auto* slot = static_cast<SocketSlot*>(ready_[i].data.ptr);
      if (slot == nullptr) {  // wake-up
        std::uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_, &v, sizeof v);
        continue;
      }
      if (slot->dead) continue;  // removed after epoll_wait returned
      received += handleReadable(*slot, now);
    }
    if (now >= nextHousekeeping_) {
      housekeeping(now);
      nextHousekeeping_ = now + config_.housekeepingInterval;
    }
    graveyard_.clear();  // nothing from this round's epoll events refers to them any more
    delivering_.swap(events_);
  }
  if (sink_)
    for (const MediaEvent& e : delivering_) sink_(e);
  delivering_.clear();
  return received;
}

std::size_t RelayWorker::handleReadable(SocketSlot& slot, base::MonoTime now) {
  Stream& stream = *slot.stream;
  LegState& leg = stream.legs[legIndex(slot.leg)];
  const int fd = slot.rtcpSocket ? leg.ports.rtcp.fd() : leg.ports.rtp.fd();

  std::size_t buffers = 0;
  for (; buffers < kBatch; ++buffers) {
    const std::uint32_t b = pool_.acquire();
    if (b == PacketPool::kNone) break;
    recvBuf_[buffers] = b;
    recvIov_[buffers].iov_base = pool_.payload(b);
    recvIov_[buffers].iov_len = kMaxDatagram;
    recv_[buffers].msg_hdr.msg_name = &recvFrom_[buffers];
    recv_[buffers].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    recv_[buffers].msg_hdr.msg_control = nullptr;
    recv_[buffers].msg_hdr.msg_controllen = 0;
    recv_[buffers].msg_hdr.msg_flags = 0;
  }
  auto releaseAll = [&] {
    for (std::size_t i = 0; i < buffers; ++i) pool_.release(recvBuf_[i]);
  };
  if (buffers == 0) {
    TL_BUG("relay packet pool empty");
    return 0;
  }
  const int got =
      ::recvmmsg(fd, recv_.data(), static_cast<unsigned>(buffers), MSG_DONTWAIT, nullptr);
  if (got <= 0) {
    releaseAll();
    return 0;
  }

  DirectionStats& counters = stream.dirs[legIndex(slot.leg)].counters;
  for (int i = 0; i < got; ++i) {
    const mmsghdr& m = recv_[i];
    if (m.msg_hdr.msg_flags & MSG_TRUNC) {
      ++counters.droppedTruncated;
      continue;
    }
    Packet& p = packets_[i];
    p.data = pool_.payload(recvBuf_[i]);
    p.size = m.msg_len;
    p.headroom = kPacketHeadroom;
    p.tailroom = kMaxDatagram - m.msg_len + kPacketTailroom;
    p.source = net::Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&recvFrom_[i]),
                                          m.msg_hdr.msg_namelen);
    const net::Address* dest = nullptr;
    const int sendFd = processPacket(stream, slot, p, dest, now);
    if (sendFd < 0) continue;
    enqueue(p, *dest, sendFd, &counters);
  }
  flushSends();
  releaseAll();
  return static_cast<std::size_t>(got);
}

void RelayWorker::enqueue(const Packet& packet, const net::Address& dest, int fd,
                          DirectionStats* counters) {
  const std::size_t out = sendCount_++;  // callers keep sendCount_ < kSendSlots
  sendIov_[out].iov_base = packet.data;
  sendIov_[out].iov_len = packet.size;
  send_[out].msg_hdr.msg_name = const_cast<sockaddr*>(dest.sockaddrPtr());
  send_[out].msg_hdr.msg_namelen = dest.sockaddrLen();
  send_[out].msg_hdr.msg_control = nullptr;
  send_[out].msg_hdr.msg_controllen = 0;
  send_[out].msg_hdr.msg_flags = 0;
  sendMeta_[out] = Outgoing{fd, counters};
}

void RelayWorker::flushSends() {
  // Send in runs of consecutive packets leaving the same socket (sendmmsg takes one fd).
  const std::size_t out = sendCount_;
  std::size_t i = 0;
  while (i < out) {
    std::size_t j = i + 1;
    while (j < out && sendMeta_[j].fd == sendMeta_[i].fd) ++j;
    std::size_t k = i;
    while (k < j) {  // each pass sends at least one message or skips one: bounded by j − i
      const int sent = ::sendmmsg(sendMeta_[i].fd, &send_[k], static_cast<unsigned>(j - k), 0);
      if (sent <= 0) {
        ++sendMeta_[k].counters->sendErrors;  // skip the message the kernel refused
        ++k;
        continue;
      }
      for (int s = 0; s < sent; ++s) {
        ++sendMeta_[k + s].counters->forwardedPackets;
        sendMeta_[k + s].counters->forwardedBytes += send_[k + s].msg_len;
      }
      k += static_cast<std::size_t>(sent);
    }
    i = j;
  }
  sendCount_ = 0;
  for (std::size_t e = 0; e < emittedCount_; ++e) pool_.release(emittedBuf_[e]);
  emittedCount_ = emitFirst_ = 0;
}

Packet* RelayWorker::Emitter::emit() {
  RelayWorker& w = worker_;
  if (w.emittedCount_ >= kMaxEmitted || w.emittedCount_ - w.emitFirst_ >= kMaxEmitPerPacket)
    return nullptr;
  const std::uint32_t b = w.pool_.acquire();
  if (b == PacketPool::kNone) return nullptr;
  const std::size_t slot = w.emittedCount_++;
  w.emittedBuf_[slot] = b;
  Packet& p = w.emitted_[slot];
  p.data = w.pool_.payload(b);
  p.size = 0;
  p.headroom = kPacketHeadroom;
  p.tailroom = kMaxDatagram + kPacketTailroom;
  p.rtcp = false;
  p.source = net::Address();
  return &p;
}

int RelayWorker::destinationOf(LegState& outLeg, bool rtcp, const net::Address*& dest) {
  // RTCP goes to the RTCP port of the other side unless that side multiplexes.
  const bool viaRtcpSocket = rtcp && !outLeg.rtcpMux;
  dest = viaRtcpSocket ? outLeg.rtcpLatch.destination() : outLeg.rtpLatch.destination();
  if (dest == nullptr) return -1;
  return viaRtcpSocket ? outLeg.ports.rtcp.fd() : outLeg.ports.rtp.fd();
}

int RelayWorker::processWithProcessor(LegState& outLeg, DirectionState& dir, bool rtcp,
                                      Packet& packet, base::MonoTime now) {
  DirectionStats& c = dir.counters;
  // Room for this packet and everything it may emit; otherwise send what is queued first
  // (its buffers stay valid: received ones until the end of handleReadable).
  if (sendCount_ + 1 + kMaxEmitPerPacket > kSendSlots ||
      emittedCount_ + kMaxEmitPerPacket > kMaxEmitted)
    flushSends();
  emitFirst_ = emittedCount_;
  const PacketProcessor::Verdict verdict = dir.processor->processInto(packet, now, emitter_);
  const std::size_t first = emitFirst_;
  const std::size_t last = emittedCount_;
  emitFirst_ = emittedCount_;  // no emit() outside processInto
  if (verdict == PacketProcessor::Verdict::Drop) {
    ++c.droppedProcessor;
    return -1;  // emitted buffers go back at the next flush
  }
  const net::Address* dest = nullptr;
  const int fd = destinationOf(outLeg, rtcp, dest);
  const bool forward = verdict == PacketProcessor::Verdict::Forward;
  std::size_t sent = 0;
  if (forward && packet.size > 0) ++sent;
  for (std::size_t e = first; e < last; ++e) sent += emitted_[e].size > 0;
  if (sent == 0) return -1;  // consumed into nothing (yet): not a drop
  if (fd < 0) {
    ++c.droppedNoDestination;
    return -1;
  }
  if (forward && packet.size > 0) enqueue(packet, *dest, fd, &c);
  for (std::size_t e = first; e < last; ++e)
    if (emitted_[e].size > 0) enqueue(emitted_[e], *dest, fd, &c);
  return -1;
}

int RelayWorker::processPacket(Stream& stream, const SocketSlot& slot, Packet& packet,
                               const net::Address*& dest, base::MonoTime now) {
  const Leg from = slot.leg;
  const Leg to = otherLeg(from);
  LegState& in = stream.legs[legIndex(from)];
  LegState& outLeg = stream.legs[legIndex(to)];
  DirectionState& dir = stream.dirs[legIndex(from)];
  DirectionStats& c = dir.counters;
  const std::span<const std::uint8_t> bytes(packet.data, packet.size);

  // Classify before anything else, so garbage can neither latch nor count as media. On the
  // RTP socket RTCP is recognised by its packet type whatever was signalled (RFC 5761 §4).
  const bool rtcp = slot.rtcpSocket || looksLikeRtcp(bytes);
  std::optional<RtpHeader> rtpHeader;
  if (rtcp) {
    if (!looksLikeRtcp(bytes)) {
      ++c.droppedMalformed;
      return -1;
    }
  } else {
    rtpHeader = parseRtpHeader(bytes);
    if (!rtpHeader && dir.encryptedIn && (packet.data[0] & 0x20) != 0) {
      // SRTP encrypts the padding with the payload (RFC 3711 §3.1): the last byte is the
      // tag, not the padding count. The processor authenticates what this lets through.
      packet.data[0] &= 0xDF;
      rtpHeader = parseRtpHeader(bytes);
      packet.data[0] |= 0x20;
    }
    if (!rtpHeader) {
      ++c.droppedMalformed;
      return -1;
    }
  }
  packet.rtcp = rtcp;

  Latch& latch = slot.rtcpSocket ? in.rtcpLatch : in.rtpLatch;
  const Latch::Outcome verdict = latch.onPacket(packet.source, now, config_.latch);
  if (!verdict.accept) {
    ++c.droppedSource;
    return -1;
  }
  if (verdict.firstLatch || verdict.moved)
    latchEvent(stream, from, slot.rtcpSocket, latch, verdict);

  if (rtcp) {
    ++c.rtcpPackets;
    c.rtcpBytes += packet.size;
    if (!dir.encryptedIn) onRtcp(stream, from, packet, now);  // SRTCP: after decryption
  } else {
    ++c.rtpPackets;
    c.rtpBytes += packet.size;
    dir.rtp.onPacket(*rtpHeader, in.payloads.lookup(rtpHeader->payloadType), now);
    stream.session->lastActivity = now;
    stream.session->timedOut = false;
  }

  if (!dir.forward) {
    ++c.droppedHold;
    return -1;
  }
  // One branch for the plain relay; everything about processors is out of line.
  if (dir.processor) {
    const auto drops = c.droppedProcessor;
    const int fd = processWithProcessor(outLeg, dir, rtcp, packet, now);
    // Decrypted in place and authentic: the report blocks are readable now.
    if (rtcp && dir.plainAfter && c.droppedProcessor == drops) onRtcp(stream, from, packet, now);
    return fd;
  }
  const int fd = destinationOf(outLeg, rtcp, dest);
  if (fd < 0) ++c.droppedNoDestination;
  return fd;
}

void RelayWorker::onRtcp(Stream& stream, Leg from, const Packet& packet, base::MonoTime now) {
  const auto summary = parseRtcp(std::span<const std::uint8_t>(packet.data, packet.size));
  if (!summary) return;  // e.g. SRTCP: forwarded, not understood
  const Leg to = otherLeg(from);
  if (summary->hasSenderReport)
    stream.dirs[legIndex(from)].senderReports.record(summary->ntpMiddle(), now);
  // Report blocks from `from` describe what it receives: the stream sent by `to`.
  DirectionState& reported = stream.dirs[legIndex(to)];
  const std::uint32_t reportedSsrc = reported.rtp.report().ssrc;
  for (std::size_t i = 0; i < summary->blockCount; ++i) {
    const ReportBlock& b = summary->blocks[i];
    if (reported.rtp.report().packets > 0 && b.ssrc != reportedSsrc) continue;
    reported.haveRemoteReport = true;
    reported.remoteReport = b;
    if (auto rtt = reported.senderReports.roundTrip(b, now)) stream.legs[legIndex(from)].rtt = *rtt;
    break;
  }
}

void RelayWorker::latchEvent(const Stream& stream, Leg leg, bool rtcp, const Latch& latch,
                             const Latch::Outcome& outcome) {
  MediaEvent e;
  e.type = outcome.firstLatch ? MediaEvent::Type::FirstPacket : MediaEvent::Type::RemoteMoved;
  e.session = stream.session->id;
  e.stream = stream.id;
  e.leg = leg;
  e.rtcp = rtcp;
  if (latch.latched()) e.source = *latch.latched();
  e.signalled = latch.signalled();
  events_.push_back(e);  // rare (per latch change), not per packet
}

void RelayWorker::housekeeping(base::MonoTime now) {
  for (auto& [id, session] : sessions_) {
    if (session->timedOut || session->streams.empty()) continue;
    bool held = false;
    for (const auto& [sid, stream] : session->streams)
      for (const DirectionState& d : stream->dirs) held = held || !d.forward;
    const base::Duration limit = held ? config_.holdTimeout : config_.noMediaTimeout;
    const base::Duration idle = now - session->lastActivity;
    if (idle < limit) continue;
    session->timedOut = true;  // once, until media flows again
    MediaEvent e;
    e.type = MediaEvent::Type::NoMediaTimeout;
    e.session = id;
    e.stream = session->streams.begin()->first;
    e.idle = idle;
    events_.push_back(e);
  }
}

}  // namespace trunkline::media
