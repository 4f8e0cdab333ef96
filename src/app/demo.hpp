#pragma once
#include <filesystem>

#include "datasets/dataset_service.hpp"
#include "db/pool.hpp"

namespace astropixel::app {

// On a fresh installation: generates a synthetic sky and registers it as a public demo dataset
// (owned by no one, never expiring, editable by admins only), so a newcomer sees something at once.
// Does nothing when any system dataset exists.
Status ensure_demo_dataset(db::Pool& pool, datasets::DatasetService& datasets,
                           std::filesystem::path const& scratch);

}  // namespace astropixel::app
