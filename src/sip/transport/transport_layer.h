#pragma once
// TransportLayer: the SIP transports of one shard — UDP sockets, TCP/TLS listeners and
// connections — delivering framed, parsed messages up and sending bytes down
// (RFC 3261 §18).
//
// Owns: its sockets, listeners and connections; the reusable receive buffers.
// Thread: lives on one net::EventLoop; every method (send included) must be called on that
// loop's thread. Other shards hand work over with EventLoop::post(). Handler callbacks run
// on the loop thread, synchronously from the receive path.
// Lifetime: must be destroyed on its loop thread, before the loop; destruction closes
// everything without calling the handler. The handler must outlive the layer (or be reset
// with setHandler(nullptr)). Handlers may call send() and closeConnection() from a callback,
// but must not destroy the layer there (post it instead).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <asio/ip/tcp.hpp>

#include "base/log.h"
#include "base/result.h"
#include "net/address_format.h"
#include "net/event_loop.h"
#include "net/tls_context.h"
#include "sip/message/message.h"
#include "sip/transport/dscp.h"
#include "sip/transport/flow.h"
#include "sip/transport/listen_spec.h"
#include "sip/transport/response_route.h"
#include "sip/transport/stream_framer.h"

namespace trunkline::sip {

namespace detail {
class UdpSocket;
class StreamListener;
class StreamConnection;
}  // namespace detail

struct TransportOptions {
  /// Header-section and message size limits (streams); maxMessageBytes also bounds UDP
  /// datagrams and SipMessage parsing.
  FramerLimits limits;
  /// A TCP/TLS connection with no traffic either way for this long is closed.
  base::Duration idleTimeout = std::chrono::seconds(300);
  /// Outbound TCP connect, and any TLS handshake, must finish within this.
  base::Duration connectTimeout = std::chrono::seconds(10);
  /// Accepted connections from one source IP above this are accepted and closed at once.
  std::size_t maxConnectionsPerIp = 64;
  /// All connections (accepted + outbound).
  std::size_t maxConnections = 4096;
  /// Bytes waiting to be written on one connection; a send() beyond it fails.
  std::size_t maxWriteQueueBytes = 1024 * 1024;
  /// Datagrams per recvmmsg() call; each has a maxMessageBytes buffer, allocated once.
  std::size_t udpBatch = 32;
  /// SO_RCVBUF for UDP sockets; 0 = kernel default.
  int udpReceiveBufferBytes = 0;
  /// SO_REUSEPORT on listening sockets (several shards on one port).
  bool reusePort = false;
  /// DSCP (0..63) on every UDP socket, listener and connection, accepted or outbound, so
  /// every SIP packet leaves marked; 0 leaves them unmarked. A value the kernel refuses makes
  /// listen() fail; on a connection it is logged and the connection goes on unmarked.
  int dscp = kDscpCs3;
  /// send() of a response applies RFC 3261 §18.2.2 / RFC 3581 from the response's top Via
  /// to the given Flow (the request's arrival Flow). Idempotent on an already routed Flow.
  bool routeResponses = true;
  /// Required for tls: listeners / outbound TLS connections respectively.
  net::TlsContextPtr tlsServer;
  net::TlsContextPtr tlsClient;
};

/// Plain counters, updated on the loop thread only; read them there (post a reader).
struct TransportCounters {
  std::uint64_t packetsIn = 0;  // messages received (datagrams / framed stream messages)
  std::uint64_t packetsOut = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
  std::uint64_t parseErrors = 0;    // every onParseError (framing errors included)
  std::uint64_t framingErrors = 0;  // stream could not be framed; connection closed
  std::uint64_t udpTruncated = 0;   // datagrams over maxMessageBytes
  std::uint64_t keepAlives = 0;     // CRLF pings / pongs / empty datagrams
  std::uint64_t sendErrors = 0;
  std::uint64_t connectionsAccepted = 0;
  std::uint64_t connectionsConnected = 0;  // outbound, established (after TLS handshake)
  std::uint64_t connectionsClosed = 0;
  std::uint64_t connectionsRefused = 0;  // over a limit
  std::uint64_t connectFailures = 0;     // outbound connect / handshake failed or timed out
  std::uint64_t tlsHandshakeFailures = 0;
  std::uint64_t idleTimeouts = 0;
  std::uint64_t recvBatches = 0;  // recvmmsg() calls that returned data
};

/// The upper layer (transaction layer / server wiring). Called on the loop thread.
class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  /// A well-formed message. `flow.remote` is the packet's source (RFC 3261 §18.2.1
  /// "received"/rport); see responseFlow() for the way back.
  virtual void onMessage(SipMessage msg, const Flow& flow) = 0;
  /// A malformed message: answer a request with 400 (err.text() names the problem), drop a
  /// response. On streams a framing error closes the connection once queued bytes are sent.
  virtual void onParseError(std::string_view bytes, const ParseError& err, const Flow& flow) = 0;
  /// Bytes accepted by send() could not be delivered (connect/handshake failure, timeout,
  /// write error, connection closed with bytes queued).
  virtual void onSendFailed(const Flow& flow, const base::Error& error) {}
  /// A TCP/TLS connection closed (any reason); its connectionId is no longer valid.
  virtual void onConnectionClosed(const Flow& flow) {}
};

