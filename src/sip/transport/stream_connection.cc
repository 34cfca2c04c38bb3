// TCP and TLS: listeners and connections (RFC 3261 §18.3 framing, RFC 5626 §3.5.1
// CRLF keep-alives, idle timeout and connect timeout on the loop's TimerQueue).
#include <asio/connect.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/ssl/error.hpp>
#include <asio/write.hpp>

#include "net/endpoint.h"
#include "sip/transport/transport_internal.h"

namespace trunkline::sip::detail {
namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
}  // namespace

// ---------------------------------------------------------------- StreamListener

StreamListener::StreamListener(TransportLayer& layer, TransportKind kind, asio::io_context& io)
    : layer_(&layer), kind_(kind), acceptor_(io) {}

base::Result<void> StreamListener::open(const net::Address& address, bool reusePort) {
  const auto ep = net::toTcpEndpoint(address);
  std::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec && address.isV6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
  if (!ec) {
    // Accepted connections inherit the listener's marking; onAccepted() sets it again so
    // that does not depend on the kernel.
    if (auto r = setSocketDscp(acceptor_.native_handle(), layer_->options_.dscp); !r) {
      acceptor_.close(ec);
      return base::fail(r.error().code, fmt::format("cannot listen on {}:{}: {}",
                                                    kind_ == TransportKind::Tls ? "tls" : "tcp",
                                                    address.toString(), r.error().message));
    }
  }
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && reusePort) {
    const int one = 1;
    if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = std::error_code(errno, std::system_category());
  }
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  asio::ip::tcp::endpoint bound;
  if (!ec) bound = acceptor_.local_endpoint(ec);
  if (ec) {
    std::error_code ignored;
    acceptor_.close(ignored);
    return base::fail(base::Errc::Io, fmt::format("cannot listen on {}:{}: {}",
                                                  kind_ == TransportKind::Tls ? "tls" : "tcp",
                                                  address.toString(), ec.message()));
  }
  local_ = net::fromEndpoint(bound);
  return {};
}

void StreamListener::startAccept() {
  if (closed_) return;
  acceptor_.async_accept(
      [self = shared_from_this()](const std::error_code& ec, asio::ip::tcp::socket socket) {
        if (self->closed_ || ec == asio::error::operation_aborted) return;
        if (ec) {
          // Out of descriptors or similar: back off instead of spinning.
          self->layer_->warn("accept on {} failed: {}", self->local_, ec.message());
          std::weak_ptr<StreamListener> weak = self;
          self->retryTimer_ = self->layer_->loop_.schedule(kAcceptRetry, [weak] {
            if (auto s = weak.lock()) {
              s->retryTimer_ = 0;
              s->startAccept();
            }
          });
          return;
        }
        self->layer_->onAccepted(self->kind_, self->local_, socket);
        if (!self->closed_) self->startAccept();
      });
}

void StreamListener::close() {
  if (closed_) return;
  closed_ = true;
  if (retryTimer_ != 0) layer_->loop_.cancel(retryTimer_);
  std::error_code ec;
  acceptor_.close(ec);
}

// ---------------------------------------------------------------- StreamConnection

StreamConnection::StreamConnection(TransportLayer& layer, std::uint64_t id, TransportKind kind,
                                   asio::ip::tcp::socket socket, bool accepted)
    : layer_(&layer),
      accepted_(accepted),
      tcp_(std::move(socket)),
      framer_(layer.options_.limits),
      lastActivity_(layer.loop_.clock().now()) {
  flow_.kind = kind;
  flow_.connectionId = id;
}

bool StreamConnection::startAccepted() {
  std::error_code ec;
  flow_.local = net::fromEndpoint(tcp_.local_endpoint(ec));
  flow_.remote = net::fromEndpoint(tcp_.remote_endpoint(ec));
  tcp_.set_option(asio::ip::tcp::no_delay(true), ec);
  tcp_.non_blocking(true, ec);
  if (flow_.kind == TransportKind::Tls) {
    try {  // the SSL object is allocated here; Asio throws if OpenSSL cannot
      tls_.emplace(std::move(tcp_), *layer_->options_.tlsServer);
    } catch (const std::exception& e) {
      layer_->warn("cannot create TLS session for {}: {}", flow_.remote, e.what());
      close();
      return false;
    }
    state_ = State::Handshaking;
    std::weak_ptr<StreamConnection> weak = shared_from_this();
    connectTimer_ = layer_->loop_.schedule(layer_->options_.connectTimeout, [weak] {
      if (auto s = weak.lock()) {
        s->connectTimer_ = 0;
        ++s->layer_->counters_.tlsHandshakeFailures;
        s->layer_->warn("TLS handshake from {} timed out", s->flow_.remote);
        s->close();
      }
    });
    handshake();
    return !closed_;
  }
  becomeOpen();
  return !closed_;
}

