// The route groups of api/ as the server registers them (app/serve.cpp), over real services on a
// scratch SQLite file and directory: every route they declare must carry docs, or the OpenAPI
// document would silently lose it. Registering routes runs no query; the services only have to
// exist. tests/integration/test_openapi.py checks the whole composition root the same way.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <filesystem>

#include "annotations/annotation_service.hpp"
#include "api/admin_routes.hpp"
#include "api/annotation_routes.hpp"
#include "api/auth_routes.hpp"
#include "api/authn.hpp"
#include "api/composite_routes.hpp"
#include "api/dataset_routes.hpp"
#include "api/openapi.hpp"
#include "api/science_routes.hpp"
#include "api/storage_routes.hpp"
#include "api/system_routes.hpp"
#include "api/tile_routes.hpp"
#include "api/upload_routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/password_hasher.hpp"
#include "auth/tokens.hpp"
#include "datasets/admin_service.hpp"
#include "datasets/dataset_service.hpp"
#include "datasets/storage_quota.hpp"
#include "db/pool.hpp"
#include "db/sql_session_repository.hpp"
#include "db/sql_user_repository.hpp"
#include "ratelimit/memory_limiter.hpp"
#include "storage/fs/fs_blob_store.hpp"
#include "tiles/tile_directory.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::api {
namespace {

namespace fs = std::filesystem;

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("openapi_routes_test_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

TEST(OpenApiRoutes, EveryRouteOfTheApiGroupsCarriesDocs) {
  Scratch scratch;
  auto pool = db::make_pool("sqlite:" + (scratch.dir / "db.sqlite").string(), {});
  ASSERT_TRUE(pool) << pool.error().message;
  auto store = storage::FsBlobStore::open(scratch.dir / "blobs");
  ASSERT_TRUE(store) << store.error().message;
  auto& blobs = **store;
  db::SqlUserRepository users(**pool);
  db::SqlSessionRepository sessions(**pool);
  auth::PasswordHasher hasher(auth::HashParams{});
  auth::TokenCodec tokens("0123456789abcdef0123456789abcdef");
  ratelimit::MemoryLimiter limiter;
  auth::AuthService auth(users, sessions, hasher, tokens, limiter, auth::AuthSettings{});
  http::BlockingPool blocking(1);
  Authenticator authn(auth, blocking, {}, CookieSecurity::automatic, 1);
  datasets::DatasetService datasets(**pool, blobs, {}, [] {});
  datasets::AdminService admin(**pool, users, auth, datasets);
  datasets::StorageQuota quota(**pool, 0);
  annotations::AnnotationService annotations(**pool);
  upload::Settings upload_settings;
  upload_settings.dir = scratch.dir / "uploads";
  upload::UploadService uploads(**pool, datasets, upload_settings);

  http::Router router;
  auto changed = [](std::string const&) {};
  add_auth_routes(router, authn, AccountDeletion{admin, uploads, changed});
  add_admin_routes(router, authn, admin, datasets, changed);
  add_upload_routes(router, authn, uploads, {.max_chunk_size = 1 << 20, .admit_storage = nullptr});
  add_dataset_routes(router, authn, datasets, changed);
  add_composite_routes(router, authn, datasets);
  add_storage_routes(router, authn, quota);
  add_annotation_routes(router, authn, annotations);
  tiles::TileDirectory directory(**pool, blobs, std::chrono::seconds(1));
  add_tile_routes(router, authn, directory, {.datasets = &datasets, .annotations = &annotations});
  add_science_routes(router, authn, directory);
  SystemDeps deps;
  deps.version = "test";
  add_system_routes(router, deps);

  auto doc = openapi_document(router, "test");
  EXPECT_EQ(doc.undocumented, std::vector<std::string>{});
  std::size_t operations = 0;
  for (auto const& [path, item] : doc.json.at("paths").as_object()) operations += item.as_object().size();
  EXPECT_EQ(operations, router.routes().size() + 1);  // tus's HEAD is an operation of its own
  EXPECT_GE(operations, 70u);
  // Every operation names a tag, so the interactive docs group it.
  for (auto const* route : router.routes()) EXPECT_FALSE(route->options.doc.tag.empty()) << route->pattern;
  // Every schema a declaration names exists.
  auto const& schemas = doc.json.at("components").at("schemas").as_object();
  auto const text = boost::json::serialize(doc.json.at("paths"));
  std::string_view const prefix = "#/components/schemas/";
  std::size_t named = 0;
  for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1), ++named) {
    auto name = text.substr(at + prefix.size(), text.find('"', at) - at - prefix.size());
    EXPECT_TRUE(schemas.contains(name)) << name;
  }
  EXPECT_GT(named, 0u);
}

}  // namespace
}  // namespace astropixel::api
