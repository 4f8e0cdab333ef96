#include "pyramid/fits_wcs.hpp"

#include <fitsio.h>
#include <wcslib/wcs.h>
#include <wcslib/wcshdr.h>
#include <wcslib/wcsmath.h>

#include <boost/json.hpp>
#include <cmath>
#include <memory>
#include <string_view>

namespace astropixel::pyramid {
namespace {

// Moves to the HDU FitsRows reads: the chosen one, or the first holding a 2-D image.
bool move_to_image(fitsfile* f, FitsSelection const& sel) {
  int status = 0, hdus = 0, type = 0;
  fits_get_num_hdus(f, &hdus, &status);
  if (sel.hdu >= 0) return fits_movabs_hdu(f, sel.hdu + 1, &type, &status) == 0 && type == IMAGE_HDU;
  for (int h = 1; h <= hdus; ++h) {
    if (fits_movabs_hdu(f, h, &type, &status)) return false;
    int naxis = 0;
    if (type == IMAGE_HDU && fits_get_img_dim(f, &naxis, &status) == 0 && naxis >= 2) return true;
  }
  return false;
}

std::string trimmed(char const* s) {
  std::string_view v(s);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

}  // namespace

std::string read_fits_wcs(std::filesystem::path const& path, FitsSelection const& sel, std::uint32_t width,
                          std::uint32_t height) {
  fitsfile* f = nullptr;
  int status = 0;
  if (fits_open_diskfile(&f, path.c_str(), READONLY, &status)) return {};
  std::unique_ptr<fitsfile, void (*)(fitsfile*)> file(f, [](fitsfile* p) {
    int s = 0;
    fits_close_file(p, &s);
  });
  char* header = nullptr;
  int keys = 0;
  if (!move_to_image(f, sel) || fits_hdr2str(f, 1, nullptr, 0, &header, &keys, &status)) {
    fits_clear_errmsg();
    return {};
  }
  std::unique_ptr<char, void (*)(char*)> text(header, [](char* p) {
    int s = 0;
    fits_free_memory(p, &s);
  });
  int rejected = 0, count = 0;
  wcsprm* all = nullptr;
  if (wcspih(header, keys, WCSHDR_all, 0, &rejected, &count, &all) != 0 || count < 1) return {};
  struct Free {
    int count;
    wcsprm* all;
    ~Free() { wcsvfree(&count, &all); }
  } release{count, all};
  // The celestial axes of images with more (degenerate radio axes such as 256×256×1×1, or cube
  // axes) are extracted with wcssub; the tiles show pixel axes 1 and 2, which must be them.
  wcsprm w{};
  w.flag = -1;
  int nsub = 2, axes[2] = {1, 2};
  if (all[0].naxis < 2 || wcssub(1, &all[0], &nsub, axes, &w) != 0) return {};
  struct FreeSub {
    wcsprm* w;
    ~FreeSub() { wcsfree(w); }
  } release_sub{&w};
  if (wcsset(&w) != 0 || w.lng < 0 || w.lat < 0) return {};
  // wcslib leaves lin.piximg unset when the matrix is unity (CDELTi alone, or with CROTA2 before
  // wcsset folds it into PC): the pixel → intermediate matrix is built here from PC and CDELT.
  double const m[4] = {w.lin.cdelt[0] * w.lin.pc[0], w.lin.cdelt[0] * w.lin.pc[1],
                       w.lin.cdelt[1] * w.lin.pc[2], w.lin.cdelt[1] * w.lin.pc[3]};

  boost::json::object o{
      {"ctype", boost::json::array{trimmed(w.ctype[w.lng]), trimmed(w.ctype[w.lat])}},
      {"crval", boost::json::array{w.crval[w.lng], w.crval[w.lat]}},
      {"crpix", boost::json::array{w.crpix[0], w.crpix[1]}},
      {"matrix", boost::json::array{m[0], m[1], m[2], m[3]}},
      {"projection", std::string(w.cel.prj.code)},
      {"lonpole", w.cel.ref[2]},
      {"latpole", w.cel.ref[3]},
      {"radesys", trimmed(w.radesys)},
      {"equinox", undefined(w.equinox) ? boost::json::value(nullptr) : boost::json::value(w.equinox)},
      {"lng_first", w.lng == 0}};
  // wcslib's own answers at the centre and near the corners, in display pixels.
  boost::json::array points;
  double const fx[] = {0.5, 0.1, 0.9, 0.1, 0.9}, fy[] = {0.5, 0.1, 0.1, 0.9, 0.9};
  for (int i = 0; i < 5; ++i) {
    double x = fx[i] * width, y = fy[i] * height;
    double pix[2] = {x + 0.5, static_cast<double>(height) - y + 0.5};  // FITS: 1-based, bottom-up
    double img[2], phi, theta, world[2];
    int stat = 0;
    if (wcsp2s(&w, 1, 2, pix, img, &phi, &theta, world, &stat) != 0 || stat) continue;
    points.push_back(boost::json::object{{"x", x}, {"y", y}, {"ra", world[w.lng]}, {"dec", world[w.lat]}});
  }
  o["reference_points"] = points;
  return boost::json::serialize(o);
}

}  // namespace astropixel::pyramid
