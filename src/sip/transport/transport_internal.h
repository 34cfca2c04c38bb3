#pragma once
// Internal to sip/transport: the socket and connection objects behind TransportLayer.
//
// Each is held by a shared_ptr in the layer and captured (shared_from_this) by its pending
// Asio operations, so a completion that arrives after close() finds a live object. Every
// completion checks closed_ first and touches the layer only when still open; close()
// cancels the object's timers. Loop thread only.
#include <sys/socket.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ssl/stream.hpp>

#include "sip/transport/transport_layer.h"

namespace trunkline::sip::detail {

/// One bound UDP socket; receives with recvmmsg() into buffers allocated once.
///
/// Sends made while it delivers a receive batch (the responses and relayed requests that
/// batch produces) are queued, in order, and leave with one sendmmsg() when the batch has
/// been handled; sends made at any other time (timers, posted work) go out at once. A
/// datagram queued this way is reported sent (true) when queued; if the kernel then refuses
/// it, that is counted (sendErrors), logged, and reported through
/// TransportHandler::onSendFailed, as for stream transports.
class UdpSocket : public std::enable_shared_from_this<UdpSocket> {
 public:
  UdpSocket(TransportLayer& layer, asio::io_context& io);
  base::Result<void> open(const net::Address& address);
  void startReceive();
  void close();
  bool sendTo(const net::Address& to, std::string_view bytes);
  const net::Address& local() const { return local_; }
  int fd() { return socket_.native_handle(); }

 private:
  struct Queued {
    net::Address to;
    std::size_t offset;  // into outBytes_
    std::size_t size;
  };
  void wait();
  void onReadable();
  bool sendNow(const net::Address& to, std::string_view bytes);
  void flushQueued();

  TransportLayer* layer_;
  asio::ip::udp::socket socket_;
  net::Address local_;
  bool closed_ = false;
  std::size_t slotSize_ = 0;
  std::unique_ptr<char[]> storage_;
  std::vector<mmsghdr> msgs_;
  std::vector<iovec> iovs_;
  std::vector<sockaddr_storage> names_;
  // Send batching (see the class comment); the vectors keep their capacity.
  bool batching_ = false;
  bool flushing_ = false;  // a send-failure handler may send or close: no re-entry
  std::vector<Queued> outQueue_;
  std::string outBytes_;
  std::vector<mmsghdr> outMsgs_;
  std::vector<iovec> outIovs_;
};

/// A TCP or TLS listening socket.
class StreamListener : public std::enable_shared_from_this<StreamListener> {
 public:
  StreamListener(TransportLayer& layer, TransportKind kind, asio::io_context& io);
  base::Result<void> open(const net::Address& address, bool reusePort);
  void startAccept();
  void close();
  TransportKind kind() const { return kind_; }
  const net::Address& local() const { return local_; }
  int fd() { return acceptor_.native_handle(); }

 private:
  TransportLayer* layer_;
  TransportKind kind_;
  asio::ip::tcp::acceptor acceptor_;
  net::Address local_;
  bool closed_ = false;
  base::TimerId retryTimer_ = 0;
};

/// One TCP or TLS connection, accepted or outbound.
class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
 public:
  enum class State : std::uint8_t { Connecting, Handshaking, Open, Draining, Closed };
  using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

  StreamConnection(TransportLayer& layer, std::uint64_t id, TransportKind kind,
                   asio::ip::tcp::socket socket, bool accepted);

  /// Accepted socket: TLS server handshake or straight to reading. False if it failed.
  bool startAccepted();
  /// Outbound: connect (optionally from `bindIp`), TLS client handshake, then flush.
  void startConnect(const net::Address& remote, const net::Address& bindIp);

  /// Writes or queues; false when closed/draining or over the queue limit.
  bool send(std::string_view bytes);
  /// Closes now; with `error`, queued bytes are reported through onSendFailed.
  void close(const std::optional<base::Error>& error = std::nullopt);
  /// Stops reading, sends what is queued, then closes.
  void closeAfterFlush();

  bool usable() const { return state_ != State::Draining && state_ != State::Closed; }
  bool accepted() const { return accepted_; }
  const Flow& flow() const { return flow_; }
  std::uint64_t id() const { return flow_.connectionId; }
  int fd() { return lowest().native_handle(); }

 private:
  asio::ip::tcp::socket& lowest() { return tls_ ? tls_->next_layer() : tcp_; }
  void handshake();
  void becomeOpen();
  void read();
  void onRead(const std::error_code& ec, std::size_t n);
  void writeNext();
  void touch();
  void armIdle(base::Duration after);
  void onIdle();
  void failConnect(std::string why);

  TransportLayer* layer_;
  State state_ = State::Connecting;
  bool accepted_;
  bool closed_ = false;
  Flow flow_;
  asio::ip::tcp::socket tcp_;
  std::optional<TlsStream> tls_;
  StreamFramer framer_;
  std::deque<std::string> queue_;
  std::size_t queuedBytes_ = 0;
  bool writing_ = false;
  base::TimerId idleTimer_ = 0;
  base::TimerId connectTimer_ = 0;
  base::MonoTime lastActivity_;
};

}  // namespace trunkline::sip::detail
