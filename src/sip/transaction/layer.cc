// TransactionLayer: dispatch of incoming messages to transactions (RFC 3261 §17.1.3,
// §17.2.3), creation and teardown of transactions, timers, and the public calls. The state
// machines themselves live in client_invite.cc, client_non_invite.cc, server_invite.cc and
// server_non_invite.cc.
#include "sip/transaction/layer.h"

#include "sip/transaction/txn_internal.h"

namespace trunkline::sip {

using txn_detail::ClientTxn;
using txn_detail::ServerTxn;
using txn_detail::TimerName;

std::string_view clientStateName(ClientState s) {
  switch (s) {
    case ClientState::Calling: return "Calling";
    case ClientState::Trying: return "Trying";
    case ClientState::Proceeding: return "Proceeding";
    case ClientState::Accepted: return "Accepted";
    case ClientState::Completed: return "Completed";
    case ClientState::Terminated: return "Terminated";
  }
  return "?";
}

std::string_view serverStateName(ServerState s) {
  switch (s) {
    case ServerState::Trying: return "Trying";
    case ServerState::Proceeding: return "Proceeding";
    case ServerState::Accepted: return "Accepted";
    case ServerState::Completed: return "Completed";
    case ServerState::Confirmed: return "Confirmed";
    case ServerState::Terminated: return "Terminated";
  }
  return "?";
}

// Every public entry point (and timer callback) holds one. TU callbacks may re-enter the
// layer and may end the transaction whose code is on the stack; ended transactions are
// therefore parked and freed only when the outermost entry point returns.
class TransactionLayer::Entry {
 public:
  explicit Entry(TransactionLayer& layer) : layer_(layer) { ++layer_.depth_; }
  ~Entry() {
    if (--layer_.depth_ == 0) {
      layer_.endedClients_.clear();
      layer_.endedServers_.clear();
    }
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

 private:
  TransactionLayer& layer_;
};

TransactionLayer::TransactionLayer(base::TimerQueue& timers, TimerConfig config,
                                   TransportSender& sender, TransactionUser& user)
    : timers_(timers), config_(config), sender_(sender), user_(user) {}

TransactionLayer::~TransactionLayer() {
  auto cancelAll = [this](txn_detail::TxnTimers& t) {
    disarm(t.retransmit);
    disarm(t.timeout);
    disarm(t.linger);
    disarm(t.trying);
  };
  for (auto& [id, t] : clients_) cancelAll(*t);
  for (auto& [id, t] : servers_) cancelAll(*t);
}

// ---- plumbing ---------------------------------------------------------------------------

base::TimerId TransactionLayer::arm(std::uint64_t id, TimerName name, base::Duration after) {
  // Two words of capture fit std::function's inline buffer: no allocation per timer. Ids
  // count up from 1 and never reach 2^56.
  const std::uint64_t packed = (id << 8) | static_cast<std::uint8_t>(name);
  return timers_.schedule(
      after, [this, packed] { onTimer(packed >> 8, static_cast<TimerName>(packed & 0xff)); });
}

void TransactionLayer::disarm(base::TimerId& timer) {
  if (timer != 0) timers_.cancel(timer);
  timer = 0;
}

bool TransactionLayer::sendOn(const Flow& flow, std::string_view bytes) {
  return sender_.send(flow, bytes);
}

ClientTxn* TransactionLayer::findClient(std::uint64_t id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

ServerTxn* TransactionLayer::findServer(std::uint64_t id) const {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : it->second.get();
}

void TransactionLayer::onTimer(std::uint64_t id, TimerName name) {
  Entry entry(*this);
  if (ClientTxn* c = findClient(id)) {
    txn_detail::slotOf(*c, name) = 0;  // it has fired
    if (c->invite)
      clientInviteTimer(*c, name);
    else
      clientNonInviteTimer(*c, name);
  } else if (ServerTxn* s = findServer(id)) {
    txn_detail::slotOf(*s, name) = 0;
    if (s->invite)
      serverInviteTimer(*s, name);
    else
      serverNonInviteTimer(*s, name);
  }
}

void TransactionLayer::endClient(ClientTxn& t) {
  if (t.state == ClientState::Terminated) return;
  t.state = ClientState::Terminated;
  disarm(t.retransmit);
  disarm(t.timeout);
  disarm(t.linger);
  disarm(t.trying);
  auto idx = clientIndex_.find(std::string_view(t.key));
  if (idx != clientIndex_.end() && idx->second == t.id) clientIndex_.erase(idx);
  ++counters_.clientTerminated;
  auto it = clients_.find(t.id);
  if (it == clients_.end()) return;
  endedClients_.push_back(std::move(it->second));
  clients_.erase(it);
}

void TransactionLayer::endServer(ServerTxn& t) {
  if (t.state == ServerState::Terminated) return;
  t.state = ServerState::Terminated;
  disarm(t.retransmit);
  disarm(t.timeout);
  disarm(t.linger);
  disarm(t.trying);
  if (t.rfc2543) {
    auto [b, e] = server2543Index_.equal_range(std::string_view(t.key));
    for (auto i = b; i != e; ++i) {
      if (i->second == t.id) {
        server2543Index_.erase(i);
        break;
      }
    }
  } else {
    auto idx = serverIndex_.find(std::string_view(t.key));
    if (idx != serverIndex_.end() && idx->second == t.id) serverIndex_.erase(idx);
  }
  ++counters_.serverTerminated;
  auto it = servers_.find(t.id);
  if (it == servers_.end()) return;
  endedServers_.push_back(std::move(it->second));
  servers_.erase(it);
}

// ---- matching (§17.2.3, §9.2) -----------------------------------------------------------

ServerTxn* TransactionLayer::matchServer(const SipMessage& msg, bool forCancel) const {
  const Via& via = msg.topVia();
  const bool isAck = msg.method() == Method::Ack;
  if (txn_detail::hasMagicCookie(via.branch)) {
    // An ACK belongs to its INVITE's transaction; a CANCEL being matched to the request it
    // cancels (§9.2) looks for that INVITE too.
    const std::string_view method =
        (isAck || forCancel) ? std::string_view("INVITE") : msg.methodText();
    txn_detail::serverKey(via, method, scratch_);
    auto it = serverIndex_.find(std::string_view(scratch_));
    return it == serverIndex_.end() ? nullptr : findServer(it->second);
  }
  // RFC 2543 peer: compare the dialog-ish fields; the key holds the ones common to the
  // INVITE, its ACK and its CANCEL, the rest is checked per candidate.
  txn_detail::server2543Key(msg, scratch_);
  auto [b, e] = server2543Index_.equal_range(std::string_view(scratch_));
  const std::string_view toTag = txn_detail::toTagOf(msg);
  for (auto it = b; it != e; ++it) {
    ServerTxn* t = findServer(it->second);
    if (t == nullptr) continue;
    if (forCancel) {
      // §9.2: the To tag is not compared (the CANCEL carries the INVITE's To).
      if (t->invite) return t;
    } else if (isAck) {
      // The ACK's To tag must equal the To tag of the response we sent.
      if (t->invite && t->hasFinal && toTag == t->finalToTag) return t;
    } else if (t->request.methodText() == msg.methodText() &&
               toTag == txn_detail::toTagOf(t->request)) {
      return t;
    }
  }
  return nullptr;
}

ServerTxn* TransactionLayer::createServer(SipMessage msg, const Flow& from) {
  auto owned = std::make_unique<ServerTxn>(std::move(msg));
  ServerTxn& t = *owned;
  t.id = nextId_++;
  t.invite = t.request.method() == Method::Invite;
  t.flow = from;
  t.reliable = isReliable(from.kind);
  if (txn_detail::hasMagicCookie(t.request.topVia().branch)) {
    txn_detail::serverKey(t.request.topVia(), t.request.methodText(), t.key);
    serverIndex_.emplace(std::string_view(t.key), t.id);
  } else {
    t.rfc2543 = true;
    txn_detail::server2543Key(t.request, t.key);
    server2543Index_.emplace(std::string_view(t.key), t.id);
  }
  ++counters_.serverCreated;
  servers_.emplace(t.id, std::move(owned));
  return &t;
}

// ---- input ------------------------------------------------------------------------------

void TransactionLayer::onMessage(SipMessage msg, const Flow& from) {
  Entry entry(*this);
  if (msg.isRequest())
    onRequest(std::move(msg), from);
  else
    onResponseMessage(std::move(msg), from);
}

void TransactionLayer::onRequest(SipMessage msg, const Flow& from) {
  const Method method = msg.method();
  ServerTxn* existing = matchServer(msg, false);
  if (method == Method::Ack) {
    if (existing == nullptr || !existing->invite) {
      // An ACK for a 2xx: a transaction of its own that the TU (dialog) handles.
      ++counters_.strayAcks;
      user_.onAck(msg, from, ServerTransactionHandle{});
      return;
    }
    serverInviteRequest(*existing, msg, from);
    return;
  }
  if (existing != nullptr) {
    // A retransmission: answered (or not) by the transaction, never seen by the TU.
    if (existing->invite)
      serverInviteRequest(*existing, msg, from);
    else
      serverNonInviteRequest(*existing, msg, from);
    return;
  }

  ServerTxn& t = *createServer(std::move(msg), from);
  const ServerTransactionHandle handle{t.id};
  if (t.invite)
    startServerInvite(t);
  else
    startServerNonInvite(t);
  // `t` stays allocated until the outermost Entry returns, even if the TU ends it.
  if (method == Method::Cancel) {
    ServerTxn* invite = matchServer(t.request, true);
    if (invite == nullptr) ++counters_.unmatchedCancels;
    user_.onCancel(handle, ServerTransactionHandle{invite ? invite->id : 0}, t.request, t.flow);
  } else {
    user_.onRequest(handle, t.request, t.flow);
  }
}

void TransactionLayer::onResponseMessage(SipMessage msg, const Flow& from) {
  txn_detail::clientKey(msg.topVia().branch, msg.cseq().methodText, scratch_);
  auto it = clientIndex_.find(std::string_view(scratch_));
  ClientTxn* t = it == clientIndex_.end() ? nullptr : findClient(it->second);
  if (t == nullptr) {
    ++counters_.strayResponses;
    user_.onStrayResponse(msg, from);
    return;
  }
  if (t->invite)
    clientInviteResponse(*t, msg);
  else
    clientNonInviteResponse(*t, msg);
}

// ---- server side API --------------------------------------------------------------------

base::Result<void> TransactionLayer::respond(ServerTransactionHandle handle, std::string response) {
  Entry entry(*this);
  ServerTxn* t = findServer(handle.id);
  if (t == nullptr) return base::fail(base::Errc::InvalidArgument, "server transaction has ended");
  const int code = txn_detail::statusCodeOf(response);
  if (code == 0) return base::fail(base::Errc::InvalidArgument, "not a SIP response");
  if (t->invite) return serverInviteRespond(*t, std::move(response), code);
  return serverNonInviteRespond(*t, std::move(response), code);
}

bool TransactionLayer::replay(ServerTxn& t, const std::string& bytes) {
  if (sendOn(t.flow, bytes)) {
    ++counters_.responseRetransmitsSent;
    return true;
  }
  // §17.2.4: inform the TU and end the transaction.
  ++counters_.transportErrors;
  const ServerTransactionHandle handle{t.id};
  endServer(t);
  user_.onServerTransportError(handle);
  return false;
}

base::Result<void> TransactionLayer::sendOrEnd(ServerTxn& t, std::string_view bytes) {
  if (sendOn(t.flow, bytes)) return {};
  ++counters_.transportErrors;
  endServer(t);
  return base::fail(base::Errc::Io, "transport failed to send the response");
}

void TransactionLayer::followFlow(ServerTxn& t, const Flow& from) {
  // A retransmission over a new TCP/TLS connection (the old one closed): answer on the
  // connection the peer is using now. Datagram flows stay as they were.
  if (isReliable(from.kind) && from.connectionId != 0) t.flow = from;
}

void TransactionLayer::noteFinal(ServerTxn& t, std::string_view response) {
  t.hasFinal = true;
  if (!t.rfc2543) return;
  // Only RFC 2543 matching needs the To tag of our final (to recognise its ACK).
  auto parsed = SipMessage::parse(response);
  if (parsed) t.finalToTag = std::string(txn_detail::toTagOf(*parsed));
}

std::optional<ServerState> TransactionLayer::serverState(ServerTransactionHandle txn) const {
  const ServerTxn* t = findServer(txn.id);
  if (t == nullptr) return std::nullopt;
  return t->state;
}

const SipMessage* TransactionLayer::request(ServerTransactionHandle txn) const {
  const ServerTxn* t = findServer(txn.id);
  return t == nullptr ? nullptr : &t->request;
}

const Flow* TransactionLayer::flow(ServerTransactionHandle txn) const {
  const ServerTxn* t = findServer(txn.id);
  return t == nullptr ? nullptr : &t->flow;
}

// ---- client side API --------------------------------------------------------------------

base::Result<ClientTransactionHandle> TransactionLayer::sendRequest(std::string_view request,
                                                                    const Flow& to) {
  Entry entry(*this);
  auto parsed = SipMessage::parse(request);
  if (!parsed) {
    return base::fail(base::Errc::InvalidArgument, "unparsable request: " + parsed.error().text());
  }
  if (!parsed->isRequest()) return base::fail(base::Errc::InvalidArgument, "not a request");
  if (parsed->method() == Method::Ack)
    return base::fail(base::Errc::InvalidArgument, "ACK is not sent in a client transaction");
  const std::string_view branch = parsed->topVia().branch;
  if (branch.empty()) return base::fail(base::Errc::InvalidArgument, "top Via has no branch");

  std::string key;
  txn_detail::clientKey(branch, parsed->methodText(), key);
  if (clientIndex_.find(std::string_view(key)) != clientIndex_.end())
    return base::fail(base::Errc::AlreadyExists, "branch already used by a live transaction");

  auto owned = std::make_unique<ClientTxn>(std::move(*parsed));
  ClientTxn& t = *owned;
  t.id = nextId_++;
  t.invite = t.request.method() == Method::Invite;
  t.flow = to;
  t.reliable = isReliable(to.kind);
  t.key = std::move(key);
  ++counters_.clientCreated;
  if (!sendOn(to, t.request.raw())) {
    // §17.1.4 for the very first send: no transaction remains; the caller learns it here.
    ++counters_.transportErrors;
    ++counters_.clientTerminated;
    return base::fail(base::Errc::Io, "transport failed to send the request");
  }
  clientIndex_.emplace(std::string_view(t.key), t.id);
  clients_.emplace(t.id, std::move(owned));
  if (t.invite)
    startClientInvite(t);
  else
    startClientNonInvite(t);
  return ClientTransactionHandle{t.id};
}

std::optional<ClientState> TransactionLayer::clientState(ClientTransactionHandle txn) const {
  const ClientTxn* t = findClient(txn.id);
  if (t == nullptr) return std::nullopt;
  return t->state;
}

bool TransactionLayer::terminate(ClientTransactionHandle txn) {
  Entry entry(*this);
  ClientTxn* t = findClient(txn.id);
  if (t == nullptr) return false;
  endClient(*t);
  return true;
}

bool TransactionLayer::terminate(ServerTransactionHandle txn) {
  Entry entry(*this);
  ServerTxn* t = findServer(txn.id);
  if (t == nullptr) return false;
  endServer(*t);
  return true;
}

bool TransactionLayer::sendStateless(const Flow& to, std::string_view bytes) {
  return sendOn(to, bytes);
}

}  // namespace trunkline::sip
