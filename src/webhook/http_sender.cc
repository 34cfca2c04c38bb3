#include "webhook/http_sender.h"

#include <openssl/ssl.h>

#include <asio/connect.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include <fmt/format.h>

#include <optional>

namespace trunkline::webhook {

using asio::ip::tcp;

int parseStatusLine(std::string_view head) {
  // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason]
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") return 0;
  if (head[7] < '0' || head[7] > '9' || head[8] != ' ') return 0;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    code = code * 10 + (head[i] - '0');
  }
  if (head.size() > 12 && head[12] != ' ' && head[12] != '\r') return 0;
  return code >= 100 ? code : 0;
}

std::string serializeRequest(const OutgoingRequest& r) {
  std::string out = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\nConnection: close\r\n",
      r.url.target, r.url.hostHeader(), r.body.size());
  for (const auto& [name, value] : r.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "\r\n";
  out += r.body;
  return out;
}

class HttpSender::Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(HttpSender& owner, std::uint64_t id, OutgoingRequest request, Done done,
           const net::TlsContextPtr& tls)
      : owner_(&owner),
        loop_(owner.loop_),
        options_(owner.options_),
        id_(id),
        url_(request.url),
        wire_(serializeRequest(request)),
        done_(std::move(done)),
        resolver_(owner.loop_.io()),
        plain_(owner.loop_.io()) {
    if (tls) tls_.emplace(owner.loop_.io(), *tls);
    verify_ = !request.insecureTls;
  }

  void start() {
    if (finished_) return;
    auto self = shared_from_this();
    totalTimer_ = loop_.schedule(options_.totalTimeout, [self] {
      self->finish({0, "timed out waiting for the receiver"});
    });
    connectTimer_ = loop_.schedule(options_.connectTimeout, [self] {
      self->finish({0, "connect timeout"});
    });
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self](const std::error_code& ec, tcp::resolver::results_type results) {
                              self->onResolved(ec, std::move(results));
                            });
  }

  // The sender is going away: close without calling back.
  void abandon() {
    owner_ = nullptr;
    done_ = nullptr;
    finish({0, "sender stopped"});
  }

 private:
  tcp::socket& lowest() { return tls_ ? tls_->next_layer() : plain_; }

  void onResolved(const std::error_code& ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return finish({0, fmt::format("cannot resolve {}: {}", url_.host, ec.message())});
    auto self = shared_from_this();
    asio::async_connect(lowest(), results, [self](const std::error_code& e, const tcp::endpoint&) {
      self->onConnected(e);
    });
  }

  void onConnected(const std::error_code& ec) {
    if (finished_) return;
    if (ec) return finish({0, fmt::format("connect failed: {}", ec.message())});
    loop_.cancel(connectTimer_);
    connectTimer_ = 0;
    asio::error_code ignored;
    lowest().set_option(tcp::no_delay(true), ignored);
    if (!tls_) return write();
    std::error_code addrEc;
    const bool literal = (asio::ip::make_address(url_.host, addrEc), !addrEc);
    // SNI carries names only (RFC 6066 §3).
    if (!literal) SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
    if (verify_) {
      tls_->set_verify_mode(asio::ssl::verify_peer);
      tls_->set_verify_callback(asio::ssl::host_name_verification(url_.host));
    } else {
      tls_->set_verify_mode(asio::ssl::verify_none);
    }
    auto self = shared_from_this();
    tls_->async_handshake(asio::ssl::stream_base::client, [self](const std::error_code& e) {
      if (self->finished_) return;
      if (e) return self->finish({0, fmt::format("TLS handshake failed: {}", e.message())});
      self->write();
    });
  }

  void write() {
    auto self = shared_from_this();
    auto onWritten = [self](const std::error_code& e, std::size_t) {
      if (self->finished_) return;
      if (e) return self->finish({0, fmt::format("send failed: {}", e.message())});
      self->read();
    };
    if (tls_)
      asio::async_write(*tls_, asio::buffer(wire_), onWritten);
    else
      asio::async_write(plain_, asio::buffer(wire_), onWritten);
  }

  void read() {
    if (head_.size() >= options_.maxResponseBytes) return complete();
    chunk_.resize(std::min<std::size_t>(4096, options_.maxResponseBytes - head_.size()));
    auto self = shared_from_this();
    auto onRead = [self](const std::error_code& e, std::size_t n) {
      if (self->finished_) return;
      self->head_.append(self->chunk_.data(), n);
      if (self->head_.find("\r\n\r\n") != std::string::npos) return self->complete();
      if (e) {
        // EOF (or a TLS close without close_notify) after a status line still counts.
        if (parseStatusLine(self->head_) != 0) return self->complete();
        return self->finish({0, fmt::format("no HTTP response: {}", e.message())});
      }
      self->read();
    };
    if (tls_)
      tls_->async_read_some(asio::buffer(chunk_), onRead);
    else
      plain_.async_read_some(asio::buffer(chunk_), onRead);
  }

  void complete() {
    const int code = parseStatusLine(head_);
    if (code == 0) return finish({0, "malformed HTTP response"});
    finish({code, ""});
  }

  void finish(SendResult result) {
    if (finished_) return;
    finished_ = true;
    if (totalTimer_) loop_.cancel(totalTimer_);
    if (connectTimer_) loop_.cancel(connectTimer_);
    totalTimer_ = connectTimer_ = 0;
    resolver_.cancel();
    asio::error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
    auto done = std::move(done_);
    done_ = nullptr;
    // The map entry may hold the last reference: keep this alive until we return.
    auto self = shared_from_this();
    if (owner_) owner_->forget(id_);
    owner_ = nullptr;
    if (done) done(std::move(result));
  }

  HttpSender* owner_;
  net::EventLoop& loop_;
  const HttpSenderOptions options_;
  std::uint64_t id_;
  Url url_;
  std::string wire_;
  Done done_;
  tcp::resolver resolver_;
  tcp::socket plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  bool verify_ = true;
  bool finished_ = false;
  base::TimerId totalTimer_ = 0, connectTimer_ = 0;
  std::string head_;
  std::string chunk_;
};

base::Result<std::unique_ptr<HttpSender>> HttpSender::create(net::EventLoop& loop,
                                                             HttpSenderOptions options) {
  std::unique_ptr<HttpSender> s(new HttpSender(loop, options));
  auto verified = net::makeTlsClientContext(net::TlsFiles{"", "", options.caFile, true});
  if (!verified) return tl::unexpected(verified.error());
  auto insecure = net::makeTlsClientContext(net::TlsFiles{"", "", "", false});
  if (!insecure) return tl::unexpected(insecure.error());
  s->verified_ = *verified;
  s->insecure_ = *insecure;
  return s;
}

HttpSender::~HttpSender() {
  auto live = std::move(live_);
  live_.clear();
  for (auto& [id, ex] : live) ex->abandon();
}

void HttpSender::post(OutgoingRequest request, Done done) {
  const auto id = nextId_++;
  net::TlsContextPtr ctx;
  if (request.url.tls) ctx = request.insecureTls ? insecure_ : verified_;
  auto ex = std::make_shared<Exchange>(*this, id, std::move(request), std::move(done), ctx);
  live_.emplace(id, ex);
  // Start from the loop, so the callback never runs inside post() (a resolve error can
  // complete at once).
  loop_.post([ex] { ex->start(); });
}

}  // namespace trunkline::webhook
