#include "pyramid/hips_builder.hpp"

#include <fmt/format.h>
#include <wcslib/wcsmath.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <numbers>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error_catalogue.hpp"
#include "pyramid/celestial_wcs.hpp"
#include "pyramid/composite.hpp"
#include "pyramid/data_tile.hpp"
#include "pyramid/encoder.hpp"
#include "pyramid/healpix.hpp"
#include "pyramid/hips_layout.hpp"
#include "pyramid/sky_frame.hpp"

namespace astropixel::pyramid {
namespace {

constexpr float kBlank = std::numeric_limits<float>::quiet_NaN();
constexpr double kDeg = std::numbers::pi / 180;

std::string string_at(boost::json::object const& o, char const* key) {
  auto const* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The image HDU's header as 80-column cards (the pack keeps it as lines), and the build's stretch.
struct PackSky {
  std::string cards;
  std::optional<std::pair<StretchKind, std::pair<double, double>>> stretch;
};

PackSky sky_of(PackReader const& pack) {
  PackSky out;
  boost::system::error_code ec;
  auto meta = boost::json::parse(pack.info().metadata_json, ec);
  if (ec || !meta.is_object()) return out;
  auto const& m = meta.as_object();
  if (auto const* f = m.if_contains("fits"); f && f->is_object()) {
    auto const& fits = f->as_object();
    auto const* hdu = fits.if_contains("hdu");
    bool const extension = hdu && hdu->is_int64() && hdu->as_int64() > 0;
    // Owned here: a string_view of string_at's temporary dangled (a use-after-free valgrind found,
    // which crashed one HiPS build in ten with SIGSEGV).
    std::string const lines = string_at(fits, extension ? "image_header" : "primary_header");
    for (std::string_view rest = lines; !rest.empty();) {
      auto const nl = rest.find('\n');
      auto line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (line.empty()) continue;
      std::string c(line.substr(0, 80));
      c.resize(80, ' ');
      out.cards += c;
    }
  }
  if (auto const* s = m.if_contains("stretch"); s && s->is_object()) {
    auto const& st = s->as_object();
    auto kind = parse_stretch(string_at(st, "kind"));
    auto const* low = st.if_contains("low");
    auto const* high = st.if_contains("high");
    if (kind && low && high && low->is_number() && high->is_number())
      out.stretch = {*kind, {low->to_number<double>(), high->to_number<double>()}};
  }
  return out;
}

// HiPS holds ICRS or galactic coordinates. FK5 J2000 is taken as ICRS (they agree to a few tens of
// milliarcseconds, less than any image's pixel a HiPS is built for); an FK4 B1950 image's directions
// are converted to ICRS and back (pyramid/sky_frame.hpp: SLALIB's FK45Z at epoch J2000 as DS9 assumes,
// the conversion the viewer's coordinates and regions use), so its HiPS lands where its stars are.
struct ImageFrame {
  std::string hips;  // "equatorial" or "galactic"
  bool fk4 = false;  // the image's RA/Dec are FK4 B1950
};

Result<ImageFrame> frame_of(wcsprm const& w) {
  std::string_view const lng(w.ctype[w.lng], 4);
  std::string_view radesys(w.radesys);
  while (!radesys.empty() && radesys.back() == ' ') radesys.remove_suffix(1);
  if (lng.starts_with("GLON")) return ImageFrame{"galactic", false};
  if (!lng.starts_with("RA"))
    return make_error(errc::wcs_unsupported, "HiPS needs equatorial or galactic coordinates",
                      std::string(w.ctype[w.lng]));
  // FITS WCS paper II: without RADESYS, an EQUINOX before 1984 means FK4.
  bool const fk4 = radesys == "FK4" || (radesys.empty() && !undefined(w.equinox) && w.equinox < 1984);
  if (!fk4 && !radesys.empty() && radesys != "ICRS" && radesys != "FK5")
    return make_error(errc::wcs_unsupported, fmt::format("HiPS cannot take RADESYS {}", radesys));
  double const equinox = undefined(w.equinox) ? (fk4 ? 1950 : 2000) : w.equinox;
  if (fk4 && std::abs(equinox - 1950) > 1e-6)
    return make_error(errc::wcs_unsupported, fmt::format("FK4 of equinox {} (only B1950)", equinox));
  if (!fk4 && radesys != "ICRS" && std::abs(equinox - 2000) > 1e-6)
    return make_error(errc::wcs_unsupported, fmt::format("FK5 of equinox {} (only J2000)", equinox));
  return ImageFrame{"equatorial", fk4};
}

// The sky position of display pixel (x, y) in the HiPS's frame.
std::optional<std::array<double, 2>> sky_at(CelestialWcs& wcs, ImageFrame const& frame, double x, double y,
                                            double height) {
  auto sky = wcs.world(x, y, height);
  if (sky && frame.fk4) *sky = convert(Frame::fk4, Frame::icrs, *sky);
  return sky;
}

double arc_deg(std::array<double, 2> a, std::array<double, 2> b) {
  double const d0 = a[1] * kDeg, d1 = b[1] * kDeg, dl = (b[0] - a[0]) * kDeg;
  double const h =
      std::pow(std::sin((d1 - d0) / 2), 2) + std::cos(d0) * std::cos(d1) * std::pow(std::sin(dl / 2), 2);
  return 2 * std::asin(std::min(1.0, std::sqrt(h))) / kDeg;
}

// Full-resolution values at any display position, through a bounded cache of decoded tiles: the
// data pyramid's values (one plane), or a colour image's 8-bit red, green and blue (three planes, from
// its value tiles, ADR 0031: the exact pixels, where the display tiles are lossy JPEG).
class Sampler {
 public:
  Sampler(PackReader const& pack, int planes, std::size_t cache_bytes)
      : pack_(pack), g_(pack.geometry()), level_(g_.max_level()), planes_(planes) {
    auto const tile_bytes = std::size_t{g_.tile_size()} * g_.tile_size() * sizeof(float) * planes_;
    capacity_ = std::max<std::size_t>(16, cache_bytes / tile_bytes);
  }

  // Bilinear between the four nearest pixel centres, into out[0 .. planes). Outside the image by up
  // to half a pixel, the edge pixels stand in (Hipsgen duplicates edges too); blank neighbours are
  // left out of the weights, so a value next to a blank is its valid neighbours' blend, and only
  // all-blank gives blank. A colour pixel is blank in all its planes or none.
  Status at(double x, double y, float* out) {
    std::fill_n(out, planes_, kBlank);
    double const px = x - 0.5, py = y - 0.5;
    double const w = g_.width(), h = g_.height();
    if (!(px >= -0.5 && py >= -0.5 && px <= w - 0.5 && py <= h - 0.5)) return {};
    auto const i0 = static_cast<std::int64_t>(std::floor(px)), j0 = static_cast<std::int64_t>(std::floor(py));
    double const fx = px - static_cast<double>(i0), fy = py - static_cast<double>(j0);
    std::array<double, 3> sum{};
    double weight = 0;
    for (int dj = 0; dj < 2; ++dj) {
      for (int di = 0; di < 2; ++di) {
        double const wgt = (di ? fx : 1 - fx) * (dj ? fy : 1 - fy);
        if (wgt <= 0) continue;
        auto const i = std::clamp<std::int64_t>(i0 + di, 0, std::int64_t{g_.width()} - 1);
        auto const j = std::clamp<std::int64_t>(j0 + dj, 0, std::int64_t{g_.height()} - 1);
        auto v = values(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j));
        if (!v) return v.error();
        if (std::isnan(**v)) continue;
        for (int p = 0; p < planes_; ++p) sum[static_cast<std::size_t>(p)] += wgt * (*v)[p * plane_stride_];
        weight += wgt;
      }
    }
    if (weight > 0)
      for (int p = 0; p < planes_; ++p)
        out[p] = static_cast<float>(sum[static_cast<std::size_t>(p)] / weight);
    return {};
  }

 private:
  struct Tile {
    std::uint64_t key;
    std::uint32_t width, height;
    std::vector<float> values;  // planar: each plane width × height
  };

  // The pixel's value in the first plane; the others follow plane_stride_ apart.
  Result<float const*> values(std::uint32_t x, std::uint32_t y) {
    auto const col = x / g_.tile_size(), row = y / g_.tile_size();
    auto const key = (std::uint64_t{col} << 32) | row;
    if (!last_ || last_->key != key) {
      auto t = load(key, col, row);
      if (!t) return t.error();
      last_ = *t;
      plane_stride_ = std::ptrdiff_t{last_->width} * last_->height;
    }
    return &last_->values[std::size_t{y % g_.tile_size()} * last_->width + x % g_.tile_size()];
  }

  // A colour value tile (3 or 4 interleaved bands) as three planes; alpha 0 is blank.
  Result<std::vector<float>> colour_planes(std::span<unsigned char const> bytes, std::uint32_t width,
                                           std::uint32_t height) const {
    int const bands = pack_.value_bands();
    auto v = decode_value_tile(pack_.value_encoding(), bytes, width, height, bands);
    if (!v) return v.error();
    std::size_t const n = std::size_t{width} * height;
    std::vector<float> planes(3 * n);
    for (std::size_t k = 0; k < n; ++k) {
      float const* px = &(*v)[k * static_cast<std::size_t>(bands)];
      bool const blank = bands == 4 && px[3] == 0;
      for (std::size_t p = 0; p < 3; ++p) planes[p * n + k] = blank ? kBlank : px[p];
    }
    return planes;
  }

  Result<Tile const*> load(std::uint64_t key, std::uint32_t col, std::uint32_t row) {
    if (auto it = index_.find(key); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return &*it->second;
    }
    auto const rect = g_.tile(level_, col, row);
    auto bytes = planes_ == 1 ? pack_.data_tile(level_, col, row) : pack_.value_tile(col, row);
    Result<std::vector<float>> values = std::vector<float>();
    if (bytes) {
      values = planes_ == 1 ? decode_data_tile(*bytes, rect.width, rect.height)
                            : colour_planes(*bytes, rect.width, rect.height);
    } else if (bytes.error().code == ErrorCode::not_found) {  // a tile left out: blank
      values = std::vector<float>(std::size_t{rect.width} * rect.height * static_cast<std::size_t>(planes_),
                                  kBlank);
    } else {
      return bytes.error();
    }
    if (!values) return values.error();
    if (lru_.size() >= capacity_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front({key, rect.width, rect.height, std::move(*values)});
    index_[key] = lru_.begin();
    return &lru_.front();
  }

  PackReader const& pack_;
  Geometry const& g_;
  int level_;
  int planes_;
  std::ptrdiff_t plane_stride_ = 0;  // of last_
  std::size_t capacity_;
  std::list<Tile> lru_;
  std::unordered_map<std::uint64_t, std::list<Tile>::iterator> index_;
  Tile const* last_ = nullptr;
};

// The values of a deepest tile's pixels: each cell centre's image position, then a bilinear sample.
// Positions are exact (wcslib) at nodes every kNode cells and interpolated between them where that
// agrees with the exact position within kTolerance pixels at five check points of the block (its
// centre and edge midpoints); a block where it does not — across the kink at |z| = 2/3 inside a polar
// face, say — or that touches the edge of the projection is computed exactly, cell by cell. Most of
// the build's time was the trigonometry of those positions; this keeps it to a few per cent.
class TileSampler {
 public:
  static constexpr std::uint32_t kNode = 16;
  static constexpr double kTolerance = 1e-3;  // pixels

  TileSampler(PackReader const& pack, int planes, std::string const& cards, bool fk4, std::size_t cache_bytes,
              double height)
      : sampler_(pack, planes, cache_bytes), planes_(planes), height_(height), fk4_(fk4) {
    ok_ = wcs_.parse(cards);
  }
  bool ok() const { return ok_; }
  CelestialWcs& wcs() { return wcs_; }

  Status sample(hips::TileId tile, int width_log2, std::vector<float>& out) {
    tile_ = tile;
    s_ = width_log2;
    w_ = 1u << width_log2;
    pos_.assign(2 * std::size_t{w_} * w_, std::nan(""));
    std::vector<std::uint32_t> nodes;
    for (std::uint32_t n = 0; n < w_; n += std::min(kNode, w_)) nodes.push_back(n);
    if (nodes.back() != w_ - 1) nodes.push_back(w_ - 1);

    cells_.clear();
    for (auto r : nodes)
      for (auto c : nodes) cells_.push_back({r, c});
    exact();
    for (std::size_t i = 0; i + 1 < nodes.size(); ++i)
      for (std::size_t j = 0; j + 1 < nodes.size(); ++j)
        block(nodes[i], nodes[i + 1], nodes[j], nodes[j + 1]);

    std::size_t const n = std::size_t{w_} * w_;
    out.assign(n * static_cast<std::size_t>(planes_), kBlank);
    std::array<float, 3> v{};
    for (std::size_t k = 0; k < n; ++k) {
      double const x = pos_[2 * k], y = pos_[2 * k + 1];
      if (std::isnan(x)) continue;
      if (auto s = sampler_.at(x, y, v.data()); !s) return s;
      for (int p = 0; p < planes_; ++p)
        out[static_cast<std::size_t>(p) * n + k] = v[static_cast<std::size_t>(p)];
    }
    return {};
  }

 private:
  double* at(std::uint32_t r, std::uint32_t c) { return &pos_[2 * (std::size_t{r} * w_ + c)]; }

  // Exact positions of cells_ into pos_.
  void exact() {
    int const cell_order = tile_.order + s_;
    lonlat_.resize(2 * cells_.size());
    xy_.resize(2 * cells_.size());
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      auto const d =
          healpix::centre_of(cell_order, hips::pixel_cell(tile_, s_, cells_[i].first, cells_[i].second));
      auto const in_image = fk4_ ? convert(Frame::icrs, Frame::fk4, {d.lon_deg, d.lat_deg})
                                 : std::array<double, 2>{d.lon_deg, d.lat_deg};
      lonlat_[2 * i] = in_image[0];
      lonlat_[2 * i + 1] = in_image[1];
    }
    wcs_.pixels(lonlat_, xy_, height_);
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      double* p = at(cells_[i].first, cells_[i].second);
      p[0] = xy_[2 * i];
      p[1] = xy_[2 * i + 1];
    }
  }

