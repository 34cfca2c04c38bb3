#include "api/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <unordered_set>

#include <fmt/format.h>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include "api/problem.h"
#include "base/log.h"

namespace trunkline::api {
namespace {

using Tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<Tcp::socket>;
using Unix = asio::local::stream_protocol;

Tcp::socket& lowest(Tcp::socket& s) {
  return s;
}
Unix::socket& lowest(Unix::socket& s) {
  return s;
}
Tcp::socket& lowest(TlsStream& s) {
  return s.next_layer();
}

// Responses queued beyond this are not added to until written (pipelining backpressure).
constexpr std::size_t kMaxQueuedOutput = 256 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
// After the last response of a closing connection, unread input is drained (not reset)
// for at most this long, so the client sees the response instead of a TCP reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void close() = 0;
};

}  // namespace

struct HttpServer::Impl {
  net::EventLoop& loop;
  HttpServerOptions options;
  RequestHandler handler;
  Tcp::acceptor acceptor;
  Unix::acceptor unixAcceptor;
  std::string unixBound;  // the socket file we created, removed on shutdown
  std::unordered_set<std::shared_ptr<ConnectionBase>> connections;
  bool stopped = false;
  base::RateLimiter refusedLog;

  Impl(net::EventLoop& l, HttpServerOptions o, RequestHandler h)
      : loop(l),
        options(std::move(o)),
        handler(std::move(h)),
        acceptor(l.io()),
        unixAcceptor(l.io()),
        refusedLog(l.clock(), std::chrono::seconds(10), 5) {}

  void accept(const std::shared_ptr<Impl>& self);
  void acceptUnix(const std::shared_ptr<Impl>& self);
  base::Result<void> listenUnix(const std::shared_ptr<Impl>& self);
  // Whether a new connection may be added; logs (rate-limited) when not.
  bool admit() {
    if (connections.size() < options.maxConnections) return true;
    std::uint64_t suppressed = 0;
    if (refusedLog.allow(suppressed))
      TL_LOG_WARN("api: connection limit {} reached; closing a new connection ({} more not logged)",
                  options.maxConnections, suppressed);
    return false;
  }
  void remove(ConnectionBase* c) {
    for (auto it = connections.begin(); it != connections.end(); ++it)
      if (it->get() == c) {
        connections.erase(it);
        return;
      }
  }
};

namespace {

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <class... A>
  Connection(const std::shared_ptr<HttpServer::Impl>& server, A&&... streamArgs)
      : server_(server), stream_(std::forward<A>(streamArgs)...), parser_(server->options.limits) {}