void StreamConnection::startConnect(const net::Address& remote, const net::Address& bindIp) {
  flow_.remote = remote;
  state_ = State::Connecting;
  const auto ep = net::toTcpEndpoint(remote);
  std::error_code ec;
  tcp_.open(ep.protocol(), ec);
  if (!ec) {
    // Before connect(), so the SYN is marked too.
    if (auto r = setSocketDscp(tcp_.native_handle(), layer_->options_.dscp); !r)
      layer_->warn("{} connection to {} goes unmarked: {}", transportName(flow_.kind), remote,
                   r.error().message);
  }
  if (!ec && bindIp.valid() && bindIp.family() == remote.family() && !net::isUnspecified(bindIp)) {
    net::Address local = bindIp;
    local.setPort(0);
    tcp_.bind(net::toTcpEndpoint(local), ec);
  }
  if (!ec && flow_.kind == TransportKind::Tls) {
    try {
      tls_.emplace(std::move(tcp_), *layer_->options_.tlsClient);
    } catch (const std::exception& e) {
      failConnect(fmt::format("cannot create TLS session: {}", e.what()));
      return;
    }
  }
  if (ec) {
    failConnect(ec.message());
    return;
  }
  std::weak_ptr<StreamConnection> weak = shared_from_this();
  connectTimer_ = layer_->loop_.schedule(layer_->options_.connectTimeout, [weak] {
    if (auto s = weak.lock()) {
      s->connectTimer_ = 0;
      s->failConnect("timed out");
    }
  });
  lowest().async_connect(ep, [self = shared_from_this()](const std::error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      self->failConnect(ec.message());
      return;
    }
    std::error_code e;
    self->flow_.local = net::fromEndpoint(self->lowest().local_endpoint(e));
    self->lowest().set_option(asio::ip::tcp::no_delay(true), e);
    self->lowest().non_blocking(true, e);
    if (self->tls_) {
      self->state_ = State::Handshaking;
      self->handshake();
    } else {
      self->becomeOpen();
    }
  });
}

void StreamConnection::handshake() {
  const auto type = accepted_ ? asio::ssl::stream_base::server : asio::ssl::stream_base::client;
  tls_->async_handshake(type, [self = shared_from_this()](const std::error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      ++self->layer_->counters_.tlsHandshakeFailures;
      if (self->accepted_) {
        self->layer_->warn("TLS handshake from {} failed: {}", self->flow_.remote, ec.message());
        self->close();
      } else {
        self->failConnect(fmt::format("TLS handshake failed: {}", ec.message()));
      }
      return;
    }
    self->becomeOpen();
  });
}

void StreamConnection::failConnect(std::string why) {
  ++layer_->counters_.connectFailures;
  layer_->warn("{} connection to {} failed: {}", transportName(flow_.kind), flow_.remote, why);
  close(base::Error(base::Errc::Unavailable,
                    fmt::format("{} connection to {} failed: {}", transportName(flow_.kind),
                                flow_.remote.toString(), why)));
}

void StreamConnection::becomeOpen() {
  if (connectTimer_ != 0) {
    layer_->loop_.cancel(connectTimer_);
    connectTimer_ = 0;
  }
  state_ = State::Open;
  if (!accepted_) ++layer_->counters_.connectionsConnected;
  touch();
  armIdle(layer_->options_.idleTimeout);
  read();
  if (!closed_ && !queue_.empty() && !writing_) writeNext();
}

void StreamConnection::read() {
  if (closed_ || state_ != State::Open) return;
  const std::span<char> space = framer_.prepare(kReadChunk);
  auto onRead = [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
    self->onRead(ec, n);
  };
  if (tls_)
    tls_->async_read_some(asio::buffer(space.data(), space.size()), std::move(onRead));
  else
    tcp_.async_read_some(asio::buffer(space.data(), space.size()), std::move(onRead));
}

