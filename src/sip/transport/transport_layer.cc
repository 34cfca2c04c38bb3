#include "sip/transport/transport_layer.h"

#include "net/endpoint.h"
#include "sip/transport/transport_internal.h"

namespace trunkline::sip {
namespace {

std::string_view trimValue(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool isViaName(std::string_view name) {
  if (name.size() == 1) return name[0] == 'v' || name[0] == 'V';
  return name.size() == 3 && (name[0] | 0x20) == 'v' && (name[1] | 0x20) == 'i' &&
         (name[2] | 0x20) == 'a';
}

// The value of the first Via header field of a wire message (long or compact name, any
// case), continuation lines included; empty if there is none.
std::string_view topViaValue(std::string_view msg) {
  std::size_t pos = msg.find('\n');
  while (pos != std::string_view::npos && pos + 1 < msg.size()) {
    const std::size_t start = pos + 1;
    if (msg[start] == '\r' || msg[start] == '\n') return {};  // end of the header section
    std::size_t end = msg.find('\n', start);
    if (end == std::string_view::npos) end = msg.size();
    const std::string_view line = msg.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && line[0] != ' ' && line[0] != '\t' &&
        isViaName(trimValue(line.substr(0, colon)))) {
      std::size_t valueEnd = end;
      while (valueEnd + 1 < msg.size() && (msg[valueEnd + 1] == ' ' || msg[valueEnd + 1] == '\t')) {
        valueEnd = msg.find('\n', valueEnd + 1);
        if (valueEnd == std::string_view::npos) valueEnd = msg.size();
      }
      const std::size_t valueStart = start + colon + 1;
      return trimValue(msg.substr(valueStart, valueEnd - valueStart));
    }
    pos = end;
  }
  return {};
}

}  // namespace

TransportLayer::TransportLayer(net::EventLoop& loop, TransportOptions options)
    : loop_(loop),
      options_(std::move(options)),
      warnLimit_(loop.clock(), std::chrono::seconds(10), 10) {}

TransportLayer::~TransportLayer() {
  shutdown();
}

void TransportLayer::shutdown() {
  if (shutDown_) return;
  shutDown_ = true;
  for (auto& s : udp_) s->close();
  for (auto& l : streamListeners_) l->close();
  auto conns = std::move(connections_);
  for (auto& [id, c] : conns) c->close();
  udp_.clear();
  streamListeners_.clear();
  connections_.clear();
  byRemote_.clear();
  perIp_.clear();
}

base::Result<net::Address> TransportLayer::listen(const ListenSpec& spec) {
  if (shutDown_) return base::fail(base::Errc::Unavailable, "transport layer is shut down");
  if (!spec.address.valid())
    return base::fail(base::Errc::InvalidArgument, "listen address is not an IP address");
  if (spec.kind == TransportKind::Udp) {
    auto s = std::make_shared<detail::UdpSocket>(*this, loop_.io());
    if (auto r = s->open(spec.address); !r) return tl::unexpected(r.error());
    s->startReceive();
    udp_.push_back(s);
    TL_LOG_INFO("transport: listening on udp:{}", s->local().toString());
    return s->local();
  }
  if (spec.kind == TransportKind::Tls && !options_.tlsServer)
    return base::fail(
        base::Errc::Config,
        fmt::format("cannot listen on {}: no TLS certificate/key configured", spec.toString()));
  auto l = std::make_shared<detail::StreamListener>(*this, spec.kind, loop_.io());
  if (auto r = l->open(spec.address, options_.reusePort); !r) return tl::unexpected(r.error());
  l->startAccept();
  streamListeners_.push_back(l);
  TL_LOG_INFO("transport: listening on {}", ListenSpec{spec.kind, l->local()}.toString());
  return l->local();
}

base::Result<std::vector<ListenSpec>> TransportLayer::listenAll(
    const std::vector<std::string>& specs) {
  std::vector<ListenSpec> bound;
  for (const std::string& text : specs) {
    auto spec = parseListenSpec(text);
    if (!spec) return tl::unexpected(spec.error());
    auto addr = listen(*spec);
    if (!addr) return tl::unexpected(addr.error());
    bound.push_back({spec->kind, *addr});
  }
  return bound;
}

std::vector<ListenSpec> TransportLayer::listeners() const {
  std::vector<ListenSpec> out;
  for (const auto& s : udp_) out.push_back({TransportKind::Udp, s->local()});
  for (const auto& l : streamListeners_) out.push_back({l->kind(), l->local()});
  return out;
}

std::optional<net::Address> TransportLayer::listenAddress(TransportKind kind, int family) const {
  for (const ListenSpec& s : listeners())
    if (s.kind == kind && s.address.family() == family) return s.address;
  return std::nullopt;
}

std::vector<int> TransportLayer::socketDscps() const {
  std::vector<int> out;
  auto read = [&out](int fd) {
    auto d = socketDscp(fd);
    out.push_back(d ? *d : -1);
  };
  for (const auto& s : udp_) read(s->fd());
  for (const auto& l : streamListeners_) read(l->fd());
  for (const auto& [id, c] : connections_) read(c->fd());
  return out;
}

void TransportLayer::deliver(std::string_view bytes, const Flow& flow, bool datagram) {
  ++counters_.packetsIn;
  ParseOptions opts;
  opts.maxMessageSize = options_.limits.maxMessageBytes;
  opts.datagram = datagram;
  auto msg = SipMessage::parse(bytes, opts);
  if (!msg) {
    reportParseError(bytes, msg.error(), flow);
    return;
  }
  if (handler_) handler_->onMessage(std::move(*msg), flow);
}

void TransportLayer::reportParseError(std::string_view bytes, const ParseError& err,
                                      const Flow& flow) {
  ++counters_.parseErrors;
  // Arguments are views: nothing is formatted or allocated unless the line is written.
  warn("malformed message from {}:{}: {}{}{}", transportName(flow.kind), flow.remote,
       describe(err.code), err.detail.empty() ? "" : ": ", err.detail);
  if (handler_) handler_->onParseError(bytes, err, flow);
}

void TransportLayer::onAccepted(TransportKind kind, const net::Address& local,
                                asio::ip::tcp::socket& socket) {
  std::error_code ec;
  const net::Address remote = net::fromEndpoint(socket.remote_endpoint(ec));
  if (ec) {
    socket.close(ec);
    return;
  }
  const net::Address ip = net::ipOnly(remote);
  auto it = perIp_.find(ip);
  const std::uint32_t fromIp = it == perIp_.end() ? 0 : it->second;
  if (connections_.size() >= options_.maxConnections || fromIp >= options_.maxConnectionsPerIp) {
    ++counters_.connectionsRefused;
    warn("refusing {} connection from {}: {} connections from this IP, {} in total",
         transportName(kind), remote, fromIp, connections_.size());
    socket.close(ec);
    return;
  }
  if (auto r = setSocketDscp(socket.native_handle(), options_.dscp); !r)
    warn("{} connection from {} goes unmarked: {}", transportName(kind), remote, r.error().message);
  const std::uint64_t id = nextConnectionId_++;
  auto conn = std::make_shared<detail::StreamConnection>(*this, id, kind, std::move(socket),
                                                         /*accepted=*/true);
  connections_.emplace(id, conn);
  ++perIp_[ip];
  ++counters_.connectionsAccepted;
  if (!conn->startAccepted()) return;  // closed (and unregistered) already
  byRemote_[RemoteKey{kind, conn->flow().remote}] = id;
}

void TransportLayer::onConnectionClosed(detail::StreamConnection& conn) {
  ++counters_.connectionsClosed;
  const Flow flow = conn.flow();
  auto r = byRemote_.find(RemoteKey{flow.kind, flow.remote});
  if (r != byRemote_.end() && r->second == flow.connectionId) byRemote_.erase(r);
  if (conn.accepted()) {
    auto it = perIp_.find(net::ipOnly(flow.remote));
    if (it != perIp_.end() && --it->second == 0) perIp_.erase(it);
  }
  connections_.erase(flow.connectionId);
  if (handler_) handler_->onConnectionClosed(flow);
}

bool TransportLayer::send(const Flow& flow, std::string_view bytes) {
  if (shutDown_) return false;
  const Flow* target = &flow;
  Flow routed;
  if (options_.routeResponses && bytes.starts_with("SIP/")) {
    const std::string_view via = topViaValue(bytes);
    viaScratch_.clear();
    if (!via.empty() && parseViaList(via, viaScratch_) && !viaScratch_.empty()) {
      if (auto r = sip::responseFlow(viaScratch_.front(), flow, isOpen(flow.connectionId))) {
        routed = *r;
        target = &routed;
      }
    }
  }
  const bool ok =
      target->kind == TransportKind::Udp ? sendUdp(*target, bytes) : sendStream(*target, bytes);
  if (ok) {
    ++counters_.packetsOut;
    counters_.bytesOut += bytes.size();
  } else {
    ++counters_.sendErrors;
  }
  return ok;
}

bool TransportLayer::sendUdp(const Flow& flow, std::string_view bytes) {
  if (!flow.remote.valid()) return false;
  detail::UdpSocket* chosen = nullptr;
  if (flow.local.valid()) {
    for (auto& s : udp_)
      if (s->local() == flow.local) {
        chosen = s.get();
        break;
      }
  }
  if (!chosen) {
    for (auto& s : udp_)
      if (s->local().family() == flow.remote.family()) {
        chosen = s.get();
        break;
      }
  }
  if (!chosen) {
    warn("no UDP socket of the right family to send to {}", flow.remote);
    return false;
  }
  return chosen->sendTo(flow.remote, bytes);
}

detail::StreamConnection* TransportLayer::findUsable(const Flow& flow) {
  if (flow.connectionId != 0) {
    auto it = connections_.find(flow.connectionId);
    if (it != connections_.end() && it->second->usable()) return it->second.get();
  }
  if (!flow.remote.valid()) return nullptr;
  auto r = byRemote_.find(RemoteKey{flow.kind, flow.remote});
  if (r == byRemote_.end()) return nullptr;
  auto it = connections_.find(r->second);
  if (it != connections_.end() && it->second->usable()) return it->second.get();
  return nullptr;
}

bool TransportLayer::sendStream(const Flow& flow, std::string_view bytes) {
  if (detail::StreamConnection* c = findUsable(flow)) return c->send(bytes);
  if (!flow.remote.valid()) return false;
  if (flow.kind == TransportKind::Tls && !options_.tlsClient) {
    warn("cannot connect to tls:{}: no TLS client context configured", flow.remote);
    return false;
  }
  if (connections_.size() >= options_.maxConnections) {
    ++counters_.connectionsRefused;
    warn("not connecting to {}: {} connections open", flow.remote, connections_.size());
    return false;
  }
  const std::uint64_t id = nextConnectionId_++;
  auto conn = std::make_shared<detail::StreamConnection>(
      *this, id, flow.kind, asio::ip::tcp::socket(loop_.io()), /*accepted=*/false);
  connections_.emplace(id, conn);
  byRemote_[RemoteKey{flow.kind, flow.remote}] = id;
  conn->send(bytes);  // queued until connected
  conn->startConnect(flow.remote, flow.local);
  return true;
}

base::Result<Flow> TransportLayer::responseFlow(const Via& topVia, const Flow& arrival) const {
  return sip::responseFlow(topVia, arrival, isOpen(arrival.connectionId));
}

bool TransportLayer::isOpen(std::uint64_t connectionId) const {
  auto it = connections_.find(connectionId);
  return it != connections_.end() && it->second->usable();
}

std::optional<Flow> TransportLayer::connectionFlow(std::uint64_t connectionId) const {
  auto it = connections_.find(connectionId);
  if (it == connections_.end()) return std::nullopt;
  return it->second->flow();
}

void TransportLayer::closeConnection(std::uint64_t connectionId) {
  auto it = connections_.find(connectionId);
  if (it == connections_.end()) return;
  auto conn = it->second;
  conn->close(base::Error(base::Errc::Io, "connection closed locally"));
}

}  // namespace trunkline::sip
