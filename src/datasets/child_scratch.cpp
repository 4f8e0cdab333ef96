#include "datasets/child_scratch.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>

#include "core/log.hpp"

namespace astropixel::datasets {
namespace {

constexpr std::string_view kPrefix = ".child-";

int open_dir(std::string const& path) {
  return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

Error cannot_make(std::string what) {
  return make_error(ErrorCode::internal, "Cannot start the decoding process",
                    what + ": " + std::strerror(errno));
}

}  // namespace

Result<ChildScratch> ChildScratch::make(std::string const& parent) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string fresh = parent + "/.new-XXXXXX";
  if (!::mkdtemp(fresh.data())) return cannot_make("mkdtemp in " + parent);
  int fd = open_dir(fresh);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
    auto e = cannot_make("lock " + fresh);
    if (fd >= 0) ::close(fd);
    std::filesystem::remove(fresh, ec);
    return e;
  }
  std::string named = parent + "/" + std::string(kPrefix) + fresh.substr(fresh.size() - 6);
  if (::rename(fresh.c_str(), named.c_str()) != 0) {
    auto e = cannot_make("rename " + fresh);
    ::close(fd);
    std::filesystem::remove(fresh, ec);
    return e;
  }
  return ChildScratch(std::move(named), fd);
}

ChildScratch::ChildScratch(ChildScratch&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {
  other.path_.clear();
}

ChildScratch::~ChildScratch() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

int sweep_stale_child_scratch(std::string const& parent) {
  static std::mutex mutex;
  static std::set<std::string> swept;
  {
    std::lock_guard lock(mutex);
    if (!swept.insert(parent).second) return 0;
  }
  int removed = 0;
  std::error_code ec;
  for (auto const& entry : std::filesystem::directory_iterator(parent, ec)) {
    auto name = entry.path().filename().string();
    if (!name.starts_with(kPrefix) || !entry.is_directory(ec)) continue;
    int fd = open_dir(entry.path().string());
    if (fd < 0) continue;
    // Locked: its maker is alive (this process or another instance). Unlocked: its maker is gone.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::error_code rm;
      std::filesystem::remove_all(entry.path(), rm);
      if (!rm) ++removed;
    }
    ::close(fd);
  }
  if (removed > 0) log::info("stale_child_scratch_removed", {{"directory", parent}, {"removed", removed}});
  return removed;
}

}  // namespace astropixel::datasets
