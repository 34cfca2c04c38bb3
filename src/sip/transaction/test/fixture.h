#pragma once
// Test scaffolding for sip/transaction: a recording TransportSender, a recording
// TransactionUser, SIP text builders and a fixture that drives a ManualClock + TimerQueue.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/timer_queue.h"
#include "sip/message/builder.h"
#include "sip/message/message.h"
#include "sip/transaction/layer.h"

namespace trunkline::sip::testing {

using namespace std::chrono_literals;

struct Sent {
  Flow flow;
  std::string bytes;
  base::MonoTime at;
};

/// Records every message handed to the transport; fails sends while `fail` is set.
class FakeSender final : public TransportSender {
 public:
  explicit FakeSender(const base::Clock& clock) : clock_(clock) {}
  bool send(const Flow& flow, std::string_view bytes) override {
    if (fail) {
      ++failed;
      return false;
    }
    sent.push_back(Sent{flow, std::string(bytes), clock_.now()});
    return true;
  }
  std::vector<Sent> sent;
  bool fail = false;
  int failed = 0;

 private:
  const base::Clock& clock_;
};

struct TuEvent {
  enum class Kind {
    Request,
    Cancel,
    Ack,
    Response,
    Stray,
    ClientTimeout,
    ClientTransportError,
    ServerTimeout,
    ServerTransportError,
  };
  Kind kind;
  std::uint64_t txn = 0;    // the handle the callback carried
  std::uint64_t other = 0;  // onCancel: the INVITE transaction; onAck: the INVITE transaction
  int code = 0;             // responses
  std::string raw;          // the message, if any
};

/// Records every callback; optional hooks let a test answer from inside a callback.
class RecordingTu final : public TransactionUser {
 public:
  void onRequest(ServerTransactionHandle txn, const SipMessage& request, const Flow&) override {
    events.push_back({TuEvent::Kind::Request, txn.id, 0, 0, std::string(request.raw())});
    if (requestHook) requestHook(txn, request);
  }
  void onCancel(ServerTransactionHandle cancelTxn, ServerTransactionHandle inviteTxn,
                const SipMessage& cancel, const Flow&) override {
    events.push_back(
        {TuEvent::Kind::Cancel, cancelTxn.id, inviteTxn.id, 0, std::string(cancel.raw())});
  }
  void onAck(const SipMessage& ack, const Flow&, ServerTransactionHandle inviteTxn) override {
    events.push_back({TuEvent::Kind::Ack, inviteTxn.id, inviteTxn.id, 0, std::string(ack.raw())});
  }
  void onResponse(ClientTransactionHandle txn, const SipMessage& response) override {
    events.push_back(
        {TuEvent::Kind::Response, txn.id, 0, response.statusCode(), std::string(response.raw())});
  }
  void onStrayResponse(const SipMessage& response, const Flow&) override {
    events.push_back(
        {TuEvent::Kind::Stray, 0, 0, response.statusCode(), std::string(response.raw())});
  }
  void onClientTimeout(ClientTransactionHandle txn) override {
    events.push_back({TuEvent::Kind::ClientTimeout, txn.id, 0, 0, {}});
  }
  void onClientTransportError(ClientTransactionHandle txn) override {
    events.push_back({TuEvent::Kind::ClientTransportError, txn.id, 0, 0, {}});
  }
  void onServerTimeout(ServerTransactionHandle txn) override {
    events.push_back({TuEvent::Kind::ServerTimeout, txn.id, 0, 0, {}});
  }
  void onServerTransportError(ServerTransactionHandle txn) override {
    events.push_back({TuEvent::Kind::ServerTransportError, txn.id, 0, 0, {}});
  }

  std::size_t count(TuEvent::Kind k) const;
  const TuEvent& last() const { return events.back(); }

  std::vector<TuEvent> events;
  std::function<void(ServerTransactionHandle, const SipMessage&)> requestHook;
};

/// A request as a peer would send it. Defaults: an INVITE from 10.0.0.2 over UDP.
struct Req {
  std::string method = "INVITE";
  std::string branch = "z9hG4bKinv1";
  std::string sentBy = "10.0.0.2:5060";
  std::string transport = "UDP";
  std::uint32_t cseq = 1;
  std::string cseqMethod;  // empty: same as method
  std::string fromTag = "a1";
  std::string toTag;
  std::string callId = "call-1@10.0.0.2";
  std::string ruri = "sip:bob@example.com";
  std::string extraHeaders;  // "Name: value\r\n" lines
};
std::string requestText(const Req& r);

/// A response as a peer would send it to our client transaction.
struct Rsp {
  int code = 200;
  std::string branch = "z9hG4bKinv1";
  std::string sentBy = "192.0.2.1:5060";
  std::string cseqMethod = "INVITE";
  std::uint32_t cseq = 1;
  std::string toTag = "b1";
  std::string callId = "call-1@10.0.0.2";
};
std::string responseText(const Rsp& r);

SipMessage parseOrDie(std::string_view text);

Flow udpFlow(std::uint16_t remotePort = 5060);
Flow tcpFlow(std::uint64_t connectionId = 7);

class TxnTest : public ::testing::Test {
 protected:
  TxnTest();
  /// (Re)creates the layer with `cfg` (the constructor makes one with the defaults).
  void makeLayer(TimerConfig cfg);

  /// Moves the clock forward by `d`, running each timer at its own deadline (so timers
  /// re-armed by a callback are measured from that deadline, as on a real loop).
  void runFor(base::Duration d);
  /// Time since the fixture started.
  base::Duration elapsed() const { return clock.now() - start; }
  base::Duration sentAt(std::size_t i) const { return sender.sent.at(i).at - start; }

  void deliver(std::string_view text, const Flow& from = udpFlow());
  /// Starts a client transaction for `text` (must succeed).
  ClientTransactionHandle send(std::string_view text, const Flow& to = udpFlow());
  /// Status code (or 0 for a request) of sent message `i`.
  int sentCode(std::size_t i) const;
  SipMessage sentMessage(std::size_t i) const { return parseOrDie(sender.sent.at(i).bytes); }
  /// Handle of the last server transaction the TU was given.
  ServerTransactionHandle lastServerTxn() const;
  /// makeResponse() for the request of server transaction `h`.
  std::string answer(ServerTransactionHandle h, int code, std::string_view toTag = "srv1");

  base::ManualClock clock;
  base::MonoTime start;
  base::TimerQueue timers{clock};
  FakeSender sender{clock};
  RecordingTu tu;
  std::unique_ptr<TransactionLayer> layer;
};

}  // namespace trunkline::sip::testing
