#pragma once
// Character classes of the RFC 3261 §25 grammar as one 256-entry table, plus the small
// scanning helpers every sip/message parser shares. Internal to sip/message.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace trunkline::sip::detail {

enum CharClass : std::uint16_t {
  kToken = 1 << 0,       // token
  kWsp = 1 << 1,         // SP / HTAB
  kDigit = 1 << 2,       // DIGIT
  kAlpha = 1 << 3,       // ALPHA
  kHex = 1 << 4,         // HEXDIG
  kUnreserved = 1 << 5,  // alphanum / mark
  kUser = 1 << 6,        // unreserved / user-unreserved (escaped handled apart)
  kPassword = 1 << 7,    // unreserved / "&" "=" "+" "$" ","
  kParam = 1 << 8,       // unreserved / param-unreserved
  kHnv = 1 << 9,         // unreserved / hnv-unreserved
  kWord = 1 << 10,       // word (Call-ID)
  kHost = 1 << 11,       // alphanum / "-" / "." (hostname, IPv4)
  kUric = 1 << 12,       // reserved / unreserved (absoluteURI), "%" handled apart
  kGenValue = 1 << 13,   // token / host characters of a gen-value ("[" "]" ":")
};

constexpr std::array<std::uint16_t, 256> makeTable() {
  std::array<std::uint16_t, 256> t{};
  auto add = [&t](std::string_view chars, std::uint16_t cls) {
    for (char c : chars) t[static_cast<unsigned char>(c)] |= cls;
  };
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kAlpha;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kAlpha;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kDigit | kHex;
  for (int c = 'a'; c <= 'f'; ++c) t[c] |= kHex;
  for (int c = 'A'; c <= 'F'; ++c) t[c] |= kHex;
  for (int c = 0; c < 256; ++c) {
    if (t[c] & (kAlpha | kDigit)) {
      t[c] |= kToken | kUnreserved | kUser | kPassword | kParam | kHnv | kWord | kHost | kUric |
              kGenValue;
    }
  }
  add(" \t", kWsp);
  add("-.!%*_+`'~", kToken | kGenValue);
  add("-_.!~*'()", kUnreserved | kUser | kPassword | kParam | kHnv | kUric);
  add("&=+$,;?/", kUser);
  add("&=+$,", kPassword);
  add("[]/:&+$", kParam);
  add("[]/?:+$", kHnv);
  add("-.!%*_+`'~()<>:\\\"/[]?{}", kWord);
  add("-.", kHost);
  add(";/?:@&=+$,", kUric);
  add("[]:", kGenValue);
  return t;
}

inline constexpr std::array<std::uint16_t, 256> kCharTable = makeTable();

inline bool is(char c, std::uint16_t cls) {
  return (kCharTable[static_cast<unsigned char>(c)] & cls) != 0;
}
inline bool isWsp(char c) {
  return c == ' ' || c == '\t';
}
/// Whitespace inside an already-unfolded header value: SP, HTAB and the CR/LF of folds.
inline bool isLws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
inline char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

inline std::size_t skipLws(std::string_view s, std::size_t pos) {
  while (pos < s.size() && isLws(s[pos])) ++pos;
  return pos;
}

inline std::string_view trimLws(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && isLws(s[b])) ++b;
  while (e > b && isLws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

/// Length of the run of characters of class `cls` starting at `pos`.
inline std::size_t spanOf(std::string_view s, std::size_t pos, std::uint16_t cls) {
  std::size_t p = pos;
  while (p < s.size() && is(s[p], cls)) ++p;
  return p - pos;
}

inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// True if every character is of class `cls` or a valid %HH escape (and s is not empty
/// unless allowEmpty).
inline bool isEscapedRun(std::string_view s, std::uint16_t cls, bool allowEmpty = false) {
  if (s.empty()) return allowEmpty;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      if (hexValue(s[i + 1]) < 0 || hexValue(s[i + 2]) < 0) return false;
      i += 2;
    } else if (!is(c, cls)) {
      return false;
    }
  }
  return true;
}

/// Parses 1*DIGIT into `out`; false on empty, non-digit or a value above `max`.
inline bool parseDecimal(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return false;
  }
  out = v;
  return true;
}

/// Position of the first CR or LF in [pos, n), or n. Inline 16-byte compares instead of
/// a memchr call: header lines are short, so the call and its setup would dominate.
inline std::size_t findLineBreak(const char* b, std::size_t pos, std::size_t n) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  while (pos + 16 <= n) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + pos));
    const int mask =
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, lf), _mm_cmpeq_epi8(chunk, cr)));
    if (mask != 0) return pos + static_cast<std::size_t>(__builtin_ctz(mask));
    pos += 16;
  }
#endif
  while (pos < n && b[pos] != '\n' && b[pos] != '\r') ++pos;
  return pos;
}

}  // namespace trunkline::sip::detail
