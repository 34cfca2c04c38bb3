// The CLI's blocking HTTP/1.1 client: Unix or TCP sockets, TLS via OpenSSL for https.
#include "app/cli_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <nlohmann/json.hpp>

namespace trunkline::app::cli {
namespace {

using base::Errc;
using base::fail;
using Clock = std::chrono::steady_clock;

// A reply bigger than this is refused rather than buffered (the API pages its lists).
constexpr std::size_t kMaxResponseBytes = 64u << 20;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The header value `name` in a response head (status line excluded), or nullopt.
std::optional<std::string_view> headerIn(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line =
        head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name))
      return trim(line.substr(colon + 1));
    pos = end;
  }
  return std::nullopt;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int remainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Waits until `fd` is ready for `events` or the deadline passes.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remainingMs(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// A non-blocking connect bounded by the deadline; the socket stays non-blocking.
base::Result<void> connectBounded(int fd, const sockaddr* addr, socklen_t len,
                                  Clock::time_point deadline, const std::string& what) {
  if (::connect(fd, addr, len) == 0) return {};
  if (errno != EINPROGRESS)
    return fail(Errc::Unavailable, fmt::format("{}: {}", what, std::strerror(errno)));
  if (!waitFor(fd, POLLOUT, deadline))
    return fail(Errc::Timeout, fmt::format("{}: connection timed out", what));
  int err = 0;
  socklen_t elen = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err != 0) return fail(Errc::Unavailable, fmt::format("{}: {}", what, std::strerror(err)));
  return {};
}

std::string sslError() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "TLS failure";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

class SocketTransport final : public ApiTransport {
 public:
  SocketTransport(Endpoint e, ClientOptions o) : ep_(std::move(e)), opt_(std::move(o)) {}

  std::string describe() const override {
    switch (ep_.kind) {
      case Endpoint::Kind::Unix: return "unix:" + ep_.path;
      case Endpoint::Kind::Http:
      case Endpoint::Kind::Https: {
        const bool v6 = ep_.host.find(':') != std::string::npos;
        return fmt::format("{}://{}{}{}:{}", ep_.kind == Endpoint::Kind::Https ? "https" : "http",
                           v6 ? "[" : "", ep_.host, v6 ? "]" : "", ep_.port);
      }
    }
    return "?";
  }

