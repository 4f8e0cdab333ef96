#include "tiles/iiif_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "core/error_catalogue.hpp"

namespace astropixel::tiles::iiif {
namespace {

Error bad(std::string detail) {
  Error e =
      make_error(ErrorCode::bad_request, std::string(errc::iiif_bad_request.message), std::move(detail));
  e.reason = errc::iiif_bad_request.code;
  return e;
}

Error too_large(std::string detail) {
  Error e = make_error(ErrorCode::bad_request, std::string(errc::iiif_too_large.message), std::move(detail));
  e.reason = errc::iiif_too_large.code;
  return e;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::optional<std::uint64_t> integer(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 9) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A non-negative decimal ("12", "12.5"): no sign, exponent or hex, as the spec's pct: forms allow.
std::optional<double> decimal(std::string_view s) {
  if (s.empty() || s.size() > 16 || s.find_first_not_of("0123456789.") != std::string_view::npos)
    return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::uint32_t round_px(double v) {
  return static_cast<std::uint32_t>(std::llround(v));
}

}  // namespace

std::string ImageRequest::canonical() const {
  static constexpr std::string_view names[] = {"default", "color", "gray", "bitonal"};
  // Rotation as the spec's canonical form has it: an integer when it is one, else a decimal without
  // trailing zeros (parsing rounded it to 6 places).
  auto degrees = fmt::format("{:.6f}", rotation);
  degrees.erase(degrees.find_last_not_of('0') + 1);
  if (degrees.back() == '.') degrees.pop_back();
  return fmt::format("{},{},{},{}/{},{}/{}{}/{}.{}", x, y, w, h, width, height, mirror ? "!" : "", degrees,
                     names[static_cast<int>(quality)], format);
}

Result<ImageRequest> parse_image_request(std::uint32_t W, std::uint32_t H, Limits const& limits,
                                         std::string_view region, std::string_view size,
                                         std::string_view rotation, std::string_view quality,
                                         std::string_view format) {
  ImageRequest r;
  // Region.
  if (region == "full") {
    r.w = W, r.h = H;
  } else if (region == "square") {
    auto s = std::min(W, H);
    r.x = (W - s) / 2, r.y = (H - s) / 2, r.w = s, r.h = s;
  } else {
    bool pct = region.starts_with("pct:");
    auto parts = split(pct ? region.substr(4) : region, ',');
    if (parts.size() != 4) return bad("region must be full, square, x,y,w,h or pct:x,y,w,h");
    double v[4];
    for (std::size_t i = 0; i < 4; ++i) {
      if (pct) {
        auto d = decimal(parts[i]);
        if (!d) return bad(fmt::format("malformed region {}", region));
        v[i] = *d * (i % 2 == 0 ? W : H) / 100.0;
      } else {
        auto n = integer(parts[i]);
        if (!n) return bad(fmt::format("malformed region {}", region));
        v[i] = static_cast<double>(*n);
      }
    }
    auto x0 = round_px(v[0]), y0 = round_px(v[1]);
    if (x0 >= W || y0 >= H) return bad("the region lies outside the image");
    auto x1 = std::min<double>(W, v[0] + v[2]), y1 = std::min<double>(H, v[1] + v[3]);
    r.x = x0, r.y = y0;
    r.w = round_px(x1) > x0 ? round_px(x1) - x0 : 0;
    r.h = round_px(y1) > y0 ? round_px(y1) - y0 : 0;
    if (r.w == 0 || r.h == 0) return bad("the region is empty");
  }
  // Size.
  bool up = size.starts_with('^');
  if (up) size.remove_prefix(1);
  double rw = r.w, rh = r.h;
  double max_w = limits.max_width ? static_cast<double>(limits.max_width) : 1e18;
  double max_h = limits.max_height ? static_cast<double>(limits.max_height) : 1e18;
  double max_area = limits.max_area ? static_cast<double>(limits.max_area) : 1e36;
  double w = 0, h = 0;
  if (size == "max") {
    // The region's own size (or, with ^, as large as allowed), shrunk to the limits.
    double s = up ? 1e18 : 1.0;
    s = std::min({s, max_w / rw, max_h / rh, std::sqrt(max_area / (rw * rh))});
    w = std::floor(rw * s + 1e-9), h = std::floor(rh * s + 1e-9);
  } else if (size.starts_with("pct:")) {
    auto n = decimal(size.substr(4));
    if (!n) return bad(fmt::format("malformed size {}", size));
    w = std::round(rw * *n / 100), h = std::round(rh * *n / 100);
  } else {
    bool confined = size.starts_with('!');
    auto parts = split(confined ? size.substr(1) : size, ',');
    if (parts.size() != 2) return bad(fmt::format("malformed size {}", size));
    std::optional<std::uint64_t> pw, ph;
    if (!parts[0].empty() && !(pw = integer(parts[0]))) return bad(fmt::format("malformed size {}", size));
    if (!parts[1].empty() && !(ph = integer(parts[1]))) return bad(fmt::format("malformed size {}", size));
    if (confined) {
      if (!pw || !ph) return bad("!w,h needs both w and h");
      double s = std::min(*pw / rw, *ph / rh);
      if (!up) s = std::min(s, 1.0);
      w = std::max(1.0, std::floor(rw * s + 1e-9)), h = std::max(1.0, std::floor(rh * s + 1e-9));
      if (*pw == 0 || *ph == 0) w = h = 0;
    } else if (pw && ph) {
      w = static_cast<double>(*pw), h = static_cast<double>(*ph);
    } else if (pw) {
      w = static_cast<double>(*pw), h = std::round(rh * w / rw);
    } else if (ph) {
      h = static_cast<double>(*ph), w = std::round(rw * h / rh);
    } else {
      return bad(fmt::format("malformed size {}", size));
    }
  }
  if (w < 1 || h < 1) return bad("the size is zero");
  if (!up && (w > rw || h > rh)) return bad("a size above the region's needs ^");
  if (w > max_w || h > max_h || w * h > max_area)
    return too_large(
        fmt::format("{}x{} is above maxWidth {} / maxArea {}", w, h, limits.max_width, limits.max_area));
  r.width = static_cast<std::uint32_t>(w), r.height = static_cast<std::uint32_t>(h);
  // Rotation: any decimal from 0 up to 360 (rotationArbitrary), optionally mirrored first; 360 is a
  // whole turn, drawn and keyed as 0.
  if (rotation.starts_with('!')) {
    r.mirror = true;
    rotation.remove_prefix(1);
  }
  auto deg = decimal(rotation);
  if (!deg || *deg > 360 || rotation.front() == '.' || rotation.back() == '.')
    return bad("rotation must be a number of degrees from 0 to 360 (optionally with !)");
  // To a millionth of a degree (finer changes no pixel of a maxWidth answer): one answer, one key.
  r.rotation = std::round(*deg * 1e6) / 1e6;
  if (r.rotation == 360) r.rotation = 0;
  // Quality and format.
  if (quality == "default")
    r.quality = Quality::default_;
  else if (quality == "color")
    r.quality = Quality::color;
  else if (quality == "gray")
    r.quality = Quality::gray;
  else if (quality == "bitonal")
    r.quality = Quality::bitonal;
  else
    return bad("quality must be default, color, gray or bitonal");
  if (std::find(std::begin(kFormats), std::end(kFormats), format) == std::end(kFormats))
    return bad("format must be jpg, png, webp or tif");
  r.format = std::string(format);
  return r;
}

}  // namespace astropixel::tiles::iiif
