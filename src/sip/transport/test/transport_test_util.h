#pragma once
// Test helpers: a recording TransportHandler and valid SIP messages to send.
#include <fmt/format.h>

#include <functional>
#include <string>
#include <vector>

#include "sip/transport/transport_layer.h"

namespace trunkline::sip::testing {

struct Received {
  std::string raw;
  std::string callId;
  bool request = false;
  Via topVia;  // views into `raw` are not kept: only scalar fields are meaningful
  Flow flow;
};

class Recorder : public TransportHandler {
 public:
  void onMessage(SipMessage msg, const Flow& flow) override {
    Received r;
    r.raw = std::string(msg.raw());
    r.callId = std::string(msg.callId());
    r.request = msg.isRequest();
    r.flow = flow;
    messages.push_back(r);
    if (hook) hook(msg, flow);
  }
  void onParseError(std::string_view bytes, const ParseError& err, const Flow& flow) override {
    errors.push_back({std::string(bytes), err, flow});
  }
  void onSendFailed(const Flow& flow, const base::Error& error) override {
    sendFailures.push_back({flow, error.message});
  }
  void onConnectionClosed(const Flow& flow) override { closed.push_back(flow); }

  struct Err {
    std::string bytes;
    ParseError error;
    Flow flow;
  };
  struct Failure {
    Flow flow;
    std::string message;
  };
  std::vector<Received> messages;
  std::vector<Err> errors;
  std::vector<Failure> sendFailures;
  std::vector<Flow> closed;
  std::function<void(SipMessage&, const Flow&)> hook;
};

inline std::string request(int i, std::string_view transport = "UDP",
                           std::string_view sentBy = "127.0.0.1:5999", std::string_view body = "") {
  return fmt::format(
      "OPTIONS sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/{} {};branch=z9hG4bK-{};rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:alice@example.com>;tag=f{}\r\n"
      "To: <sip:bob@example.com>\r\n"
      "Call-ID: call-{}\r\n"
      "CSeq: {} OPTIONS\r\n"
      "Content-Length: {}\r\n"
      "\r\n{}",
      transport, sentBy, i, i, i, i + 1, body.size(), body);
}

/// A 200 for a request received as `raw` (same Via, From, To, Call-ID, CSeq).
inline std::string okFor(const SipMessage& req) {
  std::string out = "SIP/2.0 200 OK\r\n";
  for (const HeaderField& h : req.headers()) {
    if (h.id == HeaderId::Via || h.id == HeaderId::From || h.id == HeaderId::To ||
        h.id == HeaderId::CallId || h.id == HeaderId::CSeq) {
      out.append(h.raw);
      out.append("\r\n");
    }
  }
  out.append("Content-Length: 0\r\n\r\n");
  return out;
}

}  // namespace trunkline::sip::testing

#include <sys/socket.h>
#include <unistd.h>

namespace trunkline::sip::testing {

/// A plain blocking TCP client socket (the kernel completes loopback connects before the
/// server accepts, so this does not need the loop). Reads are non-blocking.
class RawTcpClient {
 public:
  explicit RawTcpClient(const net::Address& to) {
    fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::connect(fd_, to.sockaddrPtr(), to.sockaddrLen()) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawTcpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawTcpClient(const RawTcpClient&) = delete;
  RawTcpClient& operator=(const RawTcpClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Appends what is readable now to `received`; sets eof on orderly close / reset.
  void poll() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) eof = true;
      return;
    }
  }
  std::string received;
  bool eof = false;

 private:
  int fd_ = -1;
};

}  // namespace trunkline::sip::testing
