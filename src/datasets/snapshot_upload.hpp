#pragma once
// A build's snapshots put into an object store piece by piece, so that every instance can serve its
// tiles before it publishes (ADR 0034). The pack is written in local scratch space and uploaded whole
// at the end; meanwhile each snapshot uploads the bytes written since the last as the next piece,
// `{key}.seg{n}`, then the snapshot itself as `{key}.snap{n}`. Pieces end between tiles, so a tile
// lies in one piece. A reader finds piece n's end in the dataset's building JSON ("segments").
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::datasets {

class SnapshotUpload {
 public:
  // `key`: the pack's final blob key; `live`: the snapshot file the build child writes.
  SnapshotUpload(storage::BlobStore& blobs, std::string key, std::filesystem::path live)
      : blobs_(blobs), key_(std::move(key)), live_(std::move(live)) {}

  // Puts what the snapshot file holds now, unless nothing is new; true when it put something. The
  // pieces' ends are then ends(). Errors: the store's; unprocessable (corrupt snapshot); not_found
  // (the pack was committed meanwhile: nothing more to put).
  Result<bool> put_next();
  std::vector<std::uint64_t> const& ends() const { return ends_; }
  // Removes every piece and snapshot put, also one whose put failed half-way (the build published,
  // failed or was cancelled).
  void remove_all();

 private:
  storage::BlobStore& blobs_;
  std::string key_;
  std::filesystem::path live_;
  std::vector<std::uint64_t> ends_;
  std::size_t tried_ = 0;  // pieces whose put began
};

// The blob keys of piece / snapshot `n` of the build whose pack's key is `key`.
std::string snapshot_piece_key(std::string const& key, std::size_t n);
std::string snapshot_key(std::string const& key, std::size_t n);

}  // namespace astropixel::datasets
