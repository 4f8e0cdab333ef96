#pragma once
// An operator's actions on one job (the admin pages): retry a failed job, cancel a queued or running
// one. Each is a compare-and-set on the job's state, so it can neither undo a worker's fenced write
// nor be undone by one: a worker holding the lease keeps writing with its token (JobQueue), and
// these touch only the states no worker writes (failed, queued), or set the cancel flag a running
// job's worker reads at its next lease renewal.
#include <string>

#include "core/error.hpp"
#include "db/connection.hpp"

namespace astropixel::jobs {

// A failed job goes back to the queue with its attempts reset, due at once.
// Errors: not_found, conflict (the job is not failed, e.g. retried already).
Status requeue_failed(db::Connection& conn, std::string const& id);

enum class Cancelled { now, requested };
// A queued job is cancelled at once (`now`); a running one is asked to stop (`requested`): its
// worker ends it as cancelled within a lease tick, unless it finishes first.
// Errors: not_found, conflict (the job has finished).
Result<Cancelled> cancel_job(db::Connection& conn, std::string const& id);

}  // namespace astropixel::jobs
