#pragma once
// The file part of a single-request (multipart/form-data) upload, written to local disk as it
// streams: within MAX_UPLOAD_SIZE, and within the disk budget (a declared body's length is reserved
// when the file is opened; every write is re-checked, which bounds a chunked body that declared
// nothing). Blocking: write and close run off the I/O thread.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "core/error.hpp"
#include "upload/disk_budget.hpp"

namespace astropixel::upload {

class FormFile {
 public:
  // `path` is created (O_EXCL); `budget` already holds this file's reservation under `key`.
  // Errors: unavailable, insufficient_storage.
  static Result<std::unique_ptr<FormFile>> open(std::filesystem::path path, std::uint64_t max_size,
                                                DiskBudget& budget, std::string key);
  // Closes and, unless kept, removes the file; releases the reservation.
  ~FormFile();
  FormFile(FormFile const&) = delete;
  FormFile& operator=(FormFile const&) = delete;

  // Errors: payload_too_large (upload_too_large), insufficient_storage (insufficient_disk_space:
  // the reserve would be crossed, or the disk is full), unavailable.
  // unsupported_media_type (unsupported_format: the first bytes are no accepted image).
  Status write(std::span<char const> bytes);
  // fdatasync and close. Errors: unavailable, unsupported_media_type (a file shorter than the
  // signatures that is no accepted image).
  Status close();
  // The file was moved away (into the dataset store): do not remove it.
  void keep() { kept_ = true; }
  std::filesystem::path const& path() const { return path_; }
  std::uint64_t size() const { return size_; }

 private:
  FormFile(std::filesystem::path path, std::uint64_t max_size, DiskBudget& budget, std::string key);
  std::filesystem::path path_;
  std::uint64_t max_size_;
  DiskBudget& budget_;
  std::string key_;
  int fd_ = -1;
  bool kept_ = false;
  std::uint64_t size_ = 0;
  std::string head_;  // the first bytes, until sniffed
  bool sniffed_ = false;
};

}  // namespace astropixel::upload