class TransportLayer {
 public:
  explicit TransportLayer(net::EventLoop& loop, TransportOptions options = {});
  ~TransportLayer();
  TransportLayer(const TransportLayer&) = delete;
  TransportLayer& operator=(const TransportLayer&) = delete;

  void setHandler(TransportHandler* handler) { handler_ = handler; }

  /// Opens a UDP socket or a TCP/TLS listener; returns the bound address (port 0 resolved).
  base::Result<net::Address> listen(const ListenSpec& spec);
  /// Parses and opens each spec ("udp:0.0.0.0:5060", ...); stops at the first failure,
  /// whose message names the spec. Listeners opened before it stay open.
  base::Result<std::vector<ListenSpec>> listenAll(const std::vector<std::string>& specs);
  /// Every open listener with its bound address, UDP first, each kind in listen() order.
  std::vector<ListenSpec> listeners() const;
  /// The first listener of `kind` and IP family (AF_INET / AF_INET6), if any.
  std::optional<net::Address> listenAddress(TransportKind kind, int family = AF_INET) const;

  /// Sends one message (or keep-alive). UDP: sendto flow.remote from the socket bound to
  /// flow.local (else the first of the family). TCP/TLS: connection flow.connectionId if
  /// still open, else an open connection to flow.remote, else a new one (bytes queued until
  /// connected; failure reported through onSendFailed). A response (bytes starting with
  /// "SIP/") is first routed by responseFlow() from its top Via, so passing the request's
  /// arrival Flow is enough (TransportOptions::routeResponses). False when the bytes were
  /// not sent or queued.
  bool send(const Flow& flow, std::string_view bytes);

  /// sip::responseFlow() with the connection state filled in.
  base::Result<Flow> responseFlow(const Via& topVia, const Flow& arrival) const;

  bool isOpen(std::uint64_t connectionId) const;
  /// The Flow of an open connection (local, remote, id).
  std::optional<Flow> connectionFlow(std::uint64_t connectionId) const;
  /// Closes a connection now; queued bytes are dropped (reported through onSendFailed).
  void closeConnection(std::uint64_t connectionId);
  std::size_t connectionCount() const { return connections_.size(); }

  /// The DSCP the kernel holds for each open socket (getsockopt): UDP sockets, then
  /// listeners, then connections; -1 where it cannot be read. Diagnostics and tests.
  std::vector<int> socketDscps() const;

  /// Closes every socket, listener and connection (no handler calls). Idempotent.
  void shutdown();

  const TransportCounters& counters() const { return counters_; }
  const TransportOptions& options() const { return options_; }
  net::EventLoop& loop() { return loop_; }

 private:
  friend class detail::UdpSocket;
  friend class detail::StreamListener;
  friend class detail::StreamConnection;

  struct RemoteKey {
    TransportKind kind;
    net::Address remote;
    bool operator==(const RemoteKey&) const = default;
  };
  struct RemoteKeyHash {
    std::size_t operator()(const RemoteKey& k) const {
      return k.remote.hash() * 3 + static_cast<std::size_t>(k.kind);
    }
  };

  // Called by the sockets and connections.
  void deliver(std::string_view bytes, const Flow& flow, bool datagram);
  void reportParseError(std::string_view bytes, const ParseError& err, const Flow& flow);
  void onAccepted(TransportKind kind, const net::Address& local, asio::ip::tcp::socket& socket);
  void onConnectionClosed(detail::StreamConnection& conn);

  bool sendUdp(const Flow& flow, std::string_view bytes);
  bool sendStream(const Flow& flow, std::string_view bytes);
  detail::StreamConnection* findUsable(const Flow& flow);

  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) {
    std::uint64_t suppressed = 0;
    if (!warnLimit_.allow(suppressed)) return;
    const std::string line = fmt::format(f, std::forward<Args>(args)...);
    if (suppressed != 0)
      TL_LOG_WARN("transport: {} ({} similar warnings suppressed)", line, suppressed);
    else
      TL_LOG_WARN("transport: {}", line);
  }

  net::EventLoop& loop_;
  TransportOptions options_;
  TransportHandler* handler_ = nullptr;
  TransportCounters counters_;
  base::RateLimiter warnLimit_;
  bool shutDown_ = false;

  std::vector<std::shared_ptr<detail::UdpSocket>> udp_;
  std::vector<std::shared_ptr<detail::StreamListener>> streamListeners_;
  std::unordered_map<std::uint64_t, std::shared_ptr<detail::StreamConnection>> connections_;
  std::unordered_map<RemoteKey, std::uint64_t, RemoteKeyHash> byRemote_;
  std::unordered_map<net::Address, std::uint32_t, net::AddressHash> perIp_;
  std::uint64_t nextConnectionId_ = 1;
  std::vector<Via> viaScratch_;  // reused by send() when routing responses
};

}  // namespace trunkline::sip
