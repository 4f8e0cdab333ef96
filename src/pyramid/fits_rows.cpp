#include <fitsio.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "core/error_catalogue.hpp"
#include "pyramid/float_rows.hpp"

namespace astropixel::pyramid {
namespace {

Error fits_error(ErrorSpec const& reason, std::string message, int status) {
  char text[FLEN_STATUS] = {};
  if (status) fits_get_errstatus(status, text);
  fits_clear_errmsg();
  Error e =
      make_error(ErrorCode::unprocessable, std::move(message), status ? std::string(text) : std::string());
  e.reason = std::string(reason.code);
  return e;
}

using File = std::unique_ptr<fitsfile, void (*)(fitsfile*)>;

// Whether the first header block holds a line break: a header saved as text, one keyword per line
// (sunpy's and radio-beam's .header files). Header bytes are printable ASCII only (FITS 4.0, 4.1),
// and the first 2880 bytes are always header.
bool is_header_text(std::filesystem::path const& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 2880> block{};
  in.read(block.data(), block.size());
  auto const end = block.begin() + in.gcount();
  return std::find(block.begin(), end, '\n') != end;
}

Result<File> open_file(std::filesystem::path const& path) {
  fitsfile* f = nullptr;
  int status = 0;
  // fits_open_diskfile: the name is a plain path, never cfitsio's extended syntax (no URLs,
  // filters or "[ext]" suffixes smuggled in through a file name).
  if (fits_open_diskfile(&f, path.c_str(), READONLY, &status)) {
    if (f) {
      int s = 0;
      fits_close_file(f, &s);
    }
    // cfitsio reads whole 2880-byte blocks: a file that ends inside one (header dumps saved as
    // .hdr, interrupted copies) fails here with a read error rather than a format error.
    if (status == END_OF_FILE || status == READ_ERROR) {
      return fits_error(errc::truncated_file,
                        "The FITS file is cut short: it ends inside a 2880-byte block (a header saved "
                        "without its data, or an interrupted copy)",
                        0);
    }
    if (is_header_text(path)) {
      return fits_error(errc::fits_header_text,
                        "The file is FITS header text with line breaks (a header dump), not a FITS file: "
                        "a FITS header is 80-character cards with no line breaks, followed by its data",
                        0);
    }
    return fits_error(errc::corrupt_image, "The FITS file cannot be opened", status);
  }
  return File(f, [](fitsfile* p) {
    int s = 0;
    fits_close_file(p, &s);
  });
}

std::string key_string(fitsfile* f, char const* name) {
  char value[FLEN_VALUE] = {};
  int status = 0;
  if (fits_read_key(f, TSTRING, name, value, nullptr, &status)) {
    fits_clear_errmsg();
    return {};
  }
  std::string v(value);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

bool key_true(fitsfile* f, char const* name) {
  int value = 0, status = 0;
  if (fits_read_key(f, TLOGICAL, name, &value, nullptr, &status)) {
    fits_clear_errmsg();
    return false;
  }
  return value != 0;
}

// The current HDU's header as 80-column cards, one per line (at most `limit` bytes).
std::string header_text(fitsfile* f, std::size_t limit = 1u << 20) {
  int keys = 0, status = 0;
  if (fits_get_hdrspace(f, &keys, nullptr, &status)) {
    fits_clear_errmsg();
    return {};
  }
  std::string out;
  for (int k = 1; k <= keys && out.size() < limit; ++k) {
    char card[FLEN_CARD] = {};
    if (fits_read_record(f, k, card, &status)) break;
    std::string line(card);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  fits_clear_errmsg();
  return out;
}

// Describes the current HDU (numbered `index`).
FitsHdu describe_hdu(fitsfile* f, int index, int type) {
  FitsHdu h;
  h.index = index;
  h.extname = key_string(f, "EXTNAME");
  int status = 0;
  if (type == BINARY_TBL || type == ASCII_TBL) {
    h.kind = type == BINARY_TBL ? "binary_table" : "ascii_table";
    long long rows = 0;
    fits_get_num_rowsll(f, &rows, &status);
    h.axes = {rows};
    fits_clear_errmsg();
    return h;
  }
  int naxis = 0;
  fits_get_img_type(f, &h.bitpix, &status);
  fits_get_img_dim(f, &naxis, &status);
  if (status == 0 && naxis > 0 && naxis <= 999) {
    std::vector<LONGLONG> axes(static_cast<std::size_t>(naxis));
    fits_get_img_sizell(f, naxis, axes.data(), &status);
    h.axes.assign(axes.begin(), axes.end());
  }
  h.tile_compressed = fits_is_compressed_image(f, &status) != 0;
  fits_clear_errmsg();
  // Random groups (FITS 4.0, section 6): NAXIS1 = 0 and GROUPS = T in the primary HDU.
  if (index == 0 && !h.axes.empty() && h.axes[0] == 0 && key_true(f, "GROUPS")) {
    h.kind = "random_groups";
    return h;
  }
  h.kind = h.axes.empty() ? "header_only" : "image";
  h.displayable = h.axes.size() >= 2 && h.axes[0] > 0 && h.axes[1] > 0 && h.axes[0] <= 0x7fffffffLL &&
                  h.axes[1] <= 0x7fffffffLL;
  for (std::size_t i = 2; i < h.axes.size(); ++i) h.displayable = h.displayable && h.axes[i] > 0;
  return h;
}

// What one HDU is, in words: "binary table", "2 binary tables", "empty image", ...
std::string noun(FitsHdu const& h, std::size_t count) {
  static std::map<std::string, std::pair<std::string, std::string>> const kNouns = {
      {"image", {"image", "images"}},
      {"header_only", {"header only", "headers only"}},
      {"binary_table", {"binary table", "binary tables"}},
      {"ascii_table", {"ASCII table", "ASCII tables"}},
      {"random_groups", {"random-groups array", "random-groups arrays"}}};
  std::string prefix = count == 1 ? "" : std::to_string(count) + " ";
  if (h.kind == "image" && !h.displayable) return prefix + (h.axes.size() == 1 ? "1-D image" : "empty image");
  auto const& n = kNouns.at(h.kind);
  return prefix + (count == 1 ? n.first : n.second);
}

// "3 HDUs: primary header only, 2 binary tables"
std::string summary(std::vector<FitsHdu> const& hdus) {
  std::string out = std::to_string(hdus.size()) + (hdus.size() == 1 ? " HDU: " : " HDUs: ");
  for (std::size_t i = 0, j = 0; i < hdus.size(); i = j) {
    auto same = [&](FitsHdu const& h) {
      return h.index != 0 && h.kind == hdus[i].kind && h.displayable == hdus[i].displayable;
    };
    j = i + 1;
    while (hdus[i].index != 0 && j < hdus.size() && same(hdus[j])) ++j;
    out += (i > 0 ? ", " : "") + std::string(hdus[i].index == 0 ? "primary " : "") + noun(hdus[i], j - i);
  }
  return out;
}

std::string axes_text(std::vector<std::int64_t> const& axes) {
  std::string out;
  for (auto a : axes) out += (out.empty() ? "" : "×") + std::to_string(a);
  return out;
}

// The keywords shown in the viewer, from the image's header or else the primary's.
constexpr char const* kKeywords[] = {"OBJECT",  "TELESCOP", "INSTRUME", "FILTER", "DATE-OBS",
                                     "EXPTIME", "BUNIT",    "OBSERVER", "ORIGIN"};

// The current HDU's data must be in the file: a header dump (astropy's and sunpy's .hdr files) or an
// interrupted copy is refused before tiling, in words, instead of a read error halfway through.
Status check_data_present(fitsfile* f, std::filesystem::path const& path, FitsHdu const& h) {
  LONGLONG data_start = 0, data_end = 0;
  int status = 0;
  if (fits_get_hduaddrll(f, nullptr, &data_start, &data_end, &status)) {
    fits_clear_errmsg();
    return {};
  }
  LONGLONG needed = data_end;
  if (!h.tile_compressed) {
    // Exact for uncompressed images: the final block's padding may be missing without loss.
    LONGLONG bytes = std::abs(h.bitpix) / 8;
    for (auto a : h.axes) bytes = a > 0 && bytes <= std::numeric_limits<LONGLONG>::max() / a ? bytes * a : -1;
    if (bytes >= 0) needed = data_start + bytes;
  }
  std::error_code ec;
  auto const size = std::filesystem::file_size(path, ec);
  if (ec || static_cast<LONGLONG>(size) >= needed) return {};
  return fits_error(errc::truncated_file,
                    "The FITS file is cut short: HDU " + std::to_string(h.index) + " describes " +
                        std::to_string(needed - data_start) + " bytes of data, the file holds " +
                        std::to_string(std::max<LONGLONG>(0, static_cast<LONGLONG>(size) - data_start)) +
                        " of them (a header saved without its data, or an interrupted copy)",
                    0);
}

Result<FitsDescription> describe_open(fitsfile* f, std::filesystem::path const& path,
                                      FitsSelection const& sel) {
  FitsDescription d;
  int status = 0, count = 0;
  if (fits_get_num_hdus(f, &count, &status))
    return fits_error(errc::corrupt_image, "The FITS file cannot be read", status);
  for (int h = 1; h <= count; ++h) {
    int type = 0;
    if (fits_movabs_hdu(f, h, &type, &status)) {
      // A later HDU that is cut short or damaged: what came before still counts.
      fits_clear_errmsg();
      status = 0;
      break;
    }
    d.hdus.push_back(describe_hdu(f, h - 1, type));
  }
  if (d.hdus.empty()) return fits_error(errc::corrupt_image, "The FITS file cannot be read", 0);
  if (sel.hdu >= 0) {
    if (sel.hdu >= static_cast<int>(d.hdus.size())) {
      return fits_error(errc::bad_hdu,
                        "No such HDU: the file has " + std::to_string(d.hdus.size()) + " (numbered from 0)",
                        0);
    }
    auto const& h = d.hdus[static_cast<std::size_t>(sel.hdu)];
    if (!h.displayable) {
      std::string what = h.kind == "image" ? "an image of " + axes_text(h.axes) : noun(h, 1);
      return fits_error(errc::bad_hdu,
                        "HDU " + std::to_string(sel.hdu) + " holds no 2-D image (" + what + ")", 0);
    }
    d.hdu = sel.hdu;
  } else {
    for (auto const& h : d.hdus) {
      if (h.displayable) {
        d.hdu = h.index;
        break;
      }
    }
  }
  if (d.hdu < 0) {
    if (d.hdus[0].kind == "random_groups") {
      return fits_error(
          errc::random_groups_unsupported,
          "The file is a random-groups FITS (interferometer visibilities, not an image): " + summary(d.hdus),
          0);
    }
    return fits_error(errc::no_image_hdu, "The FITS file holds no 2-D image: " + summary(d.hdus), 0);
  }
  auto const& chosen = d.hdus[static_cast<std::size_t>(d.hdu)];
  d.width = static_cast<std::uint32_t>(chosen.axes[0]);
  d.height = static_cast<std::uint32_t>(chosen.axes[1]);
  d.bitpix = chosen.bitpix;
  d.planes = 1;
  for (std::size_t i = 2; i < chosen.axes.size(); ++i) {
    d.planes = chosen.axes[i] > std::numeric_limits<std::int64_t>::max() / d.planes
                   ? std::numeric_limits<std::int64_t>::max()
                   : d.planes * chosen.axes[i];
  }
  if (sel.plane < 0 || sel.plane >= d.planes) {
    return fits_error(errc::bad_plane,
                      "No such plane: the image has " + std::to_string(d.planes) +
                          (d.planes == 1 ? " plane" : " planes") + " (numbered from 0)",
                      0);
  }
  d.plane = sel.plane;
  int type = 0;
  if (fits_movabs_hdu(f, 1, &type, &status) == 0) d.primary_header = header_text(f);
  if (fits_movabs_hdu(f, d.hdu + 1, &type, &status))
    return fits_error(errc::corrupt_image, "The FITS file cannot be read", status);
  if (auto cut = check_data_present(f, path, chosen); !cut) return cut.error();
  if (d.hdu > 0) d.image_header = header_text(f);
  for (auto const* k : kKeywords) {
    auto v = key_string(f, k);
    if (v.empty() && d.hdu > 0) {
      fits_movabs_hdu(f, 1, &type, &status);
      v = key_string(f, k);
      fits_movabs_hdu(f, d.hdu + 1, &type, &status);
    }
    if (!v.empty()) d.keywords.emplace_back(k, v);
  }
  fits_clear_errmsg();
  return d;
}

class FitsRows final : public FloatRows {
 public:
  FitsRows(File file, FitsDescription d) : file_(std::move(file)), d_(std::move(d)) {
    // The chosen plane's position on the axes past the second (mixed radix, first axis fastest).
    auto const& axes = d_.hdus[static_cast<std::size_t>(d_.hdu)].axes;
    fpixel_.assign(axes.size(), 1);
    std::int64_t rest = d_.plane;
    for (std::size_t i = 2; i < axes.size(); ++i) {
      fpixel_[i] = rest % axes[i] + 1;
      rest /= axes[i];
    }
    int bitpix = d_.bitpix, status = 0;
    long blank = 0;
    // Floats can be NaN; integers are blank only where BLANK says (BSCALE/BZERO apply after).
    blanks_ = bitpix < 0 || fits_read_key(file_.get(), TLONG, "BLANK", &blank, nullptr, &status) == 0;
    fits_clear_errmsg();
  }

  std::uint32_t width() const override { return d_.width; }
  std::uint32_t height() const override { return d_.height; }
  int bands() const override { return 1; }
  bool random_access() const override { return true; }
  bool may_hold_blanks() const override { return blanks_; }

  Status read(std::uint32_t y, std::uint32_t rows, float* out) override {
    // FITS rows run bottom-up; the display runs top-down. Read the block, then flip it.
    fpixel_[0] = 1;
    fpixel_[1] = static_cast<LONGLONG>(d_.height - y - rows) + 1;
    float nan = std::numeric_limits<float>::quiet_NaN();
    int any_null = 0, status = 0;
    std::size_t n = static_cast<std::size_t>(d_.width) * rows;
    buffer_.resize(n);
    if (fits_read_pixll(file_.get(), TFLOAT, fpixel_.data(), static_cast<LONGLONG>(n), &nan, buffer_.data(),
                        &any_null, &status)) {
      return fits_error(errc::corrupt_image, "The FITS data cannot be read (truncated?)", status);
    }
    for (std::uint32_t r = 0; r < rows; ++r) {
      std::copy_n(buffer_.data() + static_cast<std::size_t>(rows - 1 - r) * d_.width, d_.width,
                  out + static_cast<std::size_t>(r) * d_.width);
    }
    return {};
  }

 private:
  File file_;
  FitsDescription d_;
  std::vector<LONGLONG> fpixel_;
  bool blanks_ = true;
  std::vector<float> buffer_;
};

}  // namespace

Result<FitsDescription> describe_fits(std::filesystem::path const& path, FitsSelection const& selection) {
  auto file = open_file(path);
  if (!file) return file.error();
  return describe_open(file->get(), path, selection);
}

std::string to_json(FitsDescription const& d) {
  boost::json::array hdus;
  for (auto const& h : d.hdus) {
    boost::json::array axes(h.axes.begin(), h.axes.end());
    hdus.push_back(boost::json::object{{"index", h.index},
                                       {"kind", h.kind},
                                       {"extname", h.extname},
                                       {"bitpix", h.bitpix},
                                       {"axes", std::move(axes)},
                                       {"tile_compressed", h.tile_compressed},
                                       {"displayable", h.displayable}});
  }
  boost::json::object keywords;
  for (auto const& [k, v] : d.keywords) keywords[k] = v;
  return boost::json::serialize(boost::json::object{{"hdu", d.hdu},
                                                    {"plane", d.plane},
                                                    {"planes", d.planes},
                                                    {"bitpix", d.bitpix},
                                                    {"hdus", std::move(hdus)},
                                                    {"keywords", std::move(keywords)},
                                                    {"primary_header", d.primary_header},
                                                    {"image_header", d.image_header}});
}

Result<std::unique_ptr<FloatRows>> open_fits_rows(std::filesystem::path const& path,
                                                  FitsSelection const& selection) {
  auto file = open_file(path);
  if (!file) return file.error();
  auto d = describe_open(file->get(), path, selection);
  if (!d) return d.error();
  return std::unique_ptr<FloatRows>(std::make_unique<FitsRows>(std::move(*file), std::move(*d)));
}

}  // namespace astropixel::pyramid
