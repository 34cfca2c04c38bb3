#pragma once
// A compact dialling-plan table: per country, how numbers are dialled there (international
// and trunk prefixes, national significant number lengths, emergency codes). It is enough
// to turn what a PBX dials into E.164; it is not a numbering database (no per-range
// validation as libphonenumber does). Immutable static data: any thread.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace trunkline::routing {

struct DialPlan {
  std::string_view country;      // ISO 3166-1 alpha-2, uppercase ("GB")
  std::string_view countryCode;  // E.164 country calling code ("44")
  /// Dialled before a country code to call abroad, longest first ("0011" for AU).
  std::array<std::string_view, 2> intlPrefixes;
  /// Dialled before a national number ("0"; "1" in NANP); "" when there is none (IT, ES,
  /// MX): then the whole national number is dialled as is.
  std::string_view trunkPrefix;
  /// Retired national prefixes still dialled by old equipment, stripped (MX 01/044/045).
  std::array<std::string_view, 3> legacyPrefixes;
  /// National significant number (after the country code) length range.
  std::uint8_t minNsn;
  std::uint8_t maxNsn;
  /// Shortest national number accepted without its trunk prefix (a number dialled in
  /// national significant form); shorter ones may be local or short numbers.
  std::uint8_t minBareNsn;
  /// Digits a national significant number may start with ("" = any).
  std::string_view nsnFirstDigits;
  /// Carrier selection code digits dialled after the trunk or international prefix (BR: 2).
  std::uint8_t carrierSelectDigits;
  /// North American Numbering Plan: NXX NXX XXXX (area code and exchange start 2-9).
  bool nanp;
  /// Emergency numbers, never normalised.
  std::array<std::string_view, 10> emergency;
};

/// The plan of a country (case-insensitive alpha-2), or nullptr.
const DialPlan* findDialPlan(std::string_view country);
/// The plan whose country code starts `digits` (E.164 digits without '+'), or nullptr.
const DialPlan* dialPlanForE164(std::string_view digits);
/// Every plan in the table.
std::span<const DialPlan> dialPlans();

}  // namespace trunkline::routing
