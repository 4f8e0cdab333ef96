#include "metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/allocator.hpp"
#include "core/process_stats.hpp"

namespace astropixel::metrics {

struct Metrics::Impl {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("astropixel_http_requests_total")
          .Help("HTTP requests answered, by route, method and status class")
          .Register(registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("astropixel_http_request_duration_seconds")
          .Help("Time from the request header to the last response byte, by route, method and status class")
          .Register(registry);
  prometheus::Gauge& in_flight = prometheus::BuildGauge()
                                     .Name("astropixel_http_requests_in_flight")
                                     .Help("HTTP requests being handled now")
                                     .Register(registry)
                                     .Add({});
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> scrape_gauges;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> scrape_counters;
  std::vector<Collector> collectors;
  std::mutex mutex;  // guards scrape_gauges, scrape_counters and collectors
  // Tells instances apart even when one is allocated where a destroyed one was.
  std::uint64_t instance = [] {
    static std::atomic<std::uint64_t> next{1};
    return next++;
  }();
};

Metrics::Metrics(std::string version, std::string commit) : impl_(std::make_unique<Impl>()) {
  prometheus::BuildGauge()
      .Name("astropixel_build_info")
      .Help("Build information; the value is always 1")
      .Register(impl_->registry)
      .Add({{"version", std::move(version)}, {"commit", std::move(commit)}, {"allocator", allocator_name()}})
      .Set(1);
  add_collector([](GaugeSetter const& set) {
    if (auto rss = resident_memory_bytes()) {
      set("process_resident_memory_bytes", "Resident memory size in bytes", {}, static_cast<double>(*rss));
    }
    if (auto fds = open_fds())
      set("process_open_fds", "Number of open file descriptors", {}, static_cast<double>(*fds));
    // The standard process metrics of Prometheus' client libraries, under their usual names.
    if (auto max = max_fds())
      set("process_max_fds", "Maximum number of open file descriptors", {}, static_cast<double>(*max));
    if (auto vm = virtual_memory_bytes())
      set("process_virtual_memory_bytes", "Virtual memory size in bytes", {}, static_cast<double>(*vm));
    set("process_cpu_seconds_total", "Total user and system CPU time spent in seconds", {}, cpu_seconds());
    if (auto start = start_time_seconds())
      set("process_start_time_seconds", "Start time of the process since unix epoch in seconds", {}, *start);
  });
}

Metrics::~Metrics() = default;

void Metrics::observe_request(std::string_view route, std::string_view method, unsigned status,
                              std::chrono::duration<double> elapsed) {
  // Looking a series up by its labels builds a label map, hashes it and takes the family's lock: a
  // large share of a cached tile's cost. Each I/O thread remembers the series it has used (route
  // patterns, methods and status classes are few, so the map stays small).
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  bool known = false;
  for (auto m : kMethods) known = known || m == method;
  if (!known) method = "OTHER";  // clients choose method strings: keep label values bounded
  struct Series {
    prometheus::Counter* count;
    prometheus::Histogram* latency;
  };
  thread_local std::unordered_map<std::string, Series> series;
  thread_local std::uint64_t owner = 0;
  if (owner != impl_->instance) {  // another Metrics instance (tests): forget the old series
    series.clear();
    owner = impl_->instance;
  }
  std::string key;
  key.reserve(route.size() + method.size() + 3);
  // A status outside 100-599 (none was sent) gets one class of its own, so label values stay five plus one.
  char const digit = status >= 100 && status < 600 ? static_cast<char>('0' + status / 100) : 'x';
  key.append(route).append(1, '\x1f').append(method).append(1, '\x1f').append(1, digit);
  auto it = series.find(key);
  if (it == series.end()) {
    static const prometheus::Histogram::BucketBoundaries kBuckets{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    // The latency carries the status class too: a fast 404 or 429 flood must not hide slow 2xx
    // answers in a p95, and a p95 of 5xx shows timeouts.
    std::map<std::string, std::string> const labels{
        {"route", std::string(route)},
        {"method", std::string(method)},
        {"status", digit == 'x' ? "other" : std::string(1, digit) + "xx"}};
    Series s{&impl_->requests.Add(labels), &impl_->latency.Add(labels, kBuckets)};
    it = series.emplace(std::move(key), s).first;
  }
  it->second.count->Increment();
  it->second.latency->Observe(elapsed.count());
}

void Metrics::request_started() {
  impl_->in_flight.Increment();
}
void Metrics::request_finished() {
  impl_->in_flight.Decrement();
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(impl_->mutex);
  impl_->collectors.push_back(std::move(collector));
}

std::string Metrics::serialize() {
  {
    std::lock_guard lock(impl_->mutex);
    GaugeSetter set = [this](std::string_view name, std::string_view help,
                             std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                             double value) {
      std::map<std::string, std::string> l;
      for (auto const& [k, v] : labels) l.emplace(k, v);
      // Prometheus' naming rule: a name ending _total is a counter (a running total kept elsewhere,
      // brought up to date here; it only grows within a process), anything else a gauge.
      if (name.ends_with("_total")) {
        auto& family = impl_->scrape_counters[std::string(name)];
        if (!family) {
          family = &prometheus::BuildCounter()
                        .Name(std::string(name))
                        .Help(std::string(help))
                        .Register(impl_->registry);
        }
        auto& counter = family->Add(l);
        if (value > counter.Value()) counter.Increment(value - counter.Value());
        return;
      }
      auto& family = impl_->scrape_gauges[std::string(name)];
      if (!family) {
        family = &prometheus::BuildGauge()
                      .Name(std::string(name))
                      .Help(std::string(help))
                      .Register(impl_->registry);
      }
      family->Add(l).Set(value);
    };
    for (auto const& c : impl_->collectors) c(set);
  }
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

}  // namespace astropixel::metrics
