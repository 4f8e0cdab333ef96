// `astropixel tile INPUT OUTPUT`: the pyramid engine as a command-line tool, like `vips dzsave`.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "pyramid/builder.hpp"
#include "pyramid/directory_sink.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::app {
namespace {

// Exit codes a script can rely on (also in README.md).
constexpr int kOk = 0, kFailed = 1, kUsage = 2, kNotFound = 3, kUnsupported = 4, kBadImage = 5, kNoSpace = 6;

int exit_code(Error const& e) {
  switch (e.code) {
    case ErrorCode::not_found:
      return kNotFound;
    case ErrorCode::unsupported_media_type:
      return kUnsupported;
    case ErrorCode::unprocessable:
      return kBadImage;
    case ErrorCode::validation:
      return kUsage;
    case ErrorCode::insufficient_storage:
      return kNoSpace;
    default:
      return kFailed;
  }
}

class ProgressReporter {
 public:
  ProgressReporter(std::string mode, std::uint64_t pixels_per_row)
      : mode_(std::move(mode)), pixels_per_row_(pixels_per_row) {
    if (mode_ == "auto") mode_ = isatty(STDERR_FILENO) ? "bar" : "none";
  }

  void operator()(pyramid::Progress const& p) {
    auto now = std::chrono::steady_clock::now();
    bool done = p.rows_done == p.rows_total;
    double mp_s = p.seconds > 0 ? static_cast<double>(p.rows_done * pixels_per_row_) / 1e6 / p.seconds : 0;
    double eta = p.rows_done ? p.seconds * (p.rows_total - p.rows_done) / p.rows_done : 0;
    if (mode_ == "json") {
      // At least one line per second, plus the last one.
      if (!done && now - last_ < std::chrono::milliseconds(500)) return;
      std::cout
          << fmt::format(
                 R"({{"event":"progress","stage":"{}","percent":{:.1f},"mp_per_s":{:.1f},"eta_s":{:.1f},"tiles":{},"bytes":{}}})",
                 p.stage, p.fraction() * 100, mp_s, eta, p.tiles, p.bytes)
          << std::endl;
    } else if (mode_ == "bar") {
      if (!done && now - last_ < std::chrono::milliseconds(100)) return;
      int width = 30, fill = static_cast<int>(p.fraction() * width);
      std::fprintf(stderr, "\r[%s%s] %5.1f%%  %7.1f MP/s  ETA %5.0f s ", std::string(fill, '#').c_str(),
                   std::string(width - fill, ' ').c_str(), p.fraction() * 100, mp_s, eta);
      if (done) std::fprintf(stderr, "\n");
    }
    last_ = now;
  }

 private:
  std::string mode_;
  std::uint64_t pixels_per_row_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int run_tile(TileCommand const& cmd) {
  auto format = pyramid::parse_tile_format(cmd.format);
  if (!format) {
    std::cerr << "astropixel tile: " << format.error().message << ": " << format.error().detail << "\n";
    return kUsage;
  }
  pyramid::BuildOptions opts;
  opts.format = *format;
  opts.quality = cmd.quality;
  opts.tile_size = cmd.tile_size;
  opts.max_pixels = cmd.max_pixels;
  opts.threads = cmd.threads;
  opts.fits = {cmd.hdu, cmd.plane};
  if (auto kind = pyramid::parse_stretch(cmd.stretch)) opts.stretch.kind = *kind;
  auto colormap = pyramid::parse_colormap(cmd.colormap);
  if (!colormap) {
    std::cerr << "astropixel tile: " << colormap.error().message << ": " << colormap.error().detail << "\n";
    return kUsage;
  }
  opts.stretch.colormap = *colormap;
  if (!cmd.cuts.empty()) {
    double lo = 0, hi = 0;
    char comma = 0;
    std::istringstream in(cmd.cuts);
    if (!(in >> lo >> comma >> hi) || comma != ',' || !(hi > lo)) {
      std::cerr << "astropixel tile: --cuts must be LO,HI with LO < HI\n";
      return kUsage;
    }
    opts.stretch.cuts = std::pair(lo, hi);
  }

  std::unique_ptr<pyramid::TileSink> sink;
  if (cmd.layout == "pack") {
    sink = std::make_unique<pyramid::PackWriter>(cmd.output);
  } else {
    std::filesystem::path base = cmd.output;
    if (base.extension() == ".dzi") base.replace_extension();
    auto layout = cmd.layout == "dz"    ? pyramid::DirectoryLayout::dz
                  : cmd.layout == "xyz" ? pyramid::DirectoryLayout::xyz
                                        : pyramid::DirectoryLayout::iiif;
    sink = std::make_unique<pyramid::DirectorySink>(base, layout);
  }

  // The reporter needs the width; it is known once the source is open, so it starts lazily.
  std::unique_ptr<ProgressReporter> reporter;
  std::uint64_t width_hint = 0;
  auto on_progress = [&](pyramid::Progress const& p) {
    if (!reporter) reporter = std::make_unique<ProgressReporter>(cmd.progress, width_hint);
    (*reporter)(p);
  };
  {
    // Width for the MP/s figure: read from the header (cheap, no pixels decoded).
    auto probe = pyramid::Source::open(cmd.input, cmd.max_pixels);
    if (probe) width_hint = (*probe)->info().width;
  }
  auto result = pyramid::build(cmd.input, *sink, opts, on_progress);
  if (!result) {
    auto const& e = result.error();
    if (cmd.progress == "json") {
      std::cout << boost::json::serialize(boost::json::object{{"event", "error"},
                                                              {"code", e.machine_code()},
                                                              {"message", e.message},
                                                              {"detail", e.detail}})
                << std::endl;
    }
    std::cerr << "astropixel tile: " << e.message << (e.detail.empty() ? "" : ": " + e.detail) << " ("
              << e.machine_code() << ")\n";
    return exit_code(e);
  }
  auto const& r = *result;
  if (cmd.progress == "json") {
    std::cout
        << fmt::format(
               R"({{"event":"done","width":{},"height":{},"levels":{},"tiles":{},"bytes":{},"seconds":{:.3f},"format":"{}"}})",
               r.width, r.height, r.levels, r.tiles, r.bytes, r.seconds, r.source.format)
        << std::endl;
  } else {
    std::cerr << fmt::format("{}×{} {} → {} tiles in {} levels, {:.1f} MB, {:.2f} s\n", r.width, r.height,
                             r.source.format, r.tiles, r.levels, static_cast<double>(r.bytes) / 1e6,
                             r.seconds);
  }
  return kOk;
}

}  // namespace astropixel::app
