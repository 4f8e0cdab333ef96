#pragma once
// The administrators' three tables (users, datasets, jobs) as the database knows them: filtered by
// text and state, sorted by a column from each table's fixed list, one page at a time. Sort keys and
// states are looked up in tables here, never copied into SQL; text is a bound LIKE parameter.
// Each call takes the connection to run on (AdminService owns the pool).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "db/connection.hpp"

namespace astropixel::datasets::admin {

struct TableQuery {
  std::string text;    // case-insensitive substring; LIKE wildcards are taken literally
  std::string status;  // "" = any, else one of the table's states
  std::string kind;    // jobs only: "" = any kind
  std::string owner;   // datasets only: an owner's user id, "" = anyone's
  std::string sort;    // "" = the table's default; a sort key, '-' prefix for descending
  int limit = 50, offset = 0;
};

template <class Row>
struct TablePage {
  std::vector<Row> items;
  std::int64_t total = 0;
};

// Storage: the bytes of a user's datasets' sources plus their published pyramids (the pack size
// the build recorded in pyramid_info), as the database knows them; open uploads are not counted.
struct UserRow {
  std::string id, email, username, full_name, role;
  bool disabled = false;
  std::int64_t created_at = 0;
  std::int64_t datasets = 0, storage_bytes = 0;
};

struct DatasetRow {
  std::string id, name, owner_id, owner_username, visibility, status, failure_code, failure_reason, format;
  int progress = 0;
  std::int64_t source_bytes = 0, pyramid_bytes = 0, width = 0, height = 0, created_at = 0, updated_at = 0;
};

struct JobRow {
  std::string id, kind, subject, state, last_error, lease_owner;
  std::string dataset_id, dataset_name, owner_username;  // empty unless the subject is a dataset
  int attempts = 0, max_attempts = 0;
  bool cancel_requested = false;
  std::int64_t created_at = 0, updated_at = 0;
  std::optional<std::int64_t> finished_at;
};

// The sort keys and states each table accepts (the API documents them from these).
std::span<std::string_view const> user_sorts();
std::span<std::string_view const> user_states();
std::span<std::string_view const> dataset_sorts();
std::span<std::string_view const> dataset_states();
std::span<std::string_view const> job_sorts();
std::span<std::string_view const> job_states();

// What every dataset takes in storage: sources plus published pyramids, as the users and datasets
// tables count it (the Overview's Storage).
Result<std::int64_t> stored_bytes(db::Connection& c);

// Errors (all three): validation naming the field (sort, status, kind) for a value not in the lists.
Result<TablePage<UserRow>> users(db::Connection& c, TableQuery const& q);
Result<TablePage<DatasetRow>> datasets(db::Connection& c, TableQuery const& q);
Result<TablePage<JobRow>> jobs(db::Connection& c, TableQuery const& q);
// Errors: not_found.
Result<JobRow> job(db::Connection& c, std::string const& id);

// A build job's dataset after an operator's action, changed only when `job_id` is the dataset's
// newest build (an older one being retried or cancelled says nothing about the dataset): a retried
// build shows pending again if it had failed; a cancelled one shows failed with code "cancelled"
// if it was still waiting or building.
Status dataset_build_retried(db::Connection& c, std::string const& job_id);
Status dataset_build_cancelled(db::Connection& c, std::string const& job_id);

}  // namespace astropixel::datasets::admin
