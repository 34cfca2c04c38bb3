#pragma once
// CallRater: prices a finished CDR (cost, price, margin into Cdr::rating) before the B2BUA
// hands it to the observers and the CDR sink, so webhooks and the stored record carry the
// same rated amounts. The app plugs in billing's RatingBook (billing::rateCdr); tests use
// fakes. Called on the shard thread that owns the call; must not block (in-memory decks).
#include "storage/model.h"

namespace trunkline::call {

class CallRater {
 public:
  virtual ~CallRater() = default;
  virtual void rate(storage::Cdr& cdr) = 0;
};

}  // namespace trunkline::call
