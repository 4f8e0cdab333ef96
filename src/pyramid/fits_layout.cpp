#include "pyramid/fits_layout.hpp"

#include <array>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {
namespace {

constexpr std::size_t kCard = 80;

Error corrupt(std::string detail) {
  Error e = make_error(ErrorCode::unprocessable, "The image is corrupt or truncated", std::move(detail));
  e.reason = errc::corrupt_image.code;
  return e;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The integer value of a card "KEYWORD = value / comment"; nullopt when it has none.
std::optional<std::int64_t> integer_value(std::string_view card) {
  if (card.size() < 10 || card.substr(8, 2) != "= ") return std::nullopt;
  auto value = card.substr(10);
  if (auto slash = value.find('/'); slash != std::string_view::npos) value = value.substr(0, slash);
  value = trim(value);
  if (!value.empty() && value.front() == '+') value.remove_prefix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return v;
}

bool logical_true(std::string_view card) {
  return card.size() >= 30 && card.substr(8, 2) == "= " && trim(card.substr(10, 20)) == "T";
}

bool mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

struct Hdu {
  std::int64_t bitpix = 0, naxis = -1, pcount = 0, gcount = 1;
  std::vector<std::int64_t> axes;
  bool groups = false;
};

}  // namespace

Result<std::vector<FitsHeaderRange>> fits_headers(FitsReadAt const& read, std::uint64_t size,
                                                  FitsLimits const& limits) {
  std::vector<FitsHeaderRange> out;
  std::uint64_t at = 0, header_bytes = 0;
  std::array<char, kFitsBlock> block{};
  while (at < size && size - at >= kFitsBlock) {
    if (out.size() == limits.max_hdus)
      return corrupt("More than " + std::to_string(limits.max_hdus) + " HDUs");
    bool primary = out.empty();
    FitsHeaderRange range{at, 0};
    Hdu hdu;
    bool ended = false;
    while (!ended) {
      if (size - at < kFitsBlock) return corrupt("A FITS header ends before its END card");
      if (header_bytes + kFitsBlock > limits.max_header_bytes)
        return corrupt("FITS headers larger than " + std::to_string(limits.max_header_bytes) + " bytes");
      if (!read(at, block)) return corrupt("The FITS header cannot be read");
      for (std::size_t c = 0; c < kFitsBlock / kCard && !ended; ++c) {
        std::string_view card(block.data() + c * kCard, kCard);
        auto keyword = trim(card.substr(0, 8));
        if (range.bytes == 0 && c == 0) {
          // The first card says what this is; anything else after the primary HDU is not an HDU
          // (FITS allows "special records" there) and ends the walk.
          if (primary ? keyword != "SIMPLE" : keyword != "XTENSION") {
            if (primary) return corrupt("Not a FITS file");
            return out;
          }
        }
        if (keyword == "END") {
          ended = true;
        } else if (keyword == "BITPIX") {
          hdu.bitpix = integer_value(card).value_or(0);
        } else if (keyword == "NAXIS") {
          auto n = integer_value(card);
          if (!n || *n < 0 || *n > 999) return corrupt("NAXIS must be 0-999");
          hdu.naxis = *n;
        } else if (keyword.starts_with("NAXIS") && keyword.size() > 5) {
          std::size_t index = 0;
          auto digits = keyword.substr(5);
          auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
          auto n = integer_value(card);
          if (ec != std::errc() || end != digits.data() + digits.size() || index < 1 || index > 999 || !n ||
              *n < 0) {
            return corrupt("Bad axis card " + std::string(keyword));
          }
          if (hdu.axes.size() < index) hdu.axes.resize(index, -1);
          hdu.axes[index - 1] = *n;
        } else if (keyword == "PCOUNT") {
          hdu.pcount = integer_value(card).value_or(-1);
        } else if (keyword == "GCOUNT") {
          hdu.gcount = integer_value(card).value_or(-1);
        } else if (keyword == "GROUPS") {
          hdu.groups = logical_true(card);
        }
      }
      range.bytes += kFitsBlock;
      header_bytes += kFitsBlock;
      at += kFitsBlock;
    }
    auto b = hdu.bitpix;
    if (b != 8 && b != 16 && b != 32 && b != 64 && b != -32 && b != -64) return corrupt("Bad BITPIX");
    if (hdu.naxis < 0) return corrupt("A FITS header has no NAXIS");
    if (hdu.pcount < 0 || hdu.gcount < 0) return corrupt("Bad PCOUNT or GCOUNT");
    if (hdu.axes.size() < static_cast<std::size_t>(hdu.naxis)) return corrupt("A NAXISn card is missing");
    // Data bytes = |BITPIX|/8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn); random groups skip NAXIS1.
    std::uint64_t elements = hdu.naxis > 0 ? 1 : 0;
    for (std::int64_t i = 0; i < hdu.naxis; ++i) {
      if (hdu.axes[i] < 0) return corrupt("A NAXISn card is missing");
      if (i == 0 && hdu.groups && hdu.axes[0] == 0) continue;
      if (!mul(elements, static_cast<std::uint64_t>(hdu.axes[i]), elements))
        return corrupt("Data size overflows");
    }
    std::uint64_t data = 0;
    if (elements > 0 || hdu.pcount > 0) {
      if (__builtin_add_overflow(elements, static_cast<std::uint64_t>(hdu.pcount), &data) ||
          !mul(data, static_cast<std::uint64_t>(hdu.gcount), data) ||
          !mul(data, static_cast<std::uint64_t>(b < 0 ? -b : b) / 8, data)) {
        return corrupt("Data size overflows");
      }
    }
    out.push_back(range);
    // Data fills whole blocks.
    std::uint64_t padded = data / kFitsBlock * kFitsBlock;
    if (padded != data && __builtin_add_overflow(padded, kFitsBlock, &padded))
      return corrupt("Data size overflows");
    if (padded >= size - at) break;  // the last HDU (perhaps cut short)
    at += padded;
  }
  if (out.empty()) return corrupt("Not a FITS file");
  return out;
}

}  // namespace astropixel::pyramid
