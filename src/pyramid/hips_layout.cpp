#include "pyramid/hips_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>

#include "pyramid/healpix.hpp"

namespace astropixel::pyramid::hips {

namespace {

// A decimal number in its one canonical spelling: digits only, no sign, no leading zero but "0".
std::optional<std::int64_t> canonical_number(std::string_view s) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s.front() == '0')) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Consumes `prefix` + a canonical number + `terminator` from the front of s.
std::optional<std::int64_t> take(std::string_view& s, std::string_view prefix, char terminator) {
  if (!s.starts_with(prefix)) return std::nullopt;
  s.remove_prefix(prefix.size());
  auto const end = s.find(terminator);
  if (end == std::string_view::npos) return std::nullopt;
  auto n = canonical_number(s.substr(0, end));
  s.remove_prefix(end + 1);
  return n;
}

}  // namespace

std::string tile_path(TileId t, std::string_view extension) {
  return fmt::format("Norder{}/Dir{}/Npix{}.{}", t.order, t.number / 10000 * 10000, t.number, extension);
}

Result<ParsedPath> parse_tile_path(std::string_view path, int max_order) {
  auto const refuse = [&](std::string_view why) {
    return make_error(ErrorCode::not_found, "No such HiPS tile", std::string(why));
  };
  auto rest = path;
  auto const order = take(rest, "Norder", '/');
  if (!order || *order > max_order) return refuse("order");
  auto const dir = take(rest, "Dir", '/');
  if (!dir) return refuse("directory");
  auto const number = take(rest, "Npix", '.');
  if (!number) return refuse("tile number");
  ParsedPath p{{static_cast<int>(*order), *number}, std::string(rest)};
  if (p.tile.number >= healpix::cell_count(p.tile.order))
    return refuse("tile number beyond the order's 12·4^K");
  if (*dir != p.tile.number / 10000 * 10000) return refuse("directory of another tile");
  if (p.extension.empty() || p.extension.size() > 5 ||
      !std::all_of(p.extension.begin(), p.extension.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
    return refuse("extension");
  return p;
}

std::int64_t pixel_cell(TileId t, int width_log2, std::uint32_t row, std::uint32_t column) {
  return (t.number << (2 * width_log2)) | static_cast<std::int64_t>(healpix::interleave(row, column));
}

TileId tile_of_cell(int pixel_order, std::int64_t cell, int width_log2) {
  return {pixel_order - width_log2, cell >> (2 * width_log2)};
}

RowColumn pixel_of_cell(std::int64_t cell, int width_log2) {
  auto const mask = (std::uint64_t{1} << (2 * width_log2)) - 1;
  auto const p = healpix::deinterleave(static_cast<std::uint64_t>(cell) & mask);
  return {p.x, p.y};
}

double cell_size_deg(int order) {
  return std::sqrt(std::numbers::pi / 3.0) / std::ldexp(1.0, order) * 180.0 / std::numbers::pi;
}

int order_for_pixel_size(double pixel_deg, int width_log2) {
  int const deepest = healpix::kMaxOrder - width_log2;
  if (!std::isfinite(pixel_deg) || pixel_deg <= 0) return kAllskyOrder;
  double const pixel_rad = pixel_deg * std::numbers::pi / 180.0;
  double const pixel_order = 1 + std::floor(std::log2(std::sqrt(std::numbers::pi / 3.0) / pixel_rad));
  return static_cast<int>(
      std::clamp(pixel_order - width_log2, static_cast<double>(kAllskyOrder), static_cast<double>(deepest)));
}

AllskyPlace allsky_place(std::int64_t number, int thumb) {
  return {static_cast<std::uint32_t>(number % kAllskyColumns * thumb),
          static_cast<std::uint32_t>(number / kAllskyColumns * thumb)};
}

AllskyPlace allsky_size(int thumb) {
  auto const tiles = healpix::cell_count(kAllskyOrder);
  auto const rows = (tiles + kAllskyColumns - 1) / kAllskyColumns;
  return {static_cast<std::uint32_t>(kAllskyColumns * thumb), static_cast<std::uint32_t>(rows * thumb)};
}

Result<std::string> served_file(std::string_view path) {
  if (path == "properties" || path == "Moc.fits" || path == "Norder3/Allsky.png" ||
      path == "Norder3/Allsky.fits")
    return std::string(path);
  auto tile = parse_tile_path(path, healpix::kMaxOrder);
  if (!tile) return tile.error();
  if (tile->extension != "png" && tile->extension != "fits")
    return make_error(ErrorCode::not_found, "No such HiPS tile", "extension");
  return std::string(path);
}

std::string_view media_type(std::string_view path) {
  if (path.ends_with(".png")) return "image/png";
  if (path.ends_with(".fits")) return "application/fits";
  return "text/plain; charset=utf-8";
}

std::string blob_prefix(std::string_view dataset_id, int version) {
  return fmt::format("hips/{}/v{}/", dataset_id, version);
}

std::string blob_name(std::string_view path) {
  std::string out(path);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<std::string> file_of_blob_name(std::string_view name) {
  std::string file(name);
  auto capitalise = [&](std::string_view lower, std::string_view upper) {
    for (auto at = file.find(lower); at != std::string::npos; at = file.find(lower, at + 1))
      if (at == 0 || file[at - 1] == '/') file.replace(at, lower.size(), upper);
  };
  capitalise("norder", "Norder");
  capitalise("dir", "Dir");
  capitalise("npix", "Npix");
  capitalise("allsky.", "Allsky.");
  capitalise("moc.fits", "Moc.fits");
  if (!served_file(file) || blob_name(file) != name) return std::nullopt;
  return file;
}

}  // namespace astropixel::pyramid::hips
