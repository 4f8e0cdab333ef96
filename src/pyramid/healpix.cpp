#include "pyramid/healpix.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace astropixel::pyramid::healpix {

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

// Spreads the 32 bits of v over the even bits of a 64-bit word.
std::uint64_t spread(std::uint32_t v) {
  std::uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x << 2)) & 0x3333333333333333ull;
  x = (x | (x << 1)) & 0x5555555555555555ull;
  return x;
}

std::uint32_t gather(std::uint64_t x) {
  x &= 0x5555555555555555ull;
  x = (x | (x >> 1)) & 0x3333333333333333ull;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFull;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFull;
  return static_cast<std::uint32_t>(x);
}

// The ring of each face's southernmost corner in units of Nside, and the longitude of its centre in
// units of π/4 (Górski et al. 2005, fig. 4).
constexpr int kFaceRing[12] = {2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4};
constexpr int kFaceLon[12] = {1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7};

}  // namespace

std::int64_t cell_count(int order) {
  return std::int64_t{12} << (2 * order);
}

std::uint64_t interleave(std::uint32_t x, std::uint32_t y) {
  return spread(x) | (spread(y) << 1);
}

Pair deinterleave(std::uint64_t bits) {
  return {gather(bits), gather(bits >> 1)};
}

FaceXY face_xy(int order, std::int64_t cell) {
  auto const per_face = std::int64_t{1} << (2 * order);
  auto const xy = deinterleave(static_cast<std::uint64_t>(cell % per_face));
  return {static_cast<int>(cell / per_face), xy.x, xy.y};
}

std::int64_t cell_from(int order, FaceXY f) {
  return (static_cast<std::int64_t>(f.face) << (2 * order)) |
         static_cast<std::int64_t>(
             interleave(static_cast<std::uint32_t>(f.x), static_cast<std::uint32_t>(f.y)));
}

std::int64_t cell_of(int order, Direction d) {
  std::int64_t const nside = std::int64_t{1} << order;
  double const lat = std::clamp(d.lat_deg, -90.0, 90.0) * kDeg;
  double const z = std::sin(lat);
  double const za = std::abs(z);
  double phi = std::fmod(d.lon_deg * kDeg, 2 * std::numbers::pi);
  if (phi < 0) phi += 2 * std::numbers::pi;
  double tt = phi / (std::numbers::pi / 2);  // [0, 4)
  if (tt >= 4) tt = 0;

  FaceXY f;
  if (za <= 2.0 / 3.0) {
    // Equatorial belt: the two families of diagonal lines through the cell, counted from φ = 0.
    double const a = static_cast<double>(nside) * (0.5 + tt);
    double const b = static_cast<double>(nside) * (z * 0.75);
    auto const jp = static_cast<std::int64_t>(a - b);  // ascending
    auto const jm = static_cast<std::int64_t>(a + b);  // descending
    auto const ifp = jp >> order;
    auto const ifm = jm >> order;
    f.face = static_cast<int>(ifp == ifm ? (ifp | 4) : (ifp < ifm ? ifp : ifm + 8));
    f.x = jm & (nside - 1);
    f.y = nside - (jp & (nside - 1)) - 1;
  } else {
    // Polar caps. √(3(1−|z|)) as cos(lat)·√(3/(1+|z|)): no cancellation next to the poles.
    int const ntt = std::min(3, static_cast<int>(tt));
    double const tp = tt - ntt;
    double const tmp = static_cast<double>(nside) * std::cos(lat) * std::sqrt(3.0 / (1.0 + za));
    auto const jp = std::min(nside - 1, static_cast<std::int64_t>(tp * tmp));
    auto const jm = std::min(nside - 1, static_cast<std::int64_t>((1.0 - tp) * tmp));
    if (z >= 0) {
      f = {ntt, nside - jm - 1, nside - jp - 1};
    } else {
      f = {ntt + 8, jp, jm};
    }
  }
  return cell_from(order, f);
}

Direction centre_of(int order, std::int64_t cell) {
  std::int64_t const nside = std::int64_t{1} << order;
  auto const f = face_xy(order, cell);
  auto const jr = kFaceRing[f.face] * nside - f.x - f.y - 1;  // ring number, 1 … 4·Nside−1
  std::int64_t nr = nside;
  int kshift = 0;
  double lat = 0;
  // 1 − |z| of the polar rings is exact in these terms: nr² / (3·Nside²).
  auto const polar_lat = [&](std::int64_t n) {
    double const one_minus_z = static_cast<double>(n) * static_cast<double>(n) /
                               (3.0 * static_cast<double>(nside) * static_cast<double>(nside));
    return std::atan2(1.0 - one_minus_z, std::sqrt(one_minus_z * (2.0 - one_minus_z)));
  };
  if (jr < nside) {
    nr = jr;
    lat = polar_lat(nr);
  } else if (jr > 3 * nside) {
    nr = 4 * nside - jr;
    lat = -polar_lat(nr);
  } else {
    kshift = static_cast<int>((jr - nside) & 1);
    lat = std::asin(static_cast<double>(2 * nside - jr) * 2.0 / (3.0 * static_cast<double>(nside)));
  }
  // Always even (the parities of the face's corner and of the ring agree), so the division is exact.
  auto jp = (kFaceLon[f.face] * nr + f.x - f.y + 1 + kshift) / 2;
  if (jp > 4 * nr) jp -= 4 * nr;
  if (jp < 1) jp += 4 * nr;
  double const phi =
      (static_cast<double>(jp) - (kshift + 1) * 0.5) * (std::numbers::pi / 2 / static_cast<double>(nr));
  return {phi / kDeg, lat / kDeg};
}

}  // namespace astropixel::pyramid::healpix
