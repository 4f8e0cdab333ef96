#include "jobs/job_control.hpp"

#include "core/clock.hpp"

namespace astropixel::jobs {
namespace {

// Why a compare-and-set changed nothing: the job is gone, or in another state.
Error refused(db::Connection& conn, std::string const& id, std::string_view allowed) {
  auto r = conn.query("SELECT state FROM jobs WHERE id = $1", {id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Job not found");
  return make_error(ErrorCode::conflict, "The job is " + r->text(0, 0), std::string(allowed));
}

}  // namespace

Status requeue_job(db::Connection& conn, std::string const& id) {
  auto now = now_unix_ms();
  auto r = conn.query(
      "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1, updated_at = $1, finished_at = NULL, "
      "cancel_requested = 0, lease_owner = '', lease_token = '', lease_expires_at = 0 "
      "WHERE id = $2 AND (state = 'failed' OR (state = 'cancelled' AND NOT EXISTS (SELECT 1 FROM jobs AS "
      "newer "
      "WHERE newer.subject = jobs.subject AND newer.kind = jobs.kind AND newer.subject <> '' AND "
      "newer.created_at > jobs.created_at)))",
      {now, id});
  if (!r) return r.error();
  if (r->affected == 0)
    return refused(conn, id, "only a failed job, or a cancelled one no newer job replaced, can be retried");
  return {};
}

Result<Cancelled> cancel_job(db::Connection& conn, std::string const& id) {
  auto now = now_unix_ms();
  auto r = conn.query(
      "UPDATE jobs SET state = 'cancelled', updated_at = $1, finished_at = $1 WHERE id = $2 AND state = "
      "'queued'",
      {now, id});
  if (!r) return r.error();
  if (r->affected > 0) return Cancelled::now;
  r = conn.query("UPDATE jobs SET cancel_requested = 1, updated_at = $1 WHERE id = $2 AND state = 'running'",
                 {now, id});
  if (!r) return r.error();
  if (r->affected > 0) return Cancelled::requested;
  return refused(conn, id, "only a queued or running job can be cancelled");
}

}  // namespace astropixel::jobs
