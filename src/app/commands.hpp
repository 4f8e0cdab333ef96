#pragma once
#include <filesystem>
#include <optional>

namespace astropixel::app {

struct CommonOptions {
  std::optional<std::filesystem::path> config_file;
};

int run_serve(CommonOptions const& common, bool print_config);
int run_migrate(CommonOptions const& common);

}  // namespace astropixel::app
