// HEALPix in the NESTED scheme (Górski et al. 2005, ApJ 622, 759), the only numbering HiPS uses: the
// cell holding a sky direction and the centre of a cell, for orders 0…29. Written here from the paper
// rather than linked: Debian's HEALPix libraries (libhealpix-cxx, libchealpix) are GPL-2+ (ADR 0030).
// A cell of order k is one of 12·4^k equal-area cells; its nested number is face·4^k followed by the
// interleaved bits of its position (x, y) in the face, x in the even bits.
#pragma once

#include <cstdint>

namespace astropixel::pyramid::healpix {

inline constexpr int kMaxOrder = 29;

// Longitude and latitude in degrees (any longitude; latitude in [-90, 90]).
struct Direction {
  double lon_deg = 0;
  double lat_deg = 0;
};

// A cell as its base face (0…11) and its position in the face, each in [0, 2^order).
struct FaceXY {
  int face = 0;
  std::int64_t x = 0;
  std::int64_t y = 0;
};

// 12·4^order. Orders outside 0…kMaxOrder are the caller's error (checked by the callers that parse them).
std::int64_t cell_count(int order);
// The nested number of the cell holding the direction.
std::int64_t cell_of(int order, Direction d);
// The centre of a cell.
Direction centre_of(int order, std::int64_t cell);

FaceXY face_xy(int order, std::int64_t cell);
std::int64_t cell_from(int order, FaceXY f);

// Bit interleaving of the nested scheme: x into the even bits, y into the odd ones (each < 2^32).
std::uint64_t interleave(std::uint32_t x, std::uint32_t y);
// Its inverse: {x, y}.
struct Pair {
  std::uint32_t x = 0;
  std::uint32_t y = 0;
};
Pair deinterleave(std::uint64_t bits);

}  // namespace astropixel::pyramid::healpix
