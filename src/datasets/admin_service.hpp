#pragma once
// What administrators oversee: the whole catalogue (every dataset, whoever owns it), the system's
// figures, the activity feed, and deleting an account with everything it owns. Callers check the
// admin role first (api/endpoint.hpp, Access::admin); this service assumes it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.hpp"
#include "auth/user_repository.hpp"
#include "datasets/admin_tables.hpp"
#include "datasets/dataset_service.hpp"
#include "datasets/dataset_store.hpp"
#include "db/pool.hpp"
#include "jobs/job_queue.hpp"

namespace astropixel::datasets {

struct SystemStats {
  std::int64_t users = 0;
  Stats datasets;
  std::int64_t storage_bytes = 0;  // sources plus published pyramids (datasets.total_bytes: sources)
  jobs::JobQueue::Counts jobs;
};

class AdminService {
 public:
  AdminService(db::Pool& pool, auth::UserRepository& users, auth::AuthService& auth, DatasetService& datasets)
      : pool_(pool), users_(users), auth_(auth), datasets_(datasets) {}

  Result<SystemStats> stats();
  // Every dataset matching `q` (its visibility rules do not apply).
  Result<Page> datasets(ListQuery q);
  Result<std::vector<store::Activity>> activity(int limit);
  // Their datasets first (sources and pyramids too), then the account; a failure half-way leaves
  // the account, so the admin can simply try again. Errors: conflict (cannot_modify_self) for the
  // admin's own account, and as AuthService::delete_user.
  Status delete_user(auth::Principal const& admin, std::string const& user_id);
  // The caller's own account (the account page), after the caller has confirmed the password: as
  // delete_user, through the same dataset removal, refused first for the last administrator.
  // `removed` hears each dataset id deleted. Errors: conflict (last_admin), and as DatasetService::remove.
  // Errors: conflict (last_admin) when the caller is the last enabled administrator.
  Status check_own_account_deletion(auth::Principal const& who);
  Status delete_own_account(auth::Principal const& who,
                            std::function<void(std::string const&)> const& removed = {});
  // Accounts whose name or email contains `query`.
  Result<auth::UserRepository::Page> users(std::string const& query, int limit, int offset);
  // Sets the role, then the disabled flag, as given. Errors: validation when neither is given, and
  // as AuthService::set_role and set_disabled (an admin cannot demote or disable themselves).
  Result<auth::User> change_user(auth::Principal const& admin, std::string const& user_id,
                                 std::optional<auth::Role> role, std::optional<bool> disabled);

  // The admin pages' tables (datasets/admin_tables.hpp). Errors: validation naming the field.
  Result<admin::TablePage<admin::UserRow>> user_table(admin::TableQuery const& q);
  Result<admin::TablePage<admin::DatasetRow>> dataset_table(admin::TableQuery const& q);
  Result<admin::TablePage<admin::JobRow>> job_table(admin::TableQuery const& q);
  // A failed job back to the queue (a build's dataset shows pending again), or a queued or running
  // job cancelled (a build's dataset shows failed, code "cancelled"), with the dataset changed in the
  // same transaction as the job. Returns the job as it is now. Errors: not_found; conflict when the
  // job is not in a state the action applies to (jobs/job_control.hpp).
  Result<admin::JobRow> retry_job(std::string const& id);
  Result<admin::JobRow> cancel_job(std::string const& id);

 private:
  db::Pool& pool_;
  auth::UserRepository& users_;
  auth::AuthService& auth_;
  Status remove_datasets_of(auth::Principal const& viewer, std::string const& user_id,
                            std::function<void(std::string const&)> const& removed);
  DatasetService& datasets_;
};

}  // namespace astropixel::datasets
