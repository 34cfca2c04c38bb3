#pragma once
// HttpSender: the real Sender. One HTTP/1.1 POST per delivery on a fresh connection
// (Connection: close): resolve, connect (connectTimeout), TLS handshake for https with the
// certificate chain verified against the system CA store (or caFile) and the host name
// checked (RFC 6125; SNI sent for names), write, then read the response head only — the
// status code is all a delivery needs. The whole exchange is bounded by totalTimeout and
// the response head by maxResponseBytes; hostile or silent receivers cost one socket for
// at most that long.
//
// Threads: lives on the dispatcher's EventLoop thread; post() there only. Timeouts run on
// the loop's TimerQueue (the injected clock).
// Lifetime: destroy it on the loop thread (or after the loop stopped) before the loop;
// exchanges still in flight are closed and their callbacks dropped.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/result.h"
#include "net/event_loop.h"
#include "net/tls_context.h"
#include "webhook/sender.h"

namespace trunkline::webhook {

struct HttpSenderOptions {
  base::Duration connectTimeout = std::chrono::seconds(3);
  base::Duration totalTimeout = std::chrono::seconds(10);
  std::size_t maxResponseBytes = 16 * 1024;
  std::string caFile;  // "" = the system store
};

class HttpSender final : public Sender {
 public:
  static base::Result<std::unique_ptr<HttpSender>> create(net::EventLoop& loop,
                                                          HttpSenderOptions options);
  ~HttpSender() override;
  HttpSender(const HttpSender&) = delete;
  HttpSender& operator=(const HttpSender&) = delete;

  void post(OutgoingRequest request, Done done) override;
  std::size_t inFlight() const { return live_.size(); }

  class Exchange;

 private:
  HttpSender(net::EventLoop& loop, HttpSenderOptions options) : loop_(loop), options_(options) {}
  friend class Exchange;
  void forget(std::uint64_t id) { live_.erase(id); }

  net::EventLoop& loop_;
  HttpSenderOptions options_;
  net::TlsContextPtr verified_, insecure_;
  std::uint64_t nextId_ = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<Exchange>> live_;
};

/// "HTTP/1.1 204 No Content\r\n…" → 204; 0 when the head is not a valid status line.
int parseStatusLine(std::string_view head);
/// The request bytes (head + body) for `request`.
std::string serializeRequest(const OutgoingRequest& request);

}  // namespace trunkline::webhook
