// Transaction matching keys: RFC 3261 §17.1.3 (client), §17.2.3 (server, with the RFC 2543
// fallback) and §9.2 (CANCEL). Keys are flat strings so that one hash lookup finds the
// transaction; fields are separated by a byte that cannot occur in them (0x1f).
#include <cctype>

#include "sip/transaction/branch.h"
#include "sip/transaction/txn_internal.h"

namespace trunkline::sip::txn_detail {
namespace {
constexpr char kSep = '\x1f';

void appendLower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
}

// sent-by compared as host (case-insensitive) and port as written (0 = absent).
void appendSentBy(std::string& out, const Via& via) {
  appendLower(out, via.host);
  out.push_back(':');
  out.append(std::to_string(via.port));
}
}  // namespace

bool hasMagicCookie(std::string_view branch) {
  return branch.size() > kBranchCookie.size() &&
         branch.substr(0, kBranchCookie.size()) == kBranchCookie;
}

void serverKey(const Via& topVia, std::string_view method, std::string& out) {
  out.clear();
  out.append(topVia.branch);
  out.push_back(kSep);
  appendSentBy(out, topVia);
  out.push_back(kSep);
  out.append(method);
}

void server2543Key(const SipMessage& req, std::string& out) {
  out.clear();
  out.append(req.callId());
  out.push_back(kSep);
  out.append(std::to_string(req.cseq().number));
  out.push_back(kSep);
  out.append(req.from().tag().value_or(std::string_view{}));
  out.push_back(kSep);
  out.append(req.requestUriText());
  out.push_back(kSep);
  // The top Via as a whole: transport, sent-by and its parameters (branch included).
  const Via& via = req.topVia();
  appendLower(out, via.transport);
  out.push_back(kSep);
  appendSentBy(out, via);
  out.push_back(kSep);
  out.append(firstListElement(via.params.raw));  // defensive: never past this Via
}

void clientKey(std::string_view branch, std::string_view cseqMethod, std::string& out) {
  out.clear();
  out.append(branch);
  out.push_back(kSep);
  out.append(cseqMethod);
}

std::string_view firstListElement(std::string_view value) {
  bool quoted = false;
  std::size_t end = value.size();
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      end = i;
      break;
    }
  }
  std::string_view v = value.substr(0, end);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  return v;
}

int statusCodeOf(std::string_view bytes) {
  constexpr std::string_view kVersion = "SIP/2.0 ";
  if (bytes.size() < kVersion.size() + 3 || bytes.substr(0, kVersion.size()) != kVersion) return 0;
  int code = 0;
  for (std::size_t i = kVersion.size(); i < kVersion.size() + 3; ++i) {
    const char c = bytes[i];
    if (c < '0' || c > '9') return 0;
    code = code * 10 + (c - '0');
  }
  if (bytes.size() > kVersion.size() + 3) {
    const char after = bytes[kVersion.size() + 3];
    if (after != ' ' && after != '\r' && after != '\n') return 0;
  }
  return (code >= 100 && code <= 699) ? code : 0;
}

std::string_view toTagOf(const SipMessage& msg) {
  return msg.to().tag().value_or(std::string_view{});
}

}  // namespace trunkline::sip::txn_detail
