// Writing SIP: MessageBuilder, reason phrases, RFC 3261 §8.2.6 responses, EditList.
#include "sip/message/builder.h"

#include <algorithm>
#include <charconv>

#include "sip/message/chars.h"

namespace trunkline::sip {

namespace {

void appendNumber(std::string& out, std::uint64_t v) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof(tmp), v);
  out.append(tmp, end);
}

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

MessageBuilder MessageBuilder::request(std::string_view method, std::string_view requestUri) {
  MessageBuilder b;
  b.out_.reserve(512);
  b.out_.append(method);
  b.out_.push_back(' ');
  b.out_.append(requestUri);
  b.out_.append(" SIP/2.0\r\n");
  return b;
}

MessageBuilder MessageBuilder::response(int code, std::string_view reason) {
  MessageBuilder b;
  b.out_.reserve(512);
  b.out_.append("SIP/2.0 ");
  appendNumber(b.out_, static_cast<std::uint64_t>(std::clamp(code, 100, 699)));
  b.out_.push_back(' ');
  b.out_.append(reason.empty() ? defaultReason(code) : reason);
  b.out_.append("\r\n");
  return b;
}

MessageBuilder& MessageBuilder::header(std::string_view name, std::string_view value) {
  appendField(out_, name, value);
  return *this;
}

MessageBuilder& MessageBuilder::body(std::string_view contentType, std::string_view body) {
  contentType_ = contentType;
  body_.assign(body);
  return *this;
}

std::string MessageBuilder::finish() {
  if (!contentType_.empty()) appendField(out_, "Content-Type", contentType_);
  out_.append("Content-Length: ");
  appendNumber(out_, body_.size());
  out_.append("\r\n\r\n");
  out_.append(body_);
  return std::move(out_);
}

std::string_view defaultReason(int code) {
  switch (code) {
    // RFC 3261 §21 and the extensions in common use.
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 199: return "Early Dialog Terminated";  // RFC 6228
    case 200: return "OK";
    case 202: return "Accepted";         // RFC 3265
    case 204: return "No Notification";  // RFC 5839
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 305: return "Use Proxy";
    case 380: return "Alternative Service";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 412: return "Conditional Request Failed";  // RFC 3903
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 417: return "Unknown Resource-Priority";  // RFC 4412
    case 420: return "Bad Extension";
    case 421: return "Extension Required";
    case 422: return "Session Interval Too Small";  // RFC 4028
    case 423: return "Interval Too Brief";
    case 428: return "Use Identity Header";               // RFC 8224
    case 429: return "Provide Referrer Identity";         // RFC 3892
    case 430: return "Flow Failed";                       // RFC 5626
    case 433: return "Anonymity Disallowed";              // RFC 5079
    case 436: return "Bad Identity Info";                 // RFC 8224
    case 437: return "Unsupported Credential";            // RFC 8224
    case 438: return "Invalid Identity Header";           // RFC 8224
    case 439: return "First Hop Lacks Outbound Support";  // RFC 5626
    case 440: return "Max-Breadth Exceeded";              // RFC 5393
    case 469: return "Bad Info Package";                  // RFC 6086
    case 470: return "Consent Needed";                    // RFC 5360
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 485: return "Ambiguous";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";  // RFC 6665
    case 491: return "Request Pending";
    case 493: return "Undecipherable";
    case 494: return "Security Agreement Required";  // RFC 3329
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 555: return "Push Notification Service Not Supported";  // RFC 8599
    case 580: return "Precondition Failure";                     // RFC 3312
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    case 607: return "Unwanted";  // RFC 8197
    case 608: return "Rejected";  // RFC 8688
    default: return "";
  }
}

std::string makeResponse(const SipMessage& request, int code, std::string_view reason,
                         std::string_view toTag, std::string_view extraHeaders,
                         std::string_view contentType, std::string_view body) {
  std::string out;
  out.reserve(request.headerSectionEnd() + extraHeaders.size() + body.size() + 64);
  out.append("SIP/2.0 ");
  appendNumber(out, static_cast<std::uint64_t>(std::clamp(code, 100, 699)));
  out.push_back(' ');
  out.append(reason.empty() ? defaultReason(code) : reason);
  out.append("\r\n");
  // §8.2.6.2: Via values in the same order, From, Call-ID and CSeq equal to the request's;
  // To equal too, plus a tag of ours when the request had none (§8.2.6.2 / §12.1.1).
  for (const HeaderField& f : request.headers()) {
    if (f.id == HeaderId::Via) appendField(out, "Via", f.value);
  }
  if (const HeaderField* f = request.header(HeaderId::From)) appendField(out, "From", f->value);
  if (const HeaderField* f = request.header(HeaderId::To)) {
    out.append("To: ");
    out.append(f->value);
    if (!toTag.empty() && !request.to().tag()) {
      out.append(";tag=");
      out.append(toTag);
    }
    out.append("\r\n");
  }
  appendField(out, "Call-ID", request.callId());
  if (const HeaderField* f = request.header(HeaderId::CSeq)) appendField(out, "CSeq", f->value);
  // §8.2.6.1: a 100 echoes the request's Timestamp.
  if (code == 100) {
    if (const HeaderField* f = request.header(HeaderId::Timestamp)) {
      appendField(out, "Timestamp", f->value);
    }
  }
  out.append(extraHeaders);
  if (!contentType.empty()) appendField(out, "Content-Type", contentType);
  out.append("Content-Length: ");
  appendNumber(out, body.size());
  out.append("\r\n\r\n");
  out.append(body);
  return out;
}

