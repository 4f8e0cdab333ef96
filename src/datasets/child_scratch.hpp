#pragma once
// A decoder child's private temporary directory (its TMPDIR, the one place outside its output it
// may write), and the clean-up of those a killed server left behind.
//
// The process that makes one holds an exclusive flock on it for as long as it exists; a kill -9
// releases the lock and leaves the directory (a half-inflated .fits.gz, a build's temporary files).
// The first child started under the same parent directory after start-up removes every unlocked
// one, so instances sharing a data directory never remove each other's. A directory is made under
// a `.new-` name, locked, then renamed `.child-`: a sweeper never sees one unlocked in between.
#include <string>

#include "core/error.hpp"

namespace astropixel::datasets {

class ChildScratch {
 public:
  // Errors: internal (the directory cannot be made or locked).
  static Result<ChildScratch> make(std::string const& parent);
  ChildScratch(ChildScratch&& other) noexcept;
  ChildScratch& operator=(ChildScratch&&) = delete;
  ~ChildScratch();  // removes the directory, then lets go of its lock

  std::string const& path() const { return path_; }

 private:
  ChildScratch(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

// Removes the unlocked `.child-*` directories under `parent`, once per parent per process (later
// calls return 0 at once). → how many were removed.
int sweep_stale_child_scratch(std::string const& parent);

}  // namespace astropixel::datasets
