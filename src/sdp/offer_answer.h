#pragma once
// Offer/answer (RFC 3264) read-out: what an offer and its answer agreed, stream by stream.
// The B2BUA uses it to program the media relay (codecs, who sends, rtcp-mux, SRTP keys)
// and to see holds. Stateless; results borrow from both descriptions, which must outlive
// them.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sdp/session.h"

namespace trunkline::sdp {

/// Why one side's stream counts as "on hold" (RFC 3264 §8.4), in the order checked.
enum class HoldState : std::uint8_t {
  None,         // sendrecv or recvonly with a real address
  NullAddress,  // c=0.0.0.0 (RFC 2543 style)
  SendOnly,     // a=sendonly
  Inactive,     // a=inactive
};
HoldState holdState(const SessionDescription& d, std::size_t i);
/// Whether every stream that is not rejected is held (and there is at least one).
bool isOnHold(const SessionDescription& d);

struct NegotiatedCodec {
  std::uint8_t payloadType = 0;       // as the answer writes it
  std::uint8_t offerPayloadType = 0;  // as the offer writes it (dynamic types may differ)
  std::string_view name;
  std::uint32_t clockRate = 0;
  std::uint8_t channels = 1;
  std::string_view answerFmtp;
  std::string_view offerFmtp;
};

struct CryptoAgreement {
  Crypto offer;   // the offerer's key: what the offerer encrypts with
  Crypto answer;  // the answerer's key
};

struct StreamAgreement {
  std::size_t index = 0;
  std::string_view media;
  bool rejected = false;                // port 0 in the offer or the answer
  std::vector<NegotiatedCodec> codecs;  // in the answer's order
  Direction offerDirection = Direction::SendRecv;
  Direction answerDirection = Direction::SendRecv;
  HoldState offerHold = HoldState::None;
  HoldState answerHold = HoldState::None;
  bool offererSends = false;
  bool answererSends = false;
  bool rtcpMux = false;                   // offered and accepted (RFC 5761 §5.1.1)
  bool secure = false;                    // the answer's proto is SRTP
  std::optional<CryptoAgreement> crypto;  // RFC 4568 §7.1.2: the tag the answer picked
};

struct Negotiation {
  std::vector<StreamAgreement> streams;
  std::size_t activeStreams() const;
};

/// Pairs the answer's m-lines with the offer's by index. Fails when the answer breaks RFC
/// 3264 §6 in a way that makes the pairing meaningless: another number of m-lines, or
/// another media type at some index.
base::Result<Negotiation> negotiate(const SessionDescription& offer,
                                    const SessionDescription& answer);

}  // namespace trunkline::sdp
