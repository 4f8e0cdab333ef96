#pragma once
// The Dataset record: one uploaded image, its processing state and its published pyramid.
#include <cstdint>
#include <optional>
#include <string>

#include "auth/policy.hpp"

namespace astropixel::datasets {

enum class DatasetStatus { pending, processing, completed, failed };
std::string_view to_string(DatasetStatus s);
std::optional<DatasetStatus> parse_status(std::string_view s);

// The predecessor's categories, plus "other".
bool valid_category(std::string_view c);
std::optional<auth::Visibility> parse_visibility(std::string_view v);
std::string_view to_string(auth::Visibility v);

struct Dataset {
  std::string id;
  std::string owner_id;  // empty for system datasets (the demo)
  std::string name, description, category = "other";
  auth::Visibility visibility = auth::Visibility::private_;
  std::string file_name;
  std::int64_t file_size = 0;
  std::string source_key;  // blob key of the original file
  std::string format;      // "tiff", "fits", ...
  std::int64_t width = 0, height = 0;
  int bands = 0, bit_depth = 0;
  std::string sample_format;
  DatasetStatus status = DatasetStatus::pending;
  int progress = 0;  // 0-100
  std::string failure_code, failure_reason;
  std::string stretch;       // requested display stretch (JSON), empty = default
  int pyramid_version = 0;   // 0 = nothing published yet
  std::string pyramid_key;   // blob key of the published pack
  std::string pyramid_info;  // JSON: levels, tile_size, tile_format, stretch applied, ...
  int next_version = 0;      // highest version handed to a build job
  // JSON while a build can be viewed before it publishes (ADR 0034): {"version", "key" (the blob key
  // of its snapshot), "checkpoint", "tile_rows"}; empty otherwise. Cleared when the build publishes,
  // fails or starts again.
  std::string building;
  std::int64_t created_at = 0, updated_at = 0;
  std::optional<std::int64_t> expires_at;

  auth::Owned owned() const { return {owner_id, visibility}; }
};

}  // namespace astropixel::datasets
