#include "metrics/exposition.h"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace trunkline::metrics {
namespace {

std::string_view typeName(MetricType t) {
  switch (t) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string escapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Whole numbers print as integers (counters read naturally); 2^53 keeps them exact.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0)
    return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);  // shortest text that reads back as the same double
}

void TextWriter::family(std::string_view name, std::string_view help, MetricType type) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escapeHelp(help), name, typeName(type));
}

void TextWriter::labels(const Label* begin, const Label* end) {
  if (begin == end) return;
  out_ += '{';
  for (const Label* l = begin; l != end; ++l) {
    if (l != begin) out_ += ',';
    out_ += l->first;
    out_ += "=\"";
    out_ += escapeLabelValue(l->second);
    out_ += '"';
  }
  out_ += '}';
}

void TextWriter::value(double v) {
  out_ += ' ';
  out_ += formatValue(v);
  out_ += '\n';
}

void TextWriter::sample(std::string_view name, std::initializer_list<Label> ls, double v) {
  out_ += name;
  labels(ls.begin(), ls.end());
  value(v);
}

void TextWriter::sample(std::string_view name, std::initializer_list<Label> ls, std::uint64_t v) {
  out_ += name;
  labels(ls.begin(), ls.end());
  out_ += fmt::format(" {}\n", v);  // exact beyond 2^53
}

void TextWriter::sample(std::string_view name, const std::vector<Label>& ls, double v) {
  out_ += name;
  labels(ls.data(), ls.data() + ls.size());
  value(v);
}

void TextWriter::single(std::string_view name, std::string_view help, MetricType type, double v) {
  family(name, help, type);
  sample(name, {}, v);
}

}  // namespace trunkline::metrics
