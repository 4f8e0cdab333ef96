#include "pyramid/cutout.hpp"

#include <fmt/format.h>
#include <png.h>
#include <tiffio.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <vector>
#include <vips/vips8>

#include "core/error_catalogue.hpp"
#include "pyramid/data_tile.hpp"
#include "pyramid/source.hpp"

namespace astropixel::pyramid {

Result<CutoutFormat> parse_cutout_format(std::string_view name) {
  if (name == "png") return CutoutFormat::png;
  if (name == "tiff" || name == "tif") return CutoutFormat::tiff;
  if (name == "fits") return CutoutFormat::fits;
  Error e = make_error(ErrorCode::validation, "format must be png, tiff or fits");
  e.field = "format";
  return e;
}

std::string_view extension(CutoutFormat f) {
  switch (f) {
    case CutoutFormat::png:
      return "png";
    case CutoutFormat::tiff:
      return "tif";
    case CutoutFormat::fits:
      return "fits";
  }
  return "bin";
}

std::string_view media_type(CutoutFormat f) {
  switch (f) {
    case CutoutFormat::png:
      return "image/png";
    case CutoutFormat::tiff:
      return "image/tiff";
    case CutoutFormat::fits:
      return "application/fits";
  }
  return "application/octet-stream";
}

namespace {

constexpr std::size_t kBlock = 2880;

Error write_failed(int err) {
  return make_error(ErrorCode::internal, "The cut-out could not be written", std::strerror(err));
}

Status pwrite_all(int fd, void const* data, std::size_t n, std::uint64_t offset) {
  auto const* p = static_cast<char const*>(data);
  while (n > 0) {
    auto w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return write_failed(w < 0 ? errno : ENOSPC);
    p += w, n -= static_cast<std::size_t>(w), offset += static_cast<std::uint64_t>(w);
  }
  return {};
}

// ---- FITS header -------------------------------------------------------------------------------

std::string_view keyword_of(std::string_view card) {
  auto k = card.substr(0, std::min<std::size_t>(8, card.size()));
  while (!k.empty() && k.back() == ' ') k.remove_suffix(1);
  return k;
}

std::string padded(std::string_view text) {
  std::string c(text.substr(0, std::min<std::size_t>(80, text.size())));
  // A header is printable ASCII only.
  for (auto& ch : c) {
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ch = ' ';
  }
  c.resize(80, ' ');
  return c;
}

std::string value_card(std::string_view key, std::string_view value, std::string_view comment = {}) {
  std::string c = fmt::format("{:<8}= {:>20}", key, value);
  if (!comment.empty()) c += fmt::format(" / {}", comment);
  return padded(c);
}

// A FITS real: the shortest text that reads back as `v`, with an upper-case exponent and a point.
std::string fits_real(double v) {
  std::string s = fmt::format("{}", v);
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return c == 'e' ? 'E' : c; });
  if (s.find_first_of(".E") == std::string::npos) s += '.';
  return s;
}

// "KEYn" (+ an optional alternate-WCS letter) with n a decimal number: n, else nothing.
std::optional<int> indexed(std::string_view key, std::string_view prefix, bool alternate) {
  if (!key.starts_with(prefix)) return std::nullopt;
  auto rest = key.substr(prefix.size());
  if (alternate && !rest.empty() && rest.back() >= 'A' && rest.back() <= 'Z') rest.remove_suffix(1);
  int n = 0;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  if (rest.empty() || ec != std::errc() || p != rest.data() + rest.size()) return std::nullopt;
  return n;
}

// "KEYi_j" (+ letter): {i, j}.
std::optional<std::pair<int, int>> indexed_pair(std::string_view key, std::string_view prefix) {
  if (!key.starts_with(prefix)) return std::nullopt;
  auto rest = key.substr(prefix.size());
  if (!rest.empty() && rest.back() >= 'A' && rest.back() <= 'Z') rest.remove_suffix(1);
  auto us = rest.find('_');
  if (us == std::string_view::npos) return std::nullopt;
  int i = 0, j = 0;
  auto a = rest.substr(0, us), b = rest.substr(us + 1);
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), i);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), j);
  if (a.empty() || b.empty() || ea != std::errc() || eb != std::errc() || pa != a.data() + a.size() ||
      pb != b.data() + b.size())
    return std::nullopt;
  return std::pair{i, j};
}

