#include "pyramid/hips_directory_sink.hpp"

#include <fstream>

namespace astropixel::pyramid {

Status HipsDirectorySink::put(std::string const& path, std::span<unsigned char const> bytes) {
  auto const file = root_ / path;
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return make_error(ErrorCode::internal, "Cannot create the HiPS directory", ec.message());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<char const*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return make_error(ErrorCode::internal, "Cannot write a HiPS file", file.string());
  return {};
}

}  // namespace astropixel::pyramid