  void block(std::uint32_t r0, std::uint32_t r1, std::uint32_t c0, std::uint32_t c1) {
    double const* q00 = at(r0, c0);
    double const* q01 = at(r0, c1);
    double const* q10 = at(r1, c0);
    double const* q11 = at(r1, c1);
    auto interpolated = [&](std::uint32_t r, std::uint32_t c, int axis) {
      double const fr = static_cast<double>(r - r0) / (r1 - r0), fc = static_cast<double>(c - c0) / (c1 - c0);
      return (1 - fr) * ((1 - fc) * q00[axis] + fc * q01[axis]) +
             fr * ((1 - fc) * q10[axis] + fc * q11[axis]);
    };
    bool smooth = !std::isnan(q00[0]) && !std::isnan(q01[0]) && !std::isnan(q10[0]) && !std::isnan(q11[0]);
    if (smooth) {
      std::uint32_t const rm = (r0 + r1) / 2, cm = (c0 + c1) / 2;
      cells_ = {{rm, cm}, {r0, cm}, {r1, cm}, {rm, c0}, {rm, c1}};
      exact();
      for (auto [r, c] : cells_) {
        double const* p = at(r, c);
        smooth = smooth && !std::isnan(p[0]) && std::abs(p[0] - interpolated(r, c, 0)) <= kTolerance &&
                 std::abs(p[1] - interpolated(r, c, 1)) <= kTolerance;
      }
    }
    if (!smooth) {
      cells_.clear();
      for (auto r = r0; r <= r1; ++r)
        for (auto c = c0; c <= c1; ++c) cells_.push_back({r, c});
      exact();
      return;
    }
    for (auto r = r0; r <= r1; ++r)
      for (auto c = c0; c <= c1; ++c) {
        double* p = at(r, c);
        p[0] = interpolated(r, c, 0);
        p[1] = interpolated(r, c, 1);
      }
  }

