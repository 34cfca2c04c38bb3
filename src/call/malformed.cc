#include "call/malformed.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "base/strings.h"

namespace trunkline::call {
namespace {

using base::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Canonical names of the headers a response echoes; index in this table = slot.
constexpr std::array<std::string_view, 5> kEcho = {"Via", "From", "To", "Call-ID", "CSeq"};
constexpr std::array<std::string_view, 5> kCompact = {"v", "f", "t", "i", ""};

int echoSlot(std::string_view name) {
  for (std::size_t i = 0; i < kEcho.size(); ++i)
    if (iequals(name, kEcho[i]) || (!kCompact[i].empty() && iequals(name, kCompact[i])))
      return static_cast<int>(i);
  return -1;
}

std::string sanitize(std::string_view reason) {
  std::string out;
  for (char c : reason) {
    if (out.size() >= 160) break;
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  return out;
}

}  // namespace

std::optional<std::string> responseToMalformed(std::string_view bytes, int code,
                                               std::string_view reason, std::string_view toTag,
                                               std::string_view extraHeaders) {
  // Skip leading blank lines (RFC 3261 §7.5 tolerance), then look at the start line.
  while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) bytes.remove_prefix(1);
  auto eol = bytes.find('\n');
  std::string_view start = trim(bytes.substr(0, eol));
  if (start.empty() || start.starts_with("SIP/") || start.find(' ') == std::string_view::npos)
    return std::nullopt;
  if (start.starts_with("ACK ")) return std::nullopt;  // never answer an ACK (§17.2.1)

  // Header lines up to the first empty line; continuation lines (folding) belong to the
  // field before them.
  std::array<std::string, 5> found;  // slot 0 (Via) unused: every Via goes to `vias`
  std::string vias;
  int current = -1;
  std::string_view rest =
      eol == std::string_view::npos ? std::string_view{} : bytes.substr(eol + 1);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (current == 0 && !vias.empty())
        vias.append(" ").append(trim(line));
      else if (current > 0 && !found[current].empty())
        found[current].append(" ").append(trim(line));
      continue;
    }
    auto colon = line.find(':');
    current = colon == std::string_view::npos ? -1 : echoSlot(trim(line.substr(0, colon)));
    if (current < 0) continue;
    auto value = trim(line.substr(colon + 1));
    if (current == 0) {
      vias += fmt::format("{}Via: {}", vias.empty() ? "" : "\r\n", value);
    } else if (found[current].empty()) {
      found[current] = std::string(value);
    }
  }
  if (vias.empty()) return std::nullopt;

  std::string out = fmt::format("SIP/2.0 {} {}\r\n{}\r\n", code, sanitize(reason), vias);
  if (!found[1].empty()) out += fmt::format("From: {}\r\n", found[1]);
  if (!found[2].empty()) {
    bool hasTag = found[2].find(";tag=") != std::string::npos;
    out += fmt::format("To: {}{}{}\r\n", found[2],
                       hasTag || toTag.empty() ? "" : ";tag=", hasTag ? "" : toTag);
  }
  if (!found[3].empty()) out += fmt::format("Call-ID: {}\r\n", found[3]);
  if (!found[4].empty()) out += fmt::format("CSeq: {}\r\n", found[4]);
  out += extraHeaders;
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

}  // namespace trunkline::call
