#include "annotations/annotation_service.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "datasets/access.hpp"
#include "datasets/dataset.hpp"

namespace astropixel::annotations {
namespace {

constexpr std::string_view kColumns =
    "id, dataset_id, COALESCE(author_id, ''), kind, label, color, geometry, created_at, updated_at";

Error not_found(std::string_view what) {
  return make_error(ErrorCode::not_found, std::string(what) + " not found");
}

Result<Annotation> from_row(db::Rows const& r, std::size_t i, double w, double h) {
  Annotation a;
  a.id = r.text(i, 0);
  a.dataset_id = r.text(i, 1);
  a.author_id = r.text(i, 2);
  auto kind = parse_kind(r.text(i, 3));
  if (!kind) return kind.error();
  a.kind = *kind;
  a.label = r.text(i, 4);
  a.color = r.text(i, 5);
  // Stored geometry was validated on the way in; re-parse without bounds (they held then).
  auto g = parse_geometry(a.kind, r.text(i, 6), w > 0 ? w : 1e12, h > 0 ? h : 1e12);
  if (!g) return g.error();
  a.geometry = std::move(*g);
  a.created_at = r.int64(i, 7);
  a.updated_at = r.int64(i, 8);
  return a;
}

// The author, the dataset's owner and admins may change an annotation.
Status may_change(std::optional<auth::Principal> const& who, auth::Owned const& dataset,
                  Annotation const& a) {
  if (!who) return auth::require_user(std::nullopt).error();
  if (who->is_admin() || who->user_id == a.author_id || who->user_id == dataset.owner_id) return {};
  return make_error(ErrorCode::forbidden,
                    "Only the author or the dataset's owner may change this annotation");
}

}  // namespace

Result<AnnotationService::DatasetAccess> AnnotationService::readable(
    db::Connection& c, std::optional<auth::Principal> const& who, std::string const& dataset_id) {
  auto r = c.query(
      "SELECT COALESCE(owner_id, ''), visibility, width, height, COALESCE(pyramid_info, '') FROM datasets "
      "WHERE id = $1",
      {dataset_id});
  if (!r) return r.error();
  if (r->empty()) return not_found("Dataset");
  DatasetAccess d;
  d.owned = {r->text(0, 0), datasets::parse_visibility(r->text(0, 1)).value_or(auth::Visibility::private_)};
  d.width = static_cast<double>(r->int64(0, 2));
  d.height = static_cast<double>(r->int64(0, 3));
  d.pyramid_info = r->text(0, 4);
  if (auto s = datasets::check_access(who, d.owned, datasets::Need::read); !s) return s.error();
  return d;
}

Result<Annotation> AnnotationService::load(db::Connection& c, std::string const& dataset_id,
                                           std::string const& id) {
  auto r = c.query("SELECT " + std::string(kColumns) + " FROM annotations WHERE id = $1 AND dataset_id = $2",
                   {id, dataset_id});
  if (!r) return r.error();
  if (r->empty()) return not_found("Annotation");
  return from_row(*r, 0, 0, 0);
}

Result<std::pair<std::vector<Annotation>, std::int64_t>> AnnotationService::list(
    std::optional<auth::Principal> const& who, std::string const& dataset_id, ListFilter const& f) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  std::vector<db::Value> params{dataset_id};
  std::string where = "dataset_id = $1";
  if (f.kind) {
    params.emplace_back(std::string(to_string(*f.kind)));
    where += " AND kind = $" + std::to_string(params.size());
  }
  if (!f.text.empty()) {
    std::string pattern = "%";
    for (char ch : f.text) {
      if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
      pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    params.emplace_back(pattern + "%");
    where += " AND LOWER(label) LIKE $" + std::to_string(params.size()) + " ESCAPE '\\'";
  }
  auto count = (*conn)->query("SELECT COUNT(*) FROM annotations WHERE " + where, params);
  if (!count) return count.error();
  params.emplace_back(std::int64_t{f.limit});
  params.emplace_back(std::int64_t{f.offset});
  auto n = params.size();
  auto r = (*conn)->query("SELECT " + std::string(kColumns) + " FROM annotations WHERE " + where +
                              " ORDER BY created_at, id LIMIT $" + std::to_string(n - 1) + " OFFSET $" +
                              std::to_string(n),
                          params);
  if (!r) return r.error();
  std::vector<Annotation> out;
  for (std::size_t i = 0; i < r->rows.size(); ++i) {
    auto a = from_row(*r, i, d->width, d->height);
    if (!a) return a.error();
    out.push_back(std::move(*a));
  }
  return std::pair{std::move(out), count->int64(0, 0)};
}

Result<double> AnnotationService::image_height(std::optional<auth::Principal> const& who,
                                               std::string const& dataset_id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  return d->height;
}

Result<AnnotationService::Sky> AnnotationService::sky(std::optional<auth::Principal> const& who,
                                                      std::string const& dataset_id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  Sky s{d->width, d->height, {}};
  boost::system::error_code ec;
  auto info = boost::json::parse(d->pyramid_info, ec);
  if (!ec && info.is_object())
    if (auto const* w = info.as_object().if_contains("wcs"); w && w->is_object())
      s.wcs_json = boost::json::serialize(*w);
  return s;
}

Result<std::size_t> AnnotationService::add_imported(std::optional<auth::Principal> const& who,
                                                    std::string const& dataset_id,
                                                    std::vector<ImportedAnnotation> const& items) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  auto user = auth::require_user(who);
  if (!user) return user.error();
  // Checked as create checks what a client sends, so an import cannot store what create refuses.
  for (auto const& a : items) {
    if (auto s = validate_label(a.label); !s) return s.error();
    if (auto s = validate_color(a.color); !s) return s.error();
    if (auto g = parse_geometry(a.kind, geometry_json(a.kind, a.geometry), d->width, d->height); !g)
      return g.error();
  }
  auto tx = db::Transaction::begin(**conn, true);
  if (!tx) return tx.error();
  auto const now = now_unix_ms();
  for (auto const& a : items) {
    auto r = (*conn)->query(
        "INSERT INTO annotations (id, dataset_id, author_id, kind, label, color, geometry, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        {random_id(), dataset_id, user->user_id, std::string(to_string(a.kind)), a.label, a.color,
         geometry_json(a.kind, a.geometry), now});
    if (!r) return r.error();
  }
  if (auto s = tx->commit(); !s) return s.error();
  return items.size();
}

