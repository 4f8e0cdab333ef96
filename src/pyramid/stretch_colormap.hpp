#pragma once
// Colour maps applied after the stretch (docs/adr/0024-data-pyramid-and-live-stretch.md): the
// stretch's 0-255 level indexes a 256-entry RGB table, so one mapping still covers every tile.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel::pyramid {

enum class ColormapName { grey, heat, cool, rainbow, viridis, inferno };

class Colormap {
 public:
  Colormap() : Colormap(ColormapName::grey, false) {}
  Colormap(ColormapName name, bool inverted);

  // Plain grey: tiles stay one band (the CLI's and the build's tiles as before colour maps).
  bool is_grey() const { return name_ == ColormapName::grey && !inverted_; }
  // The RGB of a stretched level (3 bytes).
  unsigned char const* rgb(unsigned char level) const { return table_ + 3 * level; }
  // "viridis", "heat_r", ...
  std::string name() const;

 private:
  ColormapName name_;
  bool inverted_;
  unsigned char const* table_;  // 768 bytes of a table built once per process
};

// "grey", "heat", "cool", "rainbow" (jet), "viridis", "inferno", each also with "_r" (inverted).
// Errors: validation (invalid_colormap).
Result<Colormap> parse_colormap(std::string_view name);

}  // namespace astropixel::pyramid
