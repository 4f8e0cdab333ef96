#include "datasets/admin_service.hpp"

#include "core/error_catalogue.hpp"
#include "jobs/job_control.hpp"

namespace astropixel::datasets {

Result<SystemStats> AdminService::stats() {
  SystemStats out;
  auto users = users_.count();
  if (!users) return users.error();
  out.users = *users;
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  ListQuery all;
  all.everything = true;
  auto st = store::stats(**conn, all);
  if (!st) return st.error();
  out.datasets = std::move(*st);
  auto stored = admin::stored_bytes(**conn);
  if (!stored) return stored.error();
  out.storage_bytes = *stored;
  // The builds: periodic sweeps (jobs/periodic.hpp) are the system's housekeeping, not its work.
  auto jobs = jobs::JobQueue::counts(**conn, std::string(kBuildPyramidJob));
  if (!jobs) return jobs.error();
  out.jobs = *jobs;
  return out;
}

Result<Page> AdminService::datasets(ListQuery q) {
  q.everything = true;
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return store::list(**conn, q);
}

Result<std::vector<store::Activity>> AdminService::activity(int limit) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return store::recent_activity(**conn, limit);
}

Status AdminService::delete_user(auth::Principal const& admin, std::string const& user_id) {
  if (admin.user_id == user_id) {
    Error e = make_error(ErrorCode::conflict, "You cannot delete your own account here");
    e.reason = errc::cannot_modify_self.code;
    return e;
  }
  if (auto s = remove_datasets_of(admin, user_id, {}); !s) return s;
  return auth_.delete_user(admin, user_id);
}

Status AdminService::remove_datasets_of(auth::Principal const& viewer, std::string const& user_id,
                                        std::function<void(std::string const&)> const& removed) {
  std::optional<auth::Principal> who = viewer;
  for (;;) {
    ListQuery q;
    q.owner_id = user_id;
    q.limit = 100;
    // The page's connection is returned before deleting: each delete takes one of its own.
    auto page = datasets(q);
    if (!page) return page.error();
    if (page->items.empty()) break;
    for (auto const& d : page->items) {
      // not_found: a concurrent delete (another tab, a second click) took it first.
      if (auto s = datasets_.remove(who, d.id); !s && s.error().code != ErrorCode::not_found) return s;
      if (removed) removed(d.id);
    }
  }
  return {};
}

Status AdminService::check_own_account_deletion(auth::Principal const& who) {
  return auth_.check_can_delete_self(who);
}

Status AdminService::delete_own_account(auth::Principal const& who,
                                        std::function<void(std::string const&)> const& removed) {
  // Refused before anything is lost, and again atomically with the delete itself.
  if (auto s = auth_.check_can_delete_self(who); !s) return s;
  if (auto s = remove_datasets_of(who, who.user_id, removed); !s) return s;
  return auth_.delete_self(who);
}

Result<auth::UserRepository::Page> AdminService::users(std::string const& query, int limit, int offset) {
  return users_.list(query, limit, offset);
}

Result<auth::User> AdminService::change_user(auth::Principal const& admin, std::string const& user_id,
                                             std::optional<auth::Role> role, std::optional<bool> disabled) {
  Result<auth::User> out =
      make_error(ErrorCode::validation, "Nothing to change", "Send role and/or disabled");
  if (role) {
    out = auth_.set_role(admin, user_id, *role);
    if (!out) return out.error();
  }
  if (disabled) out = auth_.set_disabled(admin, user_id, *disabled);
  return out;
}

Result<admin::TablePage<admin::UserRow>> AdminService::user_table(admin::TableQuery const& q) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return admin::users(**conn, q);
}

Result<admin::TablePage<admin::DatasetRow>> AdminService::dataset_table(admin::TableQuery const& q) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return admin::datasets(**conn, q);
}

Result<admin::TablePage<admin::JobRow>> AdminService::job_table(admin::TableQuery const& q) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  return admin::jobs(**conn, q);
}

namespace {

// The job's state change and its dataset's, together or not at all.
template <class Change>
Result<admin::JobRow> change_job(db::Pool& pool, std::string const& id, Change change) {
  auto conn = pool.acquire();
  if (!conn) return conn.error();
  auto& c = **conn;
  auto tx = db::Transaction::begin(c, true);
  if (!tx) return tx.error();
  if (auto s = change(c); !s) return s.error();
  if (auto s = tx->commit(); !s) return s.error();
  return admin::job(c, id);
}

}  // namespace

Result<admin::JobRow> AdminService::retry_job(std::string const& id) {
  return change_job(pool_, id, [&id](db::Connection& c) -> Status {
    if (auto s = jobs::requeue_job(c, id); !s) return s;
    return admin::dataset_build_retried(c, id);
  });
}

Result<admin::JobRow> AdminService::cancel_job(std::string const& id) {
  return change_job(pool_, id, [&id](db::Connection& c) -> Status {
    if (auto s = jobs::cancel_job(c, id); !s) return s.error();
    return admin::dataset_build_cancelled(c, id);
  });
}

}  // namespace astropixel::datasets
