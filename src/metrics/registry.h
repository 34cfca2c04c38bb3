#pragma once
// Metrics: counters, gauges and histograms in labelled families, rendered in the
// Prometheus text exposition format 0.0.4 (exposition.h) for GET /metrics.
//
// Updates are relaxed atomics on an object the caller holds a reference to: resolve a
// child once (`family.labels({"22", "answered"})`, a short per-family mutex) and keep the
// reference, never look it up per message. Samples that live elsewhere (per-shard counters
// published periodically, /proc/self, the CDR writer's stats) are read at scrape time by
// collectors.
//
// Threads: updates from any thread; labels() and render() from any thread (render() copies
// the child list under the family's mutex and reads the atomics outside it). Families and
// children live as long as the Registry (app/ owns it; it outlives every user).
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/exposition.h"

namespace trunkline::metrics {

/// Monotonic count. `scale` of its family divides the exposed value (milliseconds counted,
/// seconds exposed).
class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

/// Fixed upper bounds (ascending, +Inf implied). The sum is kept in millionths, so
/// observations are exact to 1e-6 of their unit.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (= count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<std::int64_t> sumMicros_{0};
};

/// One metric name with its label names; a child per distinct label-value list.
class Family {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> labelNames,
         double scale, std::vector<double> buckets);
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  std::size_t size() const;
  void render(TextWriter& out) const;

 protected:
  struct Child {
    std::vector<std::string> labels;
    Counter counter;
    Gauge gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Child& child(std::initializer_list<std::string_view> values);

 private:
  std::string name_, help_;
  MetricType type_;
  std::vector<std::string> labelNames_;
  double scale_;
  std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Child>, std::less<>> children_;
};

/// The typed views: labels() returns the child, creating it on first use. The number of
/// values must match the label names (a programming error otherwise: assert).
class CounterFamily : public Family {
 public:
  using Family::Family;
  Counter& labels(std::initializer_list<std::string_view> values) { return child(values).counter; }
};
class GaugeFamily : public Family {
 public:
  using Family::Family;
  Gauge& labels(std::initializer_list<std::string_view> values) { return child(values).gauge; }
};
class HistogramFamily : public Family {
 public:
  using Family::Family;
  Histogram& labels(std::initializer_list<std::string_view> values) {
    return *child(values).histogram;
  }
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Names follow the Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' and
  /// not starting "__"); a bad or duplicate name is a programming error (assert).
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {},
                         double scale = 1);
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> labels,
                             std::vector<double> buckets);

  /// Writes families of its own at every scrape (values published by other threads).
  /// Collectors run on the scraping thread, in registration order, after the families.
  using Collector = std::function<void(TextWriter&)>;
  void addCollector(Collector collect);

  /// The whole exposition (text format 0.0.4).
  std::string render() const;

 private:
  template <class F>
  F& add(std::unique_ptr<F> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<Collector> collectors_;
};

bool validMetricName(std::string_view name);
bool validLabelName(std::string_view name);

}  // namespace trunkline::metrics
