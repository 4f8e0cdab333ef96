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

DeepZoomSink::~DeepZoomSink() {
  if (!committed_ && !tmp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(tmp_dir_, ec);
  }
}

Status DeepZoomSink::begin(PyramidInfo const& info) {
  info_ = info;
  tmp_dir_ = base_;
  tmp_dir_ += "_files.tmp-" + random_hex(6);
  std::error_code ec;
  fs::create_directories(tmp_dir_, ec);
  if (ec) return io_error("mkdir " + tmp_dir_.string(), ec.value());
  return {};
}

Status DeepZoomSink::put(int level, std::uint32_t col, std::uint32_t row,
                         std::span<unsigned char const> bytes) {
  auto dir = tmp_dir_ / std::to_string(level);
  if (level != last_level_) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return io_error("mkdir", ec.value());
    last_level_ = level;
  }
  auto path = dir / fmt::format("{}_{}.{}", col, row, info_.format);
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

Status DeepZoomSink::commit() {
  fs::path files = base_;
  files += "_files";
  fs::path dzi = base_;
  dzi += ".dzi";
  std::error_code ec;
  fs::remove_all(files, ec);
  fs::rename(tmp_dir_, files, ec);
  if (ec) return io_error("rename", ec.value());
  committed_ = true;
  std::ofstream out(dzi, std::ios::trunc);
  out << dzi_xml(info_);
  if (!out) return io_error("write .dzi", errno);
  return {};
}

}  // namespace astropixel::pyramid
