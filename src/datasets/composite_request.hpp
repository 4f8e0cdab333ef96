#pragma once
// What a caller asks for when making a colour composite (docs/adr/0029-colour-composites.md), as
// DatasetService::create_composite takes it; the job that builds it is in composite_job.hpp.
#include <array>
#include <string>
#include <string_view>

namespace astropixel::datasets {

inline constexpr std::string_view kBuildCompositeJob = "build_composite";

struct CompositeChannelRequest {
  std::string dataset_id;
  std::string stretch = "linear";
  double lo = 0, hi = 1;
  double weight = 1;
};

struct CompositeRequest {
  std::string name, description;
  std::array<CompositeChannelRequest, 3> channels;  // red, green, blue
  // The caller vouches that channels without a celestial WCS are pixel-aligned.
  bool confirm_alignment = false;
};

inline constexpr std::array<std::string_view, 3> kCompositeBands{"red", "green", "blue"};

}  // namespace astropixel::datasets
