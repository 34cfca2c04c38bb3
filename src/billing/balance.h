#pragma once
// Balances: whether an account may start a call, how long an answered call may last before
// its money runs out, and an in-memory ledger that reserves money for concurrent calls so
// that they cannot overspend together.
//
// Accounts are either
//   - prepaid: a balance that calls draw down, allowed below zero down to -creditLimit;
//     available = balance + creditLimit - reserved;
//   - postpaid: billed later, with a spend cap for the current period (0 = no cap);
//     available = cap - spentInPeriod - reserved. The period boundary is the owner's
//     decision (calendar month, invoice date): it calls startPeriod().
// Amounts are minor units of the account's currency, which must be that of its price deck.
//
// Concurrency rule (the reason for the ledger): money is *reserved* when a call is
// answered, and a call may only talk for the seconds its reservation covers. Every
// reservation is taken under the account's lock against `available`, which already
// excludes what other live calls hold, so N simultaneous calls can never be granted more
// than the account has. When the call ends, settle() swaps its reservation for the rated
// price. Reservations are granted in slices (e.g. 5 minutes' worth, `wantS`) and extended
// while the call goes on, so one long call does not lock up the whole balance while other
// calls wait; the grant says when the money is exhausted and the call must be cut.
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "base/result.h"
#include "billing/rate_deck.h"
#include "storage/model.h"

namespace trunkline::billing {

/// "No limit" in seconds (a free rate, or a postpaid account without cap).
inline constexpr std::uint32_t kUnlimitedS = std::numeric_limits<std::uint32_t>::max();
/// "No limit" in money: what an uncapped postpaid account has available.
inline constexpr std::int64_t kUnlimitedMinor = std::numeric_limits<std::int64_t>::max();
/// Bound of any single amount given to the ledger (a top-up, a charge, a limit): 10^15
/// minor units. Keeps every sum of them far from overflow.
inline constexpr std::int64_t kMaxLedgerAmountMinor = 1'000'000'000'000'000;

/// Why a call may not start (or its reservation was refused).
enum class Refusal : std::uint8_t {
  None,                // allowed
  UnknownAccount,      // the ledger has no such account: fail closed
  InsufficientFunds,   // available < connection fee + first billed block
  InvalidRate,         // the rate is outside RateDeck's bounds
  UnknownReservation,  // extend(): no such live reservation (settled, or never granted)
};
std::string_view refusalName(Refusal r);

struct StartDecision {
  Refusal refusal = Refusal::None;
  std::int64_t neededMinor = 0;     // price of the shortest answered call (fee + first block)
  std::int64_t availableMinor = 0;  // what the account had (kUnlimitedMinor = no cap)

  bool allowed() const { return refusal == Refusal::None; }
};

/// Whether `availableMinor` covers the connection fee plus the first billed block (the
/// price of a 1-second call under `rate`: minimum and initial increment included).
StartDecision canStart(std::int64_t availableMinor, const Rate& rate);

/// The longest talk time, in whole seconds, whose price under `rate` (rating.h rules)
/// stays within `availableMinor`. It is always the end of a billed block, so the B2BUA can
/// schedule the disconnect at answer + that many seconds: billableS rounds milliseconds up,
/// so a call cut at exactly T s is billed T. 0 = cannot start; kUnlimitedS for a free rate
/// (or when the answer would exceed it).
std::uint32_t maxDurationSeconds(std::int64_t availableMinor, const Rate& rate);

enum class AccountKind : std::uint8_t { Prepaid, Postpaid };

struct AccountTerms {
  AccountKind kind = AccountKind::Prepaid;
  std::int64_t creditLimitMinor = 0;  // prepaid: how far below zero the balance may go
  std::int64_t spendCapMinor = 0;     // postpaid: per period; 0 = no cap

  bool operator==(const AccountTerms&) const = default;
};

/// A copy of an account's state.
struct AccountView {
  AccountTerms terms;
  std::int64_t balanceMinor = 0;    // prepaid
  std::int64_t spentMinor = 0;      // postpaid, this period
  std::int64_t reservedMinor = 0;   // held by live calls
  std::int64_t availableMinor = 0;  // what a new reservation may take (kUnlimitedMinor)
  std::size_t liveReservations = 0;
};

/// Names one reservation. Carries the account so settle() finds it without a global map.
struct ReservationId {
  storage::Id accountId = 0;
  std::uint64_t seq = 0;  // 0 = none

  bool operator==(const ReservationId&) const = default;
};

/// The answer to reserve()/extend().
struct Grant {
  Refusal refusal = Refusal::None;
  ReservationId id;
  /// Talk time the reservation covers, from answer (cumulative over extensions).
  std::uint32_t grantedS = 0;
  std::int64_t reservedMinor = 0;
  /// True when grantedS is all the money allows: cut the call at grantedS. False when it
  /// is a slice: ask extend() before it runs out.
  bool exhausted = false;

