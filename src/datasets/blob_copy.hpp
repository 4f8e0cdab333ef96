#pragma once
// A blob copied to a local file (decoders and pack readers need a file; an object store has none).
#include <atomic>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::datasets {

// Large ranged reads, stopping early when `cancel` is set. The caller removes the file. Errors: the
// store's; cancelled; insufficient_storage when the local disk is full; internal.
Status copy_blob_to_file(storage::BlobStore& blobs, std::string const& key, std::filesystem::path const& to,
                         std::atomic<bool> const& cancel);

}  // namespace astropixel::datasets
