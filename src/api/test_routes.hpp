#pragma once
// Fault-injection routes under /api/_test, mounted only when TEST_ROUTES=true. The integration
// tests use them to make a handler throw, stall, hold a database connection or stream a body, so
// the server's own machinery (error boundary, shutdown, pool limits, body limits) is exercised
// through the real binary. Never enable them in production.
#include <functional>

#include "core/error.hpp"
#include "http/blocking.hpp"
#include "http/router.hpp"

namespace astropixel::api {

struct TestDeps {
  // Borrows a database connection for `ms` milliseconds. Errors as the pool's acquire.
  std::function<Status(int ms)> hold_database;
  // Pretends the disk has this many free bytes (nullopt: report the real figure again).
  std::function<void(std::optional<std::uint64_t>)> set_free_bytes;
  // Makes pyramid builds pause this long after every strip.
  std::function<void(int ms)> slow_builds;
  // Makes the decoders of the next pyramid builds crash (or stops that).
  std::function<void(bool)> crash_builds;
  // Makes the next periodic runs of a kind ("expire_uploads") stop before their work and wait until
  // released ("") or the process dies.
  std::function<void(std::string)> hold_sweeps;
  // What the decoders of the next pyramid builds do instead ("hang", "network:PORT"; "" decodes).
  std::function<void(std::string)> build_fault;
  // Makes the header probes of finished uploads crash ("crash"), never return ("hang"), or work ("").
  std::function<void(std::string)> probe_fault;
  http::BlockingPool* blocking = nullptr;
};

void add_test_routes(http::Router& router, TestDeps deps);

}  // namespace astropixel::api
