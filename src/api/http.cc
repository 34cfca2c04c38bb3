#include "api/http.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace trunkline::api {

bool iequalsAscii(std::string_view a, std::string_view b) {
  return base::iequals(a, b);
}

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequalsAscii(h.name, name)) return &h.value;
  return nullptr;
}

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequalsAscii(h.name, name)) return &h.value;
  return nullptr;
}

std::optional<std::string> HttpRequest::queryParam(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    auto eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (key && *key == name)
      return percentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                           true);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> percentDecode(std::string_view s, bool plusIsSpace) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (s.size() - i < 3) return std::nullopt;
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') return std::nullopt;
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    out += c;
  }
  return out;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Unknown";
}

std::string serialize(const HttpResponse& r, bool keepAlive, bool headRequest) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", r.status, reasonPhrase(r.status));
  for (const auto& h : r.headers) {
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  // RFC 9110 §8.6: no Content-Length on 1xx and 204.
  if (r.status >= 200 && r.status != 204)
    out += fmt::format("Content-Length: {}\r\n", r.body.size());
  if (!keepAlive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!headRequest && r.status != 204) out += r.body;
  return out;
}

}  // namespace trunkline::api
