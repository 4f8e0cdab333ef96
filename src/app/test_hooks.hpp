#pragma once
// What the integration tests may change in a running server, in one place: a smaller disk, faulty
// header probes, and (mounted under /api/_test only with TEST_ROUTES) slow or crashing builds and a
// held database connection. Production wiring reads without them: they default to "no fault".
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "app/job_runtime.hpp"
#include "core/error.hpp"
#include "db/pool.hpp"
#include "http/blocking.hpp"
#include "http/router.hpp"

namespace astropixel::app {

class TestHooks {
 public:
  // Free bytes of the file system holding `dir`, or what a test pretends it is.
  // Errors: unavailable when it cannot be read.
  Result<std::uint64_t> free_at(std::filesystem::path const& dir) const;
  // What the header probes of finished uploads do: "" (probe), "crash" or "hang".
  std::string probe_fault() const;
  // Mounts the fault-injection routes under /api/_test (logged as a warning).
  void mount(http::Router& router, db::Pool& pool, JobRuntime& jobs, http::BlockingPool& blocking);

 private:
  std::atomic<std::int64_t> free_override_{-1};
  mutable std::mutex mutex_;
  std::string probe_fault_;
};

}  // namespace astropixel::app
