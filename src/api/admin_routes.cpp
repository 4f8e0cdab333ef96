#include "api/admin_routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <span>
#include <vector>

#include "api/auth_routes.hpp"
#include "api/dataset_routes.hpp"
#include "api/endpoint.hpp"
#include "api/json_body.hpp"
#include "datasets/admin_tables.hpp"

namespace astropixel::api {

namespace {

using datasets::AdminService;

int int_param(Call const& call, std::string_view name, int fallback, int lo, int hi) {
  auto v = call.query(name);
  int out = fallback;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return std::clamp(out, lo, hi);
}

// A whole number in [lo, hi], or the fallback when absent. Errors: validation naming the parameter.
Result<int> strict_int(Call const& call, std::string_view name, int fallback, int lo, int hi) {
  auto v = call.query(name);
  if (!v || v->empty()) return fallback;
  int out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size() || out < lo || out > hi) {
    Error e = make_error(ErrorCode::validation,
                         fmt::format("{} must be a whole number from {} to {}", name, lo, hi));
    e.field = std::string(name);
    return e;
  }
  return out;
}

constexpr int kMaxTableLimit = 200, kMaxTableOffset = 10'000'000;
constexpr std::size_t kMaxTableText = 200;

// The admin tables' common parameters: q, status, sort, limit, offset (and kind for jobs).
// Errors: validation naming the parameter (the tables check sort and status against their lists).
Result<datasets::admin::TableQuery> table_query(Call const& call) {
  datasets::admin::TableQuery q;
  q.text = call.query("q").value_or("");
  if (q.text.size() > kMaxTableText) {
    Error e = make_error(ErrorCode::validation, "q may be at most 200 bytes");
    e.field = "q";
    return e;
  }
  q.status = call.query("status").value_or("");
  q.kind = call.query("kind").value_or("");
  q.owner = call.query("owner").value_or("");
  q.sort = call.query("sort").value_or("");
  auto limit = strict_int(call, "limit", 50, 1, kMaxTableLimit);
  if (!limit) return limit.error();
  auto offset = strict_int(call, "offset", 0, 0, kMaxTableOffset);
  if (!offset) return offset.error();
  q.limit = *limit;
  q.offset = *offset;
  return q;
}

template <class Row, class Json>
Answer table_answer(datasets::admin::TablePage<Row> const& page, datasets::admin::TableQuery const& q,
                    Json json) {
  boost::json::array items;
  for (auto const& row : page.items) items.push_back(json(row));
  return Answer::ok(
      {{"items", std::move(items)}, {"total", page.total}, {"limit", q.limit}, {"offset", q.offset}});
}

boost::json::object admin_user_json(datasets::admin::UserRow const& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"username", u.username},
          {"full_name", u.full_name},
          {"role", u.role},
          {"is_admin", u.role == "admin"},
          {"disabled", u.disabled},
          {"created_at", iso8601(u.created_at)},
          {"dataset_count", u.datasets},
          {"storage_bytes", u.storage_bytes}};
}

boost::json::object admin_dataset_json(datasets::admin::DatasetRow const& d) {
  auto text_or_null = [](std::string const& s) {
    return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
  };
  return {{"id", d.id},
          {"name", d.name},
          {"owner_id", text_or_null(d.owner_id)},
          {"owner_username", text_or_null(d.owner_username)},
          {"is_demo", d.owner_id.empty()},
          {"visibility", d.visibility},
          {"status", d.status},
          {"progress", d.progress},
          {"failure_code", text_or_null(d.failure_code)},
          {"failure_reason", text_or_null(d.failure_reason)},
          {"format", d.format},
          {"width", d.width},
          {"height", d.height},
          {"source_bytes", d.source_bytes},
          {"pyramid_bytes", d.pyramid_bytes},
          {"storage_bytes", d.source_bytes + d.pyramid_bytes},
          {"created_at", iso8601(d.created_at)},
          {"updated_at", iso8601(d.updated_at)}};
}

