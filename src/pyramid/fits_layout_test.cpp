#include "pyramid/fits_layout.hpp"

#include <fitsio.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/ids.hpp"

namespace astropixel::pyramid {
namespace {

std::string slurp(std::filesystem::path const& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

FitsReadAt reader_of(std::string const& bytes) {
  return [&bytes](std::uint64_t at, std::span<char> out) {
    if (at > bytes.size() || out.size() > bytes.size() - at) return false;
    std::memcpy(out.data(), bytes.data() + at, out.size());
    return true;
  };
}

// A FITS file written by cfitsio: a primary image, a table, a cube, a tile-compressed image.
std::filesystem::path write_sample() {
  auto path = std::filesystem::temp_directory_path() / ("layout-" + random_hex(6) + ".fits");
  fitsfile* f = nullptr;
  int status = 0;
  fits_create_diskfile(&f, path.c_str(), &status);
  long small[2] = {37, 21};
  fits_create_img(f, FLOAT_IMG, 2, small, &status);
  for (int i = 0; i < 40; ++i) {  // a header longer than one block
    auto key = "KEY" + std::to_string(i);
    fits_write_key_lng(f, key.c_str(), i, "padding", &status);
  }
  char const* names[] = {"A", "B"};
  char const* forms[] = {"1J", "8A"};
  fits_create_tbl(f, BINARY_TBL, 5, 2, const_cast<char**>(names), const_cast<char**>(forms), nullptr, "T",
                  &status);
  long cube[3] = {16, 9, 3};
  fits_create_img(f, SHORT_IMG, 3, cube, &status);
  std::vector<short> values(16 * 9 * 3, 7);
  fits_write_img(f, TSHORT, 1, static_cast<LONGLONG>(values.size()), values.data(), &status);
  fits_set_compression_type(f, RICE_1, &status);
  long square[2] = {64, 64};
  fits_create_img(f, SHORT_IMG, 2, square, &status);
  std::vector<short> pixels(64 * 64);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<short>(i % 977);
  fits_write_img(f, TSHORT, 1, static_cast<LONGLONG>(pixels.size()), pixels.data(), &status);
  fits_close_file(f, &status);
  EXPECT_EQ(status, 0);
  return path;
}

TEST(FitsLayout, FindsEveryHeaderWhereCfitsioDoes) {
  auto path = write_sample();
  auto bytes = slurp(path);
  auto headers = fits_headers(reader_of(bytes), bytes.size());
  ASSERT_TRUE(headers) << headers.error().detail;

  fitsfile* f = nullptr;
  int status = 0, hdus = 0;
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  fits_get_num_hdus(f, &hdus, &status);
  ASSERT_EQ(headers->size(), static_cast<std::size_t>(hdus));
  for (int h = 1; h <= hdus; ++h) {
    int type = 0;
    LONGLONG head = 0, data = 0, end = 0;
    fits_movabs_hdu(f, h, &type, &status);
    fits_get_hduaddrll(f, &head, &data, &end, &status);
    EXPECT_EQ((*headers)[h - 1].offset, static_cast<std::uint64_t>(head)) << "HDU " << h;
    EXPECT_EQ((*headers)[h - 1].bytes, static_cast<std::uint64_t>(data - head)) << "HDU " << h;
  }
  fits_close_file(f, &status);
  EXPECT_EQ((*headers)[0].bytes, 2 * kFitsBlock);  // the 40 extra cards need a second block
  std::filesystem::remove(path);
}

TEST(FitsLayout, RefusesWhatIsNotFitsOrLies) {
  auto path = write_sample();
  auto good = slurp(path);
  std::filesystem::remove(path);
  auto refused = [](std::string const& bytes) {
    auto r = fits_headers(reader_of(bytes), bytes.size());
    return !r && r.error().reason == "corrupt_image";
  };
  EXPECT_TRUE(refused(std::string(kFitsBlock, ' ')));
  EXPECT_TRUE(refused(good.substr(0, 100)));  // less than a block
  // No END card in the primary header: every block is searched, then the file ends.
  std::string no_end = good.substr(0, 2 * kFitsBlock);
  for (std::size_t at = 0; at < no_end.size(); at += 80) {
    if (no_end.compare(at, 8, "END     ") == 0) no_end.replace(at, 3, "XND");
  }
  EXPECT_TRUE(refused(no_end));
  // An axis so long the data size overflows 64 bits.
  std::string huge = good;
  auto card = huge.find("NAXIS1  =");
  ASSERT_NE(card, std::string::npos);
  std::string value = "NAXIS1  = 9223372036854775807";
  huge.replace(card, value.size(), value);
  auto second = huge.find("NAXIS2  =");
  huge.replace(second, value.size(), "NAXIS2  = 9223372036854775807");
  EXPECT_TRUE(refused(huge));
  // The limits hold.
  auto few = fits_headers(reader_of(good), good.size(), {.max_hdus = 2});
  EXPECT_FALSE(few);
  auto small = fits_headers(reader_of(good), good.size(), {.max_header_bytes = kFitsBlock});
  EXPECT_FALSE(small);
}

TEST(FitsLayout, ACutShortFileStillHasItsHeaders) {
  auto path = write_sample();
  auto good = slurp(path);
  std::filesystem::remove(path);
  auto all = fits_headers(reader_of(good), good.size());
  ASSERT_TRUE(all);
  // Cut inside the cube's data: the headers before it are found, the walk stops there.
  auto cube = (*all)[2];
  std::string cut = good.substr(0, cube.offset + cube.bytes + 100);
  auto some = fits_headers(reader_of(cut), cut.size());
  ASSERT_TRUE(some) << some.error().detail;
  EXPECT_EQ(some->size(), 3u);
}

}  // namespace
}  // namespace astropixel::pyramid
