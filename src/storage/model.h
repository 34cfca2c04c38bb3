#pragma once
// The data model of a trunking service, as plain value structs. routing/, billing/,
// fraud/ and the API work on these (never on SIP types); storage implementations persist
// them. Ids are database row ids (0 = not yet stored). Times are Unix milliseconds (wall
// clock) unless named otherwise. Money is integer minor units (added by billing).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trunkline::storage {

using Id = std::int64_t;

/// A customer.
struct Account {
  Id id = 0;
  std::string name;            // unique, human-readable
  std::string country = "US";  // ISO 3166-1 alpha-2; drives number normalisation
  bool enabled = true;

  bool operator==(const Account&) const = default;
};

enum class Transport : std::uint8_t { Udp, Tcp, Tls };

/// How a trunk's caller ID is treated on outbound calls.
enum class CallerIdPolicy : std::uint8_t {
  PassThrough,     // as sent by the PBX
  Fixed,           // always Trunk::fixedCallerId
  AccountNumbers,  // must be one of the account's numbers, else the call is refused
};

/// SRTP (SDES, RFC 4568) on the media leg facing a trunk's PBX or a carrier.
enum class SrtpPolicy : std::uint8_t {
  Off,       // our offers are plain RTP/AVP; an SRTP offer from the peer is still accepted
  Offer,     // our offers are RTP/AVP with a=crypto (best effort); plain answers accepted
  Required,  // our offers are RTP/SAVP; plain offers get 488, plain answers fail the attempt
};

/// Digest credentials of a trunk (or of us towards a carrier). Only HA1 hashes are
/// stored: HA1 = H(username ":" realm ":" password) for MD5 and SHA-256 (RFC 8760).
struct DigestCredential {
  Id id = 0;
  std::string username;
  std::string realm;
  std::string ha1Md5;     // 32 lowercase hex
  std::string ha1Sha256;  // 64 lowercase hex

  bool operator==(const DigestCredential&) const = default;
};

/// A customer's connection: one IP-PBX (or a group of them).
struct Trunk {
  Id id = 0;
  Id accountId = 0;
  std::string name;  // unique within the account
  bool enabled = true;
  /// Source-IP authentication: calls from these CIDRs are this trunk's ("203.0.113.0/24").
  std::vector<std::string> allowedCidrs;
  /// Digest authentication (407 challenge) with any of these.
  std::vector<DigestCredential> credentials;
  /// Registration trunk: the PBX REGISTERs (with one of `credentials`); inbound calls go
  /// to its registered contacts.
  bool registration = false;
  /// Static destination for inbound calls to an IP trunk (host = IP literal or name).
  std::string host;
  std::uint16_t port = 5060;
  Transport transport = Transport::Udp;
  std::uint32_t channelLimit = 0;   // concurrent calls; 0 = unlimited
  std::uint32_t cpsLimit = 0;       // new calls per second; 0 = unlimited
  std::vector<std::string> codecs;  // allowed, in preference order ("PCMU", "G729"...); empty = any
  CallerIdPolicy callerIdPolicy = CallerIdPolicy::PassThrough;
  std::string fixedCallerId;       // E.164, for CallerIdPolicy::Fixed
  std::uint32_t maxDurationS = 0;  // 0 = no limit
  /// SRTP on the media leg facing the PBX.
  SrtpPolicy srtp = SrtpPolicy::Off;

  bool operator==(const Trunk&) const = default;
};

/// Where a DID goes when its trunk cannot take the call.
struct BackupDestination {
  enum class Kind : std::uint8_t { Trunk, External };
  Kind kind = Kind::Trunk;
  Id trunkId = 0;      // Kind::Trunk
  std::string number;  // Kind::External: E.164 reached through the carriers (e.g. a mobile)

  bool operator==(const BackupDestination&) const = default;
};

/// A DID: an E.164 number of an account, delivered to a trunk.
struct Number {
  Id id = 0;
  std::string e164;  // "+14155550100"
  Id accountId = 0;
  Id trunkId = 0;
  std::uint32_t ringTimeoutS = 30;         // no answer within this → next backup destination
  std::vector<BackupDestination> backups;  // in order

  bool operator==(const Number&) const = default;
};

struct Gateway {
  Id id = 0;
  std::string host;  // IP literal or DNS name
  std::uint16_t port = 5060;
  Transport transport = Transport::Udp;
  std::uint32_t priority = 1;  // lower first
  std::uint32_t weight = 1;    // share among equal priority

