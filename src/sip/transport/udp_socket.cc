// UDP: batched receive with recvmmsg() on the native handle when Asio reports the socket
// readable; what handling a receive batch sends leaves with one sendmmsg() after it, other
// sends with sendto(). Receive buffers are allocated once per socket.
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>

#include "net/endpoint.h"
#include "sip/transport/transport_internal.h"

namespace trunkline::sip::detail {
namespace {
// recvmmsg() rounds per readiness notification before yielding to other handlers.
constexpr int kRoundsPerWake = 8;
// Datagrams queued during one receive batch before they are flushed early (bounds the
// queue whatever a handler does; a batch normally produces about one send per message).
constexpr std::size_t kMaxQueuedSends = 64;

bool isKeepAlive(std::string_view d) {
  // A STUN message (RFC 5389 §6: top two bits 0, magic cookie at offset 4), as sent for
  // RFC 5626 §4.4.2 keep-alives. Binding responses are not implemented yet (README).
  if (d.size() >= 20 && (static_cast<unsigned char>(d[0]) & 0xC0) == 0 &&
      static_cast<unsigned char>(d[4]) == 0x21 && static_cast<unsigned char>(d[5]) == 0x12 &&
      static_cast<unsigned char>(d[6]) == 0xA4 && static_cast<unsigned char>(d[7]) == 0x42)
    return true;
  // Common practice: CRLF or whitespace-only datagrams are keep-alives.
  for (char c : d)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\0') return false;
  return true;
}
}  // namespace

UdpSocket::UdpSocket(TransportLayer& layer, asio::io_context& io) : layer_(&layer), socket_(io) {}

base::Result<void> UdpSocket::open(const net::Address& address) {
  const auto ep = net::toUdpEndpoint(address);
  std::error_code ec;
  socket_.open(ep.protocol(), ec);
  if (!ec && address.isV6()) socket_.set_option(asio::ip::v6_only(true), ec);
  if (!ec) {
    if (auto r = setSocketDscp(socket_.native_handle(), layer_->options_.dscp); !r) {
      socket_.close(ec);
      return base::fail(r.error().code, fmt::format("cannot open udp:{}: {}", address.toString(),
                                                    r.error().message));
    }
  }
  // No SO_REUSEADDR: on Linux it lets two UDP sockets share a port silently.
  if (!ec && layer_->options_.reusePort) {
    const int one = 1;
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = std::error_code(errno, std::system_category());
  }
  if (!ec && layer_->options_.udpReceiveBufferBytes > 0)
    socket_.set_option(
        asio::socket_base::receive_buffer_size(layer_->options_.udpReceiveBufferBytes), ec);
  if (!ec) socket_.bind(ep, ec);
  if (!ec) socket_.non_blocking(true, ec);
  asio::ip::udp::endpoint bound;
  if (!ec) bound = socket_.local_endpoint(ec);
  if (ec) {
    std::error_code ignored;
    socket_.close(ignored);
    return base::fail(base::Errc::Io,
                      fmt::format("cannot bind udp:{}: {}", address.toString(), ec.message()));
  }
  local_ = net::fromEndpoint(bound);

  const std::size_t batch = std::max<std::size_t>(1, layer_->options_.udpBatch);
  slotSize_ = std::max<std::size_t>(layer_->options_.limits.maxMessageBytes, 1500);
  storage_ = std::make_unique_for_overwrite<char[]>(slotSize_ * batch);
  msgs_.assign(batch, mmsghdr{});
  iovs_.assign(batch, iovec{});
  names_.assign(batch, sockaddr_storage{});
  for (std::size_t i = 0; i < batch; ++i) {
    iovs_[i].iov_base = storage_.get() + i * slotSize_;
    iovs_[i].iov_len = slotSize_;
    msgs_[i].msg_hdr.msg_iov = &iovs_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
    msgs_[i].msg_hdr.msg_name = &names_[i];
  }
  return {};
}

void UdpSocket::startReceive() {
  wait();
}

// Asio's epoll reactor is edge-triggered and does not remember an edge that arrives while
// no wait is queued. So every wait() follows a drain in the same handler (recvmmsg until it
// returns fewer than asked), with no epoll_wait in between on this single-threaded loop;
// when the per-wake budget runs out we post a continuation that drains again, instead of
// waiting.
void UdpSocket::wait() {
  if (closed_) return;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](const std::error_code& ec) {
                       if (self->closed_ || ec == asio::error::operation_aborted) return;
                       if (ec) {
                         self->layer_->warn("udp:{} wait failed: {}", self->local_, ec.message());
                       }
                       self->onReadable();
                     });
}

