// `astropixel import DIR --owner LOGIN [--public]`: a folder of images on the server becomes
// datasets, each through the path an upload takes when its last byte arrives (UploadService::ingest:
// the header probe in its own process, the same refusals with the same codes, a dataset and its
// build job in one transaction). The builds are run by `serve` or `worker`, as for uploads.
// A file whose SHA-256 one of the owner's datasets already holds (datasets.content_sha256, set here)
// is skipped, so the same folder can be imported again after new files arrive.
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/services.hpp"
#include "core/error_catalogue.hpp"
#include "core/ids.hpp"
#include "core/process_stats.hpp"
#include "datasets/dataset_service.hpp"
#include "db/sql_user_repository.hpp"
#include "upload/upload_service.hpp"

namespace astropixel::app {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0, kRefused = 1, kUsage = 2, kUnavailable = 3;

// Files and folder progress: a bar redrawn on a terminal, else one plain line per file on stdout
// (scripts and logs read those).
class ImportProgress {
 public:
  ImportProgress(bool bar, std::size_t files) : bar_(bar), files_(files) {}

  // Hashing or probing file `index` (0-based): `done` of `total` bytes read.
  void reading(std::size_t index, std::string const& name, std::uint64_t done, std::uint64_t total) {
    if (!bar_) return;
    double file = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    double all = (static_cast<double>(index) + file) / static_cast<double>(std::max<std::size_t>(files_, 1));
    int width = 30, fill = static_cast<int>(all * width);
    std::fprintf(stderr, "\r[%s%s] %5.1f%%  %zu/%zu  %-40.40s", std::string(fill, '#').c_str(),
                 std::string(width - fill, ' ').c_str(), all * 100, index + 1, files_, name.c_str());
    std::fflush(stderr);
  }

  // One file's outcome, always kept (above the bar on a terminal).
  void outcome(std::size_t index, std::string const& line) {
    if (bar_) std::fprintf(stderr, "\r%-100s\r", "");
    std::cout << fmt::format("[{}/{}] {}", index + 1, files_, line) << std::endl;
  }

  void finish() {
    if (bar_) std::fprintf(stderr, "\r%-100s\r", "");
  }

 private:
  bool bar_;
  std::size_t files_;
};

// SHA-256 of a file, hex; reports its progress every 8 MiB.
Result<std::string> sha256_file(fs::path const& path, std::uint64_t size,
                                std::function<void(std::uint64_t)> const& progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::not_found, "Cannot read the file", path.string());
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buf(1 << 20);
  std::uint64_t done = 0, shown = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = in.gcount();
    if (n <= 0) break;
    crypto_hash_sha256_update(&state, reinterpret_cast<unsigned char const*>(buf.data()),
                              static_cast<unsigned long long>(n));
    done += static_cast<std::uint64_t>(n);
    if (done - shown >= (8u << 20)) progress(shown = done);
  }
  if (in.bad()) return make_error(ErrorCode::internal, "Cannot read the file", path.string());
  progress(size);
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, out);
  std::string hex;
  for (auto b : out) hex += fmt::format("{:02x}", b);
  return hex;
}

Result<std::string> dataset_with_hash(db::Pool& pool, std::string const& owner, std::string const& hash) {
  auto conn = pool.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query("SELECT id FROM datasets WHERE owner_id = $1 AND content_sha256 = $2 LIMIT 1",
                          {owner, hash});
  if (!r) return r.error();
  return r->empty() ? std::string() : r->text(0, 0);
}

Status remember_hash(db::Pool& pool, std::string const& dataset, std::string const& hash) {
  auto conn = pool.acquire();
  if (!conn) return conn.error();
  auto r = (*conn)->query("UPDATE datasets SET content_sha256 = $1 WHERE id = $2", {hash, dataset});
  if (!r) return r.error();
  return {};
}

std::string refusal(Error const& e) {
  std::string text = e.message;
  if (!e.detail.empty()) text += ": " + e.detail;
  return fmt::format("{} ({})", text, e.machine_code());
}

}  // namespace

