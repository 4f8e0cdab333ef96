#include "datasets/dataset_store.hpp"

#include "core/clock.hpp"

namespace astropixel::datasets::store {
namespace {

constexpr std::string_view kColumns =
    "id, COALESCE(owner_id, ''), name, description, category, visibility, file_name, file_size, source_key, "
    "format, width, height, bands, bit_depth, sample_format, status, progress, failure_code, failure_reason, "
    "stretch, pyramid_version, pyramid_key, pyramid_info, next_version, created_at, updated_at, expires_at, "
    "building";

Dataset from_row(db::Rows const& r, std::size_t i) {
  Dataset d;
  std::size_t c = 0;
  d.id = r.text(i, c++);
  d.owner_id = r.text(i, c++);
  d.name = r.text(i, c++);
  d.description = r.text(i, c++);
  d.category = r.text(i, c++);
  d.visibility = parse_visibility(r.text(i, c++)).value_or(auth::Visibility::private_);
  d.file_name = r.text(i, c++);
  d.file_size = r.int64(i, c++);
  d.source_key = r.text(i, c++);
  d.format = r.text(i, c++);
  d.width = r.int64(i, c++);
  d.height = r.int64(i, c++);
  d.bands = static_cast<int>(r.int64(i, c++));
  d.bit_depth = static_cast<int>(r.int64(i, c++));
  d.sample_format = r.text(i, c++);
  d.status = parse_status(r.text(i, c++)).value_or(DatasetStatus::pending);
  d.progress = static_cast<int>(r.int64(i, c++));
  d.failure_code = r.text(i, c++);
  d.failure_reason = r.text(i, c++);
  d.stretch = r.text(i, c++);
  d.pyramid_version = static_cast<int>(r.int64(i, c++));
  d.pyramid_key = r.text(i, c++);
  d.pyramid_info = r.text(i, c++);
  d.next_version = static_cast<int>(r.int64(i, c++));
  d.created_at = r.int64(i, c++);
  d.updated_at = r.int64(i, c++);
  if (!r.is_null(i, c)) d.expires_at = r.int64(i, c);
  d.building = r.text(i, ++c);
  return d;
}

db::Value opt(std::optional<std::int64_t> v) {
  return v ? db::Value{*v} : db::Value{};
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

// WHERE clause for what the query may see, with its parameters appended to `params`.
std::string visible_where(ListQuery const& q, std::vector<db::Value>& params) {
  auto next = [&](db::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  std::string w = "1 = 1";
  if (!q.everything) {
    if (q.viewer_id.empty())
      w += " AND visibility = 'public'";
    else
      w += " AND (visibility = 'public' OR owner_id = " + next(q.viewer_id) + ")";
  }
  if (q.owner_id) w += " AND owner_id = " + next(*q.owner_id);
  if (q.category) w += " AND category = " + next(*q.category);
  if (q.status) w += " AND status = " + next(std::string(to_string(*q.status)));
  if (q.visibility) w += " AND visibility = " + next(std::string(to_string(*q.visibility)));
  if (!q.text.empty()) {
    auto p = next(like_pattern(q.text));
    w += " AND (LOWER(name) LIKE " + p + " ESCAPE '\\' OR LOWER(description) LIKE " + p +
         " ESCAPE '\\' OR LOWER(sky_object) LIKE " + p + " ESCAPE '\\')";
  }
  return w;
}

}  // namespace

Status insert(db::Connection& c, Dataset const& d) {
  auto r = c.query(
      "INSERT INTO datasets (id, owner_id, name, description, category, visibility, file_name, file_size, "
      "source_key, format, width, height, bands, bit_depth, sample_format, status, progress, stretch, "
      "next_version, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, "
      "$12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21)",
      {d.id,
       d.owner_id.empty() ? db::Value{} : db::Value{d.owner_id},
       d.name,
       d.description,
       d.category,
       std::string(to_string(d.visibility)),
       d.file_name,
       d.file_size,
       d.source_key,
       d.format,
       d.width,
       d.height,
       std::int64_t{d.bands},
       std::int64_t{d.bit_depth},
       d.sample_format,
       std::string(to_string(d.status)),
       std::int64_t{d.progress},
       d.stretch,
       std::int64_t{d.next_version},
       d.created_at,
       opt(d.expires_at)});
  if (!r) return r.error();
  return {};
}

Result<Dataset> get(db::Connection& c, std::string const& id) {
  auto r = c.query("SELECT " + std::string(kColumns) + " FROM datasets WHERE id = $1", {id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Dataset not found");
  return from_row(*r, 0);
}

Result<PublishedPyramid> published_pyramid(db::Connection& c, std::string const& id) {
  auto r = c.query(
      "SELECT COALESCE(owner_id, ''), visibility, pyramid_version, pyramid_key, building, link_epoch FROM "
      "datasets WHERE id = $1",
      {id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Dataset not found");
  return PublishedPyramid{
      {r->text(0, 0), parse_visibility(r->text(0, 1)).value_or(auth::Visibility::private_)},
      static_cast<int>(r->int64(0, 2)),
      r->text(0, 3),
      r->text(0, 4),
      r->int64(0, 5)};
}

Result<std::int64_t> link_epoch(db::Connection& c, std::string const& id) {
  auto r = c.query("SELECT link_epoch FROM datasets WHERE id = $1", {id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Dataset not found");
  return r->int64(0, 0);
}

Status bump_link_epoch(db::Connection& c, std::string const& id) {
  auto r = c.query("UPDATE datasets SET link_epoch = link_epoch + 1, updated_at = $1 WHERE id = $2",
                   {now_unix_ms(), id});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "Dataset not found");
  return {};
}

Result<Page> list(db::Connection& c, ListQuery const& q) {
  std::string key = q.sort;
  bool desc = !key.empty() && key[0] == '-';
  if (desc) key.erase(0, 1);
  std::string order;
  if (key == "name")
    order = "LOWER(name)";
  else if (key == "date")
    order = "created_at";
  else if (key == "size")
    order = "file_size";
  else {
    Error e = make_error(ErrorCode::validation, "Unknown sort key",
                         "sort must be name, date or size, optionally prefixed with '-'");
    e.field = "sort";
    return e;
  }
  std::vector<db::Value> params;
  auto where = visible_where(q, params);
  auto count = c.query("SELECT COUNT(*) FROM datasets WHERE " + where, params);
  if (!count) return count.error();
  Page page;
  page.total = count->int64(0, 0);
  params.emplace_back(std::int64_t{q.limit});
  params.emplace_back(std::int64_t{q.offset});
  auto n = params.size();
  auto rows = c.query("SELECT " + std::string(kColumns) + " FROM datasets WHERE " + where + " ORDER BY " +
                          order + (desc ? " DESC" : " ASC") + ", id LIMIT $" + std::to_string(n - 1) +
                          " OFFSET $" + std::to_string(n),
                      params);
  if (!rows) return rows.error();
  for (std::size_t i = 0; i < rows->rows.size(); ++i) page.items.push_back(from_row(*rows, i));
  return page;
}

Status update_details(db::Connection& c, Dataset const& d) {
  auto r = c.query(
      "UPDATE datasets SET name = $1, description = $2, category = $3, visibility = $4, expires_at = $5, "
      "updated_at = $6, stretch = $7 WHERE id = $8",
      {d.name, d.description, d.category, std::string(to_string(d.visibility)), opt(d.expires_at),
       now_unix_ms(), d.stretch, d.id});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "Dataset not found");
  return {};
}

Status set_status(db::Connection& c, std::string const& id, DatasetStatus s, int progress) {
  auto r = c.query(
      "UPDATE datasets SET status = $1, progress = $2, failure_code = '', failure_reason = '', updated_at = "
      "$3 "
      "WHERE id = $4",
      {std::string(to_string(s)), std::int64_t{progress}, now_unix_ms(), id});
  if (!r) return r.error();
  return {};
}

Result<bool> start_processing(db::Connection& c, std::string const& id) {
  auto r = c.query(
      "UPDATE datasets SET status = 'processing', progress = 0, failure_code = '', failure_reason = '', "
      "building = '', updated_at = $1 WHERE id = $2 AND status <> 'failed'",
      {now_unix_ms(), id});
  if (!r) return r.error();
  return r->affected > 0;
}

Status set_shape(db::Connection& c, std::string const& id, std::int64_t width, std::int64_t height,
                 int bit_depth, std::string const& sample_format) {
  auto r =
      c.query("UPDATE datasets SET width = $1, height = $2, bit_depth = $3, sample_format = $4 WHERE id = $5",
              {width, height, std::int64_t{bit_depth}, sample_format, id});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "Dataset not found");
  return {};
}

Status set_progress(db::Connection& c, std::string const& id, int progress) {
  auto r = c.query("UPDATE datasets SET progress = $1, updated_at = $2 WHERE id = $3 AND progress < $1",
                   {std::int64_t{progress}, now_unix_ms(), id});
  if (!r) return r.error();
  return {};
}

Status set_building(db::Connection& c, std::string const& id, int version, std::string const& building,
                    std::string const& job_id, std::string const& lease_token) {
  // The version too: after a reprocess the superseded job still holds its lease until it notices
  // the cancel, while the new build has made the dataset processing again.
  auto r = c.query(
      "UPDATE datasets SET building = $1 WHERE id = $2 AND status = 'processing' AND next_version = $5 AND "
      "EXISTS (SELECT 1 FROM jobs WHERE id = $3 AND lease_token = $4 AND state = 'running')",
      {building, id, job_id, lease_token, std::int64_t{version}});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::conflict, "The build no longer holds its job");
  return {};
}

Status set_failed(db::Connection& c, std::string const& id, std::string const& code,
                  std::string const& reason) {
  auto r = c.query(
      "UPDATE datasets SET status = 'failed', failure_code = $1, failure_reason = $2, building = '', "
      "updated_at = $3 WHERE id = $4",
      {code, reason.substr(0, 2000), now_unix_ms(), id});
  if (!r) return r.error();
  return {};
}

Result<int> next_version(db::Connection& c, std::string const& id, std::string const& stretch) {
  auto r = c.query(
      "UPDATE datasets SET next_version = next_version + 1, status = 'pending', progress = 0, failure_code = "
      "'', "
      "failure_reason = '', building = '', stretch = $1, updated_at = $2 WHERE id = $3 RETURNING "
      "next_version",
      {stretch, now_unix_ms(), id});
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, "Dataset not found");
  return static_cast<int>(r->int64(0, 0));
}

Result<std::string> publish(db::Connection& c, std::string const& id, int version, std::string const& key,
                            std::string const& info, std::string const& sky_object) {
  auto old = c.query("SELECT pyramid_key, pyramid_version FROM datasets WHERE id = $1", {id});
  if (!old) return old.error();
  if (old->empty()) return make_error(ErrorCode::not_found, "Dataset not found");
  if (old->int64(0, 1) >= version) {
    return make_error(ErrorCode::conflict, "A newer pyramid is already published",
                      "version " + std::to_string(old->int64(0, 1)) + " ≥ " + std::to_string(version));
  }
  auto r = c.query(
      "UPDATE datasets SET pyramid_version = $1, pyramid_key = $2, pyramid_info = $3, status = 'completed', "
      "progress = 100, failure_code = '', failure_reason = '', building = '', updated_at = $4, sky_object = "
      "$6 "
      "WHERE id = "
      "$5",
      {std::int64_t{version}, key, info, now_unix_ms(), id, sky_object});
  if (!r) return r.error();
  return old->text(0, 0);
}

Status remove(db::Connection& c, std::string const& id) {
  auto r = c.query("DELETE FROM datasets WHERE id = $1", {id});
  if (!r) return r.error();
  if (r->affected == 0) return make_error(ErrorCode::not_found, "Dataset not found");
  return {};
}

Result<std::vector<std::string>> expired(db::Connection& c, std::int64_t now_ms) {
  auto r =
      c.query("SELECT id FROM datasets WHERE expires_at IS NOT NULL AND expires_at < $1 LIMIT 100", {now_ms});
  if (!r) return r.error();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r->rows.size(); ++i) out.push_back(r->text(i, 0));
  return out;
}

Result<Stats> stats(db::Connection& c, ListQuery const& visible) {
  std::vector<db::Value> params;
  auto where = visible_where(visible, params);
  Stats s;
  auto totals = c.query(
      "SELECT COUNT(*), CAST(COALESCE(SUM(file_size), 0) AS BIGINT), "
      "CAST(COALESCE(SUM(width * height), 0) AS BIGINT) FROM datasets WHERE " +
          where,
      params);
  if (!totals) return totals.error();
  s.datasets = totals->int64(0, 0);
  s.total_bytes = totals->int64(0, 1);
  s.total_pixels = totals->int64(0, 2);
  for (auto [column, out] : {std::pair{"category", &s.by_category}, std::pair{"status", &s.by_status},
                             std::pair{"format", &s.by_format}}) {
    auto r = c.query(std::string("SELECT ") + column + ", COUNT(*) FROM datasets WHERE " + where +
                         " GROUP BY " + column + " ORDER BY " + column,
                     params);
    if (!r) return r.error();
    for (std::size_t i = 0; i < r->rows.size(); ++i) out->emplace_back(r->text(i, 0), r->int64(i, 1));
  }
  return s;
}

Result<std::vector<Activity>> recent_activity(db::Connection& c, int limit) {
  auto r = c.query(
      "SELECT 'dataset', d.id, d.name, COALESCE(u.username, ''), d.created_at FROM datasets d "
      "LEFT JOIN users u ON u.id = d.owner_id "
      "UNION ALL SELECT 'user', id, username, username, created_at FROM users "
      "ORDER BY 5 DESC LIMIT $1",
      {std::int64_t{limit}});
  if (!r) return r.error();
  std::vector<Activity> out;
  for (std::size_t i = 0; i < r->rows.size(); ++i)
    out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->int64(i, 4)});
  return out;
}

}  // namespace astropixel::datasets::store
