#include "webhook/http_sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace trunkline::webhook {
namespace {

using namespace std::chrono_literals;

TEST(StatusLine, ParsesOnlyValidHeads) {
  EXPECT_EQ(parseStatusLine("HTTP/1.1 200 OK\r\n\r\n"), 200);
  EXPECT_EQ(parseStatusLine("HTTP/1.0 410 Gone\r\n"), 410);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 204\r\n"), 204);
  for (std::string_view bad :
       {"", "HTTP/1.1", "HTTP/2 200 OK\r\n", "HTTP/1.1 2x0 OK\r\n", "HTTP/1.1 099 Low\r\n",
        "HTTP/1.1 2000 OK\r\n", "SIP/2.0 200 OK\r\n", "HTTP/1.1  200 OK\r\n"})
    EXPECT_EQ(parseStatusLine(bad), 0) << bad;
}

TEST(Serialize, WritesAnHttp11PostWithLengthAndHeaders) {
  OutgoingRequest r;
  r.url = *parseUrl("http://example.com:8080/hook?a=1");
  r.headers = {{"Trunkline-Event", "call.ended"}};
  r.body = "{}";
  EXPECT_EQ(serializeRequest(r),
            "POST /hook?a=1 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Type: "
            "application/json\r\nContent-Length: 2\r\nConnection: close\r\nTrunkline-Event: "
            "call.ended\r\n\r\n{}");
}

// A one-connection TCP receiver on 127.0.0.1 (port 0) that answers `reply` (or nothing,
// holding the connection open until the test ends).
class Receiver {
 public:
  explicit Receiver(std::optional<std::string> reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    done_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::string received() const {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void serve() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{0, 100'000};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    // Read the head and the body (Content-Length is small in these tests).
    for (int i = 0; i < 10 && !done_; ++i) {
      auto n = ::recv(c, buf, sizeof buf, 0);
      if (n > 0) {
        std::lock_guard lock(mu_);
        received_.append(buf, static_cast<std::size_t>(n));
        auto end = received_.find("\r\n\r\n");
        if (end != std::string::npos && received_.size() >= end + 4 + 2) break;
      } else if (n == 0) {
        break;
      }
    }
    if (reply_) {
      (void)::send(c, reply_->data(), reply_->size(), MSG_NOSIGNAL);
    } else {
      for (int i = 0; i < 100 && !done_; ++i) std::this_thread::sleep_for(20ms);
    }
    ::close(c);
  }

  std::optional<std::string> reply_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> done_{false};
  mutable std::mutex mu_;
  std::string received_;
};

class HttpSenderTest : public ::testing::Test {
 protected:
  std::optional<SendResult> send(const std::string& url, HttpSenderOptions options = {}) {
    auto sender = HttpSender::create(loop_, options);
    EXPECT_TRUE(sender) << sender.error().message;
    if (!sender) return std::nullopt;
    std::optional<SendResult> result;
    OutgoingRequest r;
    r.url = *parseUrl(url);
    r.headers = {{"Trunkline-Event", "call.ended"}};
    r.body = "{}";
    (*sender)->post(std::move(r), [&](SendResult s) { result = std::move(s); });
    EXPECT_FALSE(result);  // never from inside post()
    loop_.runUntil([&] { return result.has_value(); }, 20s);
    EXPECT_EQ((*sender)->inFlight(), 0u);
    return result;
  }
  base::SystemClock clock_;
  net::EventLoop loop_{clock_};
};

TEST_F(HttpSenderTest, PostsAndReadsTheStatus) {
  Receiver rx(std::string("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"));
  auto r = send(fmt::format("http://127.0.0.1:{}/hook", rx.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->error;
  auto got = rx.received();
  EXPECT_TRUE(got.starts_with("POST /hook HTTP/1.1\r\n")) << got;
  EXPECT_NE(got.find("Trunkline-Event: call.ended\r\n"), std::string::npos);
  EXPECT_TRUE(got.ends_with("\r\n\r\n{}"));
}

TEST_F(HttpSenderTest, ErrorStatusesAreReported) {
  Receiver rx(std::string("HTTP/1.1 500 Internal Server Error\r\n\r\n"));
  auto r = send(fmt::format("http://127.0.0.1:{}/", rx.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
}

TEST_F(HttpSenderTest, GarbageIsNotAResponse) {
  Receiver rx(std::string("SSH-2.0-OpenSSH\r\n\r\n"));
  auto r = send(fmt::format("http://127.0.0.1:{}/", rx.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(r->error, "malformed HTTP response");
}

TEST_F(HttpSenderTest, RefusedConnectionIsAnError) {
  std::uint16_t port;
  {
    Receiver closed(std::string(""));
    port = closed.port();
  }  // bound, then released
  auto r = send(fmt::format("http://127.0.0.1:{}/", port));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  EXPECT_FALSE(r->error.empty());
}

TEST_F(HttpSenderTest, SilentReceiverTimesOut) {
  Receiver rx(std::nullopt);
  HttpSenderOptions o;
  o.totalTimeout = 200ms;
  auto r = send(fmt::format("http://127.0.0.1:{}/", rx.port()), o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(r->error, "timed out waiting for the receiver");
}

TEST_F(HttpSenderTest, HttpsToAPlainReceiverFailsInTheHandshake) {
  Receiver rx(std::string("HTTP/1.1 200 OK\r\n\r\n"));
  auto r = send(fmt::format("https://127.0.0.1:{}/", rx.port()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 0);
  EXPECT_TRUE(r->error.starts_with("TLS handshake failed")) << r->error;
}

TEST_F(HttpSenderTest, DestroyingTheSenderDropsCallbacks) {
  Receiver rx(std::nullopt);
  bool called = false;
  {
    auto sender = HttpSender::create(loop_, {});
    ASSERT_TRUE(sender);
    OutgoingRequest r;
    r.url = *parseUrl(fmt::format("http://127.0.0.1:{}/", rx.port()));
    (*sender)->post(std::move(r), [&](SendResult) { called = true; });
    loop_.runUntil([] { return false; }, 50ms);
  }
  loop_.runUntil([] { return false; }, 50ms);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace trunkline::webhook
