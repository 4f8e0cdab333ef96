#pragma once
// An annotation on a dataset, in image pixel coordinates (origin at the top-left corner, y down).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace astropixel::annotations {

enum class Kind { point, rectangle, circle, polygon };
std::string_view to_string(Kind k);

struct Geometry {
  double x = 0, y = 0;                        // point; rectangle's top-left; circle's centre
  double width = 0, height = 0;               // rectangle
  double radius = 0;                          // circle
  std::vector<std::array<double, 2>> points;  // polygon, 3 to 1000 vertices
};

struct Annotation {
  std::string id, dataset_id, author_id;
  Kind kind = Kind::point;
  std::string label, color;
  Geometry geometry;
  std::int64_t created_at = 0, updated_at = 0;
};

// Parses and checks what a client sends: kind, label (1-200 characters, no control characters),
// colour (#rrggbb), and a geometry of the kind's shape with finite coordinates inside the image
// (width × height). Errors: validation naming the field.
Result<Kind> parse_kind(std::string_view kind);
Status validate_label(std::string const& label);
Status validate_color(std::string const& color);
Result<Geometry> parse_geometry(Kind kind, std::string_view json, double image_width, double image_height);
std::string geometry_json(Kind kind, Geometry const& g);

}  // namespace astropixel::annotations
