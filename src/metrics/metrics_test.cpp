#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace astropixel::metrics {
namespace {

using namespace std::chrono_literals;

bool has(std::string const& text, std::string const& line) {
  return text.find(line) != std::string::npos;
}

TEST(Metrics, LatencyHasRouteMethodAndStatusClassLabels) {
  Metrics m("1.0", "abc");
  m.observe_request("/api/datasets/{id}", "GET", 200, 3ms);
  m.observe_request("/api/datasets/{id}", "GET", 404, 1ms);
  auto text = m.serialize();
  EXPECT_TRUE(
      has(text, R"(astropixel_http_requests_total{method="GET",route="/api/datasets/{id}",status="2xx"} 1)"))
      << text;
  EXPECT_TRUE(
      has(text, R"(astropixel_http_requests_total{method="GET",route="/api/datasets/{id}",status="4xx"} 1)"));
  EXPECT_TRUE(has(
      text,
      R"(astropixel_http_request_duration_seconds_count{method="GET",route="/api/datasets/{id}",status="2xx"} 1)"));
  EXPECT_TRUE(has(
      text,
      R"(astropixel_http_request_duration_seconds_count{method="GET",route="/api/datasets/{id}",status="4xx"} 1)"));
}

TEST(Metrics, ClientChosenMethodsAndImpossibleStatusesKeepLabelValuesBounded) {
  Metrics m("1.0", "abc");
  m.observe_request("unmatched", "BREW", 400, 1ms);
  m.observe_request("unmatched", "PROPFIND", 400, 1ms);
  m.observe_request("unmatched", "GET", 0, 1ms);
  m.observe_request("unmatched", "GET", 999, 1ms);
  auto text = m.serialize();
  EXPECT_TRUE(has(text, R"(astropixel_http_requests_total{method="OTHER",route="unmatched",status="4xx"} 2)"))
      << text;
  EXPECT_TRUE(
      has(text, R"(astropixel_http_requests_total{method="GET",route="unmatched",status="other"} 2)"));
  EXPECT_FALSE(has(text, "BREW"));
  EXPECT_FALSE(has(text, "0xx"));
  EXPECT_FALSE(has(text, "9xx"));
}

TEST(Metrics, ScrapeTimeTotalsAreCountersThatNeverGoBackAndOtherFiguresGauges) {
  Metrics m("1.0", "abc");
  double total = 5, level = 7;
  m.add_collector([&](Metrics::GaugeSetter const& set) {
    set("astropixel_things_done_total", "Things done", {{"outcome", "ok"}}, total);
    set("astropixel_things_waiting", "Things waiting", {}, level);
  });
  auto text = m.serialize();
  EXPECT_TRUE(has(text, "# TYPE astropixel_things_done_total counter")) << text;
  EXPECT_TRUE(has(text, "# TYPE astropixel_things_waiting gauge"));
  EXPECT_TRUE(has(text, R"(astropixel_things_done_total{outcome="ok"} 5)"));
  total = 3;  // a counter cannot go down within a process
  level = 2;
  text = m.serialize();
  EXPECT_TRUE(has(text, R"(astropixel_things_done_total{outcome="ok"} 5)")) << text;
  EXPECT_TRUE(has(text, "astropixel_things_waiting 2"));
  total = 9;
  EXPECT_TRUE(has(m.serialize(), R"(astropixel_things_done_total{outcome="ok"} 9)"));
}

TEST(Metrics, TheStandardProcessMetricsAreThere) {
  Metrics m("1.0", "abc");
  auto text = m.serialize();
  for (auto const* name : {"process_cpu_seconds_total counter", "process_start_time_seconds gauge",
                           "process_max_fds gauge", "process_open_fds gauge",
                           "process_resident_memory_bytes gauge", "process_virtual_memory_bytes gauge"}) {
    EXPECT_TRUE(has(text, std::string("# TYPE ") + name)) << name << "\n" << text;
  }
}

}  // namespace
}  // namespace astropixel::metrics