  /// The peer's uid on the control socket; every request of the connection carries it.
  void setPeerUid(std::uint32_t uid) { peerUid_ = uid; }

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      arm(Deadline::Request);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const std::error_code& ec) {
                                if (ec) return self->close();
                                self->pump();
                              });
    } else {
      pump();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    cancelTimer();
    std::error_code ignored;
    lowest(stream_).close(ignored);
    if (auto s = server_.lock()) s->remove(this);
  }

 private:
  enum class Deadline { None, Idle, Request, Write, Linger };

  void arm(Deadline kind) {
    auto s = server_.lock();
    if (!s) return;
    cancelTimer();
    deadline_ = kind;
    const auto after = kind == Deadline::Idle     ? s->options.idleTimeout
                       : kind == Deadline::Linger ? base::Duration(kLingerTime)
                                                  : s->options.requestTimeout;
    std::weak_ptr<Connection> weak = this->shared_from_this();
    timer_ = s->loop.schedule(after, [weak] {
      if (auto self = weak.lock()) self->onTimeout();
    });
  }

  void cancelTimer() {
    if (timer_ == 0) return;
    if (auto s = server_.lock()) s->loop.cancel(timer_);
    timer_ = 0;
    deadline_ = Deadline::None;
  }

  void onTimeout() {
    timer_ = 0;
    const auto kind = deadline_;
    deadline_ = Deadline::None;
    if (kind == Deadline::Request && reading_ && !closing_) {
      // A request started but did not complete in time (slowloris): answer 408 once the
      // pending read is cancelled, then close.
      timedOut_ = true;
      std::error_code ignored;
      lowest(stream_).cancel(ignored);
      return;
    }
    close();
  }

  // Runs what is buffered, then writes, reads or closes: the one place that decides what
  // the connection does next.
  void pump() {
    if (closed_ || writing_ || reading_) return;
    auto server = server_.lock();
    if (!server) return close();
    while (!closing_ && out_.size() < kMaxQueuedOutput) {
      const auto state = parser_.parse(in_);
      if (state == RequestParser::State::NeedMore) {
        if (parser_.expectsContinue() && !sentContinue_) {
          out_ += "HTTP/1.1 100 Continue\r\n\r\n";
          sentContinue_ = true;
        }
        break;
      }
      if (state == RequestParser::State::Error) {
        const auto& e = parser_.error();
        TL_LOG_DEBUG("api: refused request: {} {}", e.status, e.detail);
        out_ += serialize(httpProblem(e.status, e.detail), false);
        closing_ = true;
        break;
      }
      const std::size_t used = parser_.consumed();
      HttpRequest req = parser_.take();
      req.peerUid = peerUid_;
      in_.erase(0, used);
      sentContinue_ = false;
      const HttpResponse resp = server->handler(req);
      TL_LOG_DEBUG("api: {} {} → {}", req.method, req.path, resp.status);
      const bool keepAlive = req.keepAlive && !server->stopped;
      out_ += serialize(resp, keepAlive, req.method == "HEAD");
      if (!keepAlive) closing_ = true;
    }
    if (!out_.empty()) return write();
    if (closing_) return linger();
    read();
  }

  void read() {
    if (!in_.empty() || parser_.inRequest()) {
      // The request deadline runs from the request's first byte; trickling bytes in
      // does not extend it.
      if (deadline_ != Deadline::Request) arm(Deadline::Request);
    } else {
      arm(Deadline::Idle);
    }
    reading_ = true;
    stream_.async_read_some(asio::buffer(buf_), [self = this->shared_from_this()](
                                                    const std::error_code& ec, std::size_t n) {
      self->reading_ = false;
      if (self->closed_) return;
      if (self->timedOut_) {
        self->timedOut_ = false;
        self->out_ += serialize(httpProblem(408, "the request was not completed in time"), false);
        self->closing_ = true;
        return self->write();
      }
      if (ec) return self->close();
      self->in_.append(self->buf_.data(), n);
      self->pump();
    });
  }

  void write() {
    arm(Deadline::Write);
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](const std::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        if (self->closed_) return;
                        self->cancelTimer();
                        if (ec) return self->close();
                        self->out_.clear();
                        self->pump();
                      });
  }

  // Half-close, then drain and discard what the client still sends (bounded in time and
  // bytes), so the last response is not destroyed by a reset.
  void linger() {
    std::error_code ignored;
    lowest(stream_).shutdown(asio::socket_base::shutdown_send, ignored);
    arm(Deadline::Linger);
    drain();
  }

  void drain() {
    lowest(stream_).async_read_some(
        asio::buffer(buf_),
        [self = this->shared_from_this()](const std::error_code& ec, std::size_t n) {
          if (self->closed_) return;
          self->drained_ += n;
          if (ec || self->drained_ > kMaxLingerBytes) return self->close();
          self->drain();
        });
  }

  std::weak_ptr<HttpServer::Impl> server_;
  Stream stream_;
  RequestParser parser_;
  std::array<char, kReadChunk> buf_{};
  std::string in_;
  std::string out_;
  base::TimerId timer_ = 0;
  Deadline deadline_ = Deadline::None;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool timedOut_ = false;
  bool sentContinue_ = false;
  std::size_t drained_ = 0;
  std::optional<std::uint32_t> peerUid_;
};

}  // namespace

void HttpServer::Impl::accept(const std::shared_ptr<Impl>& self) {
  std::weak_ptr<Impl> weak = self;
  acceptor.async_accept([weak](const std::error_code& ec, Tcp::socket socket) {
    auto s = weak.lock();
    if (!s || s->stopped) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of descriptors and the like: log, wait a moment instead of spinning.
      TL_LOG_WARN("api: accept failed: {}", ec.message());
      s->loop.schedule(std::chrono::milliseconds(100), [weak] {
        if (auto again = weak.lock(); again && !again->stopped) again->accept(again);
      });
      return;
    }
    if (!s->admit()) {
      std::error_code ignored;
      socket.close(ignored);
    } else if (s->options.tls) {
      auto c = std::make_shared<Connection<TlsStream>>(s, std::move(socket), *s->options.tls);
      s->connections.insert(c);
      c->start();
    } else {
      auto c = std::make_shared<Connection<Tcp::socket>>(s, std::move(socket));
      s->connections.insert(c);
      c->start();
    }
    s->accept(s);
  });
}

