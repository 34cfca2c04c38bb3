#pragma once
// StreamFramer: cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3).
//
// Bytes arrive in arbitrary pieces; the framer accumulates them in one reusable buffer and
// yields, one next() at a time:
//  - Message: exactly one message (header section + Content-Length body bytes);
//  - Ping: a double CRLF keep-alive (RFC 5626 §3.5.1) — the caller answers with one CRLF;
//  - Pong: a single CRLF (an answer to our ping, or stray CRLF before a start line, which
//    RFC 3261 §7.5 says to ignore);
//  - Error: the stream cannot be framed any more (no/invalid/conflicting Content-Length,
//    header section or message over the limits). The connection must be closed; every
//    later next() repeats the error.
//  - NeedMore: feed more bytes.
// The output does not depend on how the input was split (unit-tested at every boundary).
// A lone CRLF is reported only once the following byte is known, for that reason.
//
// Content-Length (or compact "l", any case) is mandatory on streams. The framer reads only
// that header; everything else is left to SipMessage::parse.
//
// Owned by one connection, used on its loop thread. Views returned by next() stay valid
// until the next append()/prepare().
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "sip/message/types.h"

namespace trunkline::sip {

struct FramerLimits {
  std::size_t maxHeaderBytes = 64 * 1024;   // start line + headers + empty line
  std::size_t maxMessageBytes = 64 * 1024;  // headers + body
};

class StreamFramer {
 public:
  enum class FrameKind : std::uint8_t { NeedMore, Message, Ping, Pong, Error };
  struct Frame {
    FrameKind kind = FrameKind::NeedMore;
    /// Message: its bytes. Error: what was buffered of the message that could not be framed
    /// (the header section when complete), for the 400 / log line.
    std::string_view bytes;
    ParseError error;  // Error only
  };

  explicit StreamFramer(FramerLimits limits = {});
  StreamFramer(const StreamFramer&) = delete;
  StreamFramer& operator=(const StreamFramer&) = delete;

  /// Copies `data` in.
  void append(std::string_view data);
  /// Zero-copy input: a writable area of at least `n` bytes at the end of the buffer; fill
  /// some of it and commit() how much.
  std::span<char> prepare(std::size_t n);
  void commit(std::size_t n);

  Frame next();

  bool failed() const { return failed_; }
  /// Bytes received and not yet returned as a frame.
  std::size_t buffered() const { return end_ - begin_; }
  const FramerLimits& limits() const { return limits_; }

 private:
  Frame fail(ParseErrc code, std::size_t offset, std::string_view header, std::string_view detail,
             std::size_t shown);
  /// Scans the complete header section for Content-Length; false (with a Frame) on error.
  bool readContentLength(std::string_view headers, Frame& err);
  void reserve(std::size_t n);

  FramerLimits limits_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t begin_ = 0;  // start of the current message
  std::size_t end_ = 0;    // end of received bytes
  // Relative to begin_:
  std::size_t scan_ = 0;       // header-end search resumes here
  std::size_t headerEnd_ = 0;  // just past the empty line; 0 = not found yet
  std::size_t bodyLength_ = 0;
  bool failed_ = false;
  ParseError error_;
  std::size_t errorShown_ = 0;  // Error frames show buf_[begin_, begin_ + errorShown_)
};

}  // namespace trunkline::sip
