#pragma once
// An operator's actions on one job (the admin pages): retry a failed or cancelled job, cancel a queued or
// running one. Each is a compare-and-set on the job's state, so it can neither undo a worker's fenced write
// nor be undone by one: a worker holding the lease keeps writing with its token (JobQueue), and
// these touch only the states no worker writes (failed, queued), or set the cancel flag a running
// job's worker reads at its next lease renewal.
#include <string>

#include "core/error.hpp"
#include "db/connection.hpp"

namespace astropixel::jobs {

// A failed or cancelled job goes back to the queue with its attempts reset, due at once. A
// cancelled job only while no newer job of its kind exists for its subject: one cancelled because
// it was superseded (a reprocess queued a new build) must not run again after its successor.
// A cancelled job is finished (its worker, if any, ended it: a running job whose cancel was only
// requested is still 'running'), and the requeue clears the lease, so an old holder fences nothing.
// Errors: not_found, conflict (the job is queued, running or succeeded, e.g. retried already, or
// superseded).
Status requeue_job(db::Connection& conn, std::string const& id);

enum class Cancelled { now, requested };
// A queued job is cancelled at once (`now`); a running one is asked to stop (`requested`): its
// worker ends it as cancelled within a lease tick, unless it finishes first.
// Errors: not_found, conflict (the job has finished).
Result<Cancelled> cancel_job(db::Connection& conn, std::string const& id);

}  // namespace astropixel::jobs
