#include "metrics/registry.h"

#include <algorithm>
#include <cmath>

#include "base/assert.h"

namespace trunkline::metrics {
namespace {

bool nameChar(char c, bool first, bool colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

}  // namespace

bool validMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!nameChar(name[i], i == 0, true)) return false;
  return true;
}

bool validLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!nameChar(name[i], i == 0, false)) return false;
  return true;
}

// ---- Histogram ---------------------------------------------------------------------------

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  if (std::isnan(v)) return;
  // "le" buckets: the first bound not below v (upper bounds are inclusive).
  const auto i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                          bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  const double micros = std::clamp(v * 1e6, -9e18, 9e18);
  sumMicros_.fetch_add(static_cast<std::int64_t>(std::llround(micros)), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;  // from the buckets, so that +Inf and _count always agree
  s.sum = static_cast<double>(sumMicros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

// ---- Family ------------------------------------------------------------------------------

Family::Family(std::string name, std::string help, MetricType type,
               std::vector<std::string> labelNames, double scale, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labelNames_(std::move(labelNames)),
      scale_(scale),
      buckets_(std::move(buckets)) {
  TL_RELEASE_ASSERT(validMetricName(name_));
  TL_RELEASE_ASSERT(scale_ > 0);
  for (const auto& l : labelNames_) {
    TL_RELEASE_ASSERT(validLabelName(l));
    TL_RELEASE_ASSERT(type_ != MetricType::Histogram || l != "le");
  }
  TL_RELEASE_ASSERT(std::is_sorted(buckets_.begin(), buckets_.end()));
  TL_RELEASE_ASSERT(std::adjacent_find(buckets_.begin(), buckets_.end()) == buckets_.end());
}

std::size_t Family::size() const {
  std::lock_guard lock(mu_);
  return children_.size();
}

Family::Child& Family::child(std::initializer_list<std::string_view> values) {
  TL_RELEASE_ASSERT(values.size() == labelNames_.size());
  std::vector<std::string> key(values.begin(), values.end());
  std::lock_guard lock(mu_);
  auto it = children_.find(key);
  if (it != children_.end()) return *it->second;
  auto c = std::make_unique<Child>();
  c->labels = key;
  if (type_ == MetricType::Histogram) c->histogram = std::make_unique<Histogram>(buckets_);
  return *children_.emplace(std::move(key), std::move(c)).first->second;
}

void Family::render(TextWriter& out) const {
  std::vector<const Child*> list;
  {
    std::lock_guard lock(mu_);
    list.reserve(children_.size());
    for (const auto& [k, c] : children_) list.push_back(c.get());
  }
  out.family(name_, help_, type_);
  std::vector<Label> ls;
  for (const Child* c : list) {
    ls.clear();
    for (std::size_t i = 0; i < labelNames_.size(); ++i)
      ls.emplace_back(labelNames_[i], c->labels[i]);
    switch (type_) {
      case MetricType::Counter:
        if (scale_ == 1) {
          out.sample(name_, ls, static_cast<double>(c->counter.value()));
        } else {
          out.sample(name_, ls, static_cast<double>(c->counter.value()) / scale_);
        }
        break;
      case MetricType::Gauge: out.sample(name_, ls, static_cast<double>(c->gauge.value())); break;
      case MetricType::Histogram: {
        const auto s = c->histogram->snapshot();
        const std::string bucket = name_ + "_bucket";
        for (std::size_t i = 0; i <= buckets_.size(); ++i) {
          const std::string le = i < buckets_.size() ? formatValue(buckets_[i]) : "+Inf";
          ls.emplace_back("le", le);
          out.sample(bucket, ls, static_cast<double>(s.cumulative[i]));
          ls.pop_back();
        }
        out.sample(name_ + "_sum", ls, s.sum);
        out.sample(name_ + "_count", ls, static_cast<double>(s.count));
        break;
      }
    }
  }
}

// ---- Registry ----------------------------------------------------------------------------

template <class F>
F& Registry::add(std::unique_ptr<F> family) {
  std::lock_guard lock(mu_);
  for (const auto& f : families_) TL_RELEASE_ASSERT(f->name() != family->name());
  F& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> labels, double scale) {
  return add(std::make_unique<CounterFamily>(std::move(name), std::move(help), MetricType::Counter,
                                             std::move(labels), scale, std::vector<double>{}));
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add(std::make_unique<GaugeFamily>(std::move(name), std::move(help), MetricType::Gauge,
                                           std::move(labels), 1, std::vector<double>{}));
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<std::string> labels, std::vector<double> buckets) {
  return add(std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                               MetricType::Histogram, std::move(labels), 1,
                                               std::move(buckets)));
}

void Registry::addCollector(Collector collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::render() const {
  std::vector<const Family*> families;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) families.push_back(f.get());
    collectors = collectors_;
  }
  TextWriter out;
  for (const auto* f : families) f->render(out);
  for (const auto& c : collectors) c(out);
  return out.take();
}

}  // namespace trunkline::metrics
