#include "pyramid/directory_sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/ids.hpp"

namespace astropixel::pyramid {
namespace fs = std::filesystem;

namespace {
Error io_error(std::string_view what, int err) {
  ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::insufficient_storage : ErrorCode::internal;
  return make_error(code, "Cannot write the pyramid", std::string(what) + ": " + std::strerror(err));
}
}  // namespace

std::string dzi_xml(PyramidInfo const& info) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"{}\" Overlap=\"0\" "
      "TileSize=\"{}\">\n"
      "  <Size Width=\"{}\" Height=\"{}\"/>\n</Image>\n",
      info.format, info.tile_size, info.width, info.height);
}

DirectorySink::~DirectorySink() {
  if (!committed_ && !tmp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(tmp_dir_, ec);
  }
}

std::string iiif_info_json(PyramidInfo const& info, std::string const& id) {
  Geometry g(info.width, info.height, info.tile_size);
  std::string factors;
  for (int l = g.max_level(); l >= g.single_tile_level(); --l) {
    factors += (factors.empty() ? "" : ",") + std::to_string(1ull << (g.max_level() - l));
  }
  return fmt::format(
      R"({{"@context":"http://iiif.io/api/image/3/context.json","id":"{}","type":"ImageService3",)"
      R"("protocol":"http://iiif.io/api/image","profile":"level0","width":{},"height":{},)"
      R"("tiles":[{{"width":{},"height":{},"scaleFactors":[{}]}}]{}}})",
      id, info.width, info.height, info.tile_size, info.tile_size, factors,
      info.format == "jpg" ? "" : R"(,"extraFormats":[")" + info.format + "\"]");
}

std::filesystem::path DirectorySink::final_dir() const {
  fs::path dir = base_;
  if (layout_ == DirectoryLayout::dz) dir += "_files";
  return dir;
}

fs::path DirectorySink::tile_path(int level, std::uint32_t col, std::uint32_t row) const {
  auto const& g = *geometry_;
  switch (layout_) {
    case DirectoryLayout::dz:
      return tmp_dir_ / std::to_string(level) / fmt::format("{}_{}.{}", col, row, info_.format);
    case DirectoryLayout::xyz:
      return tmp_dir_ / std::to_string(level - g.single_tile_level()) / std::to_string(col) /
             fmt::format("{}.{}", row, info_.format);
    case DirectoryLayout::iiif: {
      // Region in full-resolution pixels, size in this level's pixels (ceil(region / scale)).
      std::uint64_t scale = 1ull << (g.max_level() - level);
      auto t = g.tile(level, col, row);
      std::uint64_t x = t.x * scale, y = t.y * scale;
      std::uint64_t w = std::min<std::uint64_t>(std::uint64_t{t.width} * scale, g.width() - x);
      std::uint64_t h = std::min<std::uint64_t>(std::uint64_t{t.height} * scale, g.height() - y);
      return tmp_dir_ / fmt::format("{},{},{},{}", x, y, w, h) / fmt::format("{},{}", t.width, t.height) /
             "0" / fmt::format("default.{}", info_.format);
    }
  }
  return {};
}

Status DirectorySink::begin(PyramidInfo const& info) {
  info_ = info;
  geometry_ = std::make_unique<Geometry>(info.width, info.height, info.tile_size);
  tmp_dir_ = final_dir();
  tmp_dir_ += ".tmp-" + random_hex(6);
  std::error_code ec;
  fs::create_directories(tmp_dir_, ec);
  if (ec) return io_error("mkdir " + tmp_dir_.string(), ec.value());
  return {};
}

Status DirectorySink::put(int level, std::uint32_t col, std::uint32_t row,
                          std::span<unsigned char const> bytes) {
  // XYZ and IIIF start at the level whose whole image fits one tile.
  if (layout_ != DirectoryLayout::dz && level < geometry_->single_tile_level()) return {};
  auto path = tile_path(level, col, row);
  if (path.parent_path().native() != last_dir_) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return io_error("mkdir", ec.value());
    last_dir_ = path.parent_path().native();
  }
  return write_file(path, bytes);
}

Status DirectorySink::put_preview(std::span<unsigned char const> bytes) {
  return write_file(tmp_dir_ / ("preview." + info_.format), bytes);
}

Status DirectorySink::write_file(fs::path const& path, std::span<unsigned char const> bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create tile", errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("write tile", err);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes_ += bytes.size();
  return {};
}

Status DirectorySink::commit() {
  if (layout_ == DirectoryLayout::iiif) {
    std::ofstream info(tmp_dir_ / "info.json", std::ios::trunc);
    info << iiif_info_json(info_, base_.filename().string());
    if (!info) return io_error("write info.json", errno);
  }
  fs::path files = final_dir();
  std::error_code ec;
  fs::remove_all(files, ec);
  fs::rename(tmp_dir_, files, ec);
  if (ec) return io_error("rename", ec.value());
  committed_ = true;
  if (layout_ == DirectoryLayout::dz) {
    fs::path dzi = base_;
    dzi += ".dzi";
    std::ofstream out(dzi, std::ios::trunc);
    out << dzi_xml(info_);
    if (!out) return io_error("write .dzi", errno);
  }
  return {};
}

}  // namespace astropixel::pyramid