void HttpServer::Impl::acceptUnix(const std::shared_ptr<Impl>& self) {
  std::weak_ptr<Impl> weak = self;
  unixAcceptor.async_accept([weak](const std::error_code& ec, Unix::socket socket) {
    auto s = weak.lock();
    if (!s || s->stopped) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      TL_LOG_WARN("api: accept on {} failed: {}", s->options.unixPath, ec.message());
      s->loop.schedule(std::chrono::milliseconds(100), [weak] {
        if (auto again = weak.lock(); again && !again->stopped) again->acceptUnix(again);
      });
      return;
    }
    // The kernel's record of who connected (the uid at connect time): the principal of
    // every request on this connection. Without it the connection is not served.
    struct ucred cred {};
    socklen_t len = sizeof cred;
    const bool known =
        ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
        len == sizeof cred;
    std::error_code ignored;
    if (!known) {
      TL_LOG_WARN("api: control socket peer without credentials; closed");
      socket.close(ignored);
    } else if (!s->admit()) {
      socket.close(ignored);
    } else {
      auto c = std::make_shared<Connection<Unix::socket>>(s, std::move(socket));
      c->setPeerUid(static_cast<std::uint32_t>(cred.uid));
      s->connections.insert(c);
      c->start();
    }
    s->acceptUnix(s);
  });
}

base::Result<void> HttpServer::Impl::listenUnix(const std::shared_ptr<Impl>& self) {
  const std::string& path = options.unixPath;
  // sun_path holds 108 bytes with its terminating NUL.
  if (path.size() >= sizeof(sockaddr_un{}.sun_path))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("{}: control socket path longer than {} bytes", path,
                                  sizeof(sockaddr_un{}.sun_path) - 1));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return base::fail(base::Errc::Io, fmt::format("{}: exists and is not a socket", path));
    // A socket file outlives the process that bound it. If something answers there, it
    // is another server's; if not, it is left over from a node that died: replace it.
    Unix::socket probe(loop.io());
    std::error_code ec;
    probe.connect(Unix::endpoint(path), ec);
    if (!ec)
      return base::fail(base::Errc::Io,
                        fmt::format("{}: another server is listening on this socket", path));
    ::unlink(path.c_str());
  }
  std::error_code ec;
  auto& a = unixAcceptor;
  a.open(Unix(), ec);
  if (!ec) a.bind(Unix::endpoint(path), ec);
  // Permissions before listen(): until then a connect is refused, so nobody slips in
  // through a wider default mode.
  if (!ec && ::chmod(path.c_str(), static_cast<mode_t>(options.unixMode)) != 0)
    ec = std::error_code(errno, std::system_category());
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::error_code ignored;
    a.close(ignored);
    return base::fail(base::Errc::Io, fmt::format("{}: {}", path, ec.message()));
  }
  unixBound = path;
  acceptUnix(self);
  return {};
}

HttpServer::HttpServer(net::EventLoop& loop, HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_shared<Impl>(loop, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  shutdown();
}

base::Result<net::Address> HttpServer::listen() {
  if (!impl_->options.unixPath.empty()) {
    if (auto r = impl_->listenUnix(impl_); !r) return tl::unexpected(r.error());
    return net::Address();
  }
  const auto& addr = impl_->options.listen;
  if (!addr.valid()) return base::fail(base::Errc::InvalidArgument, "no listen address");
  const auto ip = asio::ip::make_address(addr.ip());
  const Tcp::endpoint ep(ip, addr.port());
  std::error_code ec;
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::error_code ignored;
    a.close(ignored);
    return base::fail(base::Errc::Io, fmt::format("{}: {}", addr.toString(), ec.message()));
  }
  const auto bound = a.local_endpoint(ec);
  auto out = net::Address::fromIp(bound.address().to_string(), bound.port());
  impl_->accept(impl_);
  return out ? *out : addr;
}

void HttpServer::shutdown() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  std::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->unixAcceptor.close(ignored);
  if (!impl_->unixBound.empty()) {
    ::unlink(impl_->unixBound.c_str());
    impl_->unixBound.clear();
  }
  auto conns = std::move(impl_->connections);
  impl_->connections.clear();
  for (const auto& c : conns) c->close();
}

std::size_t HttpServer::connectionCount() const {
  return impl_->connections.size();
}

}  // namespace trunkline::api
