#pragma once
// The process-wide Prometheus registry and the families every part of the server reports into.
// Scrape-time figures (memory, fds, disk, pool) come from collectors run just before serialising.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace astropixel::metrics {

class Metrics {
 public:
  Metrics(std::string version, std::string commit);
  ~Metrics();
  Metrics(Metrics const&) = delete;
  Metrics& operator=(Metrics const&) = delete;

  // One finished HTTP request. `route` is the route pattern, never the raw path (bounded cardinality).
  void observe_request(std::string_view route, std::string_view method, unsigned status,
                       std::chrono::duration<double> elapsed);
  void request_started();
  void request_finished();

  // A named gauge set at scrape time; `labels` is a list of key=value pairs.
  using GaugeSetter = std::function<void(
      std::string_view name, std::string_view help,
      std::initializer_list<std::pair<std::string_view, std::string_view>> labels, double value)>;
  using Collector = std::function<void(GaugeSetter const&)>;
  void add_collector(Collector collector);

  // Prometheus text exposition format 0.0.4.
  std::string serialize();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace astropixel::metrics