  base::Result<ApiReply> send(std::string_view method, std::string_view target,
                              std::string_view body) override {
    const auto deadline = Clock::now() + opt_.timeout;
    auto fd = connect(deadline);
    if (!fd) return tl::unexpected(fd.error());
    std::string req = fmt::format(
        "{} {}{} HTTP/1.1\r\nHost: {}\r\nUser-Agent: trunkline-cli\r\nAccept: "
        "application/json\r\nConnection: close\r\n",
        method, ep_.basePath, target,
        ep_.kind == Endpoint::Kind::Unix ? std::string("localhost") : hostHeader());
    if (!opt_.apiKey.empty()) req += fmt::format("Authorization: Bearer {}\r\n", opt_.apiKey);
    if (!body.empty() || method == "POST" || method == "PATCH")
      req += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n",
                         !body.empty() && body.front() != '{' ? "text/csv" : "application/json",
                         body.size());
    req += "\r\n";
    req.append(body);
    if (ep_.kind == Endpoint::Kind::Https) return exchangeTls((*fd)->get(), req, deadline);
    return exchangePlain((*fd)->get(), req, deadline);
  }

 private:
  std::string hostHeader() const {
    const bool v6 = ep_.host.find(':') != std::string::npos;
    return fmt::format("{}{}{}:{}", v6 ? "[" : "", ep_.host, v6 ? "]" : "", ep_.port);
  }

  base::Result<std::unique_ptr<Fd>> connect(Clock::time_point deadline) {
    if (ep_.kind == Endpoint::Kind::Unix) {
      sockaddr_un sa{};
      sa.sun_family = AF_UNIX;
      if (ep_.path.size() >= sizeof sa.sun_path)
        return fail(Errc::InvalidArgument, fmt::format("{}: socket path too long", ep_.path));
      std::memcpy(sa.sun_path, ep_.path.data(), ep_.path.size());
      auto fd =
          std::make_unique<Fd>(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
      if (fd->get() < 0) return fail(Errc::Io, std::strerror(errno));
      auto r = connectBounded(fd->get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa,
                              deadline, describe());
      if (!r) return tl::unexpected(r.error());
      return fd;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(ep_.port);
    if (int rc = ::getaddrinfo(ep_.host.c_str(), port.c_str(), &hints, &res); rc != 0)
      return fail(Errc::Unavailable, fmt::format("{}: {}", ep_.host, gai_strerror(rc)));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
    base::Error last{Errc::Unavailable, describe() + ": no address"};
    for (auto* ai = res; ai; ai = ai->ai_next) {
      auto fd = std::make_unique<Fd>(
          ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
      if (fd->get() < 0) continue;
      auto r = connectBounded(fd->get(), ai->ai_addr, ai->ai_addrlen, deadline, describe());
      if (r) return fd;
      last = r.error();
    }
    return tl::unexpected(last);
  }

  base::Result<ApiReply> finish(const std::string& in) {
    auto reply = parseResponse(in);
    if (!reply) return fail(Errc::Protocol, fmt::format("{}: not an HTTP response", describe()));
    return *reply;
  }

  base::Result<ApiReply> exchangePlain(int fd, const std::string& req, Clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < req.size()) {
      const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!waitFor(fd, POLLOUT, deadline))
          return fail(Errc::Timeout, describe() + ": timed out sending the request");
      } else {
        return fail(Errc::Io, fmt::format("{}: {}", describe(), std::strerror(errno)));
      }
    }
    std::string in;
    char buf[16384];
    for (;;) {
      const auto missing = responseMissing(in);
      if (missing == 0) break;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        in.append(buf, static_cast<std::size_t>(n));
        if (in.size() > kMaxResponseBytes)
          return fail(Errc::Protocol, describe() + ": response too large");
      } else if (n == 0) {
        break;
      } else if (errno == EAGAIN || errno == EINTR) {
        if (!waitFor(fd, POLLIN, deadline))
          return fail(Errc::Timeout, describe() + ": no answer in time");
      } else {
        return fail(Errc::Io, fmt::format("{}: {}", describe(), std::strerror(errno)));
      }
    }
    return finish(in);
  }

  base::Result<ApiReply> exchangeTls(int fd, const std::string& req, Clock::time_point deadline) {
    std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                            ::SSL_CTX_free);
    if (!ctx) return fail(Errc::Internal, sslError());
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    if (!opt_.insecure) {
      SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
      const bool ok = opt_.caFile.empty() ? SSL_CTX_set_default_verify_paths(ctx.get()) == 1
                                          : SSL_CTX_load_verify_locations(
                                                ctx.get(), opt_.caFile.c_str(), nullptr) == 1;
      if (!ok) return fail(Errc::Config, fmt::format("{}: {}", opt_.caFile, sslError()));
    }
    std::unique_ptr<SSL, decltype(&::SSL_free)> ssl(SSL_new(ctx.get()), ::SSL_free);
    if (!ssl) return fail(Errc::Internal, sslError());
    SSL_set_fd(ssl.get(), fd);
    if (!opt_.insecure) {
      // The certificate must name the host we asked for (RFC 6125): a DNS name or an IP.
      if (SSL_set1_host(ssl.get(), ep_.host.c_str()) != 1) return fail(Errc::Internal, sslError());
    }
    if (ep_.host.find_first_not_of("0123456789.:") != std::string::npos)
      SSL_set_tlsext_host_name(ssl.get(), ep_.host.c_str());
    // Drives one SSL call on the non-blocking socket until it completes or time is up.
    auto drive = [&](auto&& op) -> base::Result<int> {
      for (;;) {
        ERR_clear_error();
        const int n = op();
        if (n > 0) return n;
        const int e = SSL_get_error(ssl.get(), n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (!waitFor(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
            return fail(Errc::Timeout, describe() + ": timed out");
          continue;
        }
        if (e == SSL_ERROR_ZERO_RETURN) return 0;
        if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return 0;  // closed without notify
        const long verify = SSL_get_verify_result(ssl.get());
        if (verify != X509_V_OK)
          return fail(Errc::Unavailable, fmt::format("{}: certificate not trusted: {}", describe(),
                                                     X509_verify_cert_error_string(verify)));
        return fail(Errc::Io, fmt::format("{}: {}", describe(), sslError()));
      }
    };
    if (auto r = drive([&] { return SSL_connect(ssl.get()); }); !r)
      return tl::unexpected(r.error());
    std::size_t sent = 0;
    while (sent < req.size()) {
      auto n = drive([&] {
        return SSL_write(ssl.get(), req.data() + sent, static_cast<int>(req.size() - sent));
      });
      if (!n) return tl::unexpected(n.error());
      if (*n == 0) return fail(Errc::Io, describe() + ": connection closed");
      sent += static_cast<std::size_t>(*n);
    }
    std::string in;
    char buf[16384];
    while (responseMissing(in) != 0) {
      auto n = drive([&] { return SSL_read(ssl.get(), buf, sizeof buf); });
      if (!n) return tl::unexpected(n.error());
      if (*n == 0) break;
      in.append(buf, static_cast<std::size_t>(*n));
      if (in.size() > kMaxResponseBytes)
        return fail(Errc::Protocol, describe() + ": response too large");
    }
    return finish(in);
  }

  Endpoint ep_;
  ClientOptions opt_;
};