// Cards that describe the stored array (the cut-out's is new), tile compression's table, checksums
// of other bytes, and the WCS of axes the 2-D cut-out does not have.
bool dropped(std::string_view key) {
  static std::set<std::string_view> const kExact = {
      "SIMPLE",   "XTENSION", "BITPIX",  "NAXIS",    "EXTEND",  "PCOUNT",   "GCOUNT",  "BSCALE",
      "BZERO",    "BLANK",    "END",     "CHECKSUM", "DATASUM", "DATAMIN",  "DATAMAX", "TFIELDS",
      "THEAP",    "INHERIT",  "EXTVER",  "EXTLEVEL", "ZIMAGE",  "ZBITPIX",  "ZNAXIS",  "ZCMPTYPE",
      "ZQUANTIZ", "ZDITHER0", "ZSIMPLE", "ZTENSION", "ZEXTEND", "ZBLOCKED", "ZPCOUNT", "ZGCOUNT",
      "ZHECKSUM", "ZDATASUM", "ZBLANK",  "ZSCALE",   "ZZERO",   "ZMASKCMP"};
  if (kExact.contains(key)) return true;
  for (auto const* prefix : {"NAXIS", "ZNAXIS", "ZTILE", "ZNAME", "ZVAL", "TTYPE", "TFORM", "TUNIT", "TDIM",
                             "TSCAL", "TZERO", "TNULL", "TDISP"}) {
    if (indexed(key, prefix, false)) return true;
  }
  if (key == "WCSAXES" || (key.size() == 8 && key.starts_with("WCSAXES"))) return true;
  for (auto const* prefix :
       {"CTYPE", "CRVAL", "CRPIX", "CDELT", "CUNIT", "CROTA", "CNAME", "CRDER", "CSYER"}) {
    if (auto n = indexed(key, prefix, true); n && *n >= 3) return true;
  }
  for (auto const* prefix : {"PC", "CD"}) {
    if (auto ij = indexed_pair(key, prefix); ij && (ij->first >= 3 || ij->second >= 3)) return true;
  }
  for (auto const* prefix : {"PV", "PS"}) {
    if (auto im = indexed_pair(key, prefix); im && im->first >= 3) return true;
  }
  return false;
}

