#include "app/test_hooks.hpp"

#include <thread>

#include "api/test_routes.hpp"
#include "core/log.hpp"
#include "core/process_stats.hpp"

namespace astropixel::app {

Result<std::uint64_t> TestHooks::free_at(std::filesystem::path const& dir) const {
  if (auto o = free_override_.load(); o >= 0) return static_cast<std::uint64_t>(o);
  auto f = free_disk_bytes(dir.c_str());
  if (!f) return make_error(ErrorCode::unavailable, "Cannot read free disk space", dir.string());
  return *f;
}

std::string TestHooks::probe_fault() const {
  std::lock_guard lock(mutex_);
  return probe_fault_;
}

void TestHooks::mount(http::Router& router, db::Pool& pool, JobRuntime& jobs, http::BlockingPool& blocking) {
  log::warn("test_routes_enabled", {{"detail", "fault-injection routes are mounted under /api/_test"}});
  api::add_test_routes(router,
                       {
                           .hold_database = [&pool](int ms) -> Status {
                             auto conn = pool.acquire();
                             if (!conn) return conn.error();
                             std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                             return {};
                           },
                           .set_free_bytes =
                               [this](std::optional<std::uint64_t> b) {
                                 free_override_ = b ? static_cast<std::int64_t>(*b) : -1;
                               },
                           .slow_builds = [&jobs](int ms) { jobs.slow_builds(ms); },
                           .crash_builds = [&jobs](bool on) { jobs.crash_builds(on); },
                           .hold_sweeps = [&jobs](std::string kind) { jobs.hold_sweeps(std::move(kind)); },
                           .build_fault = [&jobs](std::string kind) { jobs.build_fault(kind); },
                           .probe_fault =
                               [this](std::string k) {
                                 std::lock_guard lock(mutex_);
                                 probe_fault_ = std::move(k);
                               },
                           .blocking = &blocking,
                       });
}

}  // namespace astropixel::app
