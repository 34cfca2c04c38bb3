#include "api/json_util.h"

#include <fmt/format.h>

namespace trunkline::api {

std::string dumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<Json> parseObject(std::string_view body, HttpResponse& error) {
  // The one place nlohmann's parse exceptions are caught; the message names the byte.
  Json j;
  try {
    j = Json::parse(body.begin(), body.end());
  } catch (const Json::parse_error& e) {
    error = problem(Problem::InvalidJson, body.empty()
                                              ? std::string("the request needs a JSON object body")
                                              : fmt::format("invalid JSON at byte {}", e.byte));
    return std::nullopt;
  } catch (const std::exception&) {
    error = problem(Problem::InvalidJson, "invalid JSON");
    return std::nullopt;
  }
  if (!j.is_object()) {
    error = problem(Problem::InvalidJson, "the body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

bool FieldReader::str(std::string_view key, std::string& out, bool required) {
  auto it = obj_.find(key);
  if (it == obj_.end()) {
    if (required) error(key, "is required");
    return false;
  }
  if (!it->is_string()) {
    error(key, "must be a string");
    return false;
  }
  out = it->get_ref<const std::string&>();
  return true;
}

bool FieldReader::boolean(std::string_view key, bool& out, bool required) {
  auto it = obj_.find(key);
  if (it == obj_.end()) {
    if (required) error(key, "is required");
    return false;
  }
  if (!it->is_boolean()) {
    error(key, "must be true or false");
    return false;
  }
  out = it->get<bool>();
  return true;
}

bool FieldReader::u32(std::string_view key, std::uint32_t& out, std::uint32_t min,
                      std::uint32_t max, bool required) {
  auto it = obj_.find(key);
  if (it == obj_.end()) {
    if (required) error(key, "is required");
    return false;
  }
  const auto range = fmt::format("must be an integer from {} to {}", min, max);
  if (!it->is_number_integer()) {
    error(key, range);
    return false;
  }
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v < min || v > max) {
      error(key, range);
      return false;
    }
    out = static_cast<std::uint32_t>(v);
    return true;
  }
  const auto v = it->get<std::int64_t>();
  if (v < static_cast<std::int64_t>(min) || v > static_cast<std::int64_t>(max)) {
    error(key, range);
    return false;
  }
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool FieldReader::id(std::string_view key, std::int64_t& out, bool required) {
  auto it = obj_.find(key);
  if (it == obj_.end()) {
    if (required) error(key, "is required");
    return false;
  }
  bool ok = it->is_number_integer();
  if (ok && it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    ok = v >= 1 && v <= static_cast<std::uint64_t>(INT64_MAX);
  } else if (ok) {
    ok = it->get<std::int64_t>() >= 1;
  }
  if (!ok) {
    error(key, "must be a positive integer id");
    return false;
  }
  out = it->get<std::int64_t>();
  return true;
}

bool FieldReader::strings(std::string_view key, std::vector<std::string>& out) {
  auto it = obj_.find(key);
  if (it == obj_.end()) return false;
  if (!it->is_array()) {
    error(key, "must be an array of strings");
    return false;
  }
  std::vector<std::string> v;
  bool ok = true;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& e = (*it)[i];
    if (!e.is_string()) {
      errors_.push_back({fmt::format("{}[{}]", path(key), i), "must be a string"});
      ok = false;
      continue;
    }
    v.push_back(e.get<std::string>());
  }
  if (ok) out = std::move(v);
  return ok;
}

const Json* FieldReader::array(std::string_view key) {
  auto it = obj_.find(key);
  if (it == obj_.end()) return nullptr;
  if (!it->is_array()) {
    error(key, "must be an array");
    return nullptr;
  }
  return &*it;
}

void rejectUnknown(const Json& obj, const std::set<std::string_view>& known,
                   std::vector<FieldError>& errors, std::string_view prefix) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (known.contains(it.key())) continue;
    std::string list;
    for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    errors.push_back({std::string(prefix) + it.key(), "unknown field (known: " + list + ")"});
  }
}

HttpResponse jsonResponse(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = dumpJson(body);
  return r;
}

}  // namespace trunkline::api