  CelestialWcs wcs_;
  Sampler sampler_;
  int planes_;
  double height_;
  bool fk4_;  // cell directions (ICRS) go to the image's FK4 B1950 first
  bool ok_ = false;
  hips::TileId tile_;
  int s_ = 0;
  std::uint32_t w_ = 0;
  std::vector<double> pos_, lonlat_, xy_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cells_;
};

// 80-column FITS cards and whole 2880-byte blocks.
std::string fits_card(std::string_view key, std::string_view value) {
  auto c = fmt::format("{:<8}= {:>20}", key, value);
  c.resize(80, ' ');
  return c;
}

void pad_block(std::string& s, char fill) {
  s.resize((s.size() + 2879) / 2880 * 2880, fill);
}

void put_be32(std::string& out, float v) {
  auto const u = std::bit_cast<std::uint32_t>(v);
  char const b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
                     static_cast<char>(u)};
  out.append(b, 4);
}

// An image of values as FITS, BITPIX −32 (NaN blanks), rows bottom-up as FITS stores them.
std::string fits_image(std::span<float const> values, std::uint32_t width, std::uint32_t height) {
  std::string out = fits_card("SIMPLE", "T") + fits_card("BITPIX", "-32") + fits_card("NAXIS", "2") +
                    fits_card("NAXIS1", std::to_string(width)) + fits_card("NAXIS2", std::to_string(height));
  out += fmt::format("{:<80}", "END");
  pad_block(out, ' ');
  out.reserve(out.size() + values.size() * 4 + 2880);
  for (std::uint32_t r = height; r-- > 0;)
    for (std::uint32_t c = 0; c < width; ++c) put_be32(out, values[std::size_t{r} * width + c]);
  pad_block(out, '\0');
  return out;
}