bool parsePort(std::string_view s, std::uint16_t& port) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

base::Result<Endpoint> parseEndpoint(std::string_view text) {
  Endpoint e;
  if (text.starts_with("unix:") || text.starts_with("/") || text.starts_with("./")) {
    e.kind = Endpoint::Kind::Unix;
    e.path = std::string(text.starts_with("unix:") ? text.substr(5) : text);
    if (e.path.empty()) return fail(Errc::InvalidArgument, "unix: needs a socket path");
    return e;
  }
  std::string_view rest;
  if (text.starts_with("http://")) {
    e.kind = Endpoint::Kind::Http;
    e.port = 80;
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    e.kind = Endpoint::Kind::Https;
    e.port = 443;
    rest = text.substr(8);
  } else {
    return fail(Errc::InvalidArgument,
                fmt::format("'{}': give unix:PATH, http://HOST:PORT or https://HOST:PORT", text));
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    e.basePath = std::string(path);
  }
  if (authority.find('@') != std::string_view::npos)
    return fail(Errc::InvalidArgument, "put no credentials in the URL: use the API key options");
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(Errc::InvalidArgument, fmt::format("'{}': unclosed '['", text));
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail(Errc::InvalidArgument, fmt::format("'{}': bad address", text));
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return fail(Errc::InvalidArgument, fmt::format("'{}': no host", text));
  if (!port.empty() && !parsePort(port, e.port))
    return fail(Errc::InvalidArgument, fmt::format("'{}': bad port '{}'", text, port));
  e.host = std::string(host);
  return e;
}

std::unique_ptr<ApiTransport> makeSocketTransport(Endpoint endpoint, ClientOptions options) {
  return std::make_unique<SocketTransport>(std::move(endpoint), std::move(options));
}

std::int64_t responseMissing(std::string_view raw) {
  const std::size_t end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return 1;
  const std::string_view head = raw.substr(0, end);
  const std::size_t have = raw.size() - end - 4;
  auto len = headerIn(head, "content-length");
  if (!len) return -1;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(len->data(), len->data() + len->size(), n);
  if (ec != std::errc() || p != len->data() + len->size()) return -1;
  return have >= n ? 0 : static_cast<std::int64_t>(n - have);
}

std::optional<ApiReply> parseResponse(std::string_view raw) {
  const std::size_t end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view head = raw.substr(0, end);
  // "HTTP/1.1 200 OK"
  if (!head.starts_with("HTTP/1.") || head.size() < 12 || head[8] != ' ') return std::nullopt;
  int status = 0;
  auto [p, ec] = std::from_chars(head.data() + 9, head.data() + 12, status);
  if (ec != std::errc() || p != head.data() + 12 || status < 100 || status > 599)
    return std::nullopt;
  // The code is exactly three digits: a space (reason phrase) or the end of the line follows.
  if (head.size() > 12 && head[12] != ' ' && head[12] != '\r') return std::nullopt;
  if (auto te = headerIn(head, "transfer-encoding"); te && !iequals(*te, "identity"))
    return std::nullopt;  // our server never chunks; anything else is not the node
  ApiReply r;
  r.status = status;
  r.contentType = std::string(headerIn(head, "content-type").value_or(""));
  std::string_view body = raw.substr(end + 4);
  if (auto len = headerIn(head, "content-length")) {
    std::uint64_t n = 0;
    auto [q, ec2] = std::from_chars(len->data(), len->data() + len->size(), n);
    if (ec2 != std::errc() || q != len->data() + len->size() || n > body.size())
      return std::nullopt;  // truncated: the connection broke mid-answer
    body = body.substr(0, n);
  }
  r.body = std::string(body);
  return r;
}

std::string describeFailure(const ApiReply& reply) {
  const auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (!j.is_object() || !j.contains("title") || !j["title"].is_string())
    return fmt::format("error: HTTP {}{}{}", reply.status, reply.body.empty() ? "" : ": ",
                       reply.body.substr(0, 200));
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string out = "error: " + str("title");
  if (auto d = str("detail"); !d.empty()) out += ": " + d;
  std::string fields;
  if (auto it = j.find("errors"); it != j.end() && it->is_array())
    for (const auto& e : *it)
      if (e.is_object() && e.contains("field") && e["field"].is_string())
        fields += (fields.empty() ? "" : ", ") + e["field"].get<std::string>();
  if (!fields.empty()) out += fmt::format(" (field {})", fields);
  return out;
}

int exitCodeFor(int status) {
  if (status >= 200 && status < 300) return 0;
  if (status >= 400 && status < 500) return 1;
  return 3;
}

std::string urlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace trunkline::app::cli
