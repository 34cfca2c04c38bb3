#include "routing/dial_plan.h"

namespace trunkline::routing {
namespace {

// Sources: ITU-T E.164 assignments and the national numbering plans as published by
// each regulator (Ofcom, BNetzA, ARCEP, ACMA, NANPA, TRAI, Anatel, IFT, CNMC, AGCOM,
// ACM, MIC), summarised to lengths and prefixes. Lengths are of the national
// significant number, i.e. without trunk prefix and country code.
// clang-format off
constexpr DialPlan kPlans[] = {
  // ctry cc    intl prefixes  trunk legacy prefixes      nsn len bare first digits  csd nanp
  {"US", "1",  {"011", ""},   "1",  {},                    10, 10, 10, "23456789",  0, true,
   {"911", "933"}},
  {"CA", "1",  {"011", ""},   "1",  {},                    10, 10, 10, "23456789",  0, true,
   {"911", "933"}},
  {"GB", "44", {"00", ""},    "0",  {},                     7, 10, 10, "1235789",   0, false,
   {"999", "112"}},
  {"DE", "49", {"00", ""},    "0",  {},                     6, 13, 10, "123456789", 0, false,
   {"110", "112"}},
  {"FR", "33", {"00", ""},    "0",  {},                     9,  9,  9, "123456789", 0, false,
   {"15", "17", "18", "112", "114", "115", "119", "191", "196", "197"}},
  {"AU", "61", {"0011", ""},  "0",  {},                     9, 10,  9, "123478",    0, false,
   {"000", "112", "106"}},
  {"IN", "91", {"00", ""},    "0",  {},                    10, 10, 10, "123456789", 0, false,
   {"100", "101", "102", "108", "112"}},
  {"BR", "55", {"00", ""},    "0",  {},                    10, 11, 10, "123456789", 2, false,
   {"190", "192", "193", "199", "112"}},
  {"MX", "52", {"00", ""},    "",   {"01", "044", "045"},  10, 10, 10, "",          0, false,
   {"911", "089"}},
  {"ES", "34", {"00", ""},    "",   {},                     9,  9,  9, "6789",      0, false,
   {"112", "091", "092", "061", "062", "080", "085", "088"}},
  {"IT", "39", {"00", ""},    "",   {},                     6, 11,  6, "0389",      0, false,
   {"112", "113", "115", "118", "1530"}},
  {"NL", "31", {"00", ""},    "0",  {},                     9,  9,  9, "123456789", 0, false,
   {"112"}},
  {"JP", "81", {"010", ""},   "0",  {},                     9, 10, 10, "123456789", 0, false,
   {"110", "118", "119"}},
};
// clang-format on

char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

const DialPlan* findDialPlan(std::string_view country) {
  if (country.size() != 2) return nullptr;
  for (const DialPlan& p : kPlans) {
    if (p.country[0] == upper(country[0]) && p.country[1] == upper(country[1])) return &p;
  }
  return nullptr;
}

const DialPlan* dialPlanForE164(std::string_view digits) {
  const DialPlan* best = nullptr;
  for (const DialPlan& p : kPlans) {
    if (digits.starts_with(p.countryCode) &&
        (best == nullptr || p.countryCode.size() > best->countryCode.size())) {
      best = &p;
    }
  }
  return best;
}

std::span<const DialPlan> dialPlans() {
  return kPlans;
}

}  // namespace trunkline::routing