// The MOC (IVOA MOC 2.0, NUNIQ) of the covered deepest tiles, siblings merged into their parent.
std::string moc_fits(std::vector<std::int64_t> cells, int order) {
  std::map<int, std::set<std::int64_t>> by_order;
  std::set<std::int64_t> current(cells.begin(), cells.end());
  for (int k = order; k > 0; --k) {
    std::set<std::int64_t> parents, kept;
    for (auto n : current) {
      auto const p = n >> 2;
      bool const all = current.count(4 * p) && current.count(4 * p + 1) && current.count(4 * p + 2) &&
                       current.count(4 * p + 3);
      (all ? parents : kept).insert(all ? p : n);
    }
    by_order[k] = std::move(kept);
    current = std::move(parents);
  }
  by_order[0] = std::move(current);
  std::vector<std::int64_t> uniq;
  for (auto const& [k, set] : by_order)
    for (auto n : set) uniq.push_back((std::int64_t{4} << (2 * k)) + n);
  std::sort(uniq.begin(), uniq.end());

  std::string out = fits_card("SIMPLE", "T") + fits_card("BITPIX", "8") + fits_card("NAXIS", "0") +
                    fits_card("EXTEND", "T") + fmt::format("{:<80}", "END");
  pad_block(out, ' ');
  std::string h = fits_card("XTENSION", "'BINTABLE'") + fits_card("BITPIX", "8") + fits_card("NAXIS", "2") +
                  fits_card("NAXIS1", "8") + fits_card("NAXIS2", std::to_string(uniq.size())) +
                  fits_card("PCOUNT", "0") + fits_card("GCOUNT", "1") + fits_card("TFIELDS", "1") +
                  fits_card("TTYPE1", "'UNIQ    '") + fits_card("TFORM1", "'1K      '") +
                  fits_card("MOCVERS", "'2.0     '") + fits_card("MOCDIM", "'SPACE   '") +
                  fits_card("ORDERING", "'NUNIQ   '") + fits_card("COORDSYS", "'C       '") +
                  fits_card("MOCORD_S", std::to_string(order)) +
                  fits_card("MOCORDER", std::to_string(order)) + fmt::format("{:<80}", "END");
  pad_block(h, ' ');
  out += h;
  for (auto u : uniq) {
    auto const v = static_cast<std::uint64_t>(u);
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(v >> s));
  }
  pad_block(out, '\0');
  return out;
}