// The numeric value and comment of "KEY     = value / comment".
std::optional<std::pair<double, std::string>> numeric_card(std::string_view card) {
  if (card.size() < 11 || card.substr(8, 2) != "= ") return std::nullopt;
  auto v = card.substr(10);
  std::string comment;
  if (auto slash = v.find('/'); slash != std::string_view::npos) {
    auto c = v.substr(slash + 1);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    while (!c.empty() && c.back() == ' ') c.remove_suffix(1);
    comment = std::string(c);
    v = v.substr(0, slash);
  }
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::string text(v);
  std::replace(text.begin(), text.end(), 'D', 'E');  // Fortran's double exponent
  if (!text.empty() && text.front() == '+') text.erase(0, 1);
  double out = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(out))
    return std::nullopt;
  return std::pair{out, std::move(comment)};
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty()) out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string string_at(boost::json::object const& o, char const* key) {
  auto const* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string cutout_fits_header(std::string_view metadata_json, CutoutRect const& rect,
                               std::uint32_t image_height, std::string_view history) {
  std::string out;
  out += value_card("SIMPLE", "T", "conforms to FITS standard");
  out += value_card("BITPIX", "-32", "IEEE single precision: the original values");
  out += value_card("NAXIS", "2");
  out += value_card("NAXIS1", std::to_string(rect.width));
  out += value_card("NAXIS2", std::to_string(rect.height));

  boost::system::error_code ec;
  auto meta = boost::json::parse(metadata_json, ec);
  boost::json::object const* fits = nullptr;
  if (!ec && meta.is_object()) {
    if (auto const* f = meta.as_object().if_contains("fits"); f && f->is_object()) fits = &f->as_object();
  }
  if (fits) {
    auto const* hdu = fits->if_contains("hdu");
    bool const extension_hdu = hdu && hdu->is_int64() && hdu->as_int64() > 0;
    std::string const image = string_at(*fits, extension_hdu ? "image_header" : "primary_header");
    // The cut-out's pixel (1, 1) is the source's (x + 1, height - y - h + 1): FITS rows run bottom-up.
    double const dx = rect.x;
    double const dy = static_cast<double>(image_height) - rect.y - rect.height;
    std::set<std::string, std::less<>> present;
    bool skipping = false;
    for (auto line : lines_of(image)) {
      auto key = keyword_of(line);
      // A long string's CONTINUE cards go with the card they continue.
      if (key == "CONTINUE" && skipping) continue;
      skipping = dropped(key);
      if (skipping) continue;
      present.emplace(key);
      double shift = 0;
      if (indexed(key, "CRPIX", true) == 1 || key == "LTV1") shift = dx;
      if (indexed(key, "CRPIX", true) == 2 || key == "LTV2") shift = dy;
      if (shift != 0) {
        if (auto v = numeric_card(line)) {
          out += value_card(key, fits_real(v->first - shift), v->second);
          continue;
        }
      }
      out += padded(line);
    }
    // The primary's OBJECT, TELESCOP, ... that an extension leaves to it (what the viewer shows).
    if (extension_hdu) {
      std::set<std::string, std::less<>> shown;
      if (auto const* k = fits->if_contains("keywords"); k && k->is_object()) {
        for (auto const& kv : k->as_object()) shown.emplace(kv.key());
      }
      // Named: lines_of's views point into it (a temporary would die before the loop runs).
      std::string const primary = string_at(*fits, "primary_header");
      for (auto line : lines_of(primary)) {
        auto key = keyword_of(line);
        if (shown.contains(key) && !present.contains(key)) {
          out += padded(line);
          present.emplace(key);
        }
      }
    }
  }
  for (std::size_t at = 0; at < history.size(); at += 72) {
    out += padded(fmt::format("HISTORY {}", history.substr(at, 72)));
  }
  out += padded("END");
  out.resize((out.size() + kBlock - 1) / kBlock * kBlock, ' ');
  return out;
}

namespace {

// ---- Writers: one row at a time, top to bottom --------------------------------------------------

class RowWriter {
 public:
  virtual ~RowWriter() = default;
  virtual Status begin(int bands) = 0;
  virtual Status row(void const* pixels) = 0;
  virtual Status finish() = 0;
};

class PngWriter final : public RowWriter {
 public:
  PngWriter(int fd, CutoutRect const& rect) : fd_(fd), rect_(rect) {}
  ~PngWriter() override {
    if (png_) png_destroy_write_struct(&png_, info_ ? &info_ : nullptr);
  }

  Status begin(int bands) override {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    info_ = png_ ? png_create_info_struct(png_) : nullptr;
    if (!info_) return make_error(ErrorCode::internal, "PNG encoder unavailable");
    static constexpr int kColour[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    return call([&] {
      png_set_write_fn(png_, this, &PngWriter::on_write, &PngWriter::on_flush);
      // Large cut-outs: a fast level and two filters keep the encoder near the decoder's speed.
      png_set_compression_level(png_, 3);
      png_set_filter(png_, 0, PNG_FILTER_SUB | PNG_FILTER_UP);
      png_set_IHDR(png_, info_, rect_.width, rect_.height, 8, kColour[bands], PNG_INTERLACE_NONE,
                   PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
      png_write_info(png_, info_);
    });
  }
  Status row(void const* pixels) override {
    return call([&] { png_write_row(png_, static_cast<png_const_bytep>(pixels)); });
  }
  Status finish() override {
    if (auto s = call([&] { png_write_end(png_, nullptr); }); !s) return s;
    return flush();
  }

 private:
  // libpng reports errors by longjmp: each call gets its own landing site, and no frame between it
  // and libpng holds anything with a destructor.
  template <class F>
  Status call(F const& f) {
    if (setjmp(png_jmpbuf(png_)))
      return error_ ? *error_ : make_error(ErrorCode::internal, "PNG encoding failed");
    f();
    return {};
  }
  static void on_write(png_structp png, png_bytep data, png_size_t n) {
    auto* self = static_cast<PngWriter*>(png_get_io_ptr(png));
    self->buffer_.insert(self->buffer_.end(), data, data + n);
    // png_error longjmps out of this frame: no Status may be alive here when it is called.
    if (self->buffer_.size() >= (1u << 20) && !self->flush_keeping_error()) png_error(png, "write failed");
  }
  static void on_flush(png_structp) {}
  bool flush_keeping_error() {
    auto s = flush();
    if (!s) error_ = s.error();
    return s.has_value();
  }
  Status flush() {
    auto s = pwrite_all(fd_, buffer_.data(), buffer_.size(), written_);
    written_ += buffer_.size();
    buffer_.clear();
    return s;
  }

  int fd_;
  CutoutRect rect_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
  std::vector<unsigned char> buffer_;
  std::uint64_t written_ = 0;
  std::optional<Error> error_;
};

class TiffWriter final : public RowWriter {
 public:
  TiffWriter(int fd, CutoutRect const& rect, std::string_view description)
      : fd_(fd), rect_(rect), description_(description) {}
  ~TiffWriter() override {
    if (tif_) TIFFClose(tif_);
  }

  Status begin(int bands) override {
    // TIFFClose closes the descriptor it was given: give it its own.
    int own = ::dup(fd_);
    if (own < 0) return write_failed(errno);
    std::uint64_t const raw = std::uint64_t{rect_.width} * rect_.height * static_cast<unsigned>(bands);
    // Classic TIFF addresses 4 GiB; compressed strips of a larger image could pass that.
    tif_ = TIFFFdOpen(own, "cutout.tif", raw > (3ull << 30) ? "w8" : "w");
    if (!tif_) {
      ::close(own);
      return make_error(ErrorCode::internal, "TIFF encoder unavailable");
    }
    bool ok =
        TIFFSetField(tif_, TIFFTAG_IMAGEWIDTH, rect_.width) &&
        TIFFSetField(tif_, TIFFTAG_IMAGELENGTH, rect_.height) &&
        TIFFSetField(tif_, TIFFTAG_BITSPERSAMPLE, 8) && TIFFSetField(tif_, TIFFTAG_SAMPLESPERPIXEL, bands) &&
        TIFFSetField(tif_, TIFFTAG_PHOTOMETRIC, bands >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK) &&
        TIFFSetField(tif_, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
        TIFFSetField(tif_, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE) &&
        TIFFSetField(tif_, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL) &&
        TIFFSetField(tif_, TIFFTAG_ROWSPERSTRIP, 64) && TIFFSetField(tif_, TIFFTAG_SOFTWARE, "AstroPixel");
    if (ok && !description_.empty()) ok = TIFFSetField(tif_, TIFFTAG_IMAGEDESCRIPTION, description_.c_str());
    if (ok && (bands == 2 || bands == 4)) {
      std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
      ok = TIFFSetField(tif_, TIFFTAG_EXTRASAMPLES, 1, &extra);
    }
    if (!ok) return make_error(ErrorCode::internal, "TIFF encoding failed");
    scanline_.resize(static_cast<std::size_t>(rect_.width) * static_cast<unsigned>(bands));
    return {};
  }
  Status row(void const* pixels) override {
    // TIFFWriteScanline may modify its buffer (the predictor works in place).
    std::memcpy(scanline_.data(), pixels, scanline_.size());
    if (TIFFWriteScanline(tif_, scanline_.data(), row_++, 0) < 0)
      return make_error(ErrorCode::internal, "The cut-out could not be written", "TIFFWriteScanline");
    return {};
  }
  Status finish() override {
    bool ok = TIFFFlush(tif_) == 1;
    TIFFClose(tif_);
    tif_ = nullptr;
    if (!ok) return make_error(ErrorCode::internal, "The cut-out could not be written", "TIFFFlush");
    return {};
  }

 private:
  int fd_;
  CutoutRect rect_;
  std::string description_;
  TIFF* tif_ = nullptr;
  std::vector<unsigned char> scanline_;
  std::uint32_t row_ = 0;
};

class FitsWriter final : public RowWriter {
 public:
  FitsWriter(int fd, CutoutRect const& rect, std::string header)
      : fd_(fd), rect_(rect), header_(std::move(header)) {}

  Status begin(int) override {
    row_bytes_.resize(std::size_t{rect_.width} * 4);
    return pwrite_all(fd_, header_.data(), header_.size(), 0);
  }
  Status row(void const* pixels) override {
    auto const* in = static_cast<float const*>(pixels);
    for (std::uint32_t i = 0; i < rect_.width; ++i) {
      auto bits = std::bit_cast<std::uint32_t>(in[i]);
      if constexpr (std::endian::native == std::endian::little) bits = __builtin_bswap32(bits);
      std::memcpy(row_bytes_.data() + std::size_t{i} * 4, &bits, 4);
    }
    // FITS stores the bottom row first: the display's row r is the FITS file's row height - 1 - r.
    std::uint64_t const at = header_.size() + std::uint64_t{rect_.height - 1 - row_++} * row_bytes_.size();
    return pwrite_all(fd_, row_bytes_.data(), row_bytes_.size(), at);
  }
  Status finish() override {
    std::uint64_t const data = std::uint64_t{rect_.width} * rect_.height * 4;
    std::vector<char> zeros((kBlock - data % kBlock) % kBlock, 0);
    return pwrite_all(fd_, zeros.data(), zeros.size(), header_.size() + data);
  }

 private:
  int fd_;
  CutoutRect rect_;
  std::string header_;
  std::vector<unsigned char> row_bytes_;
  std::uint32_t row_ = 0;
};

// ---- Tiles --------------------------------------------------------------------------------------

template <class T>
struct Decoded {
  std::vector<T> pixels;
  int bands = 1;
};

Result<Decoded<unsigned char>> decode_display(std::vector<unsigned char> const& bytes, TileRect const& rect) {
  try {
    auto img = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "");
    if (img.format() != VIPS_FORMAT_UCHAR) img = img.cast(VIPS_FORMAT_UCHAR);
    if (img.width() != static_cast<int>(rect.width) || img.height() != static_cast<int>(rect.height) ||
        img.bands() < 1 || img.bands() > 4) {
      return make_error(errc::corrupt_pack, "A tile has the wrong size");
    }
    std::size_t size = 0;
    std::unique_ptr<void, void (*)(void*)> mem(img.write_to_memory(&size), g_free);
    auto const* p = static_cast<unsigned char const*>(mem.get());
    return Decoded<unsigned char>{{p, p + size}, img.bands()};
  } catch (vips::VError const& e) {
    return make_error(errc::corrupt_pack, "A tile cannot be decoded", e.what());
  }
}

// Pixels of `in_bands` as `out_bands` (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA): grey spreads to
// colour, alpha is opaque where the input has none. Tiles of one pack share their bands; this is
// for an encoder that stored a flat tile otherwise.
void convert(unsigned char const* in, int in_bands, unsigned char* out, int out_bands, std::size_t n) {
  if (in_bands == out_bands) {
    std::memcpy(out, in, n * static_cast<std::size_t>(in_bands));
    return;
  }
  for (std::size_t i = 0; i < n; ++i, in += in_bands, out += out_bands) {
    bool const grey = in_bands <= 2;
    unsigned char const alpha = in_bands == 2 ? in[1] : in_bands == 4 ? in[3] : 255;
    int const colours = out_bands >= 3 ? 3 : 1;
    for (int b = 0; b < colours; ++b) out[b] = grey ? in[0] : in[b];
    if (out_bands == 2 || out_bands == 4) out[colours] = alpha;
  }
}

// Composes the rectangle a row of tiles at a time and hands its rows to `writer`, top to bottom.
template <class T, class Decode>
Status compose(PackReader const& pack, CutoutRect const& rect, Decode const& decode, RowWriter& writer) {
  auto const& g = pack.geometry();
  int const top = g.max_level();
  std::uint32_t const ts = g.tile_size();
  std::uint32_t const c0 = rect.x / ts, c1 = (rect.x + rect.width - 1) / ts;
  std::uint32_t const r0 = rect.y / ts, r1 = (rect.y + rect.height - 1) / ts;
  std::vector<T> strip;
  int bands = 0;
  for (std::uint32_t r = r0; r <= r1; ++r) {
    auto const row_rect = g.tile(top, c0, r);
    std::uint32_t const ys = std::max(rect.y, row_rect.y);
    std::uint32_t const ye = std::min(rect.y + rect.height, row_rect.y + row_rect.height);
    for (std::uint32_t c = c0; c <= c1; ++c) {
      auto const tr = g.tile(top, c, r);
      auto tile = decode(c, r, tr);
      if (!tile) return tile.error();
      if (bands == 0) {
        // The first tile decides the bands: every tile of a pack is encoded alike.
        bands = tile->bands;
        if (auto s = writer.begin(bands); !s) return s;
      }
      if (strip.empty()) strip.resize(std::size_t{rect.width} * ts * static_cast<unsigned>(bands));
      std::uint32_t const xs = std::max(rect.x, tr.x), xe = std::min(rect.x + rect.width, tr.x + tr.width);
      for (std::uint32_t y = ys; y < ye; ++y) {
        auto const* in = tile->pixels.data() + (std::size_t{y - tr.y} * tr.width + (xs - tr.x)) *
                                                   static_cast<unsigned>(tile->bands);
        auto* out =
            strip.data() + (std::size_t{y - ys} * rect.width + (xs - rect.x)) * static_cast<unsigned>(bands);
        if constexpr (std::is_same_v<T, unsigned char>)
          convert(in, tile->bands, out, bands, xe - xs);
        else
          std::copy_n(in, xe - xs, out);
      }
    }
    for (std::uint32_t y = ys; y < ye; ++y) {
      auto s = writer.row(strip.data() + std::size_t{y - ys} * rect.width * static_cast<unsigned>(bands));
      if (!s) return s;
    }
  }
  return writer.finish();
}

}  // namespace

Status write_cutout(PackReader const& pack, CutoutRect const& rect, CutoutFormat format, int fd,
                    std::string_view history) {
  auto const& g = pack.geometry();
  if (rect.width == 0 || rect.height == 0 || rect.x >= g.width() || rect.y >= g.height() ||
      rect.width > g.width() - rect.x || rect.height > g.height() - rect.y) {
    return make_error(ErrorCode::validation, "The rectangle is not inside the image");
  }
  int const top = g.max_level();
  if (format == CutoutFormat::fits) {
    if (!pack.has_data()) return make_error(errc::no_data_pyramid);
    FitsWriter writer(fd, rect, cutout_fits_header(pack.info().metadata_json, rect, g.height(), history));
    auto decode = [&](std::uint32_t c, std::uint32_t r, TileRect const& tr) -> Result<Decoded<float>> {
      auto bytes = pack.data_tile(top, c, r);
      if (!bytes) return bytes.error();
      auto values = decode_data_tile(*bytes, tr.width, tr.height);
      if (!values) return values.error();
      return Decoded<float>{std::move(*values), 1};
    };
    return compose<float>(pack, rect, decode, writer);
  }
  init_image_library();
  auto decode = [&](std::uint32_t c, std::uint32_t r, TileRect const& tr) -> Result<Decoded<unsigned char>> {
    auto bytes = pack.tile(top, c, r);
    if (!bytes) return bytes.error();
    return decode_display(*bytes, tr);
  };
  if (format == CutoutFormat::png) {
    PngWriter writer(fd, rect);
    return compose<unsigned char>(pack, rect, decode, writer);
  }
  TiffWriter writer(fd, rect, history);
  return compose<unsigned char>(pack, rect, decode, writer);
}

}  // namespace astropixel::pyramid
