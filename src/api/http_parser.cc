#include "api/http_parser.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace trunkline::api {
namespace {

// RFC 9110 §5.6.2 tchar.
bool isTchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return isTchar(static_cast<unsigned char>(c)); });
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each comma-separated element of a list header (RFC 9110 §5.6.1).
template <class F>
void forEachListItem(std::string_view v, F&& f) {
  while (true) {
    auto comma = v.find(',');
    auto item = trimOws(v.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
}

constexpr std::size_t kMaxLeadingEmptyLines = 8;

}  // namespace

RequestParser::State RequestParser::fail(int status, std::string detail) {
  error_ = {status, std::move(detail)};
  return State::Error;
}

RequestParser::State RequestParser::parse(std::string_view buf) {
  if (!error_.detail.empty()) return State::Error;
  if (state_ != Phase::Body) {
    if (state_ == Phase::Idle) {
      // RFC 9112 §2.2: tolerate empty lines before a request line (left over by clients
      // that end a body with an extra CRLF).
      while (skip_ + 1 < buf.size() && buf[skip_] == '\r' && buf[skip_ + 1] == '\n') {
        skip_ += 2;
        if (skip_ > 2 * kMaxLeadingEmptyLines) return fail(400, "too many empty lines");
      }
      scanned_ = std::max(scanned_, skip_);
      // Nothing yet, or a lone CR that may still become an empty line.
      if (buf.size() <= skip_ || (buf.size() == skip_ + 1 && buf[skip_] == '\r'))
        return State::NeedMore;
      state_ = Phase::Head;
    }
    // Look at the new bytes only: a bare CR or LF is refused at once (RFC 9112 §2.2 lets a
    // server reject them, and accepting them is how requests get smuggled past proxies).
    std::size_t end = std::string_view::npos;
    for (std::size_t i = scanned_; i < buf.size(); ++i) {
      const char c = buf[i];
      if (c == '\n') {
        if (i == skip_ || buf[i - 1] != '\r') return fail(400, "bare LF in the request head");
        if (i >= skip_ + 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
          end = i + 1;
          break;
        }
      } else if (i > skip_ && buf[i - 1] == '\r') {
        return fail(400, "bare CR in the request head");
      }
    }
    const std::size_t limit = end == std::string_view::npos ? buf.size() : end;
    scanned_ = limit;
    // Only a complete CR LF pair counts: a CR at the end may still get its LF.
    if (end == std::string_view::npos && scanned_ > skip_ && buf[scanned_ - 1] == '\r') --scanned_;
    const auto head = buf.substr(skip_, limit - skip_);
    const auto lineEnd = head.find("\r\n");
    const std::size_t lineLen = lineEnd == std::string_view::npos ? head.size() : lineEnd;
    if (lineLen > limits_.maxRequestLine)
      return fail(414, fmt::format("request line longer than {} bytes", limits_.maxRequestLine));
    if (head.size() > limits_.maxHeaderBytes)
      return fail(
          431, fmt::format("request header section longer than {} bytes", limits_.maxHeaderBytes));
    if (end == std::string_view::npos) return State::NeedMore;
    if (auto s = parseHead(head.substr(0, head.size() - 2)); s == State::Error) return s;
    headEnd_ = end;
    state_ = Phase::Body;
  }
  if (buf.size() - headEnd_ < contentLength_) return State::NeedMore;
  request_.body.assign(buf.substr(headEnd_, contentLength_));
  consumed_ = headEnd_ + contentLength_;
  return State::Complete;
}

RequestParser::State RequestParser::parseHead(std::string_view head) {
  // head: request line and header lines, each ending in CRLF.
  auto lineEnd = head.find("\r\n");
  const auto line = head.substr(0, lineEnd);
  head.remove_prefix(lineEnd + 2);

  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "malformed request line: expected METHOD SP TARGET SP HTTP-VERSION");
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!isToken(method)) return fail(400, "malformed method");
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "malformed HTTP version");
  if (version[5] != '1')
    return fail(505, fmt::format("{} is not supported; use HTTP/1.1", version));
  if (target.empty() || target.front() != '/')
    return fail(400, "request target must be a path starting with '/' (origin-form)");
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#')
      return fail(400, "request target contains a character that must be percent-encoded");
  }
  request_.method.assign(method);
  request_.target.assign(target);
  const auto q = target.find('?');
  request_.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) request_.query.assign(target.substr(q + 1));
  request_.minorVersion = version[7] - '0';

  while (!head.empty()) {
    lineEnd = head.find("\r\n");
    if (auto s = parseHeaderLine(head.substr(0, lineEnd)); s == State::Error) return s;
    head.remove_prefix(lineEnd + 2);
  }

  if (sawTransferEncoding_) {
    if (chunked_)
      return fail(411,
                  "chunked request bodies are not supported: send the body with a "
                  "Content-Length header");
    return fail(501, "Transfer-Encoding is not supported: send the body with a Content-Length");
  }
  if (request_.minorVersion >= 1 && hosts_ != 1)
    return fail(400, hosts_ == 0 ? "missing Host header" : "more than one Host header");
  if (contentLength_ > limits_.maxBodyBytes)
    return fail(413, fmt::format("request body of {} bytes is larger than the limit of {} bytes",
                                 contentLength_, limits_.maxBodyBytes));
  bool close = false, keepAlive = false;
  if (const auto* c = request_.header("connection")) {
    forEachListItem(*c, [&](std::string_view item) {
      if (iequalsAscii(item, "close")) close = true;
      if (iequalsAscii(item, "keep-alive")) keepAlive = true;
    });
  }
  request_.keepAlive = !close && (request_.minorVersion >= 1 || keepAlive);
  if (const auto* e = request_.header("expect")) {
    if (!iequalsAscii(trimOws(*e), "100-continue"))
      return fail(417, "only 'Expect: 100-continue' is supported");
    expectContinue_ = contentLength_ > 0;
  }
  return State::NeedMore;
}