// A tile's files, per the options; one writer per thread. Grey: FITS (the values) and PNG (through
// the stretch). Colour: PNG only, RGBA, each plane's value rounded, blanks transparent (HiPS has no
// colour FITS tile, and Aladin Lite takes a tile's colours from its format alone).
struct TileFiles {
  std::string fits, png;
};

class TileWriter {
 public:
  TileWriter(HipsOptions const& options, std::optional<Stretch> const& stretch, bool colour)
      : options_(options), stretch_(stretch), colour_(colour), encoder_(TileFormat::png, 90) {}

  bool writes_png() const { return options_.png_tiles && (colour_ || stretch_); }
  bool writes_fits() const { return options_.fits_tiles && !colour_; }

  // Empty strings for a format not written; an encoder failure leaves png empty (put() refuses it).
  TileFiles encode(std::span<float const> values, std::uint32_t width, std::uint32_t height) {
    TileFiles f;
    if (writes_fits()) f.fits = fits_image(values, width, height);
    if (colour_ && writes_png()) {
      std::size_t const n = std::size_t{width} * height;
      pixels_.resize(4 * n);
      for (std::size_t k = 0; k < n; ++k) {
        bool const blank = std::isnan(values[k]);
        for (std::size_t p = 0; p < 3; ++p)
          pixels_[4 * k + p] =
              blank
                  ? 0
                  : static_cast<unsigned char>(std::clamp(std::floor(values[p * n + k] + 0.5f), 0.f, 255.f));
        pixels_[4 * k + 3] = blank ? 0 : 255;
      }
      std::vector<unsigned char> out;
      PixelView view{pixels_.data(), static_cast<int>(width), static_cast<int>(height), 4,
                     std::size_t{width} * 4};
      if (encoder_.encode(view, out)) f.png.assign(out.begin(), out.end());
    } else if (writes_png()) {
      int const bands = map_values(values, *stretch_, true, pixels_);
      std::vector<unsigned char> out;
      PixelView view{pixels_.data(), static_cast<int>(width), static_cast<int>(height), bands,
                     std::size_t{width} * static_cast<unsigned>(bands)};
      if (encoder_.encode(view, out)) f.png.assign(out.begin(), out.end());
    }
    return f;
  }

 private:
  HipsOptions const& options_;
  std::optional<Stretch> const& stretch_;
  bool colour_;
  TileEncoder encoder_;
  std::vector<unsigned char> pixels_;
};

bool any_value(std::span<float const> values) {
  return std::any_of(values.begin(), values.end(), [](float v) { return !std::isnan(v); });
}