Result<Annotation> AnnotationService::create(std::optional<auth::Principal> const& who,
                                             std::string const& dataset_id, NewAnnotation const& n) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  auto user = auth::require_user(who);
  if (!user) return user.error();
  auto kind = parse_kind(n.kind);
  if (!kind) return kind.error();
  if (auto s = validate_label(n.label); !s) return s.error();
  if (auto s = validate_color(n.color); !s) return s.error();
  auto g = parse_geometry(*kind, n.geometry_json, d->width, d->height);
  if (!g) return g.error();
  Annotation a{random_id(), dataset_id,    user->user_id, *kind, n.label,
               n.color,     std::move(*g), now_unix_ms(), 0};
  a.updated_at = a.created_at;
  auto r = (*conn)->query(
      "INSERT INTO annotations (id, dataset_id, author_id, kind, label, color, geometry, created_at, "
      "updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
      {a.id, a.dataset_id, a.author_id, std::string(to_string(a.kind)), a.label, a.color,
       geometry_json(a.kind, a.geometry), a.created_at});
  if (!r) return r.error();
  return a;
}

Result<Annotation> AnnotationService::update(std::optional<auth::Principal> const& who,
                                             std::string const& dataset_id, std::string const& id,
                                             Patch const& p) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  auto a = load(**conn, dataset_id, id);
  if (!a) return a.error();
  if (auto s = may_change(who, d->owned, *a); !s) return s.error();
  if (p.label) {
    if (auto s = validate_label(*p.label); !s) return s.error();
    a->label = *p.label;
  }
  if (p.color) {
    if (auto s = validate_color(*p.color); !s) return s.error();
    a->color = *p.color;
  }
  if (p.geometry_json) {
    auto g = parse_geometry(a->kind, *p.geometry_json, d->width, d->height);
    if (!g) return g.error();
    a->geometry = std::move(*g);
  }
  a->updated_at = now_unix_ms();
  auto r = (*conn)->query(
      "UPDATE annotations SET label = $1, color = $2, geometry = $3, updated_at = $4 WHERE id = $5",
      {a->label, a->color, geometry_json(a->kind, a->geometry), a->updated_at, id});
  if (!r) return r.error();
  return a;
}

Status AnnotationService::remove(std::optional<auth::Principal> const& who, std::string const& dataset_id,
                                 std::string const& id) {
  auto conn = pool_.acquire();
  if (!conn) return conn.error();
  auto d = readable(**conn, who, dataset_id);
  if (!d) return d.error();
  auto a = load(**conn, dataset_id, id);
  if (!a) return a.error();
  if (auto s = may_change(who, d->owned, *a); !s) return s.error();
  auto r = (*conn)->query("DELETE FROM annotations WHERE id = $1", {id});
  if (!r) return r.error();
  return {};
}

}  // namespace astropixel::annotations
