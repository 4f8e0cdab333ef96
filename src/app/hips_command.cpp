// `astropixel hips PACK OUTDIR`: a HiPS directory (ADR 0030) from a pyramid pack with a data pyramid
// and a celestial WCS, as `astropixel tile` makes one from a FITS image, or of an 8-bit colour image
// with its WCS given by `--wcs` — for Aladin or any HiPS client, and for benchmarks against Hipsgen.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/commands.hpp"
#include "pyramid/hips_builder.hpp"
#include "pyramid/hips_directory_sink.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::app {

namespace {

// A header as a .hhh file holds it: cards one per line (or a FITS header's unbroken 80-column
// blocks), as 80-column cards. At most 1 MiB: a header, not an image.
Result<std::string> read_header_cards(std::filesystem::path const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::not_found, "Cannot read the WCS file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1u << 20)) return make_error(ErrorCode::validation, "The WCS file is larger than 1 MiB");
  std::string cards;
  for (std::string_view rest = text; !rest.empty();) {
    auto const nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (; line.size() > 80; line.remove_prefix(80)) cards += line.substr(0, 80);
    if (line.empty()) continue;
    std::string c(line);
    c.resize(80, ' ');
    cards += c;
  }
  return cards;
}

}  // namespace

int run_hips(HipsCommand const& cmd) {
  auto pack = pyramid::PackReader::open(cmd.pack);
  if (!pack) {
    std::cerr << "astropixel hips: " << pack.error().message << ": " << cmd.pack << "\n";
    return pack.error().code == ErrorCode::not_found ? 3 : 5;
  }
  pyramid::HipsOptions options;
  if (cmd.order >= 0) options.order = cmd.order;
  options.png_tiles = cmd.formats.find("png") != std::string::npos;
  options.fits_tiles = cmd.formats.find("fits") != std::string::npos;
  options.title = cmd.title.empty() ? cmd.pack.stem().string() : cmd.title;
  options.creator_did = "ivo://astropixel/" + options.title;
  if (!cmd.wcs.empty()) {
    auto cards = read_header_cards(cmd.wcs);
    if (!cards) {
      std::cerr << "astropixel hips: " << cards.error().message << ": " << cmd.wcs << "\n";
      return 5;
    }
    options.wcs_cards = std::move(*cards);
  }
  std::string mode = cmd.progress;
  if (mode == "auto") mode = isatty(STDERR_FILENO) ? "bar" : "none";
  auto const started = std::chrono::steady_clock::now();
  auto on_progress = [&](double f) {
    if (mode == "json") {
      std::cout << fmt::format(R"({{"event":"progress","percent":{:.1f}}})", f * 100) << std::endl;
    } else if (mode == "bar") {
      int const fill = static_cast<int>(f * 30);
      std::fprintf(stderr, "\r[%s%s] %5.1f%% ", std::string(fill, '#').c_str(),
                   std::string(30 - fill, ' ').c_str(), f * 100);
      if (f >= 1) std::fprintf(stderr, "\n");
    }
    return true;
  };
  pyramid::HipsDirectorySink sink(cmd.output);
  auto r = pyramid::build_hips(**pack, options, sink, on_progress);
  if (!r) {
    auto const& e = r.error();
    std::cerr << "astropixel hips: " << e.message << (e.detail.empty() ? "" : ": " + e.detail) << " ("
              << e.machine_code() << ")\n";
    return e.code == ErrorCode::unprocessable || e.code == ErrorCode::not_found ||
                   e.code == ErrorCode::validation
               ? 5
               : 1;
  }
  double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << boost::json::serialize(boost::json::object{{"event", "done"},
                                                          {"order", r->order},
                                                          {"frame", r->frame},
                                                          {"deepest_tiles", r->deepest_tiles},
                                                          {"tiles", r->tiles},
                                                          {"pixel_deg", r->pixel_deg},
                                                          {"seconds", seconds}})
            << std::endl;
  return 0;
}

}  // namespace astropixel::app