void UdpSocket::onReadable() {
  const int fd = socket_.native_handle();
  const unsigned batch = static_cast<unsigned>(msgs_.size());
  TransportCounters& counters = layer_->counters_;
  for (int round = 0; round < kRoundsPerWake; ++round) {
    for (unsigned i = 0; i < batch; ++i) {
      msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      msgs_[i].msg_hdr.msg_flags = 0;
      msgs_[i].msg_len = 0;
    }
    const int n = ::recvmmsg(fd, msgs_.data(), batch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        layer_->warn("udp:{} recvmmsg failed: {}", local_, std::strerror(errno));
      wait();
      return;
    }
    if (n == 0) {
      wait();
      return;
    }
    ++counters.recvBatches;
    batching_ = true;
    for (int i = 0; i < n; ++i) {
      const mmsghdr& m = msgs_[static_cast<std::size_t>(i)];
      const std::string_view bytes(static_cast<const char*>(m.msg_hdr.msg_iov->iov_base),
                                   m.msg_len);
      Flow flow;
      flow.kind = TransportKind::Udp;
      flow.local = local_;
      flow.remote = net::Address::fromSockaddr(static_cast<const sockaddr*>(m.msg_hdr.msg_name),
                                               m.msg_hdr.msg_namelen);
      counters.bytesIn += m.msg_len;
      if (m.msg_hdr.msg_flags & MSG_TRUNC) {
        ++counters.udpTruncated;
        ParseError err;
        err.code = ParseErrc::TooLarge;
        err.detail = "datagram too long";
        layer_->reportParseError(bytes, err, flow);
      } else if (isKeepAlive(bytes)) {
        ++counters.keepAlives;
      } else {
        layer_->deliver(bytes, flow, /*datagram=*/true);
      }
      if (closed_) return;  // the handler shut us down (close() sent what was queued)
    }
    batching_ = false;
    flushQueued();
    if (closed_) return;                     // a send-failure handler shut us down
    if (static_cast<unsigned>(n) < batch) {  // drained for now
      wait();
      return;
    }
  }
  // Budget spent with data still queued: let other handlers run, then continue.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->closed_) self->onReadable();
  });
}

bool UdpSocket::sendTo(const net::Address& to, std::string_view bytes) {
  if (closed_) return false;
  if (!batching_ || flushing_) return sendNow(to, bytes);
  if (outQueue_.size() >= kMaxQueuedSends) flushQueued();
  outQueue_.push_back(Queued{to, outBytes_.size(), bytes.size()});
  outBytes_.append(bytes);
  return true;
}

bool UdpSocket::sendNow(const net::Address& to, std::string_view bytes) {
  for (;;) {
    const ssize_t n = ::sendto(socket_.native_handle(), bytes.data(), bytes.size(),
                               MSG_DONTWAIT | MSG_NOSIGNAL, to.sockaddrPtr(), to.sockaddrLen());
    if (n >= 0) return true;
    if (errno == EINTR) continue;
    layer_->warn("udp:{} sendto {} failed: {}", local_, to, std::strerror(errno));
    return false;
  }
}

void UdpSocket::flushQueued() {
  const std::size_t count = outQueue_.size();
  if (count == 0 || flushing_) return;
  flushing_ = true;
  outMsgs_.assign(count, mmsghdr{});
  outIovs_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Queued& q = outQueue_[i];
    // outBytes_ no longer grows from here on: pointers into it stay valid.
    outIovs_[i].iov_base = outBytes_.data() + q.offset;
    outIovs_[i].iov_len = q.size;
    msghdr& h = outMsgs_[i].msg_hdr;
    h.msg_name = const_cast<sockaddr*>(q.to.sockaddrPtr());
    h.msg_namelen = q.to.sockaddrLen();
    h.msg_iov = &outIovs_[i];
    h.msg_iovlen = 1;
  }
  std::size_t done = 0;
  std::size_t guard = 0;  // each pass sends or skips at least one datagram
  while (done < count && guard++ <= count) {
    const int n = ::sendmmsg(socket_.native_handle(), outMsgs_.data() + done,
                             static_cast<unsigned>(count - done), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      --guard;
      continue;
    }
    // Datagram `done` was refused (n < 0; errno says why): it was reported sent when it
    // was queued, so take that back, report it, and go on with the next one.
    const int err = n < 0 ? errno : EIO;
    const Queued& q = outQueue_[done];
    TransportCounters& counters = layer_->counters_;
    if (counters.packetsOut > 0) --counters.packetsOut;
    counters.bytesOut -= std::min<std::uint64_t>(counters.bytesOut, q.size);
    ++counters.sendErrors;
    layer_->warn("udp:{} sendmmsg to {} failed: {}", local_, q.to, std::strerror(err));
    if (layer_->handler_ != nullptr) {
      Flow flow;
      flow.kind = TransportKind::Udp;
      flow.local = local_;
      flow.remote = q.to;
      layer_->handler_->onSendFailed(
          flow, base::Error(base::Errc::Io, fmt::format("sendmmsg: {}", std::strerror(err))));
    }
    ++done;
  }
  outQueue_.clear();
  outBytes_.clear();
  flushing_ = false;
  if (outBytes_.capacity() > 1024 * 1024) outBytes_.shrink_to_fit();  // one odd burst
}

void UdpSocket::close() {
  if (closed_) return;
  batching_ = false;
  flushQueued();  // what the current batch produced still leaves
  closed_ = true;
  std::error_code ec;
  socket_.close(ec);
}

}  // namespace trunkline::sip::detail
