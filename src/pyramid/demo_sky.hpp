#pragma once
// A synthetic sky for the demo dataset a fresh installation shows: a star field with a power-law
// brightness distribution, coloured point-spread functions and a faint emission nebula, written as
// a deflate-compressed RGB TIFF strip by strip (memory stays O(width)). Deterministic per seed.
#include <cstdint>
#include <filesystem>

#include "core/error.hpp"

namespace astropixel::pyramid {

// Errors: unavailable when the file cannot be written.
Status write_demo_sky(std::filesystem::path const& path, std::uint32_t width, std::uint32_t height,
                      std::uint64_t seed = 1);

}  // namespace astropixel::pyramid
