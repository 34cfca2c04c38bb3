// RFC 4028 parsing and the UAS 422 rule.
#include "sip/dialog/session_timer.h"

#include <algorithm>
#include <cctype>

namespace trunkline::sip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool hasOptionTag(const SipMessage& msg, HeaderId id, std::string_view tag) {
  for (const HeaderField* f : msg.headersOf(id)) {
    std::string_view v = f->value;
    while (!v.empty()) {
      auto comma = v.find(',');
      if (iequals(trim(v.substr(0, comma)), tag)) return true;
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  return false;
}

}  // namespace

std::optional<SessionExpires> parseSessionExpires(std::string_view value) {
  value = trim(value);
  auto semi = value.find(';');
  auto seconds = parseDeltaSeconds(trim(value.substr(0, semi)));
  if (!seconds || *seconds == 0) return std::nullopt;
  SessionExpires se;
  se.seconds = *seconds;
  if (semi != std::string_view::npos) {
    ParamList params{value.substr(semi)};
    if (auto r = params.get("refresher")) {
      if (iequals(*r, "uac"))
        se.refresher = Refresher::Uac;
      else if (iequals(*r, "uas"))
        se.refresher = Refresher::Uas;
      else
        return std::nullopt;
    }
  }
  return se;
}

std::optional<std::uint32_t> parseMinSE(std::string_view value) {
  value = trim(value);
  auto seconds = parseDeltaSeconds(trim(value.substr(0, value.find(';'))));
  if (!seconds) return std::nullopt;
  return *seconds;
}

SessionTimerCheck checkSessionTimer(const SipMessage& request, std::uint32_t localMinSE) {
  SessionTimerCheck out;
  out.minSE = std::max(localMinSE, kMinSessionExpires);
  const HeaderField* se = request.header(HeaderId::SessionExpires);
  if (!se) return out;
  auto parsed = parseSessionExpires(se->value);
  if (!parsed) {
    out.rejectCode = 400;
    return out;
  }
  std::uint32_t theirMin = 0;
  if (const HeaderField* m = request.header(HeaderId::MinSE)) {
    auto v = parseMinSE(m->value);
    if (!v) {
      out.rejectCode = 400;
      return out;
    }
    theirMin = *v;
  }
  // §9: too small for us → 422 with our Min-SE (the UAC retries with a larger interval).
  if (parsed->seconds < out.minSE) {
    out.rejectCode = 422;
    return out;
  }
  if (parsed->seconds < theirMin) {
    out.minSE = std::max(out.minSE, theirMin);
    out.rejectCode = 422;
    return out;
  }
  // §9: if the UAC left the refresher open, it refreshes when it supports timers, else we do.
  if (parsed->refresher == Refresher::None) {
    parsed->refresher =
        hasOptionTag(request, HeaderId::Supported, "timer") ? Refresher::Uac : Refresher::Uas;
  }
  out.interval = parsed;
  return out;
}

}  // namespace trunkline::sip