class Builder {
 public:
  Builder(PackReader const& pack, int planes, std::string const& cards, bool fk4, HipsOptions const& options,
          HipsSink& sink, std::optional<Stretch> stretch, int order)
      : options_(options),
        sink_(sink),
        stretch_(std::move(stretch)),
        planes_(planes),
        order_(order),
        s_(options.width_log2),
        w_(1u << options.width_log2),
        parents_(static_cast<std::size_t>(order)) {
    unsigned const threads =
        options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < threads; ++t) {
      samplers_.push_back(std::make_unique<TileSampler>(pack, planes, cards, fk4,
                                                        options.cache_bytes / threads,
                                                        static_cast<double>(pack.geometry().height())));
      writers_.push_back(std::make_unique<TileWriter>(options_, stretch_, planes > 1));
    }
    thumb_ = std::min<std::uint32_t>(64, w_);
    auto const size = hips::allsky_size(static_cast<int>(thumb_));
    allsky_.assign(std::size_t{size.x} * size.y * static_cast<std::size_t>(planes_), kBlank);
  }

  std::int64_t written() const { return written_; }

  // The deepest tiles, sampled a batch at a time on every thread, then taken in NESTED order into the
  // tree by this one (which writes them and their parents).
  Status deepest(std::vector<std::int64_t> const& tiles, HipsProgress const& progress) {
    std::size_t const batch = 2 * samplers_.size();
    std::vector<std::vector<float>> values(batch);
    std::vector<TileFiles> files(batch);
    std::vector<std::optional<Error>> errors(batch);
    auto last = std::chrono::steady_clock::now();
    for (std::size_t begin = 0; begin < tiles.size(); begin += batch) {
      std::size_t const n = std::min(batch, tiles.size() - begin);
      std::atomic<std::size_t> next{0};
      // Each thread samples a tile and, when it holds any value, encodes its files too.
      auto work = [&](std::size_t t) {
        for (std::size_t i; (i = next++) < n;) {
          auto st = samplers_[t]->sample({order_, tiles[begin + i]}, s_, values[i]);
          errors[i] = st ? std::nullopt : std::optional<Error>(st.error());
          files[i] = st && any_value(values[i]) ? writers_[t]->encode(values[i], w_, w_) : TileFiles{};
        }
      };
      {
        std::vector<std::jthread> running;
        for (std::size_t t = 1; t < samplers_.size(); ++t) running.emplace_back(work, t);
        work(0);
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (errors[i]) return *errors[i];
        if (auto st = finished(order_, tiles[begin + i], values[i], &files[i]); !st) return st;
      }
      auto const now = std::chrono::steady_clock::now();
      if (progress && now - last > std::chrono::milliseconds(200)) {
        last = now;
        if (!progress(static_cast<double>(begin + n) / static_cast<double>(tiles.size())))
          return make_error(ErrorCode::cancelled, "The HiPS build was cancelled");
      }
    }
    return {};
  }

  // Flushes every order's partly assembled tile (the last siblings of the walk).
  Status close() {
    for (int k = order_ - 1; k >= 0; --k)
      if (auto s = flush(k); !s) return s;
    return write_allsky();
  }

 private:
  struct Parent {
    std::int64_t number = -1;
    std::vector<float> values;
  };

  // A tile of `order` is complete: written (unless blank; `encoded` when a worker made its files),
  // and averaged into its parent.
  Status finished(int order, std::int64_t number, std::vector<float> const& tile,
                  TileFiles const* encoded = nullptr) {
    if (any_value(tile)) {
      if (auto s = emit(order, number, tile, encoded ? *encoded : writers_[0]->encode(tile, w_, w_)); !s)
        return s;
    }
    if (order == 0) return {};
    // Into the parent's quadrant: child q holds rows (q & 1)·w/2… and columns (q >> 1)·w/2… of the
    // parent (the nested numbering's top bits; see hips_layout.hpp), each 2×2 block averaged.
    auto& p = parents_[static_cast<std::size_t>(order - 1)];
    std::size_t const n = std::size_t{w_} * w_;
    if (p.number != (number >> 2)) {
      if (auto s = flush(order - 1); !s) return s;
      p.number = number >> 2;
      p.values.assign(n * static_cast<std::size_t>(planes_), kBlank);
    }
    auto const q = static_cast<std::uint32_t>(number & 3);
    std::uint32_t const half = w_ / 2, row0 = (q & 1) * half, col0 = (q >> 1) * half;
    for (std::size_t plane = 0; plane < static_cast<std::size_t>(planes_); ++plane) {
      float const* in = &tile[plane * n];
      float* out = &p.values[plane * n];
      for (std::uint32_t r = 0; r < half; ++r) {
        shrink_float_rows(&in[std::size_t{2 * r} * w_], &in[std::size_t{2 * r + 1} * w_], w_,
                          &out[std::size_t{row0 + r} * w_ + col0]);
      }
    }
    return {};
  }

  Status flush(int order) {
    auto& p = parents_[static_cast<std::size_t>(order)];
    if (p.number < 0) return {};
    auto values = std::move(p.values);
    auto const number = p.number;
    p.number = -1;
    return finished(order, number, values);
  }

  Status emit(int order, std::int64_t number, std::vector<float> const& tile, TileFiles const& files) {
    if (order == hips::kAllskyOrder) place_in_allsky(number, tile);
    hips::TileId const id{order, number};
    if (writers_[0]->writes_fits()) {
      if (auto s = put(hips::tile_path(id, "fits"), files.fits); !s) return s;
    }
    if (writers_[0]->writes_png()) {
      if (auto s = put(hips::tile_path(id, "png"), files.png); !s) return s;
    }
    ++written_;
    return {};
  }

  Status put(std::string const& path, std::string const& bytes) {
    if (bytes.empty()) return make_error(ErrorCode::internal, "A HiPS tile could not be encoded", path);
    return sink_.put(path, {reinterpret_cast<unsigned char const*>(bytes.data()), bytes.size()});
  }

  void place_in_allsky(std::int64_t number, std::vector<float> const& tile) {
    auto const at = hips::allsky_place(number, static_cast<int>(thumb_));
    auto const size = hips::allsky_size(static_cast<int>(thumb_));
    std::size_t const n = std::size_t{w_} * w_, mosaic = std::size_t{size.x} * size.y;
    for (std::size_t plane = 0; plane < static_cast<std::size_t>(planes_); ++plane) {
      std::vector<float> small(tile.begin() + static_cast<std::ptrdiff_t>(plane * n),
                               tile.begin() + static_cast<std::ptrdiff_t>((plane + 1) * n)),
          next;
      for (std::uint32_t width = w_; width > thumb_; width /= 2) {
        next.assign(std::size_t{width / 2} * (width / 2), kBlank);
        for (std::uint32_t r = 0; r < width / 2; ++r)
          shrink_float_rows(&small[std::size_t{2 * r} * width], &small[std::size_t{2 * r + 1} * width], width,
                            &next[std::size_t{r} * (width / 2)]);
        small.swap(next);
      }
      for (std::uint32_t r = 0; r < thumb_; ++r)
        std::copy_n(&small[std::size_t{r} * thumb_], thumb_,
                    &allsky_[plane * mosaic + std::size_t{at.y + r} * size.x + at.x]);
    }
  }

  Status write_allsky() {
    auto const size = hips::allsky_size(static_cast<int>(thumb_));
    auto const files = writers_[0]->encode(allsky_, size.x, size.y);
    if (writers_[0]->writes_fits()) {
      if (auto s = put("Norder3/Allsky.fits", files.fits); !s) return s;
    }
    if (writers_[0]->writes_png()) {
      if (auto s = put("Norder3/Allsky.png", files.png); !s) return s;
    }
    return {};
  }

  HipsOptions const& options_;
  HipsSink& sink_;
  std::optional<Stretch> stretch_;  // before the writers, which refer to it
  int planes_;                      // 1: grey values; 3: red, green, blue
  std::vector<std::unique_ptr<TileSampler>> samplers_;
  std::vector<std::unique_ptr<TileWriter>> writers_;
  int order_, s_;
  std::uint32_t w_;
  std::vector<Parent> parents_;
  std::uint32_t thumb_;
  std::vector<float> allsky_;
  std::int64_t written_ = 0;
};

