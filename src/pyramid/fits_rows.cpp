#include <fitsio.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "pyramid/float_rows.hpp"

namespace astropixel::pyramid {
namespace {

Error fits_error(std::string_view reason, std::string message, int status) {
  char text[FLEN_STATUS] = {};
  if (status) fits_get_errstatus(status, text);
  fits_clear_errmsg();
  Error e =
      make_error(ErrorCode::unprocessable, std::move(message), status ? std::string(text) : std::string());
  e.reason = std::string(reason);
  return e;
}

class FitsRows final : public FloatRows {
 public:
  ~FitsRows() override {
    int status = 0;
    if (file_) fits_close_file(file_, &status);
  }

  static Result<std::unique_ptr<FloatRows>> open(std::filesystem::path const& path,
                                                 FitsSelection const& sel) {
    auto r = std::make_unique<FitsRows>();
    int status = 0;
    // fits_open_diskfile: the name is a plain path, never cfitsio's extended syntax (no URLs,
    // filters or "[ext]" suffixes smuggled in through a file name).
    if (fits_open_diskfile(&r->file_, path.c_str(), READONLY, &status)) {
      return fits_error("corrupt_image", "The FITS file cannot be opened", status);
    }
    int hdus = 0;
    fits_get_num_hdus(r->file_, &hdus, &status);
    if (sel.hdu >= 0) {
      if (sel.hdu >= hdus) {
        return fits_error("bad_hdu",
                          "No such HDU: the file has " + std::to_string(hdus) + " (numbered from 0)", 0);
      }
      int type = 0;
      if (fits_movabs_hdu(r->file_, sel.hdu + 1, &type, &status) || type != IMAGE_HDU || !r->load_shape()) {
        return fits_error("bad_hdu", "HDU " + std::to_string(sel.hdu) + " holds no 2-D image", status);
      }
    } else {
      bool found = false;
      for (int h = 1; h <= hdus && !found; ++h) {
        int type = 0;
        if (fits_movabs_hdu(r->file_, h, &type, &status)) break;
        found = type == IMAGE_HDU && r->load_shape();
      }
      if (!found) return fits_error("no_image_hdu", "The FITS file holds no 2-D image", status);
    }
    if (sel.plane < 0 || sel.plane >= r->planes_) {
      return fits_error("bad_plane", "No such plane: the cube has " + std::to_string(r->planes_), 0);
    }
    r->plane_ = sel.plane;
    return std::unique_ptr<FloatRows>(std::move(r));
  }

  std::uint32_t width() const override { return width_; }
  std::uint32_t height() const override { return height_; }
  int bands() const override { return 1; }
  bool random_access() const override { return true; }
  bool may_hold_blanks() const override { return blanks_; }

  Status read(std::uint32_t y, std::uint32_t rows, float* out) override {
    // FITS rows run bottom-up; the display runs top-down. Read the block, then flip it.
    long first_row = static_cast<long>(height_ - y - rows) + 1;
    long fpixel[3] = {1, first_row, plane_ + 1};
    float nan = std::numeric_limits<float>::quiet_NaN();
    int any_null = 0, status = 0;
    std::size_t n = static_cast<std::size_t>(width_) * rows;
    buffer_.resize(n);
    if (fits_read_pix(file_, TFLOAT, fpixel, static_cast<LONGLONG>(n), &nan, buffer_.data(), &any_null,
                      &status)) {
      return fits_error("corrupt_image", "The FITS data cannot be read (truncated?)", status);
    }
    for (std::uint32_t r = 0; r < rows; ++r) {
      std::copy_n(buffer_.data() + static_cast<std::size_t>(rows - 1 - r) * width_, width_,
                  out + static_cast<std::size_t>(r) * width_);
    }
    return {};
  }

 private:
  bool load_shape() {
    int status = 0, naxis = 0;
    long naxes[3] = {0, 0, 1};
    if (fits_get_img_dim(file_, &naxis, &status) || naxis < 2) return false;
    if (fits_get_img_size(file_, std::min(naxis, 3), naxes, &status)) return false;
    if (naxes[0] <= 0 || naxes[1] <= 0 || naxes[0] > 0x7fffffffL || naxes[1] > 0x7fffffffL) return false;
    width_ = static_cast<std::uint32_t>(naxes[0]);
    height_ = static_cast<std::uint32_t>(naxes[1]);
    planes_ = naxis >= 3 ? static_cast<int>(std::max(1L, naxes[2])) : 1;
    // Floats can be NaN; integers are blank only where BLANK says (BSCALE/BZERO apply after).
    int bitpix = 0;
    fits_get_img_type(file_, &bitpix, &status);
    long blank = 0;
    int key_status = 0;
    blanks_ = bitpix < 0 || fits_read_key(file_, TLONG, "BLANK", &blank, nullptr, &key_status) == 0;
    return status == 0;
  }

  fitsfile* file_ = nullptr;
  std::uint32_t width_ = 0, height_ = 0;
  int planes_ = 1, plane_ = 0;
  bool blanks_ = true;
  std::vector<float> buffer_;
};

}  // namespace

Result<std::unique_ptr<FloatRows>> open_fits_rows(std::filesystem::path const& path,
                                                  FitsSelection const& sel) {
  return FitsRows::open(path, sel);
}

}  // namespace astropixel::pyramid
