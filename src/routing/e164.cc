#include "routing/e164.h"

#include "routing/dial_plan.h"

namespace trunkline::routing {
namespace {

constexpr std::size_t kMaxE164Digits = 15;
constexpr std::size_t kMinE164Digits = 7;
constexpr std::size_t kMaxShortCode = 6;
constexpr std::size_t kMaxInput = 64;

using NumberResult = tl::expected<std::string, NumberError>;

tl::unexpected<NumberError> err(NumberErrc kind, std::string message) {
  return tl::unexpected<NumberError>(NumberError{kind, std::move(message)});
}

tl::unexpected<NumberError> notDialable(std::string_view why) {
  return err(NumberErrc::NotDialable, "not a dialable number: " + std::string(why));
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Is `nsn` a national significant number of `plan`?
bool validNsn(const DialPlan& plan, std::string_view nsn) {
  if (nsn.size() < plan.minNsn || nsn.size() > plan.maxNsn) return false;
  if (!plan.nsnFirstDigits.empty() && plan.nsnFirstDigits.find(nsn[0]) == std::string_view::npos) {
    return false;
  }
  if (plan.nanp) {  // NXX NXX XXXX
    if (nsn[0] < '2' || nsn[3] < '2') return false;
  }
  return plan.countryCode.size() + nsn.size() <= kMaxE164Digits;
}

NumberResult international(std::string_view digits) {
  if (digits.empty()) return notDialable("no digits after the international prefix");
  if (digits[0] == '0') return notDialable("country codes do not start with 0");
  if (digits.size() > kMaxE164Digits) return notDialable("longer than 15 digits (E.164)");
  if (const DialPlan* plan = dialPlanForE164(digits)) {
    std::string_view nsn = digits.substr(plan->countryCode.size());
    if (!validNsn(*plan, nsn)) {
      return notDialable("not a valid +" + std::string(plan->countryCode) + " (" +
                         std::string(plan->country) + ") number");
    }
  } else if (digits.size() < kMinE164Digits) {
    return notDialable("too short for an international number");
  }
  return "+" + std::string(digits);
}

std::string withCountryCode(const DialPlan& plan, std::string_view nsn) {
  std::string out = "+";
  out += plan.countryCode;
  out += nsn;
  return out;
}

NumberResult national(const DialPlan& plan, std::string_view digits) {
  for (std::string_view e : plan.emergency) {
    if (!e.empty() && digits == e) {
      return err(NumberErrc::Emergency, "emergency number " + std::string(digits) + " (" +
                                            std::string(plan.country) + ")");
    }
  }
  for (std::string_view p : plan.intlPrefixes) {
    if (p.empty() || !digits.starts_with(p) || digits.size() <= p.size()) continue;
    std::string_view rest = digits.substr(p.size());
    if (plan.carrierSelectDigits > 0) {
      if (rest.size() <= plan.carrierSelectDigits) return notDialable("incomplete number");
      rest.remove_prefix(plan.carrierSelectDigits);
    }
    return international(rest);
  }
  for (std::string_view p : plan.legacyPrefixes) {
    if (p.empty() || !digits.starts_with(p)) continue;
    std::string_view rest = digits.substr(p.size());
    if (validNsn(plan, rest)) return withCountryCode(plan, rest);
  }
  if (!plan.trunkPrefix.empty() && digits.starts_with(plan.trunkPrefix)) {
    std::string_view rest = digits.substr(plan.trunkPrefix.size());
    if (validNsn(plan, rest)) return withCountryCode(plan, rest);
    if (plan.carrierSelectDigits > 0 && rest.size() > plan.carrierSelectDigits) {
      std::string_view nsn = rest.substr(plan.carrierSelectDigits);
      if (validNsn(plan, nsn)) return withCountryCode(plan, nsn);
    }
  }
  if (digits.size() >= plan.minBareNsn && validNsn(plan, digits) &&
      (plan.trunkPrefix.empty() || !digits.starts_with(plan.trunkPrefix))) {
    return withCountryCode(plan, digits);
  }
  if (digits.size() <= kMaxShortCode) {
    return err(NumberErrc::ShortCode,
               "short code " + std::string(digits) + " (" + std::string(plan.country) + ")");
  }
  return notDialable("not a valid " + std::string(plan.country) + " number");
}

}  // namespace

std::string_view numberErrcName(NumberErrc e) {
  switch (e) {
    case NumberErrc::NotDialable: return "not-dialable";
    case NumberErrc::Emergency: return "emergency";
    case NumberErrc::ShortCode: return "short-code";
    case NumberErrc::UnknownCountry: return "unknown-country";
  }
  return "unknown";
}

std::string_view e164Digits(std::string_view number) {
  if (!number.empty() && number[0] == '+') number.remove_prefix(1);
  return number;
}

tl::expected<std::string, NumberError> normalizeE164(std::string_view country,
                                                     std::string_view dialled) {
  std::string_view s = dialled;
  if (startsWithNoCase(s, "tel:")) s.remove_prefix(4);
  if (std::size_t semi = s.find(';'); semi != std::string_view::npos) s = s.substr(0, semi);
  if (s.size() > kMaxInput) return notDialable("too long");

  std::string digits;
  bool plus = false;
  bool service = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (isDigit(c)) {
      digits.push_back(c);
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c == '(' && plus && !digits.empty() && s.substr(i, 3) == "(0)") {
      i += 2;  // "+44 (0)20 ...": the trunk prefix written for national readers
    } else if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')') {
      continue;
    } else if (c == '*' || c == '#') {
      service = true;
    } else {
      return notDialable("unexpected character '" + std::string(1, c) + "'");
    }
  }
  if (digits.empty() && !service) return notDialable("no digits");
  if (service) {
    if (plus) return notDialable("'*' or '#' in an international number");
    return err(NumberErrc::ShortCode, "service code " + std::string(s));
  }
  if (plus) return international(digits);
  const DialPlan* plan = findDialPlan(country);
  if (plan == nullptr) {
    return err(NumberErrc::UnknownCountry,
               "no dialling plan for country '" + std::string(country) + "'");
  }
  return national(*plan, digits);
}

}  // namespace trunkline::routing
