#pragma once
// Prometheus text exposition format 0.0.4: "# HELP name text", "# TYPE name type", then
// samples "name{label="value",...} value", one per line, '\n' endings. HELP text escapes
// '\' and newline; label values escape '\', '"' and newline. Values are Go-style floats
// ("+Inf", "-Inf", "NaN" for the special ones).
//
// A plain string builder: one per scrape, on the scraping thread.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trunkline::metrics {

enum class MetricType : std::uint8_t { Counter, Gauge, Histogram };

using Label = std::pair<std::string_view, std::string_view>;

class TextWriter {
 public:
  /// The HELP and TYPE lines of a family; its samples follow.
  void family(std::string_view name, std::string_view help, MetricType type);
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value);
  /// Labels built at run time (a family's names zipped with a child's values, plus "le").
  void sample(std::string_view name, const std::vector<Label>& labels, double value);

  /// A one-sample family, the common case for collectors.
  void single(std::string_view name, std::string_view help, MetricType type, double value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void labels(const Label* begin, const Label* end);
  void value(double v);
  std::string out_;
};

/// Media type of the exposition (the Content-Type of GET /metrics).
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string escapeLabelValue(std::string_view v);
std::string escapeHelp(std::string_view v);
/// Go ParseFloat-compatible text of `v`: integers without exponent up to 2^53, the
/// shortest round-trip form otherwise.
std::string formatValue(double v);

}  // namespace trunkline::metrics