void StreamConnection::onRead(const std::error_code& ec, std::size_t n) {
  if (closed_ || state_ != State::Open) return;
  if (ec) {
    if (ec != asio::error::eof && ec != asio::ssl::error::stream_truncated &&
        ec != asio::error::connection_reset)
      layer_->warn("read from {} failed: {}", flow_.remote, ec.message());
    close(base::Error(base::Errc::Io, "connection closed by peer"));
    return;
  }
  framer_.commit(n);
  layer_->counters_.bytesIn += n;
  touch();
  for (;;) {
    const StreamFramer::Frame f = framer_.next();
    switch (f.kind) {
      case StreamFramer::FrameKind::NeedMore: read(); return;
      case StreamFramer::FrameKind::Message:
        layer_->deliver(f.bytes, flow_, /*datagram=*/false);
        if (closed_ || state_ != State::Open) return;
        break;
      case StreamFramer::FrameKind::Ping:
        ++layer_->counters_.keepAlives;
        send("\r\n");  // RFC 5626 §3.5.1 pong
        break;
      case StreamFramer::FrameKind::Pong: ++layer_->counters_.keepAlives; break;
      case StreamFramer::FrameKind::Error:
        ++layer_->counters_.framingErrors;
        layer_->reportParseError(f.bytes, f.error, flow_);
        closeAfterFlush();
        return;
    }
  }
}

bool StreamConnection::send(std::string_view bytes) {
  if (!usable()) return false;
  if (queuedBytes_ + bytes.size() > layer_->options_.maxWriteQueueBytes) {
    layer_->warn("write queue to {} full ({} bytes); dropping {} bytes", flow_.remote, queuedBytes_,
                 bytes.size());
    return false;
  }
  if (state_ == State::Open && !writing_ && queue_.empty() && !tls_) {
    // Fast path: most messages fit in the socket buffer; no copy, no allocation.
    std::error_code ec;
    const std::size_t n = tcp_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      layer_->warn("write to {} failed: {}", flow_.remote, ec.message());
      close();
      return false;
    }
    if (!ec) bytes.remove_prefix(n);
    touch();
    if (bytes.empty()) return true;
  }
  queue_.emplace_back(bytes);
  queuedBytes_ += bytes.size();
  if (state_ == State::Open && !writing_) writeNext();
  return true;
}

void StreamConnection::writeNext() {
  writing_ = true;
  auto onWritten = [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
    self->writing_ = false;
    if (self->closed_) return;
    if (ec) {
      self->layer_->warn("write to {} failed: {}", self->flow_.remote, ec.message());
      self->close(base::Error(base::Errc::Io, fmt::format("write failed: {}", ec.message())));
      return;
    }
    self->queuedBytes_ -= self->queue_.front().size();
    self->queue_.pop_front();
    self->touch();
    if (!self->queue_.empty())
      self->writeNext();
    else if (self->state_ == State::Draining)
      self->close();
  };
  const std::string& front = queue_.front();
  if (tls_)
    asio::async_write(*tls_, asio::buffer(front), std::move(onWritten));
  else
    asio::async_write(tcp_, asio::buffer(front), std::move(onWritten));
}

void StreamConnection::closeAfterFlush() {
  if (closed_) return;
  if (queue_.empty() && !writing_) {
    close();
    return;
  }
  state_ = State::Draining;
}

void StreamConnection::touch() {
  lastActivity_ = layer_->loop_.clock().now();
}

void StreamConnection::armIdle(base::Duration after) {
  std::weak_ptr<StreamConnection> weak = shared_from_this();
  idleTimer_ = layer_->loop_.schedule(after, [weak] {
    if (auto s = weak.lock()) s->onIdle();
  });
}

void StreamConnection::onIdle() {
  idleTimer_ = 0;
  if (closed_) return;
  const base::Duration idle = layer_->loop_.clock().now() - lastActivity_;
  const base::Duration limit = layer_->options_.idleTimeout;
  if (idle >= limit) {
    ++layer_->counters_.idleTimeouts;
    close();
    return;
  }
  armIdle(limit - idle);  // activity since: wait for the rest
}

void StreamConnection::close(const std::optional<base::Error>& error) {
  if (closed_) return;
  auto self = shared_from_this();  // the layer's map may hold the last reference
  closed_ = true;
  state_ = State::Closed;
  if (idleTimer_ != 0) layer_->loop_.cancel(idleTimer_);
  if (connectTimer_ != 0) layer_->loop_.cancel(connectTimer_);
  idleTimer_ = connectTimer_ = 0;
  std::error_code ec;
  lowest().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  lowest().close(ec);
  const bool unsent = !queue_.empty();
  queue_.clear();
  queuedBytes_ = 0;
  if (layer_->shutDown_) return;
  if (unsent && layer_->handler_) {
    base::Error e =
        error ? *error : base::Error(base::Errc::Io, "connection closed with bytes unsent");
    layer_->handler_->onSendFailed(flow_, e);
  }
  layer_->onConnectionClosed(*this);
}

}  // namespace trunkline::sip::detail
