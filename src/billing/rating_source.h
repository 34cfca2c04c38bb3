#pragma once
// From stored decks to the RatingBook the SIP side reads, and the rating of a finished CDR.
//
// RatingSource is to rates what storage::SnapshotSource is to the rest of the
// configuration, kept apart because decks can be large (100k entries): it reloads only
// when the rating version moves (a deck, an entry or a deck assignment changed), builds a
// new immutable RatingBook off the SIP threads and publishes it atomically; calls keep the
// book they started with. refreshIfChanged() runs on the thread owning the RateStore;
// current() is lock-free, any thread.
#include <atomic>
#include <memory>

#include "base/result.h"
#include "billing/rate_deck.h"
#include "billing/rating.h"
#include "storage/model.h"
#include "storage/rate_store.h"

namespace trunkline::billing {

/// Builds the book of `data`. A deck that does not build (cannot happen for data the store
/// validated, but a hand-edited database might) fails the whole book: the caller keeps the
/// previous one rather than rate with a partial set.
base::Result<std::shared_ptr<const RatingBook>> buildRatingBook(const storage::RatingData& data);

/// Fills `cdr.rating` (attempted = true) from the book: cost by the answered (else last)
/// carrier's deck, price by the account's deck (else the default plan), margin when both are
/// rated in one currency. Inbound CDRs are not priced (the destination is our own DID):
/// both sides say "Inbound". Any thread; no allocation beyond the prefix strings.
void rateCdr(const RatingBook& book, storage::Cdr& cdr);

class RatingSource {
 public:
  /// Starts with an empty book (every call unrated, NoDeck) until the first refresh.
  explicit RatingSource(storage::RateStore& store);

  /// Store thread. Reloads and publishes when ratingVersion() moved; returns whether it
  /// did. On error the previous book stays.
  base::Result<bool> refreshIfChanged();
  /// Any thread.
  std::shared_ptr<const RatingBook> current() const {
    return current_.load(std::memory_order_acquire);
  }
  std::int64_t version() const { return version_.load(std::memory_order_relaxed); }

 private:
  storage::RateStore& store_;
  std::atomic<std::shared_ptr<const RatingBook>> current_;
  std::atomic<std::int64_t> version_{-1};
};

}  // namespace trunkline::billing
