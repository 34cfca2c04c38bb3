#pragma once
// RequestParser: turns the bytes of one connection into HTTP/1.1 requests (RFC 9112),
// whatever way they are cut into reads, and refuses anything it does not fully understand
// with the status to answer before closing the connection.
//
// What it accepts, deliberately narrow (this is an API for programs, and every ambiguity
// is a request-smuggling or resource risk):
//   - origin-form targets only ("/v1/..."); HTTP/1.0 and HTTP/1.1;
//   - CRLF line endings; no obsolete line folding; header names are tokens with no space
//     before the colon; values without control characters;
//   - bodies framed by Content-Length only. Transfer-Encoding is refused (chunked: 411,
//     anything else: 501), as is a Content-Length that is not a plain decimal or that
//     disagrees with another one;
//   - exactly one Host header on HTTP/1.1 (RFC 9112 §3.2).
// Limits (HttpLimits) bound the request line, the header section, the header count and
// the body; going over one gives 414, 431 or 413 as soon as it is known, without waiting
// for the rest.
//
// Use: append reads to a buffer, call parse(buffer); on Complete take() the request and
// drop `consumed()` bytes from the front, then parse again (pipelined requests). One
// instance per connection, on that connection's thread.
#include <cstddef>
#include <string>
#include <string_view>

#include "api/http.h"

namespace trunkline::api {

struct HttpLimits {
  std::size_t maxRequestLine = 8 * 1024;
  std::size_t maxHeaderBytes = 16 * 1024;  // request line + headers + blank line
  std::size_t maxHeaders = 64;
  std::size_t maxBodyBytes = 256 * 1024;
};

/// Why a request was refused: the status to answer and a sentence for the client.
struct HttpError {
  int status = 400;
  std::string detail;
};

class RequestParser {
 public:
  enum class State { NeedMore, Complete, Error };

  explicit RequestParser(HttpLimits limits = {}) : limits_(limits) {}

  /// Looks at the unconsumed bytes of the connection (everything received since the last
  /// complete request). Call again with more bytes after NeedMore; after Error the
  /// connection is answered with error() and closed.
  State parse(std::string_view buffer);
  /// Complete: the request; the parser is ready for the next one.
  HttpRequest take();
  /// Bytes of `buffer` the completed request occupied.
  std::size_t consumed() const { return consumed_; }
  const HttpError& error() const { return error_; }
  /// True once a head with "Expect: 100-continue" is parsed and its body is incomplete:
  /// the server may send "100 Continue" (once; cleared by take()).
  bool expectsContinue() const { return expectContinue_; }
  /// True once any byte of a request has arrived (for the slow-request timeout).
  bool inRequest() const { return state_ != Phase::Idle; }

 private:
  enum class Phase { Idle, Head, Body };
  State fail(int status, std::string detail);
  State parseHead(std::string_view head);
  State parseHeaderLine(std::string_view line);

  HttpLimits limits_;
  Phase state_ = Phase::Idle;
  std::size_t scanned_ = 0;  // bytes already searched for the end of the head
  std::size_t skip_ = 0;     // leading empty lines before the request line
  std::size_t headEnd_ = 0;  // offset of the body
  std::size_t contentLength_ = 0;
  bool sawContentLength_ = false;
  bool sawTransferEncoding_ = false;
  bool chunked_ = false;
  int hosts_ = 0;
  bool expectContinue_ = false;
  std::size_t consumed_ = 0;
  HttpRequest request_;
  HttpError error_;
};

}  // namespace trunkline::api