// The deepest order's tiles the image reaches: sky positions of its pixels every 64 (a tile is at
// least 256 source pixels wide, so none of the image's inside is missed) and of every pixel along its
// border (a tile overlapping only a sliver of it).
std::vector<std::int64_t> covered_tiles(CelestialWcs& wcs, ImageFrame const& frame, std::uint32_t width,
                                        std::uint32_t height, int order) {
  std::set<std::int64_t> tiles;
  auto add = [&](double x, double y) {
    if (auto sky = sky_at(wcs, frame, x, y, height))
      tiles.insert(healpix::cell_of(order, {(*sky)[0], (*sky)[1]}));
  };
  constexpr std::uint32_t kStep = 64;
  for (std::uint32_t y = 0; y < height + kStep; y += kStep)
    for (std::uint32_t x = 0; x < width + kStep; x += kStep)
      add(std::min<double>(x, width), std::min<double>(y, height));
  for (std::uint32_t x = 0; x <= width; ++x) {
    add(x, 0);
    add(x, height);
  }
  for (std::uint32_t y = 0; y <= height; ++y) {
    add(0, y);
    add(width, y);
  }
  return {tiles.begin(), tiles.end()};
}

std::string properties(HipsOptions const& options, HipsSummary const& summary, std::int64_t covered,
                       std::optional<Stretch> const& stretch, std::optional<std::array<double, 2>> centre,
                       double fov_deg) {
  std::string formats;
  if (options.png_tiles && (stretch || summary.colour)) formats = "png";
  if (options.fits_tiles && !summary.colour) formats += formats.empty() ? "fits" : " fits";
  std::time_t const now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::string out;
  auto line = [&](std::string_view key, std::string const& value) {
    // One line per key: a value never carries a line break into the file.
    std::string v = value;
    std::replace_if(
        v.begin(), v.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    out += fmt::format("{:<20} = {}\n", key, v);
  };
  line("creator_did", options.creator_did.empty() ? "ivo://astropixel/hips" : options.creator_did);
  line("obs_title", options.title.empty() ? "AstroPixel HiPS" : options.title);
  line("dataproduct_type", "image");
  if (summary.colour) line("dataproduct_subtype", "color");
  line("hips_version", "1.4");
  line("hips_builder", "AstroPixel");
  line("hips_release_date", fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                                        utc.tm_mday, utc.tm_hour, utc.tm_min));
  line("hips_status", "public master unclonable");
  line("hips_tile_format", formats);
  line("hips_tile_width", std::to_string(1 << options.width_log2));
  line("hips_order", std::to_string(summary.order));
  line("hips_order_min", "0");
  line("hips_frame", summary.frame);
  if (!summary.colour) line("hips_pixel_bitpix", "-32");
  line("hips_pixel_scale", fmt::format("{:.6g}", hips::cell_size_deg(summary.order + options.width_log2)));
  if (stretch && !summary.colour)
    line("hips_pixel_cut", fmt::format("{:.7g} {:.7g}", stretch->low(), stretch->high()));
  if (centre && summary.frame == "equatorial") {
    line("hips_initial_ra", fmt::format("{:.8f}", (*centre)[0]));
    line("hips_initial_dec", fmt::format("{:.8f}", (*centre)[1]));
    line("hips_initial_fov", fmt::format("{:.6g}", fov_deg));
  }
  line("moc_sky_fraction",
       fmt::format("{:.6g}",
                   static_cast<double>(covered) / static_cast<double>(healpix::cell_count(summary.order))));
  return out;
}

}  // namespace

