#include "datasets/build_leftovers.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"

namespace astropixel::datasets {
namespace {

bool all_of(std::string_view s, bool (*ok)(char)) {
  for (char c : s)
    if (!ok(c)) return false;
  return true;
}

bool hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// What may follow "<8 hex>.pack": nothing (an attempt's committed but unpublished pack), PackWriter's
// temporary, the snapshot and its temporary, an object store's pieces and snapshots.
bool pack_suffix(std::string_view s) {
  if (s.empty() || s == ".live" || s == ".live.tmp") return true;
  if (s.starts_with(".tmp-")) return s.size() == 5 + 12 && all_of(s.substr(5), hex);
  for (std::string_view p : {".seg", ".snap"}) {
    if (s.starts_with(p)) {
      auto n = s.substr(p.size());
      return !n.empty() && n.size() <= 9 && all_of(n, digit);
    }
  }
  return false;
}

}  // namespace

std::string build_blob_stem(int version) {
  return "v" + std::to_string(version) + "-";
}

std::string build_scratch_stem(std::string const& id, int version) {
  return id + "-" + build_blob_stem(version);
}

bool is_build_leftover(std::string_view name, std::string_view stem) {
  if (stem.empty() || !name.starts_with(stem)) return false;
  auto rest = name.substr(stem.size());
  if (rest.size() < 8 || !all_of(rest.substr(0, 8), hex)) return false;
  rest.remove_prefix(8);
  if (rest == ".source") return true;
  if (!rest.starts_with(".pack")) return false;
  return pack_suffix(rest.substr(5));
}

int remove_build_leftovers(storage::BlobStore& blobs, std::filesystem::path const& scratch,
                           std::string const& id, int version, std::string const& keep,
                           std::string_view attempt) {
  int removed = 0;
  auto theirs = [&](std::string_view name, std::string_view stem) {
    return !is_build_leftover(name, stem) || (!attempt.empty() && name.substr(stem.size(), 8) != attempt);
  };
  auto const prefix = "pyramids/" + id + "/";
  auto const stem = build_blob_stem(version);
  if (auto all = blobs.list(prefix + stem); all) {
    for (auto const& b : *all) {
      // Only files directly in the dataset's directory, by their exact names.
      auto name = std::string_view(b.key).substr(prefix.size());
      if (b.key == keep || theirs(name, stem)) continue;
      if (auto s = blobs.remove(b.key); s)
        ++removed;
      else
        log::warn("build_leftover_left", {{"dataset", id}, {"key", b.key}, {"detail", s.error().detail}});
    }
  }
  // Scratch space (a remote store's pack and copied source): no store lists it, and it is the data
  // directory's own, so it is read directly. directory_iterator does not follow links into other
  // directories, and unlink removes a link, not what it points at.
  auto const scratch_stem = build_scratch_stem(id, version);
  std::error_code ec;
  for (auto const& entry : std::filesystem::directory_iterator(scratch, ec)) {
    auto name = entry.path().filename().string();
    if (theirs(name, scratch_stem)) continue;
    std::error_code type_ec;
    if (entry.symlink_status(type_ec).type() == std::filesystem::file_type::directory) continue;
    if (::unlink(entry.path().c_str()) == 0)
      ++removed;
    else if (errno != ENOENT)
      log::warn("build_leftover_left",
                {{"dataset", id}, {"path", entry.path().string()}, {"detail", std::strerror(errno)}});
  }
  if (removed > 0)
    log::info("build_leftovers_removed", {{"dataset", id}, {"version", version}, {"removed", removed}});
  return removed;
}

}  // namespace astropixel::datasets