  bool ok() const { return refusal == Refusal::None; }
};

/// The in-memory ledger of every account's money and live reservations.
///
/// One per process (created by app/, filled from storage at start, outliving every call).
/// Thread-safe: accounts live in 16 shards, each behind a short mutex; every operation on
/// one account is atomic with respect to the others on it (no I/O, no callbacks under the
/// lock). Persistence is the owner's job: settle()/charge()/adjust() return the new state
/// to write. Internally sums are kept in 128 bits; views clamp to int64.
class BalanceLedger {
 public:
  BalanceLedger() = default;
  BalanceLedger(const BalanceLedger&) = delete;
  BalanceLedger& operator=(const BalanceLedger&) = delete;

  /// Creates the account (balance and spend 0) or changes its terms; balance, spend and
  /// live reservations are kept. Refused: negative limits or above kMaxLedgerAmountMinor.
  base::Result<void> setTerms(storage::Id accountId, const AccountTerms& terms);
  /// Adds `deltaMinor` to a prepaid balance (top-up > 0, correction < 0), or credits a
  /// postpaid account's spend (spent -= delta). |delta| <= kMaxLedgerAmountMinor.
  base::Result<AccountView> adjust(storage::Id accountId, std::int64_t deltaMinor);
  /// Postpaid: a new period begins, spend back to 0 (live reservations stay).
  base::Result<void> startPeriod(storage::Id accountId);
  std::optional<AccountView> view(storage::Id accountId) const;

  /// canStart() against the account's available money.
  StartDecision canStart(storage::Id accountId, const Rate& rate) const;

  /// At answer: reserves money for up to `wantS` seconds of talk under `rate` (0 = as long
  /// as the money lasts), at least the first billed block; refused when even that is not
  /// available. The grant is rounded up to the end of a billed block (paid anyway).
  Grant reserve(storage::Id accountId, const Rate& rate, std::uint32_t wantS);
  /// While the call goes on: grows the reservation by up to `moreS` seconds, with what is
  /// available now. Never shrinks it. Unknown id → refusal UnknownReservation.
  Grant extend(const ReservationId& id, std::uint32_t moreS);
  /// At the end: drops the reservation and charges `chargedMinor` (the rated price,
  /// CallRating::price.amountMinor; 0 to release without charge). A charge above the
  /// reservation (the call overran its grant) is still taken in full and counted.
  base::Result<AccountView> settle(const ReservationId& id, std::int64_t chargedMinor);
  /// Charges an amount that had no reservation (e.g. a call rated after the fact).
  base::Result<AccountView> charge(storage::Id accountId, std::int64_t chargedMinor);

  struct Stats {
    std::uint64_t granted = 0;   // reservations opened
    std::uint64_t refused = 0;   // reserve() refusals
    std::uint64_t settled = 0;   // reservations closed by settle()
    std::uint64_t overruns = 0;  // settled for more than was reserved
  };
  Stats stats() const;

 private:
  using Wide = __int128;
  struct Held {
    Rate rate;  // the terms the reservation was priced with
    std::uint32_t grantedS = 0;
    Wide reserved = 0;
  };
  struct Account {
    AccountTerms terms;
    Wide balance = 0;
    Wide spent = 0;
    Wide reserved = 0;
    std::unordered_map<std::uint64_t, Held> held;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<storage::Id, Account> accounts;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shardOf(storage::Id accountId);
  const Shard& shardOf(storage::Id accountId) const;
  static Wide available(const Account& a);
  static AccountView viewOf(const Account& a);
  void apply(Account& a, Wide chargedMinor);

  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> nextSeq_{1};
  std::atomic<std::uint64_t> granted_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> settled_{0};
  std::atomic<std::uint64_t> overruns_{0};
};

/// A live reservation owned by a call: released (settled at 0) on destruction unless
/// settled before, so no error path can leak held money. Move-only; lives on the call's
/// shard; the ledger must outlive it.
class Reservation {
 public:
  Reservation() = default;
  Reservation(BalanceLedger& ledger, const Grant& grant);
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation();

  bool active() const { return ledger_ != nullptr; }
  const Grant& grant() const { return grant_; }
  /// extend() on the ledger; the stored grant follows.
  Grant extend(std::uint32_t moreS);
  /// settle() on the ledger; the reservation is inactive afterwards.
  base::Result<AccountView> settle(std::int64_t chargedMinor);

 private:
  void releaseNow();
  BalanceLedger* ledger_ = nullptr;
  Grant grant_;
};

}  // namespace trunkline::billing
