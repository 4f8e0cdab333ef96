#pragma once
// Colour composites (docs/adr/0029-colour-composites.md): three mono data pyramids on one pixel grid
// become one 8-bit RGB image. Each channel maps its original values through its own stretch and cuts
// exactly as a live display tile does (Stretch::map), then scales the level by its weight:
// level = min(255, round(weight × map(value))), blank (NaN) → 0. The image is written as a TIFF one
// row of tiles at a time, so memory holds one row of tiles per channel as 8-bit levels, never an image.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "core/error.hpp"
#include "pyramid/pack.hpp"
#include "pyramid/stretch.hpp"

namespace astropixel::pyramid {

// The largest weight a channel may have (a weight scales the stretched level; past 10 nearly every
// pixel saturates).
inline constexpr double kMaxCompositeWeight = 10;

struct CompositeChannel {
  PackReader const* pack = nullptr;  // must hold a data pyramid
  Stretch stretch;
  double weight = 1;
};

// One channel's stretch as the live display makes it: `kind` with explicit cuts, and for histeq the
// pack's stored quantiles. Errors: invalid_cuts (not finite, lo ≥ hi); no_data_statistics (histeq
// on a pack without them).
Result<Stretch> channel_stretch(PackReader const& pack, StretchKind kind, double lo, double hi);

// The weighted level of a stretched one (what every composite pixel is).
inline unsigned char weighted_level(unsigned char level, double weight) {
  double const v = weight * level + 0.5;
  return v >= 255 ? 255 : static_cast<unsigned char>(v);
}

// Called after each row of tiles with the fraction of rows written; false stops the write.
using CompositeProgress = std::function<bool(double fraction)>;

// Writes the composite of `channels` (red, green, blue) as an RGB TIFF at `path` (deflate with the
// horizontal predictor, 64-row strips; BigTIFF past 3 GiB of pixels). Errors: validation
// (composite_grid_mismatch) when the packs' full-resolution sizes differ; no_data_pyramid;
// corrupt_pack; not_found (a data tile missing); cancelled (progress said stop; the file is
// removed); internal (the TIFF cannot be written).
Status write_composite_tiff(std::array<CompositeChannel, 3> const& channels,
                            std::filesystem::path const& path, CompositeProgress const& progress = {});

}  // namespace astropixel::pyramid
