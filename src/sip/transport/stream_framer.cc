#include "sip/transport/stream_framer.h"

#include <algorithm>
#include <cstring>

namespace trunkline::sip {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;  // b is lower case
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

constexpr std::size_t kInitialCapacity = 16 * 1024;

}  // namespace

StreamFramer::StreamFramer(FramerLimits limits) : limits_(limits) {}

void StreamFramer::reserve(std::size_t n) {
  // Drop consumed bytes first, then grow if still short.
  if (begin_ > 0) {
    if (end_ > begin_) std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (cap_ - end_ >= n) return;
  std::size_t newCap = std::max(cap_ * 2, kInitialCapacity);
  while (newCap - end_ < n) newCap *= 2;
  auto bigger = std::make_unique_for_overwrite<char[]>(newCap);
  if (end_ > 0) std::memcpy(bigger.get(), buf_.get(), end_);
  buf_ = std::move(bigger);
  cap_ = newCap;
}

void StreamFramer::append(std::string_view data) {
  if (data.empty()) return;
  reserve(data.size());
  std::memcpy(buf_.get() + end_, data.data(), data.size());
  end_ += data.size();
}

std::span<char> StreamFramer::prepare(std::size_t n) {
  reserve(n);
  return {buf_.get() + end_, cap_ - end_};
}

void StreamFramer::commit(std::size_t n) {
  end_ += std::min(n, cap_ - end_);
}

StreamFramer::Frame StreamFramer::fail(ParseErrc code, std::size_t offset, std::string_view header,
                                       std::string_view detail, std::size_t shown) {
  failed_ = true;
  error_ = ParseError{};
  error_.code = code;
  error_.offset = static_cast<std::uint32_t>(offset);
  error_.header = header;
  error_.detail = detail;
  errorShown_ = std::min(shown, end_ - begin_);
  return Frame{FrameKind::Error, {buf_.get() + begin_, errorShown_}, error_};
}

bool StreamFramer::readContentLength(std::string_view headers, Frame& err) {
  bool found = false;
  std::size_t value = 0;
  std::size_t pos = headers.find('\n');  // skip the start line
  while (pos != std::string_view::npos && pos + 1 < headers.size()) {
    const std::size_t lineStart = pos + 1;
    pos = headers.find('\n', lineStart);
    const std::string_view line = headers.substr(
        lineStart, (pos == std::string_view::npos ? headers.size() : pos) - lineStart);
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;  // fold / end
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // SipMessage::parse reports it
    const std::string_view name = trim(line.substr(0, colon));
    if (!iequals(name, "content-length") && !iequals(name, "l")) continue;
    const std::string_view text = trim(line.substr(colon + 1));
    std::size_t v = 0;
    bool ok = !text.empty() && text.size() <= 10;
    for (char c : text) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      v = v * 10 + static_cast<std::size_t>(c - '0');
    }
    if (!ok || (found && v != value)) {
      err = fail(ParseErrc::BadContentLength, lineStart, "Content-Length",
                 found && ok ? "conflicting values" : "not a number", headers.size());
      return false;
    }
    found = true;
    value = v;
  }
  if (!found) {
    err = fail(ParseErrc::MissingHeader, 0, "Content-Length",
               "Content-Length (required on TCP and TLS)", headers.size());
    return false;
  }
  bodyLength_ = value;
  return true;
}

StreamFramer::Frame StreamFramer::next() {
  if (failed_) return Frame{FrameKind::Error, {buf_.get() + begin_, errorShown_}, error_};
  const char* p = buf_.get();
  if (headerEnd_ == 0) {
    // Keep-alives and stray line breaks before a start line.
    if (scan_ == 0) {
      while (begin_ < end_ && p[begin_] == '\n') ++begin_;  // bare LF: ignore
      const std::size_t avail = end_ - begin_;
      if (avail == 0) return {};
      if (p[begin_] == '\r') {
        if (avail < 2) return {};
        if (p[begin_ + 1] == '\n') {
          if (avail < 3) return {};
          if (p[begin_ + 2] == '\r') {
            if (avail < 4) return {};
            if (p[begin_ + 3] == '\n') {
              begin_ += 4;
              return Frame{FrameKind::Ping, {}, {}};
            }
          }
          begin_ += 2;
          return Frame{FrameKind::Pong, {}, {}};
        }
      }
    }
    // Look for the empty line ending the header section: LF (CR) LF.
    std::size_t i = begin_ + scan_;
    std::size_t found = 0;
    while (i < end_) {
      const void* nl = std::memchr(p + i, '\n', end_ - i);
      if (nl == nullptr) {
        i = end_;
        break;
      }
      const std::size_t j = static_cast<std::size_t>(static_cast<const char*>(nl) - p);
      if (j + 1 >= end_) {
        i = j;  // need the next byte
        break;
      }
      if (p[j + 1] == '\n') {
        found = j + 2;
        break;
      }
      if (p[j + 1] == '\r') {
        if (j + 2 >= end_) {
          i = j;
          break;
        }
        if (p[j + 2] == '\n') {
          found = j + 3;
          break;
        }
      }
      i = j + 1;
    }
    if (found == 0) {
      scan_ = i - begin_;
      // +2: the empty line itself may still be on its way without the limit being passed.
      if (end_ - begin_ > limits_.maxHeaderBytes + 2)
        return fail(ParseErrc::TooLarge, limits_.maxHeaderBytes, {}, "header section too long",
                    limits_.maxHeaderBytes);
      return {};
    }
    const std::size_t headerLen = found - begin_;
    if (headerLen > limits_.maxHeaderBytes)
      return fail(ParseErrc::TooLarge, limits_.maxHeaderBytes, {}, "header section too long",
                  limits_.maxHeaderBytes);
    Frame err;
    if (!readContentLength({p + begin_, headerLen}, err)) return err;
    if (headerLen + bodyLength_ > limits_.maxMessageBytes)
      return fail(ParseErrc::TooLarge, 0, "Content-Length", "message too long", headerLen);
    headerEnd_ = headerLen;
  }
  const std::size_t total = headerEnd_ + bodyLength_;
  if (end_ - begin_ < total) return {};
  Frame f{FrameKind::Message, {p + begin_, total}, {}};
  begin_ += total;
  scan_ = 0;
  headerEnd_ = 0;
  bodyLength_ = 0;
  return f;
}

}  // namespace trunkline::sip
