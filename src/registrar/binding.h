#pragma once
// Vocabulary of the registrar: a Binding (one registered contact of a registration trunk,
// with the transport flow to reach it), and the two ports the registrar needs from the
// rest of the server: who owns a digest username (TrunkDirectory) and where bindings are
// persisted (BindingPersistence).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "sip/transport/flow.h"
#include "storage/model.h"

namespace trunkline::registrar {

/// One registered contact. Value type (copies are snapshots).
struct Binding {
  storage::Id trunkId = 0;
  std::string aor;      // "sip:user@domain" (scheme, user, lowercase host[:port] of To)
  std::string contact;  // the Contact URI as registered: Request-URI of calls to it
  /// Contact header parameters as sent (";q=0.5;+sip.instance=..."), without expires.
  std::string contactParams;
  std::uint16_t qMilli = 1000;  // q-value * 1000 (absent = 1.0)
  /// Where calls to this contact are sent: the REGISTER's source (transport, address and,
  /// for TCP/TLS, the connection to reuse), not the Contact host. Behind a NAT the
  /// Contact carries a private address only the PBX's side can use (RFC 3581 idea,
  /// applied by the registrar like an SBC does).
  sip::Flow flow;
  /// The Contact host:port differ from the source address (the PBX is behind a NAT).
  bool behindNat = false;
  std::string callId;
  std::uint32_t cseq = 0;
  base::MonoTime expiresAt{};    // on the registrar's clock
  std::int64_t expiresAtMs = 0;  // wall clock, Unix ms (what is persisted)
  std::string userAgent;
  std::uint64_t updateSeq = 0;  // larger = refreshed more recently
};

/// "udp:203.0.113.5:40123" / "tcp:[2001:db8::1]:5060": the form storage keeps.
std::string flowToText(const sip::Flow& flow);
/// Parses flowToText() output (local address left unset, connectionId 0).
std::optional<sip::Flow> flowFromText(std::string_view text);

/// Finds the registration trunk that owns a digest username. Implemented by the server
/// from its in-memory configuration snapshot. Called on the registrar's thread during
/// Registrar::handle(); must not block; the pointer is used only until handle() returns.
class TrunkDirectory {
 public:
  virtual ~TrunkDirectory() = default;
  /// The trunk with a credential named `username` (whose realm is `realm` or empty), or
  /// nullptr.
  virtual const storage::Trunk* findByCredential(std::string_view username,
                                                 std::string_view realm) const = 0;
};

/// Where binding changes go to survive a restart. Called on the registrar's thread; must
/// not block on a database (RegistrationWriter queues to its own thread). Order matters:
/// operations on the same binding are applied in call order.
class BindingPersistence {
 public:
  virtual ~BindingPersistence() = default;
  virtual void upsert(const storage::Registration& r) = 0;
  virtual void remove(storage::Id trunkId, std::string_view aor, std::string_view contact) = 0;
};

/// The persisted form of a binding.
storage::Registration toRegistration(const Binding& b);

}  // namespace trunkline::registrar
