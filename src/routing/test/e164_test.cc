// E.164 normalisation per country, valid and invalid.
#include "routing/e164.h"

#include <gtest/gtest.h>

#include "routing/dial_plan.h"

namespace trunkline::routing {
namespace {

struct Valid {
  const char* country;
  const char* dialled;
  const char* e164;
};

TEST(E164, ValidPerCountry) {
  const Valid cases[] = {
      // NANP
      {"US", "+1 (415) 555-0100", "+14155550100"},
      {"US", "1-415-555-0100", "+14155550100"},
      {"US", "415.555.0100", "+14155550100"},
      {"US", "(415) 555 0100", "+14155550100"},
      {"US", "011 44 20 7946 0000", "+442079460000"},
      {"US", "tel:+1-415-555-0100;phone-context=example.com", "+14155550100"},
      {"CA", "16135550123", "+16135550123"},
      {"CA", "6135550123", "+16135550123"},
      // GB
      {"GB", "020 7946 0000", "+442079460000"},
      {"GB", "07700 900123", "+447700900123"},
      {"GB", "0800 1111", "+448001111"},
      {"GB", "+44 (0)20 7946 0000", "+442079460000"},
      {"GB", "0049 30 1234567", "+49301234567"},
      {"GB", "2079460000", "+442079460000"},
      // DE
      {"DE", "030 12345678", "+493012345678"},
      {"DE", "0151 23456789", "+4915123456789"},
      {"DE", "00 33 1 23 45 67 89", "+33123456789"},
      // FR
      {"FR", "01 23 45 67 89", "+33123456789"},
      {"FR", "06.12.34.56.78", "+33612345678"},
      {"FR", "00 1 212 555 0100", "+12125550100"},
      // AU
      {"AU", "02 9876 5432", "+61298765432"},
      {"AU", "0412 345 678", "+61412345678"},
      {"AU", "0011 44 20 7946 0000", "+442079460000"},
      {"AU", "1300 123 456", "+611300123456"},
      // IN
      {"IN", "098765 43210", "+919876543210"},
      {"IN", "9876543210", "+919876543210"},
      {"IN", "011 2345 6789", "+911123456789"},
      // BR: with and without carrier selection code
      {"BR", "0 21 11 98765-4321", "+5511987654321"},
      {"BR", "011 98765 4321", "+5511987654321"},
      {"BR", "(11) 98765-4321", "+5511987654321"},
      {"BR", "0021 1 212 555 0100", "+12125550100"},
      {"BR", "(21) 2345-6789", "+552123456789"},
      // MX: 10 digits, retired prefixes stripped
      {"MX", "55 1234 5678", "+525512345678"},
      {"MX", "01 55 1234 5678", "+525512345678"},
      {"MX", "044 55 1234 5678", "+525512345678"},
      {"MX", "00 34 912 345 678", "+34912345678"},
      // ES, IT: no trunk prefix
      {"ES", "912 345 678", "+34912345678"},
      {"ES", "612-345-678", "+34612345678"},
      {"IT", "06 1234 5678", "+390612345678"},
      {"IT", "333 123 4567", "+393331234567"},
      {"IT", "+39 06 1234 5678", "+390612345678"},
      // NL, JP
      {"NL", "020 123 4567", "+31201234567"},
      {"NL", "06-12345678", "+31612345678"},
      {"JP", "03-1234-5678", "+81312345678"},
      {"JP", "090-1234-5678", "+819012345678"},
      {"JP", "010 1 212 555 0100", "+12125550100"},
      // International form with a country outside the table: generic length check.
      {"US", "+372 5123 4567", "+37251234567"},
      // Country is case-insensitive.
      {"gb", "020 7946 0000", "+442079460000"},
  };
  for (const Valid& c : cases) {
    auto r = normalizeE164(c.country, c.dialled);
    ASSERT_TRUE(r) << c.country << " " << c.dialled << ": " << r.error().message;
    EXPECT_EQ(*r, c.e164) << c.country << " " << c.dialled;
  }
}

struct Invalid {
  const char* country;
  const char* dialled;
  NumberErrc kind;
};

TEST(E164, InvalidPerCountry) {
  const Invalid cases[] = {
      {"US", "", NumberErrc::NotDialable},
      {"US", "+", NumberErrc::NotDialable},
      {"US", "1-800-FLOWERS", NumberErrc::NotDialable},
      {"US", "555-0100", NumberErrc::NotDialable},        // 7-digit local: no area code
      {"US", "1 015 555 0100", NumberErrc::NotDialable},  // area code cannot start with 0
      {"US", "415 155 0100", NumberErrc::NotDialable},    // exchange cannot start with 1
      {"US", "+1 415 555 010", NumberErrc::NotDialable},  // 9 national digits
      {"US", "++14155550100", NumberErrc::NotDialable},
      {"US", "+0 123 456 789", NumberErrc::NotDialable},
      {"US", "+1234567890123456", NumberErrc::NotDialable},  // 16 digits
      {"US", "sip:4155550100", NumberErrc::NotDialable},
      {"GB", "020 7946 0000 1", NumberErrc::NotDialable},  // 11 national digits
      {"GB", "+44 20 7946 00000", NumberErrc::NotDialable},
      {"DE", "0", NumberErrc::ShortCode},
      {"FR", "01 23 45 67", NumberErrc::NotDialable},
      {"AU", "02 9876 543", NumberErrc::NotDialable},
      {"IN", "98765 4321", NumberErrc::NotDialable},
      {"ES", "512 345 678", NumberErrc::NotDialable},  // ES numbers start 6-9
      {"NL", "020 123 456", NumberErrc::NotDialable},
      {"JP", "03-1234-567", NumberErrc::NotDialable},
      {"MX", "55 1234 567", NumberErrc::NotDialable},
      {"BR", "0 21 11 98765", NumberErrc::NotDialable},
      {"IT", "+39 12", NumberErrc::NotDialable},
      // Emergency numbers are recognised, not rewritten.
      {"US", "911", NumberErrc::Emergency},
      {"CA", "911", NumberErrc::Emergency},
      {"GB", "999", NumberErrc::Emergency},
      {"GB", "112", NumberErrc::Emergency},
      {"DE", "110", NumberErrc::Emergency},
      {"FR", "15", NumberErrc::Emergency},
      {"AU", "000", NumberErrc::Emergency},
      {"IN", "100", NumberErrc::Emergency},
      {"BR", "190", NumberErrc::Emergency},
      {"MX", "911", NumberErrc::Emergency},
      {"ES", "112", NumberErrc::Emergency},
      {"IT", "113", NumberErrc::Emergency},
      {"NL", "112", NumberErrc::Emergency},
      {"JP", "119", NumberErrc::Emergency},
      // Short and service codes.
      {"US", "411", NumberErrc::ShortCode},
      {"US", "*67", NumberErrc::ShortCode},
      {"US", "*72#", NumberErrc::ShortCode},
      {"DE", "116116", NumberErrc::ShortCode},
      {"IT", "1254", NumberErrc::ShortCode},
      {"FR", "3949", NumberErrc::ShortCode},
      // No dialling plan for the account's country (an international form still works).
      {"ZZ", "020 7946 0000", NumberErrc::UnknownCountry},
      {"", "4155550100", NumberErrc::UnknownCountry},
  };
  for (const Invalid& c : cases) {
    auto r = normalizeE164(c.country, c.dialled);
    ASSERT_FALSE(r) << c.country << " '" << c.dialled << "' gave " << *r;
    EXPECT_EQ(r.error().kind, c.kind)
        << c.country << " '" << c.dialled << "': " << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
  }
  EXPECT_EQ(*normalizeE164("ZZ", "+44 20 7946 0000"), "+442079460000");
  EXPECT_EQ(normalizeE164("US", "abc").error().message.rfind("not a dialable number", 0), 0u);
}

TEST(E164, TableIsConsistent) {
  for (const DialPlan& p : dialPlans()) {
    EXPECT_EQ(findDialPlan(p.country), &p) << p.country;
    EXPECT_LE(p.minNsn, p.maxNsn) << p.country;
    EXPECT_LE(p.countryCode.size() + p.maxNsn, 15u) << p.country;
    ASSERT_NE(dialPlanForE164(p.countryCode), nullptr);
    EXPECT_EQ(dialPlanForE164(p.countryCode)->countryCode, p.countryCode);
  }
  EXPECT_EQ(findDialPlan("XX"), nullptr);
  EXPECT_EQ(dialPlanForE164("372"), nullptr);
  EXPECT_EQ(e164Digits("+4420"), "4420");
  EXPECT_EQ(numberErrcName(NumberErrc::Emergency), "emergency");
}

}  // namespace
}  // namespace trunkline::routing
