#pragma once
// Colour composites, the dataset side (docs/adr/0029-colour-composites.md). A composite is a dataset
// of its own, owned by whoever asked for it: DatasetService::create_composite checks the three
// channels (readable by the caller, built with a data pyramid, one pixel grid) and creates it with a
// build_composite job; the job writes the RGB image (pyramid/composite.hpp) as the dataset's source
// and hands over to the usual build_pyramid job in the transaction that completes it. The recipe
// (channels, versions, stretches, cuts, weights) and the red channel's WCS travel in the dataset's
// stretch request under "composite", so a reprocess keeps them and every build publishes them.
#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "datasets/composite_request.hpp"
#include "jobs/worker_pool.hpp"
#include "pyramid/pack.hpp"
#include "storage/blob_store.hpp"

namespace astropixel::datasets {

struct CompositeSettings {
  std::uint64_t reserve_bytes = 0;  // free space that must remain after the image is written
  std::filesystem::path scratch;    // where the image is written before it moves into the store
  std::function<Result<std::uint64_t>()> free_bytes;  // of `scratch`
  int job_max_attempts = 3;                           // of the build_pyramid job it hands over to
  std::function<void()> job_enqueued;                 // wakes a worker for that job
};

jobs::JobHandler build_composite_handler(storage::BlobStore& blobs, CompositeSettings settings);

// A published pack, mapped when the store is local, else read with ranged reads. Errors: the store's,
// unprocessable (corrupt_pack).
Result<std::unique_ptr<pyramid::PackReader>> open_stored_pack(storage::BlobStore& blobs,
                                                              std::string const& key);

// What a build publishes for a composite (from its stretch request): the red channel's WCS when the
// image itself has none, and the recipe as "composite". Nothing for other datasets.
void add_composite_info(std::string_view stretch_request, boost::json::object& info);

}  // namespace astropixel::datasets