  bool operator==(const Gateway&) const = default;
};

/// An upstream provider reaching the PSTN.
struct Carrier {
  Id id = 0;
  std::string name;  // unique
  bool enabled = true;
  std::vector<Gateway> gateways;
  /// Our credentials towards the carrier (when it challenges us); realm must be known.
  std::optional<DigestCredential> credential;
  /// Source addresses the carrier may send inbound calls from (CIDRs).
  std::vector<std::string> inboundCidrs;
  std::uint32_t probeIntervalS = 30;  // OPTIONS probing; 0 = off
  std::uint32_t downAfter = 3;        // consecutive failed probes → down
  std::uint32_t upAfter = 2;          // consecutive good probes → up
  /// SRTP on the media leg facing the carrier.
  SrtpPolicy srtp = SrtpPolicy::Off;

  bool operator==(const Carrier&) const = default;
};

struct RouteTarget {
  Id carrierId = 0;
  std::uint32_t priority = 1;
  std::uint32_t weight = 1;

  bool operator==(const RouteTarget&) const = default;
};

/// Outbound route: destinations starting with `prefix` (digits of the E.164 number
/// without '+'; "" = default route) go to these carriers.
struct Route {
  Id id = 0;
  std::string prefix;
  std::vector<RouteTarget> targets;
  /// Final responses that move on to the next carrier; empty = the default set
  /// (408, 500, 502, 503, 504 and transport failure / ring timeout).
  std::vector<int> failoverCodes;
  std::uint32_t ringTimeoutS = 60;  // no final answer within this → next carrier

  bool operator==(const Route&) const = default;
};

/// One registered contact of a registration trunk.
struct Registration {
  Id trunkId = 0;
  std::string aor;                 // sip:user@domain as registered
  std::string contact;             // Contact URI as sent
  std::string received;            // "udp:203.0.113.5:40123": where the REGISTER came from
  std::uint64_t connectionId = 0;  // TCP/TLS flow to reuse (0 = none)
  std::string callId;
  std::uint32_t cseq = 0;
  std::int64_t expiresAtMs = 0;
  std::string userAgent;

  bool operator==(const Registration&) const = default;
};

/// One node's view of one carrier gateway's health (runtime state written by the node,
/// read by the CLI and later the API). Times are wall-clock ms since the epoch.
struct GatewayStatus {
  Id gatewayId = 0;
  bool up = true;
  std::uint32_t consecutiveFailures = 0;
  std::uint32_t consecutiveSuccesses = 0;
  std::uint64_t changes = 0;      // Up/Down transitions since the node started
  std::int64_t lastChangeMs = 0;  // 0 = no change since the node started
  int lastProbeCode = -1;         // -1 = not probed yet; 0 = no answer / transport error
  std::int64_t lastProbeMs = 0;
  std::int64_t updatedMs = 0;  // when the node last wrote this row

  bool operator==(const GatewayStatus&) const = default;
};

enum class Direction : std::uint8_t { Outbound, Inbound };

enum class Disposition : std::uint8_t {
  Answered,
  Busy,       // 486/600
  NoAnswer,   // ring timeout, 408, 480
  Failed,     // every target failed (5xx, transport), or other errors
  Cancelled,  // the caller hung up before answer
  Rejected,   // refused by policy: auth, ACL, limits, no route, caller ID
  NoMedia,    // answered, then ended by us because no RTP flowed (media relay timeout)
};

enum class HangupBy : std::uint8_t { None, Caller, Callee, System };

/// One try of a call towards a target (carrier gateway or trunk).
struct CdrAttempt {
  Id carrierId = 0;    // 0 when the target was a trunk
  Id trunkId = 0;      // inbound: the trunk tried
  std::string target;  // "udp:198.51.100.7:5060"
  int sipCode = 0;     // final response, 0 = none (timeout/transport: see reason)
  std::string reason;  // reason phrase, or "ring timeout", "transport error"
  std::int64_t startMs = 0;
  std::int64_t endMs = 0;

  bool operator==(const CdrAttempt&) const = default;
};

