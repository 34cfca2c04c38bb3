#pragma once
// Writing SIP: building new messages and editing received ones.
//
// MessageBuilder writes a message from scratch (requests we originate, responses).
// EditList records changes against a received SipMessage (insert/remove/replace header
// fields, replace the body) and applies them in one pass that copies the untouched byte
// ranges unchanged, then fixes Content-Length (the Kamailio "lump" idea). An empty EditList
// reproduces the received bytes exactly.
#include <string>
#include <string_view>
#include <vector>

#include "sip/message/message.h"

namespace trunkline::sip {

class MessageBuilder {
 public:
  /// Start a request: "METHOD uri SIP/2.0".
  static MessageBuilder request(std::string_view method, std::string_view requestUri);
  /// Start a response: "SIP/2.0 code reason".
  static MessageBuilder response(int code, std::string_view reason);

  MessageBuilder& header(std::string_view name, std::string_view value);
  MessageBuilder& body(std::string_view contentType, std::string_view body);
  /// Appends Content-Length (computed) and the body; returns the wire bytes.
  std::string finish();

 private:
  std::string out_;
  std::string_view contentType_;
  std::string body_;
};

/// Default reason phrase for a status code ("Not Found"); "" if unknown.
std::string_view defaultReason(int code);

/// RFC 3261 §8.2.6: a response to `request` copying Via (all), From, To (adding `toTag`
/// if non-empty and To has no tag), Call-ID, CSeq; then `extraHeaders` (preformatted
/// "Name: value\r\n" lines), then the body if any. `reason` empty → defaultReason(code).
std::string makeResponse(const SipMessage& request, int code, std::string_view reason = {},
                         std::string_view toTag = {}, std::string_view extraHeaders = {},
                         std::string_view contentType = {}, std::string_view body = {});

class EditList {
 public:
  /// Remove the header field `index` (index into msg.headers()).
  EditList& remove(std::size_t index);
  /// Replace the value of header field `index`, keeping its name as received.
  EditList& replaceValue(std::size_t index, std::string value);
  /// Insert a whole field ("Name: value") before header field `index` (an index past the
  /// last field appends). Removals or replacements of indices past the end are ignored.
  EditList& insertBefore(std::size_t index, std::string name, std::string value);
  /// Append a field after the last header.
  EditList& append(std::string name, std::string value);
  /// Replace the body (Content-Length is rewritten to match).
  EditList& replaceBody(std::string body);
  /// Replace the request line or status line text (without CRLF).
  EditList& replaceStartLine(std::string line);
  bool empty() const;

  /// The edited message's bytes. Content-Length is always made correct.
  std::string apply(const SipMessage& msg) const;

 private:
  struct Op {
    enum class Kind { Remove, Replace, InsertBefore, Append } kind;
    std::size_t index;
    std::string name;
    std::string value;
  };
  std::vector<Op> ops_;
  bool hasBody_ = false;
  std::string body_;
  bool hasStartLine_ = false;
  std::string startLine_;
};

}  // namespace trunkline::sip
