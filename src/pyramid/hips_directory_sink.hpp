#pragma once
// A HiPS written as files under one directory (what `astropixel hips` leaves, and what a HiPS build
// process hands to its job). The paths come from hips_layout, never from input.
#include <filesystem>

#include "pyramid/hips_builder.hpp"

namespace astropixel::pyramid {

class HipsDirectorySink final : public HipsSink {
 public:
  explicit HipsDirectorySink(std::filesystem::path root) : root_(std::move(root)) {}
  // Errors: internal when a directory or file cannot be written.
  Status put(std::string const& path, std::span<unsigned char const> bytes) override;

 private:
  std::filesystem::path root_;
};

}  // namespace astropixel::pyramid