RequestParser::State RequestParser::parseHeaderLine(std::string_view line) {
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
    return fail(400, "obsolete header line folding is not accepted");
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, "header line without ':'");
  const auto name = line.substr(0, colon);
  if (!isToken(name)) return fail(400, "malformed header name (no space is allowed before ':')");
  const auto value = trimOws(line.substr(colon + 1));
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f)
      return fail(400, fmt::format("control character in header '{}'", name));
  }
  if (request_.headers.size() >= limits_.maxHeaders)
    return fail(431, fmt::format("more than {} header fields", limits_.maxHeaders));
  request_.headers.push_back({std::string(name), std::string(value)});

  if (iequalsAscii(name, "content-length")) {
    // Only a plain decimal; a list ("5, 5") or a second, different value is refused
    // (RFC 9112 §6.3: an invalid length is unrecoverable framing).
    if (value.empty() || value.size() > 18 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return value.size() > 18 && std::all_of(value.begin(), value.end(),
                                              [](char c) { return c >= '0' && c <= '9'; })
                 ? fail(413, "request body is larger than the limit")
                 : fail(400, "Content-Length must be a decimal number");
    std::size_t n = 0;
    std::from_chars(value.data(), value.data() + value.size(), n);
    if (sawContentLength_ && n != contentLength_)
      return fail(400, "conflicting Content-Length headers");
    sawContentLength_ = true;
    contentLength_ = n;
  } else if (iequalsAscii(name, "transfer-encoding")) {
    sawTransferEncoding_ = true;
    forEachListItem(value, [&](std::string_view item) {
      if (iequalsAscii(item, "chunked")) chunked_ = true;
    });
  } else if (iequalsAscii(name, "host")) {
    ++hosts_;
  }
  return State::NeedMore;
}

HttpRequest RequestParser::take() {
  HttpRequest r = std::move(request_);
  request_ = HttpRequest{};
  state_ = Phase::Idle;
  scanned_ = skip_ = headEnd_ = contentLength_ = 0;
  sawContentLength_ = sawTransferEncoding_ = chunked_ = expectContinue_ = false;
  hosts_ = 0;
  return r;
}

}  // namespace trunkline::api