int run_import(CommonOptions const& common, ImportCommand const& cmd) {
  auto cfg = configure(common.config_file);
  if (!cfg) return kUsage;
  std::error_code ec;
  if (!fs::is_directory(cmd.dir, ec)) {
    std::cerr << "astropixel import: not a directory: " << cmd.dir << "\n";
    return kUsage;
  }
  // Regular files directly in DIR, in name order; hidden files (editors', the OS's) are not images.
  std::vector<fs::path> files;
  for (auto const& entry : fs::directory_iterator(cmd.dir, ec)) {
    auto name = entry.path().filename().string();
    if (!name.empty() && name[0] != '.' && entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) {
    std::cerr << "astropixel import: cannot list " << cmd.dir << ": " << ec.message() << "\n";
    return kUsage;
  }
  std::sort(files.begin(), files.end());

  auto pool = open_database(*cfg);
  if (!pool) return kUnavailable;
  db::SqlUserRepository users(*pool);
  auto owner = users.find_by_login(cmd.owner);
  if (!owner) {
    std::cerr << "astropixel import: no account " << cmd.owner << " (" << owner.error().machine_code()
              << ")\n";
    return kUsage;
  }
  auto backend = open_blob_store(*cfg);
  if (!backend) return kUnavailable;
  // No job is run here: the builds wait in the queue for `serve` or `worker`, which poll it.
  datasets::DatasetService datasets(
      *pool, *backend->store,
      {.retention_hours = cfg->dataset_retention_hours, .job_max_attempts = cfg->job_max_attempts}, [] {});
  auto uploads_dir = cfg->data_dir / "uploads";
  upload::UploadService uploads(*pool, datasets,
                                {.dir = uploads_dir,
                                 .max_upload_size = cfg->max_upload_size,
                                 .reserve_bytes = cfg->disk_reserve_bytes,
                                 .expire_after = std::chrono::seconds(cfg->upload_expire_seconds),
                                 .max_pixels = cfg->max_image_pixels,
                                 .probe_in_child = true,
                                 .probe_memory_bytes = cfg->build_memory_limit_mb << 20,
                                 .probe_timeout = std::chrono::seconds(cfg->probe_timeout_s),
                                 .free_bytes = [uploads_dir]() -> Result<std::uint64_t> {
                                   auto f = free_disk_bytes(uploads_dir.c_str());
                                   if (!f)
                                     return make_error(ErrorCode::unavailable, "Cannot read free disk space",
                                                       uploads_dir.string());
                                   return *f;
                                 }});
  auth::Principal who{.user_id = owner->id, .session_id = "", .role = owner->role};

  ImportProgress progress(isatty(STDERR_FILENO) != 0, files.size());
  int imported = 0, skipped = 0, refused = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto const& path = files[i];
    auto name = path.filename().string();
    auto size = fs::file_size(path, ec);
    auto refuse = [&](Error const& e) {
      ++refused;
      progress.outcome(i, fmt::format("refused {}: {}", name, refusal(e)));
    };
    if (ec) {
      refuse(make_error(ErrorCode::not_found, "Cannot read the file", ec.message()));
      continue;
    }
    if (size > cfg->max_upload_size) {
      Error e = make_error(ErrorCode::payload_too_large, "Upload too large",
                           "the maximum is " + std::to_string(cfg->max_upload_size) + " bytes");
      e.reason = errc::upload_too_large.code;
      refuse(e);
      continue;
    }
    auto hash = sha256_file(path, size, [&](std::uint64_t done) { progress.reading(i, name, done, size); });
    if (!hash) {
      refuse(hash.error());
      continue;
    }
    auto existing = dataset_with_hash(*pool, owner->id, *hash);
    if (!existing) {
      refuse(existing.error());
      continue;
    }
    if (!existing->empty()) {
      ++skipped;
      progress.outcome(i, fmt::format("skipped {}: already imported as {}", name, *existing));
      continue;
    }
    // The service moves its file into the store: it gets a copy in the uploads folder, whose disk
    // reserve (DISK_RESERVE_BYTES) the copy must respect like any upload.
    auto key = "import-" + random_id();
    auto staged = uploads_dir / (key + ".part");
    if (auto s = uploads.disk_budget().claim(key, size); !s) {
      refuse(s.error());
      continue;
    }
    fs::copy_file(path, staged, fs::copy_options::overwrite_existing, ec);
    uploads.disk_budget().release(key);
    if (ec) {
      fs::remove(staged, ec);
      refuse(make_error(ErrorCode::insufficient_storage, "Cannot copy the file into the uploads folder",
                        ec.message()));
      continue;
    }
    upload::Metadata metadata{{"filename", name}};
    if (cmd.make_public) metadata["visibility"] = "public";
    auto d = uploads.ingest(who, metadata, staged, size);
    if (!d) {
      fs::remove(staged, ec);
      refuse(d.error());
      continue;
    }
    if (auto s = remember_hash(*pool, d->id, *hash); !s) {
      // The dataset exists; only the next import's skip is lost. Said, not fatal.
      std::cerr << "astropixel import: " << name << ": content hash not stored: " << s.error().message
                << "\n";
    }
    ++imported;
    progress.outcome(
        i, fmt::format("imported {} as {} ({}, {} x {})", name, d->id, d->format, d->width, d->height));
  }
  progress.finish();
  std::cout << fmt::format("{} imported, {} skipped, {} refused", imported, skipped, refused) << std::endl;
  return refused ? kRefused : kOk;
}

}  // namespace astropixel::app