boost::json::object admin_job_json(datasets::admin::JobRow const& j) {
  auto text_or_null = [](std::string const& s) {
    return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
  };
  return {{"id", j.id},
          {"kind", j.kind},
          {"subject", j.subject},
          {"state", j.state},
          {"attempts", j.attempts},
          {"max_attempts", j.max_attempts},
          {"last_error", text_or_null(j.last_error)},
          {"cancel_requested", j.cancel_requested},
          {"worker", text_or_null(j.lease_owner)},
          {"dataset_id", text_or_null(j.dataset_id)},
          {"dataset_name", text_or_null(j.dataset_name)},
          {"owner_username", text_or_null(j.owner_username)},
          {"created_at", iso8601(j.created_at)},
          {"updated_at", iso8601(j.updated_at)},
          {"finished_at",
           j.finished_at ? boost::json::value(iso8601(*j.finished_at)) : boost::json::value(nullptr)}};
}

template <class Pairs>
boost::json::object counts(Pairs const& v) {
  boost::json::object o;
  for (auto const& [k, n] : v) o[k] = n;
  return o;
}

Result<Answer> system_stats(Call&, AdminService& admin) {
  auto s = admin.stats();
  if (!s) return s.error();
  auto const& d = s->datasets;
  return Answer::ok({{"users", s->users},
                     {"datasets", d.datasets},
                     {"storage_bytes", s->storage_bytes},
                     {"total_pixels", d.total_pixels},
                     {"average_bytes", d.datasets ? d.total_bytes / d.datasets : 0},
                     {"by_status", counts(d.by_status)},
                     {"by_category", counts(d.by_category)},
                     {"by_format", counts(d.by_format)},
                     {"jobs",
                      {{"queued", s->jobs.queued},
                       {"running", s->jobs.running},
                       {"succeeded", s->jobs.succeeded},
                       {"failed", s->jobs.failed},
                       {"cancelled", s->jobs.cancelled}}}});
}

Result<Answer> all_datasets(Call& call, AdminService& admin) {
  auto q = table_query(call);
  if (!q) return q.error();
  auto page = admin.dataset_table(*q);
  if (!page) return page.error();
  return table_answer(*page, *q, admin_dataset_json);
}

Result<Answer> delete_any_dataset(Call& call, datasets::DatasetService& ds, Changed const& changed) {
  std::string id(call.param("id"));
  if (auto s = ds.remove(call.who, id); !s) return s.error();
  changed(id);
  return Answer::no_content();
}

Result<Answer> activity(Call& call, AdminService& admin) {
  auto items = admin.activity(int_param(call, "limit", 50, 1, 200));
  if (!items) return items.error();
  boost::json::array out;
  for (auto const& x : *items)
    out.push_back({{"kind", x.kind}, {"id", x.id}, {"name", x.name}, {"actor", x.actor}, {"at", x.at}});
  return Answer::ok({{"items", std::move(out)}});
}

Result<Answer> delete_user(Call& call, AdminService& admin) {
  if (auto s = admin.delete_user(*call.who, std::string(call.param("id"))); !s) return s.error();
  return Answer::no_content();
}

Result<Answer> list_users(Call& call, AdminService& admin) {
  auto q = table_query(call);
  if (!q) return q.error();
  auto page = admin.user_table(*q);
  if (!page) return page.error();
  return table_answer(*page, *q, admin_user_json);
}

Result<Answer> list_jobs(Call& call, AdminService& admin) {
  auto q = table_query(call);
  if (!q) return q.error();
  auto page = admin.job_table(*q);
  if (!page) return page.error();
  return table_answer(*page, *q, admin_job_json);
}

Result<Answer> retry_job(Call& call, AdminService& admin) {
  auto job = admin.retry_job(std::string(call.param("id")));
  if (!job) return job.error();
  return Answer::ok(admin_job_json(*job));
}

