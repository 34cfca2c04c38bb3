#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "api/http_server.h"

namespace trunkline::api {
namespace {

// A blocking loopback client on its own thread; every read is bounded by SO_RCVTIMEO.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(std::string_view s) { (void)::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // Reads until `until` appears `count` times, or EOF / timeout.
  std::string readUntil(std::string_view until, int count = 1) {
    std::string got;
    char buf[4096];
    while (true) {
      int seen = 0;
      for (auto p = got.find(until); p != std::string::npos; p = got.find(until, p + 1)) ++seen;
      if (!until.empty() && seen >= count) return got;
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        // Closed by the server: EOF, or a reset when it closed with our bytes unread
        // (a timeout is neither).
        eof_ = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        return got;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  std::string readToEnd() { return readUntil({}); }
  bool eof() const { return eof_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions opts = {}) {
    opts.listen = *net::Address::parse("127.0.0.1:0");
    server_ = std::make_unique<HttpServer>(loop_, opts, [](const HttpRequest& r) {
      HttpResponse resp;
      resp.body = r.method + " " + r.target + " " + r.body;
      return resp;
    });
    auto bound = server_->listen();
    ASSERT_TRUE(bound) << bound.error().message;
    port_ = bound->port();
  }
  // Runs the loop on this thread while `client` runs on another.
  void drive(const std::function<void()>& client) {
    std::atomic<bool> done{false};
    std::thread t([&] {
      client();
      done = true;
    });
    loop_.runUntil([&] { return done.load(); }, std::chrono::seconds(20));
    t.join();
  }
  void spin(std::chrono::milliseconds d) {
    loop_.runUntil([] { return false; }, d);
  }

  base::ManualClock clock_;
  net::EventLoop loop_{clock_};
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(HttpServerTest, KeepAliveAndPipelinedRequestsAnsweredInOrder) {
  start();
  std::string got;
  drive([&] {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    c.send(
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
        "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n");
    got = c.readUntil("HTTP/1.1 200", 3);
    // The connection stays open for more.
    c.send("GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    got += c.readToEnd();
    EXPECT_TRUE(c.eof());
  });
  const auto a = got.find("GET /a ");
  const auto b = got.find("POST /b xyz");
  const auto d = got.find("GET /d ");
  ASSERT_NE(a, std::string::npos) << got;
  ASSERT_NE(b, std::string::npos) << got;
  ASSERT_NE(d, std::string::npos) << got;
  EXPECT_LT(a, b);
  EXPECT_LT(b, d);
  EXPECT_EQ(got.find("HEAD /c"), std::string::npos);  // HEAD: no body
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedRequestGetsProblemAndClose) {
  start();
  std::string got;
  bool eof = false;
  drive([&] {
    Client c(port_);
    c.send(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    got = c.readToEnd();
    eof = c.eof();
  });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 411 Length Required\r\n")) << got;
  EXPECT_NE(got.find("application/problem+json"), std::string::npos);
  EXPECT_NE(got.find("Content-Length header"), std::string::npos);
  EXPECT_TRUE(eof);
}

TEST_F(HttpServerTest, SlowRequestGets408AndIdleConnectionIsClosed) {
  HttpServerOptions o;
  o.requestTimeout = std::chrono::seconds(10);
  o.idleTimeout = std::chrono::seconds(60);
  start(o);
  std::atomic<bool> sent{false};
  std::string slow;
  std::string idle;
  bool idleEof = false;
  std::thread client([&] {
    Client c(port_);
    c.send("GET / HTTP/1.1\r\nHo");
    Client i(port_);
    sent = true;
    slow = c.readToEnd();
    idle = i.readToEnd();
    idleEof = i.eof();
  });
  loop_.runUntil([&] { return sent.load() && server_->connectionCount() == 2; });
  spin(std::chrono::milliseconds(100));  // let the partial head be read
  clock_.advance(std::chrono::seconds(11));
  spin(std::chrono::milliseconds(200));
  clock_.advance(std::chrono::seconds(3));  // past the lingering close after the 408
  spin(std::chrono::milliseconds(200));
  EXPECT_EQ(server_->connectionCount(), 1u);  // the idle one is within its 60 s
  clock_.advance(std::chrono::seconds(60));
  loop_.runUntil([&] { return server_->connectionCount() == 0; });
  client.join();
  EXPECT_TRUE(slow.starts_with("HTTP/1.1 408 Request Timeout")) << slow;
  EXPECT_TRUE(idle.empty());
  EXPECT_TRUE(idleEof);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  HttpServerOptions o;
  o.maxConnections = 1;
  start(o);
  std::string second, first;
  bool secondEof = false;
  drive([&] {
    Client a(port_);
    a.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
    first = a.readUntil("GET /first");  // the server holds it now
    Client b(port_);
    b.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    second = b.readToEnd();
    secondEof = b.eof();
    a.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    first += a.readToEnd();
  });
  EXPECT_NE(first.find("GET /ok"), std::string::npos) << first;
  EXPECT_TRUE(second.empty()) << second;
  EXPECT_TRUE(secondEof);
}

TEST_F(HttpServerTest, ExpectContinue) {
  start();
  std::string interim, final;
  drive([&] {
    Client c(port_);
    c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    interim = c.readUntil("\r\n\r\n");
    c.send("{}");
    final = c.readUntil("{}");
  });
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_NE(final.find("POST /e {}"), std::string::npos) << final;
}

}  // namespace
}  // namespace trunkline::api
