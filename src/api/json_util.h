#pragma once
// JSON at the API boundary (nlohmann-json). nlohmann reports errors by exceptions; these
// helpers are where they stop: parsing returns Result-like values, reading a field checks
// its type first, writing never throws on odd bytes (invalid UTF-8 is replaced).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/problem.h"

namespace trunkline::api {

using Json = nlohmann::json;

/// Serialises without throwing (invalid UTF-8 from old rows is replaced by U+FFFD).
std::string dumpJson(const Json& j);

/// Parses a request body that must be a JSON object. On failure `error` holds the 400
/// answer (with the parser's position) and the result is nullopt.
std::optional<Json> parseObject(std::string_view body, HttpResponse& error);

/// Reads typed fields out of a JSON object, collecting every problem with its field path
/// instead of stopping at the first; `prefix` is prepended ("gateways[0].").
class FieldReader {
 public:
  FieldReader(const Json& obj, std::vector<FieldError>& errors, std::string prefix = {})
      : obj_(obj), errors_(errors), prefix_(std::move(prefix)) {}

  bool has(std::string_view key) const { return obj_.contains(key); }
  std::string path(std::string_view key) const { return prefix_ + std::string(key); }
  void error(std::string_view key, std::string message) {
    errors_.push_back({path(key), std::move(message)});
  }

  /// Each reads `key` into `out` when present (and leaves `out` alone when absent);
  /// `required` adds "is required" when absent. Returns true when a value was read.
  bool str(std::string_view key, std::string& out, bool required = false);
  bool boolean(std::string_view key, bool& out, bool required = false);
  bool u32(std::string_view key, std::uint32_t& out, std::uint32_t min, std::uint32_t max,
           bool required = false);
  bool id(std::string_view key, std::int64_t& out, bool required = false);
  bool strings(std::string_view key, std::vector<std::string>& out);
  /// The value at `key` when it is an array (else an error and nullptr).
  const Json* array(std::string_view key);

 private:
  const Json& obj_;
  std::vector<FieldError>& errors_;
  std::string prefix_;
};

/// Fields of `obj` not in `known`, each as an error "unknown field" (path with `prefix`).
void rejectUnknown(const Json& obj, const std::set<std::string_view>& known,
                   std::vector<FieldError>& errors, std::string_view prefix = {});

/// A JSON 2xx response.
HttpResponse jsonResponse(int status, const Json& body);

}  // namespace trunkline::api
