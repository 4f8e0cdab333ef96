#include "pyramid/healpix.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "pyramid/hips_layout.hpp"

namespace astropixel::pyramid {
namespace {

// Reference cells from an independent implementation: astropy-healpix 0.6 (BSD-3, Debian's
// python3-astropy-healpix), core.lonlat_to_healpix(..., order='nested') at seeded random directions.
struct Reference {
  int order;
  double lon, lat;
  std::int64_t cell;
};
constexpr Reference kReference[] = {
    {0, 225.034367977680, -33.338589415564, 10},
    {0, 322.996968349047, -23.557389580953, 11},
    {0, 279.246848488270, 48.340385481892, 3},
    {1, 1.895509643607, -3.676907003831, 16},
    {1, 295.642230617796, -23.199578403873, 46},
    {1, 286.944994350737, -26.304958677015, 46},
    {3, 91.753051555485, 6.142102209152, 368},
    {3, 160.227470117753, 82.307430184362, 125},
    {3, 181.637373224863, 35.825871006197, 447},
    {9, 223.984522598819, -42.810513778085, 2774289},
    {9, 356.025653165479, 13.007535952389, 1256951},
    {9, 77.511131364816, -65.799422455115, 2120740},
    {13, 12.844900358495, 56.546714006951, 49341547},
    {13, 185.359975297693, 14.978259297847, 459284965},
    {13, 167.834169117104, 1.617978166136, 443683140},
    {29, 178.874436741662, -37.966142449581, 1730183911922807401},
    {29, 89.105371929839, 22.585659527700, 1712164549377793481},
    {29, 4.245849195302, -36.783040179907, 1154336222848077467},
};

TEST(Healpix, CellsAgreeWithAnIndependentImplementation) {
  for (auto const& r : kReference)
    EXPECT_EQ(healpix::cell_of(r.order, {r.lon, r.lat}), r.cell) << r.order << " " << r.lon << " " << r.lat;
}

TEST(Healpix, CentresAgreeWithAnIndependentImplementation) {
  // astropy-healpix core.healpix_to_lonlat(..., order='nested').
  struct Centre {
    int order;
    std::int64_t cell;
    double lon, lat;
  };
  constexpr Centre kCentres[] = {{0, 0, 45.0, 41.810314895778596},
                                 {0, 4, 0.0, 0.0},
                                 {0, 11, 315.0, -41.810314895778596},
                                 {2, 77, 11.25, 19.47122063449069},
                                 {10, 1234567, 127.001953125, 24.501278135207535}};
  for (auto const& c : kCentres) {
    auto d = healpix::centre_of(c.order, c.cell);
    EXPECT_NEAR(d.lon_deg, c.lon, 1e-9) << c.order << "/" << c.cell;
    EXPECT_NEAR(d.lat_deg, c.lat, 1e-9) << c.order << "/" << c.cell;
  }
}

TEST(Healpix, EveryCellsCentreLiesInThatCell) {
  for (int order = 0; order <= 5; ++order)
    for (std::int64_t cell = 0; cell < healpix::cell_count(order); ++cell)
      ASSERT_EQ(healpix::cell_of(order, healpix::centre_of(order, cell)), cell) << order;
  // Deep orders, at random: the centres of neighbouring cells are 0.4 milliarcseconds apart at 29.
  std::mt19937_64 rng(11);
  for (int order : {12, 20, 29}) {
    std::uniform_int_distribution<std::int64_t> any(0, healpix::cell_count(order) - 1);
    for (int i = 0; i < 20000; ++i) {
      auto const cell = any(rng);
      ASSERT_EQ(healpix::cell_of(order, healpix::centre_of(order, cell)), cell) << order;
    }
  }
}

TEST(Healpix, PolesWrapAndOutOfRangeLongitudes) {
  EXPECT_EQ(healpix::cell_of(0, {0, 90}), 0);   // the north pole is in face 0's corner
  EXPECT_EQ(healpix::cell_of(0, {0, -90}), 8);  // and the south pole in face 8's
  EXPECT_EQ(healpix::cell_of(6, {-90, 10}), healpix::cell_of(6, {270, 10}));
  EXPECT_EQ(healpix::cell_of(6, {720 + 33, -5}), healpix::cell_of(6, {33, -5}));
  EXPECT_EQ(healpix::cell_of(6, {359.999999999, 0}), healpix::cell_of(6, {-0.000000001, 0}));
}

TEST(Healpix, CellsCoverEqualAreas) {
  // Equal area: uniform random directions fall into the 48 cells of order 1 about equally often.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lon(0, 360), z(-1, 1);
  std::vector<int> hits(48);
  constexpr int kDraws = 480000;
  for (int i = 0; i < kDraws; ++i) ++hits[healpix::cell_of(1, {lon(rng), std::asin(z(rng)) * 180 / M_PI})];
  for (int h : hits) EXPECT_NEAR(h, kDraws / 48, 500);  // 5 σ
}

TEST(Healpix, InterleavingRoundTrips) {
  EXPECT_EQ(healpix::interleave(0b11, 0), 0b0101u);
  EXPECT_EQ(healpix::interleave(0, 0b11), 0b1010u);
  auto p = healpix::deinterleave(healpix::interleave(0xDEADBEEF, 0x12345678));
  EXPECT_EQ(p.x, 0xDEADBEEFu);
  EXPECT_EQ(p.y, 0x12345678u);
}

TEST(HipsLayout, PixelsOfAFourPixelTileFollowTheStandardsOrder) {
  // HiPS 1.0 §4.2.1 (the order Aladin reads and Hipsgen writes), by rows from the top.
  constexpr std::int64_t kRows[4][4] = {{0, 2, 8, 10}, {1, 3, 9, 11}, {4, 6, 12, 14}, {5, 7, 13, 15}};
  for (std::uint32_t r = 0; r < 4; ++r)
    for (std::uint32_t c = 0; c < 4; ++c) {
      EXPECT_EQ(hips::pixel_cell({0, 0}, 2, r, c), kRows[r][c]);
      auto const cell = hips::pixel_cell({5, 1234}, 2, r, c);
      EXPECT_EQ(cell >> 4, 1234);
      auto const at = hips::pixel_of_cell(cell, 2);
      EXPECT_EQ(at.row, r);
      EXPECT_EQ(at.column, c);
      auto const tile = hips::tile_of_cell(7, cell, 2);
      EXPECT_EQ(tile.order, 5);
      EXPECT_EQ(tile.number, 1234);
    }
}

TEST(HipsLayout, PathsAreWrittenAndParsedCanonically) {
  EXPECT_EQ(hips::tile_path({3, 123}, "png"), "Norder3/Dir0/Npix123.png");
  EXPECT_EQ(hips::tile_path({9, 2774289}, "fits"), "Norder9/Dir2770000/Npix2774289.fits");
  auto p = hips::parse_tile_path("Norder9/Dir2770000/Npix2774289.fits", 11);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->tile.order, 9);
  EXPECT_EQ(p->tile.number, 2774289);
  EXPECT_EQ(p->extension, "fits");
  for (std::string_view bad : {"Norder12/Dir0/Npix0.png",       // deeper than the HiPS
                               "Norder3/Dir0/Npix768.png",      // 12·4^3 tiles at order 3
                               "Norder9/Dir0/Npix2774289.png",  // the directory of another tile
                               "Norder03/Dir0/Npix1.png",       // not canonical
                               "Norder3/Dir0/Npix01.png", "Norder3/Dir0/Npix-1.png", "Norder3/Dir0/Npix1",
                               "Norder3/Dir0/Npix1.PNG", "Norder3/Dir0/Npix1.png/x", "Norder3//Npix1.png",
                               "Norder3/Dir0/Npix99999999999999999999.png", "", "Norder/Dir0/Npix1.png"}) {
    auto r = hips::parse_tile_path(bad, 11);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
  }
}

TEST(HipsLayout, BlobNamesMapBackToTheOneServedSpelling) {
  for (std::string_view file : {"properties", "Moc.fits", "Norder3/Allsky.png", "Norder3/Allsky.fits",
                                "Norder8/Dir0/Npix12.fits", "Norder10/Dir1230000/Npix1234567.png"}) {
    ASSERT_TRUE(hips::served_file(file)) << file;
    auto back = hips::file_of_blob_name(hips::blob_name(file));
    ASSERT_TRUE(back) << file;
    EXPECT_EQ(*back, file);
  }
  for (std::string_view name : {"norder8/dir0/npix012.fits", "norder3/dir0/npix768.png", "index.html",
                                "norder8/dir0/npix12.jpg", "Properties", "dirnorder3/allsky.png"})
    EXPECT_FALSE(hips::file_of_blob_name(name)) << name;
  EXPECT_EQ(hips::media_type("Norder3/Allsky.png"), "image/png");
  EXPECT_EQ(hips::media_type("Moc.fits"), "application/fits");
  EXPECT_EQ(hips::blob_prefix("abc", 2), "hips/abc/v2/");
}

TEST(HipsLayout, OrderFollowsThePixelSizeAsHipsgenChoosesIt) {
  // A 1″ pixel: cells of order 18 (0.8″) are the first smaller than it; a 512-px tile takes 9 of them.
  EXPECT_EQ(hips::order_for_pixel_size(1.0 / 3600, 9), 9);
  EXPECT_LT(hips::cell_size_deg(18), 1.0 / 3600);
  EXPECT_GT(hips::cell_size_deg(17), 1.0 / 3600);
  EXPECT_EQ(hips::order_for_pixel_size(1.0, 9), 3);     // coarse images: at least order 3
  EXPECT_EQ(hips::order_for_pixel_size(1e-12, 9), 20);  // at most 29 for the pixels
  EXPECT_EQ(hips::order_for_pixel_size(0, 9), 3);       // nonsense in, something sane out
  EXPECT_EQ(hips::order_for_pixel_size(std::nan(""), 9), 3);
}

TEST(HipsLayout, AllskyPlacesTwentySevenTilesToARow) {
  EXPECT_EQ(hips::allsky_place(0, 64).x, 0u);
  EXPECT_EQ(hips::allsky_place(26, 64).x, 26u * 64);
  EXPECT_EQ(hips::allsky_place(27, 64).x, 0u);
  EXPECT_EQ(hips::allsky_place(27, 64).y, 64u);
  EXPECT_EQ(hips::allsky_place(767, 64).y, 28u * 64);
  EXPECT_EQ(hips::allsky_size(64).x, 27u * 64);
  EXPECT_EQ(hips::allsky_size(64).y, 29u * 64);
}

}  // namespace
}  // namespace astropixel::pyramid