Result<Answer> cancel_job(Call& call, AdminService& admin) {
  auto job = admin.cancel_job(std::string(call.param("id")));
  if (!job) return job.error();
  return Answer::ok(admin_job_json(*job));
}

Result<Answer> change_user(Call& call, datasets::AdminService& admin) {
  auto change = user_change(call.body);
  if (!change) return change.error();
  auto out = admin.change_user(*call.who, std::string(call.param("id")), change->role, change->disabled);
  if (!out) return out.error();
  return Answer::ok(user_json(*out));
}

}  // namespace

Result<UserChange> user_change(boost::json::object const& body) {
  UserChange change;
  auto role = optional_string(body, "role");
  if (!role) return role.error();
  if (*role) {
    change.role = auth::parse_role(**role);
    if (!change.role) return invalid_field("role", "role must be user or admin");
  }
  if (auto const* d = body.if_contains("disabled"); d && !d->is_null()) {
    if (!d->is_bool()) return invalid_field("disabled", "disabled must be true or false");
    change.disabled = d->as_bool();
  }
  return change;
}

void add_admin_routes(http::Router& router, Authenticator& authn, datasets::AdminService& admin,
                      datasets::DatasetService& datasets, Changed changed) {
  using boost::beast::http::verb;
  auto* a = &admin;
  auto* ds = &datasets;
  auto with = [a](auto f) { return [a, f](Call& c) { return f(c, *a); }; };
  auto const admins = Access::admin;
  using Param = http::RouteDoc::Param;
  auto const integer = [](int lo, int hi, int fallback) {
    return fmt::format(R"({{"type":"integer","minimum":{},"maximum":{},"default":{}}})", lo, hi, fallback);
  };
  Param const limit{.name = "limit", .schema = integer(1, 200, 50)};
  Param const offset{.name = "offset", .schema = integer(0, 10'000'000, 0)};
  add_endpoint(router, authn,
               {.pattern = "/api/admin/stats",
                .access = admins,
                .handler = with(system_stats),
                .doc = {.summary = "Counts over the whole installation",
                        .tag = "admin",
                        .description = "storage_bytes is every dataset's source plus its published "
                                       "pyramid, as the users and datasets tables count it; "
                                       "average_bytes is the average source size",
                        .answers = {json_answer("AdminStats")}}});
  // The tables' filters and sort keys, documented from the lists the queries accept.
  auto const one_of = [](std::span<std::string_view const> names, bool descending) {
    boost::json::array values;
    for (auto n : names) {
      values.emplace_back(n);
      if (descending) values.emplace_back("-" + std::string(n));
    }
    return boost::json::serialize(boost::json::object{{"type", "string"}, {"enum", std::move(values)}});
  };
  namespace tables = datasets::admin;
  auto const table_params = [&](std::span<std::string_view const> states,
                                std::span<std::string_view const> sorts, std::string_view default_sort) {
    return std::vector<Param>{
        {.name = "q", .description = "Text to look for (at most 200 bytes)"},
        {.name = "status", .schema = one_of(states, false)},
        {.name = "sort",
         .schema = one_of(sorts, true),
         .description = fmt::format("Column to sort by, '-' for descending (default {})", default_sort)},
        limit,
        offset};
  };
  auto dataset_params = table_params(tables::dataset_states(), tables::dataset_sorts(), "-created");
  dataset_params.push_back({.name = "owner", .description = "An owner's user id"});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/datasets",
                .access = admins,
                .handler = with(all_datasets),
                .doc = {.summary = "Every dataset with its owner, size, status and failure reason",
                        .tag = "admin",
                        .description = "storage_bytes is the source plus the published pyramid, as the "
                                       "database records them; 400 validation_error for an unknown "
                                       "status or sort (field names which)",
                        .query = dataset_params,
                        .answers = {json_answer("AdminDatasetPage")},
                        .errors = {400}}});
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/admin/datasets/{id}",
                .access = admins,
                .handler = [ds, changed](Call& c) { return delete_any_dataset(c, *ds, changed); },
                .doc = {.summary = "Delete any dataset (demo datasets too)",
                        .tag = "admin",
                        .answers = {empty_answer("Deleted")},
                        .errors = {404}}});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/activity",
                .access = admins,
                .handler = with(activity),
                .doc = {.summary = "Latest dataset creations and sign-ups",
                        .tag = "admin",
                        .query = {limit},
                        .answers = {json_answer("Activity")}}});
  add_endpoint(router, authn,
               {.method = verb::delete_,
                .pattern = "/api/admin/users/{id}",
                .access = admins,
                .handler = with(delete_user),
                .doc = {.summary = "Delete a user and their datasets",
                        .tag = "admin",
                        .answers = {empty_answer("Deleted")},
                        .errors = {404, 409}}});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/users",
                .access = admins,
                .handler = with(list_users),
                .doc = {.summary = "Users with their dataset count and storage used",
                        .tag = "admin",
                        .description = "q searches email, username and name; status active, disabled or "
                                       "admin; storage_bytes is their datasets' sources plus published "
                                       "pyramids. 400 validation_error for an unknown status or sort",
                        .query = table_params(tables::user_states(), tables::user_sorts(), "-created"),
                        .answers = {json_answer("AdminUserPage")},
                        .errors = {400}}});
  auto job_params = table_params(tables::job_states(), tables::job_sorts(), "-created");
  job_params.push_back({.name = "kind", .description = "A job kind, e.g. build_pyramid"});
  add_endpoint(router, authn,
               {.pattern = "/api/admin/jobs",
                .access = admins,
                .handler = with(list_jobs),
                .doc = {.summary = "Background jobs: queued, running, finished, with failure reasons",
                        .tag = "admin",
                        .description = "q searches the id, subject, kind, dataset name, owner and last "
                                       "error. 400 validation_error for an unknown status, sort or kind",
                        .query = std::move(job_params),
                        .answers = {json_answer("AdminJobPage")},
                        .errors = {400}}});
  add_endpoint(router, authn,
               {.method = verb::post,
                .pattern = "/api/admin/jobs/{id}/retry",
                .access = admins,
                .body = Body::ignored,
                .max_body = 1024,
                .handler = with(retry_job),
                .doc = {.summary = "Run a failed job again",
                        .tag = "admin",
                        .description = "Back to the queue with its attempts reset; a build's dataset shows "
                                       "pending again. 409 conflict unless the job is failed",
                        .answers = {json_answer("AdminJob")},
                        .errors = {404, 409}}});
  add_endpoint(router, authn,
               {.method = verb::post,
                .pattern = "/api/admin/jobs/{id}/cancel",
                .access = admins,
                .body = Body::ignored,
                .max_body = 1024,
                .handler = with(cancel_job),
                .doc = {.summary = "Cancel a queued or running job",
                        .tag = "admin",
                        .description = "A queued job is cancelled at once; a running one is asked to stop "
                                       "(cancel_requested) and its worker ends it within a lease tick. A "
                                       "build's dataset shows failed with code cancelled. 409 conflict "
                                       "when the job has finished",
                        .answers = {json_answer("AdminJob")},
                        .errors = {404, 409}}});
  add_endpoint(router, authn,
               {.method = verb::patch,
                .pattern = "/api/admin/users/{id}",
                .access = admins,
                .body = Body::json,
                .max_body = 4096,
                .handler = with(change_user),
                .doc = {.summary = "Change a user's role or disable them",
                        .tag = "admin",
                        .description =
                            "Disabling ends the user's sessions; 409 cannot_modify_self for your own account",
                        .body = json_body("UserChange"),
                        .answers = {json_answer("User")},
                        .errors = {404, 409}}});
}

}  // namespace astropixel::api
