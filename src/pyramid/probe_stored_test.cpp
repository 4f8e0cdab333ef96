// probe_stored() must say what probe() says about the same bytes, while reading only headers.
#include <fitsio.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vips/vips8>

#include "core/ids.hpp"
#include "pyramid/source.hpp"

namespace astropixel::pyramid {
namespace {

using vips::VImage;

struct Stored {
  std::string bytes;
  std::uint64_t fetched = 0, reads = 0;
  StoredRead reader() {
    return [this](std::uint64_t at, std::span<char> out) -> Result<std::size_t> {
      ++reads;
      if (at >= bytes.size()) return std::size_t{0};
      auto n = std::min<std::uint64_t>(out.size(), bytes.size() - at);
      std::memcpy(out.data(), bytes.data() + at, n);
      fetched += n;
      return static_cast<std::size_t>(n);
    };
  }
};

class ProbeStored : public ::testing::Test {
 protected:
  void SetUp() override {
    init_image_library();
    dir_ = std::filesystem::temp_directory_path() / ("probe-stored-" + random_hex(6));
    scratch_ = dir_ / "scratch";
    std::filesystem::create_directories(scratch_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Probes `path` both ways and expects the same answer; returns what was fetched.
  Stored same_answer(std::filesystem::path const& path) {
    Stored s;
    std::ifstream in(path, std::ios::binary);
    s.bytes.assign(std::istreambuf_iterator<char>(in), {});
    auto local = probe(path, 1'000'000'000);
    auto remote = probe_stored(s.reader(), s.bytes.size(), 1'000'000'000, scratch_);
    EXPECT_EQ(local.has_value(), remote.has_value()) << path;
    if (local && remote) {
      EXPECT_EQ(local->format, remote->format);
      EXPECT_EQ(local->width, remote->width);
      EXPECT_EQ(local->height, remote->height);
      EXPECT_EQ(local->bands, remote->bands);
      EXPECT_EQ(local->bit_depth, remote->bit_depth);
      EXPECT_EQ(local->sample_format, remote->sample_format);
    } else if (!local && !remote) {
      EXPECT_EQ(local.error().reason, remote.error().reason) << remote.error().detail;
    }
    // Nothing is left in the scratch directory.
    EXPECT_TRUE(std::filesystem::is_empty(scratch_));
    return s;
  }

  VImage gradient(int w, int h, int bands) {
    auto x = VImage::xyz(w, h);
    auto g = (x[0] * 7 + x[1] * 3) % 256;
    VImage out = g;
    for (int b = 1; b < bands; ++b) out = out.bandjoin((g + 40 * b) % 256);
    return out.cast(VIPS_FORMAT_UCHAR);
  }

  std::filesystem::path dir_, scratch_;
};

TEST_F(ProbeStored, AgreesWithTheLocalProbeForEveryFormat) {
  auto img = gradient(1500, 1000, 3);
  img.pngsave((dir_ / "a.png").c_str());
  img.jpegsave((dir_ / "a.jpg").c_str());
  img.webpsave((dir_ / "a.webp").c_str());
  img.jp2ksave((dir_ / "a.jp2").c_str());
  img.tiffsave((dir_ / "a.tif").c_str(),
               VImage::option()->set("compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE));
  (img.cast(VIPS_FORMAT_USHORT) * 200)
      .cast(VIPS_FORMAT_USHORT)
      .tiffsave((dir_ / "b.tif").c_str(), VImage::option()->set("tile", true)->set("bigtiff", true));
  for (auto name : {"a.png", "a.jpg", "a.webp", "a.jp2", "a.tif", "b.tif"}) {
    auto path = dir_ / name;
    auto s = same_answer(path);
    std::filesystem::remove(path);
  }
}

TEST_F(ProbeStored, ReadsOnlyTheHeaderOfABigImage) {
  // A 64-megapixel grey TIFF, 64 MB uncompressed: the probe reads a small part of it.
  auto path = dir_ / "big.tif";
  gradient(8000, 8000, 1).tiffsave(path.c_str());
  auto s = same_answer(path);
  EXPECT_LT(s.fetched, s.bytes.size() / 20) << "read " << s.fetched << " of " << s.bytes.size();
  std::filesystem::remove(path);
}

TEST_F(ProbeStored, FitsHeadersComeFromASparseCopy) {
  auto path = dir_ / "cube.fits";
  fitsfile* f = nullptr;
  int status = 0;
  fits_create_diskfile(&f, path.c_str(), &status);
  long none[1] = {0};
  fits_create_img(f, BYTE_IMG, 0, none, &status);  // an empty primary HDU, then the image
  long axes[2] = {3000, 2000};
  fits_create_img(f, FLOAT_IMG, 2, axes, &status);
  std::vector<float> row(3000, 1.5f);
  for (long y = 1; y <= 2000; ++y) {
    long first[2] = {1, y};
    fits_write_pix(f, TFLOAT, first, 3000, row.data(), &status);
  }
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0);
  auto s = same_answer(path);
  EXPECT_LT(s.fetched, 64u * 1024) << "read " << s.fetched << " of " << s.bytes.size();
  std::filesystem::remove(path);
}

TEST_F(ProbeStored, RefusesWhatTheLocalProbeRefuses) {
  auto write = [&](char const* name, std::string const& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return dir_ / name;
  };
  auto png = dir_ / "c.png";
  gradient(300, 200, 3).pngsave(png.c_str());
  std::ifstream in(png, std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(png);
  for (auto const& path :
       {write("text.png", "just some text, not an image\n"), write("cut.png", bytes.substr(0, 30)),
        write("cut.tif", std::string("II*\0\x08\0\0\0\x05\0", 10)),
        write("bad.fits", "SIMPLE  =                    T" + std::string(3000, ' '))}) {
    same_answer(path);
    std::filesystem::remove(path);
  }
  // Over the pixel limit, from the header alone.
  auto big = dir_ / "big.png";
  gradient(400, 300, 1).pngsave(big.c_str());
  Stored s;
  std::ifstream bin(big, std::ios::binary);
  s.bytes.assign(std::istreambuf_iterator<char>(bin), {});
  auto r = probe_stored(s.reader(), s.bytes.size(), 100'000, scratch_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "pixel_limit_exceeded");
  std::filesystem::remove(big);
}

}  // namespace
}  // namespace astropixel::pyramid
