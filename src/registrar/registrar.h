#pragma once
// Registrar: the RFC 3261 §10.3 registrar of registration trunks.
//
// A PBX of a registration trunk REGISTERs (digest-authenticated with one of the trunk's
// credentials) one or more contacts for its AOR; inbound calls to the trunk go to those
// contacts, through the flow each REGISTER came from (NAT-safe). Owns the in-memory
// binding table (by trunk id), one expiry timer per binding on the shard's TimerQueue,
// and sends every change to a BindingPersistence so bindings survive a restart (restore()
// at start-up puts them back).
//
// Thread: one SIP shard. Constructed, used and destroyed on the thread that runs the
// TimerQueue it is given (REGISTERs are posted to that shard). The TimerQueue, digest
// server, directory and persistence must outlive it; its destructor cancels its timers.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/timer_queue.h"
#include "registrar/binding.h"
#include "registrar/binding_index.h"
#include "sip/auth/server.h"
#include "sip/message/message.h"

namespace trunkline::registrar {

struct RegistrarConfig {
  std::uint32_t minExpiresS = 60;        // below (and not 0) → 423 Interval Too Brief
  std::uint32_t maxExpiresS = 3600;      // above → shortened to this
  std::uint32_t defaultExpiresS = 3600;  // neither expires param nor Expires header
  std::size_t maxContactsPerAor = 10;    // more → 403
};

/// What to answer a REGISTER with. `headers` are preformatted "Name: value\r\n" lines.
struct Reply {
  int code = 500;
  std::string reason;       // empty = the default reason phrase
  std::string headers;      // Contact (200), Min-Expires (423), WWW-Authenticate (401)...
  storage::Id trunkId = 0;  // the authenticated trunk, when there is one
  /// The response's wire bytes (RFC 3261 §8.2.6 copy of Via/From/To/Call-ID/CSeq).
  std::string wire(const sip::SipMessage& request, std::string_view toTag) const;
};

struct RegistrarCounters {
  std::uint64_t requests = 0;
  std::uint64_t challenged = 0;   // 401 sent (no or bad credentials, stale nonce)
  std::uint64_t forbidden = 0;    // 403: trunk disabled / not a registration trunk / limits
  std::uint64_t badRequests = 0;  // 400, 420, 423, 500 (out of order)
  std::uint64_t added = 0;
  std::uint64_t refreshed = 0;
  std::uint64_t removed = 0;  // by the PBX (expires 0 or *)
  std::uint64_t expired = 0;  // by timer
};

class Registrar {
 public:
  /// `digest` verifies credentials and formats challenges (realm, nonces); `directory`
  /// maps a username to its trunk. `persistence` may be null (nothing survives restart).
  Registrar(RegistrarConfig config, base::TimerQueue& timers, const sip::DigestServer& digest,
            const TrunkDirectory& directory, BindingPersistence* persistence);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  /// Processes one REGISTER that arrived over `from` (RFC 3261 §10.3). `identified` is the
  /// trunk when the caller already authenticated the source (e.g. by IP); otherwise the
  /// request must carry digest credentials of a registration trunk (401 challenge).
  Reply handle(const sip::SipMessage& request, const sip::Flow& from,
               const storage::Trunk* identified = nullptr);

  /// Live bindings of a trunk, for inbound delivery: highest q first, then the most
  /// recently refreshed. Expired bindings whose timer has not run yet are left out.
  std::vector<Binding> lookup(storage::Id trunkId) const;
  /// Thread-safe snapshots of the same lists, for shards other than the registrar's.
  const BindingIndex& index() const { return index_; }
  /// Every live binding (for the API / CLI).
  std::vector<Binding> all() const;
  std::size_t size() const;

  /// Puts persisted bindings back at start-up (before serving). Expired ones are skipped
  /// and removed from the persistence. Returns how many were restored.
  std::size_t restore(const std::vector<storage::Registration>& rows);
  /// Removes every binding of a trunk (deleted or turned into an IP trunk).
  void dropTrunk(storage::Id trunkId);

  const RegistrarCounters& counters() const { return counters_; }
  const RegistrarConfig& config() const { return config_; }

 private:
  struct Entry {
    Binding binding;
    base::TimerId timer = 0;
  };
  struct Change;  // one planned binding update (registrar.cc)

  Reply processContacts(const sip::SipMessage& request, const sip::Flow& from, storage::Id trunkId,
                        const std::string& aor);
  Reply okWithBindings(storage::Id trunkId, const std::string& aor) const;
  void put(Binding b, bool persist);
  void erase(storage::Id trunkId, const std::string& aor, const std::string& contact, bool persist);
  void arm(Entry& e);
  void onExpiry(storage::Id trunkId, std::string aor, std::string contact, std::uint64_t seq);
  std::vector<Entry>* entriesOf(storage::Id trunkId);
  std::vector<Binding> sorted(storage::Id trunkId, bool liveOnly) const;
  void publish(storage::Id trunkId);

  RegistrarConfig config_;
  base::TimerQueue& timers_;
  const sip::DigestServer& digest_;
  const TrunkDirectory& directory_;
  BindingPersistence* persistence_;
  RegistrarCounters counters_;
  std::uint64_t nextSeq_ = 1;
  std::unordered_map<storage::Id, std::vector<Entry>> table_;
  BindingIndex index_;
};

}  // namespace trunkline::registrar