Result<HipsSummary> build_hips(PackReader const& pack, HipsOptions const& options, HipsSink& sink,
                               HipsProgress const& progress) {
  // Grey from the data pyramid's values; colour from an 8-bit colour image's exact pixels.
  bool const colour = !pack.has_data() && (pack.value_bands() == 3 || pack.value_bands() == 4) &&
                      pack.value_encoding() == ValueEncoding::u8;
  if (!pack.has_data() && !colour) return make_error(errc::no_data_pyramid);
  if (colour && !options.png_tiles)
    return make_error(ErrorCode::validation, "A colour HiPS has PNG tiles only", "formats: png");
  auto const sky = sky_of(pack);
  std::string const& cards = sky.cards.empty() ? options.wcs_cards : sky.cards;
  CelestialWcs wcs;
  if (cards.empty() || !wcs.parse(cards)) return make_error(errc::no_celestial_wcs);
  auto frame = frame_of(wcs.get());
  if (!frame) return frame.error();

  auto const& g = pack.geometry();
  double const width = g.width(), height = g.height();
  auto at = [&](double x, double y) { return sky_at(wcs, *frame, x, y, height); };
  auto const centre = at(width / 2, height / 2);
  auto const right = at(width / 2 + 0.5, height / 2), left = at(width / 2 - 0.5, height / 2);
  auto const down = at(width / 2, height / 2 + 0.5), up = at(width / 2, height / 2 - 0.5);
  if (!centre || !right || !left || !down || !up)
    return make_error(errc::wcs_unsupported, "The image's centre has no sky position");
  HipsSummary summary;
  summary.colour = colour;
  summary.frame = frame->hips;
  summary.pixel_deg = std::min(arc_deg(*left, *right), arc_deg(*up, *down));
  if (!(summary.pixel_deg > 0)) return make_error(errc::wcs_unsupported, "The image's pixel size is zero");
  summary.order = options.order ? std::clamp(*options.order, 0, healpix::kMaxOrder - options.width_log2)
                                : hips::order_for_pixel_size(summary.pixel_deg, options.width_log2);

  std::optional<Stretch> stretch;
  if (sky.stretch && !colour) {
    auto st =
        channel_stretch(pack, sky.stretch->first, sky.stretch->second.first, sky.stretch->second.second);
    if (st) stretch = std::move(*st);
  }

  auto const tiles = covered_tiles(wcs, *frame, g.width(), g.height(), summary.order);
  Builder builder(pack, colour ? 3 : 1, cards, frame->fk4, options, sink, stretch, summary.order);
  if (auto s = builder.deepest(tiles, progress); !s) return s.error();
  if (auto s = builder.close(); !s) return s.error();
  summary.deepest_tiles = static_cast<std::int64_t>(tiles.size());
  summary.tiles = builder.written();

  auto const moc = moc_fits(tiles, summary.order);
  if (auto s = sink.put("Moc.fits", {reinterpret_cast<unsigned char const*>(moc.data()), moc.size()}); !s)
    return s.error();
  double const fov = std::max(width, height) * summary.pixel_deg;
  auto const props =
      properties(options, summary, static_cast<std::int64_t>(tiles.size()), stretch, centre, fov);
  if (auto s = sink.put("properties", {reinterpret_cast<unsigned char const*>(props.data()), props.size()});
      !s)
    return s.error();
  if (progress) progress(1.0);
  return summary;
}

}  // namespace astropixel::pyramid
