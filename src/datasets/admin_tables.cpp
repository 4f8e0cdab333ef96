#include "datasets/admin_tables.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/clock.hpp"
#include "datasets/composite_request.hpp"
#include "datasets/dataset_service.hpp"

namespace astropixel::datasets::admin {
namespace {

// A sort key the API accepts and the SQL expression it stands for (never built from input).
struct Column {
  std::string_view key, sql;
};

constexpr std::array<Column, 6> kUserColumns{{{"username", "u.username"},
                                              {"email", "u.email_key"},
                                              {"role", "u.role"},
                                              {"created", "u.created_at"},
                                              {"datasets", "COALESCE(s.n, 0)"},
                                              {"storage", "COALESCE(s.bytes, 0)"}}};
constexpr std::array<Column, 6> kDatasetColumns{{{"name", "LOWER(d.name)"},
                                                 {"owner", "COALESCE(u.username, '')"},
                                                 {"status", "d.status"},
                                                 {"size", "d.file_size"},
                                                 {"storage", "d.file_size + pyr.bytes"},
                                                 {"created", "d.created_at"}}};
constexpr std::array<Column, 6> kJobColumns{{{"created", "j.created_at"},
                                             {"updated", "j.updated_at"},
                                             {"state", "j.state"},
                                             {"kind", "j.kind"},
                                             {"attempts", "j.attempts"},
                                             {"dataset", "LOWER(COALESCE(d.name, ''))"}}};

constexpr std::array<std::string_view, 6> kUserSorts{"username", "email",    "role",
                                                     "created",  "datasets", "storage"};
constexpr std::array<std::string_view, 6> kDatasetSorts{"name", "owner",   "status",
                                                        "size", "storage", "created"};
constexpr std::array<std::string_view, 6> kJobSorts{"created", "updated",  "state",
                                                    "kind",    "attempts", "dataset"};
constexpr std::array<std::string_view, 3> kUserStates{"active", "disabled", "admin"};
constexpr std::array<std::string_view, 4> kDatasetStates{"pending", "processing", "completed", "failed"};
constexpr std::array<std::string_view, 5> kJobStates{"queued", "running", "succeeded", "failed", "cancelled"};

Error invalid(std::string field, std::string message) {
  Error e = make_error(ErrorCode::validation, std::move(message));
  e.field = std::move(field);
  return e;
}

// "ORDER BY ..." for `sort` ("" = `fallback`), ties broken by `id` so pages never overlap.
template <std::size_t N>
Result<std::string> order_by(std::string_view sort, std::string_view fallback,
                             std::array<Column, N> const& columns, std::string_view id) {
  if (sort.empty()) sort = fallback;
  bool const desc = sort.front() == '-';
  if (desc) sort.remove_prefix(1);
  auto it = std::find_if(columns.begin(), columns.end(), [&](Column const& c) { return c.key == sort; });
  if (it == columns.end()) {
    std::string keys;
    for (auto const& c : columns) keys += (keys.empty() ? "" : ", ") + std::string(c.key);
    return invalid("sort", "sort must be one of " + keys + ", optionally prefixed with '-'");
  }
  return " ORDER BY " + std::string(it->sql) + (desc ? " DESC" : " ASC") + ", " + std::string(id) +
         (desc ? " DESC" : " ASC");
}

Status check_state(std::string const& status, std::span<std::string_view const> states) {
  if (status.empty() || std::find(states.begin(), states.end(), status) != states.end()) return {};
  std::string names;
  for (auto s : states) names += (names.empty() ? "" : ", ") + std::string(s);
  return invalid("status", "status must be one of " + names);
}

// LIKE pattern for a substring match with the user's %, _ and \ taken literally.
std::string like_pattern(std::string const& text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out + "%";
}

// The published pack's size from pyramid_info ({"bytes": n, ...} written by the build), 0 when
// nothing is published. JSON functions differ between the two databases; this is their one place.
std::string pyramid_bytes(db::Connection& c, std::string_view info) {
  std::string i(info);
  if (c.dialect() == db::Dialect::postgres)
    return "CASE WHEN " + i + " LIKE '{%' THEN COALESCE((" + i +
           "::jsonb ->> 'bytes')::bigint, 0) ELSE 0 END";
  return "CASE WHEN json_valid(" + i + ") THEN CAST(COALESCE(json_extract(" + i +
         ", '$.bytes'), 0) AS BIGINT) ELSE 0 END";
}

struct Where {
  std::string sql = " WHERE 1 = 1";
  std::vector<db::Value> params;
  std::string next(db::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  }
  // Any of `columns` (already lower-case expressions) contains the text.
  void text(std::string const& t, std::initializer_list<std::string_view> columns) {
    if (t.empty()) return;
    auto p = next(like_pattern(t));
    std::string any;
    for (auto col : columns)
      any += (any.empty() ? "" : " OR ") + std::string(col) + " LIKE " + p + " ESCAPE '\\'";
    sql += " AND (" + any + ")";
  }
};

template <class Row, class Read>
Result<TablePage<Row>> page(db::Connection& c, std::string const& from, Where w, std::string const& order,
                            TableQuery const& q, std::string const& columns, Read read) {
  auto count = c.query("SELECT COUNT(*) FROM " + from + w.sql, w.params);
  if (!count) return count.error();
  TablePage<Row> out;
  out.total = count->int64(0, 0);
  auto limit = w.next(std::int64_t{q.limit});
  auto offset = w.next(std::int64_t{q.offset});
  auto rows =
      c.query("SELECT " + columns + " FROM " + from + w.sql + order + " LIMIT " + limit + " OFFSET " + offset,
              w.params);
  if (!rows) return rows.error();
  for (std::size_t i = 0; i < rows->rows.size(); ++i) out.items.push_back(read(*rows, i));
  return out;
}

constexpr std::string_view kJobColumnsSql =
    "j.id, j.kind, j.subject, j.state, j.attempts, j.max_attempts, j.last_error, j.cancel_requested, "
    "j.lease_owner, j.created_at, j.updated_at, j.finished_at, COALESCE(d.id, ''), COALESCE(d.name, ''), "
    "COALESCE(u.username, '')";
constexpr std::string_view kJobFrom =
    "jobs j LEFT JOIN datasets d ON d.id = j.subject LEFT JOIN users u ON u.id = d.owner_id";

JobRow job_from(db::Rows const& r, std::size_t i) {
  JobRow j;
  std::size_t c = 0;
  j.id = r.text(i, c++);
  j.kind = r.text(i, c++);
  j.subject = r.text(i, c++);
  j.state = r.text(i, c++);
  j.attempts = static_cast<int>(r.int64(i, c++));
  j.max_attempts = static_cast<int>(r.int64(i, c++));
  j.last_error = r.text(i, c++);
  j.cancel_requested = r.int64(i, c++) != 0;
  j.lease_owner = r.text(i, c++);
  j.created_at = r.int64(i, c++);
  j.updated_at = r.int64(i, c++);
  if (!r.is_null(i, c)) j.finished_at = r.int64(i, c);
  ++c;
  j.dataset_id = r.text(i, c++);
  j.dataset_name = r.text(i, c++);
  j.owner_username = r.text(i, c++);
  return j;
}

// The build job `job_id` (a pyramid build or a composite's image, $2 and $4) when it is its dataset's
// newest of its kind: a condition on `datasets` rows.
constexpr std::string_view kNewestBuildOf =
    "id = (SELECT subject FROM jobs WHERE id = $1 AND kind IN ($2, $4)) AND NOT EXISTS (SELECT 1 FROM jobs "
    "n, jobs "
    "j WHERE j.id = $1 AND n.subject = j.subject AND n.kind = j.kind AND n.id <> j.id AND (n.created_at > "
    "j.created_at OR (n.created_at = j.created_at AND n.id > j.id)))";

}  // namespace

std::span<std::string_view const> user_sorts() {
  return kUserSorts;
}
std::span<std::string_view const> user_states() {
  return kUserStates;
}
std::span<std::string_view const> dataset_sorts() {
  return kDatasetSorts;
}
std::span<std::string_view const> dataset_states() {
  return kDatasetStates;
}
std::span<std::string_view const> job_sorts() {
  return kJobSorts;
}
std::span<std::string_view const> job_states() {
  return kJobStates;
}

Result<std::int64_t> stored_bytes(db::Connection& c) {
  auto r = c.query("SELECT CAST(COALESCE(SUM(d.file_size + " + pyramid_bytes(c, "d.pyramid_info") +
                   "), 0) AS BIGINT) FROM datasets d");
  if (!r) return r.error();
  return r->int64(0, 0);
}

Result<TablePage<UserRow>> users(db::Connection& c, TableQuery const& q) {
  if (auto s = check_state(q.status, kUserStates); !s) return s.error();
  auto order = order_by(q.sort, "-created", kUserColumns, "u.id");
  if (!order) return order.error();
  Where w;
  w.text(q.text, {"u.email_key", "u.username", "LOWER(u.full_name)"});
  if (q.status == "active") w.sql += " AND u.disabled = 0";
  if (q.status == "disabled") w.sql += " AND u.disabled <> 0";
  if (q.status == "admin") w.sql += " AND u.role = 'admin'";
  std::string const from =
      "users u LEFT JOIN (SELECT d.owner_id, COUNT(*) AS n, SUM(d.file_size + " +
      pyramid_bytes(c, "d.pyramid_info") +
      ") AS bytes FROM datasets d WHERE d.owner_id IS NOT NULL GROUP BY d.owner_id) s ON s.owner_id = u.id";
  return page<UserRow>(c, from, std::move(w), *order, q,
                       "u.id, u.email, u.username, u.full_name, u.role, u.disabled, u.created_at, "
                       "CAST(COALESCE(s.n, 0) AS BIGINT), CAST(COALESCE(s.bytes, 0) AS BIGINT)",
                       [](db::Rows const& r, std::size_t i) {
                         return UserRow{r.text(i, 0),  r.text(i, 1),  r.text(i, 2),
                                        r.text(i, 3),  r.text(i, 4),  r.int64(i, 5) != 0,
                                        r.int64(i, 6), r.int64(i, 7), r.int64(i, 8)};
                       });
}

Result<TablePage<DatasetRow>> datasets(db::Connection& c, TableQuery const& q) {
  if (auto s = check_state(q.status, kDatasetStates); !s) return s.error();
  auto order = order_by(q.sort, "-created", kDatasetColumns, "d.id");
  if (!order) return order.error();
  Where w;
  w.text(q.text, {"LOWER(d.name)", "LOWER(d.description)", "LOWER(COALESCE(u.username, ''))", "LOWER(d.id)"});
  if (!q.status.empty()) w.sql += " AND d.status = " + w.next(q.status);
  if (!q.owner.empty()) w.sql += " AND d.owner_id = " + w.next(q.owner);
  // The pack size once per row, joinable by the sort key and the select list alike.
  std::string const from = "datasets d LEFT JOIN users u ON u.id = d.owner_id JOIN (SELECT id, " +
                           pyramid_bytes(c, "pyramid_info") + " AS bytes FROM datasets) pyr ON pyr.id = d.id";
  return page<DatasetRow>(
      c, from, std::move(w), *order, q,
      "d.id, d.name, COALESCE(d.owner_id, ''), COALESCE(u.username, ''), d.visibility, d.status, "
      "d.failure_code, d.failure_reason, d.format, d.progress, d.file_size, CAST(pyr.bytes AS BIGINT), "
      "d.width, "
      "d.height, d.created_at, d.updated_at",
      [](db::Rows const& r, std::size_t i) {
        DatasetRow d;
        d.id = r.text(i, 0);
        d.name = r.text(i, 1);
        d.owner_id = r.text(i, 2);
        d.owner_username = r.text(i, 3);
        d.visibility = r.text(i, 4);
        d.status = r.text(i, 5);
        d.failure_code = r.text(i, 6);
        d.failure_reason = r.text(i, 7);
        d.format = r.text(i, 8);
        d.progress = static_cast<int>(r.int64(i, 9));
        d.source_bytes = r.int64(i, 10);
        d.pyramid_bytes = r.int64(i, 11);
        d.width = r.int64(i, 12);
        d.height = r.int64(i, 13);
        d.created_at = r.int64(i, 14);
        d.updated_at = r.int64(i, 15);
        return d;
      });
}

Result<TablePage<JobRow>> jobs(db::Connection& c, TableQuery const& q) {
  if (auto s = check_state(q.status, kJobStates); !s) return s.error();
  auto order = order_by(q.sort, "-created", kJobColumns, "j.id");
  if (!order) return order.error();
  // Kinds are the handlers' own names: letters and underscores, nothing else is worth a query.
  if (q.kind.size() > 64 || !std::all_of(q.kind.begin(), q.kind.end(),
                                         [](char ch) { return (ch >= 'a' && ch <= 'z') || ch == '_'; }))
    return invalid("kind", "kind is a job kind such as build_pyramid");
  Where w;
  w.text(q.text, {"LOWER(j.id)", "LOWER(j.subject)", "j.kind", "LOWER(COALESCE(d.name, ''))",
                  "LOWER(COALESCE(u.username, ''))", "LOWER(j.last_error)"});
  if (!q.status.empty()) w.sql += " AND j.state = " + w.next(q.status);
  if (!q.kind.empty()) w.sql += " AND j.kind = " + w.next(q.kind);
  return page<JobRow>(c, std::string(kJobFrom), std::move(w), *order, q, std::string(kJobColumnsSql),
                      job_from);
}

Result<JobRow> job(db::Connection& c, std::string const& id) {
  auto r = c.query(
      "SELECT " + std::string(kJobColumnsSql) + " FROM " + std::string(kJobFrom) + " WHERE j.id = $1", {id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Job not found");
  return job_from(*r, 0);
}

Status dataset_build_retried(db::Connection& c, std::string const& job_id) {
  auto r = c.query(
      "UPDATE datasets SET status = 'pending', progress = 0, failure_code = '', failure_reason = '', "
      "updated_at = $3 WHERE status = 'failed' AND " +
          std::string(kNewestBuildOf),
      {job_id, std::string(kBuildPyramidJob), now_unix_ms(), std::string(kBuildCompositeJob)});
  if (!r) return r.error();
  return {};
}

Status dataset_build_cancelled(db::Connection& c, std::string const& job_id) {
  auto r = c.query(
      "UPDATE datasets SET status = 'failed', failure_code = 'cancelled', failure_reason = 'The build was "
      "cancelled by an administrator', building = '', updated_at = $3 WHERE status IN ('pending', "
      "'processing') AND " +
          std::string(kNewestBuildOf),
      {job_id, std::string(kBuildPyramidJob), now_unix_ms(), std::string(kBuildCompositeJob)});
  if (!r) return r.error();
  return {};
}

}  // namespace astropixel::datasets::admin
