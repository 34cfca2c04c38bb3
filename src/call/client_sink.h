#pragma once
// ClientSink: a component that sends requests through the TransactionLayer and wants the
// outcome of its client transactions. SipService (the only TransactionUser) offers every
// client-side event to its sinks in turn; the owner answers true when the transaction is
// its own. Called on the shard thread.
#include "sip/transaction/transaction.h"

namespace trunkline::call {

class ClientSink {
 public:
  virtual ~ClientSink() = default;
  virtual bool onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& response) = 0;
  virtual bool onClientTimeout(sip::ClientTransactionHandle txn) = 0;
  virtual bool onClientTransportError(sip::ClientTransactionHandle txn) = 0;
};

}  // namespace trunkline::call
