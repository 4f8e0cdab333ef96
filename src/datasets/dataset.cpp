#include "datasets/dataset.hpp"

#include <array>

namespace astropixel::datasets {

std::string_view to_string(DatasetStatus s) {
  switch (s) {
    case DatasetStatus::pending:
      return "pending";
    case DatasetStatus::processing:
      return "processing";
    case DatasetStatus::completed:
      return "completed";
    case DatasetStatus::failed:
      return "failed";
  }
  return "pending";
}

std::optional<DatasetStatus> parse_status(std::string_view s) {
  for (auto v :
       {DatasetStatus::pending, DatasetStatus::processing, DatasetStatus::completed, DatasetStatus::failed}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

bool valid_category(std::string_view c) {
  static constexpr std::array<std::string_view, 4> kCategories{"earth", "mars", "space", "other"};
  for (auto k : kCategories) {
    if (k == c) return true;
  }
  return false;
}

std::optional<auth::Visibility> parse_visibility(std::string_view v) {
  if (v == "private") return auth::Visibility::private_;
  if (v == "public") return auth::Visibility::public_;
  return std::nullopt;
}

std::string_view to_string(auth::Visibility v) {
  return v == auth::Visibility::public_ ? "public" : "private";
}

}  // namespace astropixel::datasets