/// The record of one call attempt, written once when the call ends.
/// What the media relay saw of one direction of an anchored call.
struct CdrMediaStream {
  std::uint64_t packets = 0;   // RTP packets received from this side
  std::int64_t lost = 0;       // RFC 3550 A.3, from sequence numbers (on the way to us)
  std::uint32_t jitterUs = 0;  // highest interarrival jitter seen (A.8), microseconds
  std::uint16_t mosX100 = 0;   // estimated MOS at the receiving end × 100 (0 = no audio)

  bool operator==(const CdrMediaStream&) const = default;
};

/// CdrMedia::flags
inline constexpr std::uint8_t kCdrPoorQuality = 1;  // MOS below the configured threshold

struct CdrMedia {
  bool anchored = false;  // media went through our relay
  CdrMediaStream fromCaller, fromCallee;
  std::uint8_t flags = 0;

  bool operator==(const CdrMedia&) const = default;
};

/// A CDR's rating (billing/rating.h): what the carrier charges us (cost) and what we
/// charge the customer (price), in minor units of each deck's currency.
struct CdrRating {
  bool attempted = false;    // the node rated this record (false: no decks loaded, old record)
  std::string costUnrated;   // "" = the cost side is rated, else why not ("NoDeck", "NoMatch"...)
  std::string priceUnrated;  // the same for the price side
  std::int64_t costMinor = 0;
  std::int64_t priceMinor = 0;
  std::optional<std::int64_t> marginMinor;          // price - cost; both rated in one currency
  std::string costCurrency, priceCurrency;          // ISO 4217 of the decks ("" = unrated)
  Id costRateId = 0, priceRateId = 0;               // the deck entries applied
  std::string costPrefix, pricePrefix;              // the prefixes they matched
  std::uint64_t costBilledS = 0, priceBilledS = 0;  // after minimum and increments

  bool operator==(const CdrRating&) const = default;
};

struct Cdr {
  Id id = 0;
  std::string callUuid;  // our id for the call
  Id accountId = 0;      // 0 when unknown (rejected before identification)
  Id trunkId = 0;
  Id numberId = 0;  // inbound: the DID
  Direction direction = Direction::Outbound;
  std::string sourceAddress;     // "udp:203.0.113.5:5060"
  std::string fromRaw, toRaw;    // user parts as received
  std::string fromE164, toE164;  // normalised ("" if not a number)
  std::int64_t startMs = 0;      // INVITE received
  std::int64_t ringMs = 0;       // first 180/183 (0 = none)
  std::int64_t answerMs = 0;     // 200 OK (0 = not answered)
  std::int64_t endMs = 0;
  std::int64_t durationMs = 0;  // end - answer, 0 if not answered
  std::uint32_t billableS = 0;  // rounded up seconds of durationMs
  Disposition disposition = Disposition::Failed;
  int finalCode = 0;
  std::string finalReason;
  HangupBy hangupBy = HangupBy::None;
  std::vector<CdrAttempt> attempts;
  CdrMedia media;
  CdrRating rating;

  bool operator==(const Cdr&) const = default;
};

/// Rate decks (billing/rate_deck.h holds the rules). A cost deck prices what carriers charge
/// us; a price deck (price plan) what we charge customers.
enum class DeckKind : std::uint8_t { Cost, Price };

struct RateDeckRecord {
  Id id = 0;
  std::string name;              // unique
  std::string currency = "USD";  // ISO 4217; amounts of calls rated by it are in its minor units
  DeckKind kind = DeckKind::Price;
  /// Price decks: the plan of accounts that have none (at most one deck is the default).
  bool isDefault = false;
  /// Charge the connection fee on calls of zero billable seconds too.
  bool chargeFeeOnZeroDuration = false;

  bool operator==(const RateDeckRecord&) const = default;
};

/// One entry of a deck. Rates and fees are sub-units: 1/10,000 of a minor unit.
struct RateRecord {
  Id id = 0;
  Id deckId = 0;
  std::string prefix;  // E.164 digits without '+'; "" = any destination
  std::int64_t perMinuteSub = 0;
  std::int64_t connectFeeSub = 0;
  std::uint32_t initialS = 60;
  std::uint32_t subsequentS = 60;
  std::uint32_t minimumS = 0;
  std::int64_t effectiveFromMs = 0;
  std::int64_t effectiveToMs = INT64_MAX;  // exclusive; INT64_MAX = no end

  bool operator==(const RateRecord&) const = default;
};

}  // namespace trunkline::storage