EditList& EditList::remove(std::size_t index) {
  ops_.push_back(Op{Op::Kind::Remove, index, {}, {}});
  return *this;
}

EditList& EditList::replaceValue(std::size_t index, std::string value) {
  ops_.push_back(Op{Op::Kind::Replace, index, {}, std::move(value)});
  return *this;
}

EditList& EditList::insertBefore(std::size_t index, std::string name, std::string value) {
  ops_.push_back(Op{Op::Kind::InsertBefore, index, std::move(name), std::move(value)});
  return *this;
}

EditList& EditList::append(std::string name, std::string value) {
  ops_.push_back(Op{Op::Kind::Append, 0, std::move(name), std::move(value)});
  return *this;
}

EditList& EditList::replaceBody(std::string body) {
  hasBody_ = true;
  body_ = std::move(body);
  return *this;
}

EditList& EditList::replaceStartLine(std::string line) {
  hasStartLine_ = true;
  startLine_ = std::move(line);
  return *this;
}

bool EditList::empty() const {
  return ops_.empty() && !hasBody_ && !hasStartLine_;
}

std::string EditList::apply(const SipMessage& msg) const {
  const std::string_view raw = msg.raw();
  if (empty()) return std::string(raw);

  const auto fields = msg.headers();
  const std::string_view body = hasBody_ ? std::string_view(body_) : msg.body();
  std::string length;
  appendNumber(length, body.size());

  std::string out;
  std::size_t extra = body.size() + startLine_.size() + 16;
  for (const Op& op : ops_) extra += op.name.size() + op.value.size() + 4;
  out.reserve(raw.size() + extra);

  // Start line with its own line break (and any CRLFs that preceded it).
  const std::size_t firstField =
      fields.empty() ? msg.headerSectionEnd() : msg.offsetOf(fields.front().raw);
  if (hasStartLine_) {
    out.append(startLine_);
    out.append("\r\n");
  } else {
    out.append(raw.substr(0, firstField));
  }

  bool wroteLength = false;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const HeaderField& f = fields[i];
    bool removed = false;
    const std::string* replacement = nullptr;
    for (const Op& op : ops_) {
      if (op.index != i) continue;
      switch (op.kind) {
        case Op::Kind::InsertBefore: appendField(out, op.name, op.value); break;
        case Op::Kind::Remove: removed = true; break;
        case Op::Kind::Replace: replacement = &op.value; break;
        case Op::Kind::Append: break;
      }
    }
    if (removed) continue;
    const std::size_t start = msg.offsetOf(f.raw);
    const std::size_t next =
        i + 1 < fields.size() ? msg.offsetOf(fields[i + 1].raw) : msg.headerSectionEnd();
    if (f.id == HeaderId::ContentLength) {
      if (wroteLength) continue;  // one correct Content-Length is enough
      wroteLength = true;
      if (replacement == nullptr && f.value == length) {
        out.append(raw.substr(start, next - start));
      } else {
        appendField(out, f.name, length);
      }
    } else if (replacement != nullptr) {
      appendField(out, f.name, *replacement);
    } else {
      out.append(raw.substr(start, next - start));  // untouched: byte for byte
    }
  }
  for (const Op& op : ops_) {
    // Inserting "before" the end of the header list is appending.
    if (op.kind == Op::Kind::Append ||
        (op.kind == Op::Kind::InsertBefore && op.index >= fields.size())) {
      appendField(out, op.name, op.value);
    }
  }
  if (!wroteLength) appendField(out, "Content-Length", length);
  out.append(raw.substr(msg.headerSectionEnd(), msg.bodyOffset() - msg.headerSectionEnd()));
  out.append(body);
  return out;
}

}  // namespace trunkline::sip
