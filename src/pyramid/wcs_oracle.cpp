// The oracle of the sky-coordinate accuracy test (web/src/viewer/wcs_accuracy.test.ts): for each FITS
// header, the "wcs" JSON that the browser gets (pyramid/fits_wcs.hpp) and wcslib's own pixel → world
// answers at 1,000 seeded random pixels, computed here straight from the header with wcspih and
// wcsp2s (not from that JSON), so the TypeScript is checked against wcslib itself.
//
// Usage: wcs_oracle OUTPUT.json [FRAME:]HEADER...
//        wcs_oracle --pixel [FRAME:]HEADER LNG LAT   prints wcslib's display pixel "x y" of a position
//        (x, y from the top-left corner, rows down; for the browser test of the viewer's readout)   FRAME:
//        galactic or ecliptic rewrites CTYPE1/2's
// RA--/DEC- to GLON/GLAT or ELON/ELAT (the same projection in another frame); wide: see widen();
// transposed: see transpose(). Headers are
// 80-column cards, with or without newlines; the image size is NAXIS1 × NAXIS2 (or twice CRPIX when absent).
#include <wcslib/wcs.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pyramid/fits_wcs.hpp"

namespace {

std::string read_cards(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string raw = ss.str(), cards;
  if (raw.find('\n') == std::string::npos) return raw.substr(0, raw.size() / 80 * 80);
  std::istringstream lines(raw);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line.resize(80, ' ');
    cards += line;
  }
  return cards;
}

double card_value(std::string const& cards, std::string const& key, double fallback) {
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    std::string const name = cards.substr(i, 8);
    if (name.substr(0, name.find_last_not_of(' ') + 1) == key && cards[i + 8] == '=')
      return std::atof(cards.substr(i + 10, 70).c_str());
  }
  return fallback;
}

void set_card(std::string& cards, std::string const& key, double value) {
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    std::string name = cards.substr(i, 8);
    name.erase(name.find_last_not_of(' ') + 1);
    if (name != key) continue;
    char card[81];
    std::snprintf(card, sizeof card, "%-8s= %20.12E", key.c_str(), value);
    cards.replace(i, 80, std::string(card).append(80 - std::strlen(card), ' '));
  }
}

// "wide": 28 times the pixel size around a centred reference pixel, so that all-sky projections
// show their whole domain and the sky's edge (off-sky pixels must give no position).
void widen(std::string& cards) {
  set_card(cards, "CDELT1", card_value(cards, "CDELT1", 1) * 28);
  set_card(cards, "CDELT2", card_value(cards, "CDELT2", 1) * 28);
  set_card(cards, "CRPIX1", (card_value(cards, "NAXIS1", 192) + 1) / 2);
  set_card(cards, "CRPIX2", (card_value(cards, "NAXIS2", 192) + 1) / 2);
}

// "transposed": latitude on world axis 1 and longitude on axis 2 (CTYPEi, CRVALi, CDELTi, CUNITi,
// PVi_m, PCi_j and CDi_j trade their i), the pixel axes unchanged.
void transpose(std::string& cards) {
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    std::string const name = cards.substr(i, 8);
    for (std::string prefix : {"CTYPE", "CRVAL", "CDELT", "CUNIT", "PV", "PC", "CD"}) {
      if (name.compare(0, prefix.size(), prefix) != 0 || name.size() <= prefix.size()) continue;
      char& axis = cards[i + prefix.size()];
      bool const indexed =
          prefix.size() == 2 ? name[3] == '_' : name.find_first_not_of(' ', 6) == std::string::npos;
      if (!indexed || (axis != '1' && axis != '2')) continue;
      axis = axis == '1' ? '2' : '1';
      break;
    }
  }
}

void rewrite_frame(std::string& cards, std::string const& frame) {
  std::string const lng = frame == "galactic" ? "GLON" : "ELON", lat = frame == "galactic" ? "GLAT" : "ELAT";
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    if (cards.compare(i, 5, "CTYPE") != 0) continue;
    auto quote = cards.find('\'', i);
    if (quote == std::string::npos || quote > i + 80) continue;
    if (cards.compare(quote + 1, 4, "RA--") == 0) cards.replace(quote + 1, 4, lng);
    if (cards.compare(quote + 1, 4, "DEC-") == 0) cards.replace(quote + 1, 4, lat);
  }
}

// "[FRAME:]HEADER": the header as written (native), or its wide, transposed, galactic or ecliptic
// variant.
struct Variant {
  std::string frame = "native", path, cards;
};

Variant variant(std::string const& arg) {
  Variant v;
  v.path = arg;
  if (auto colon = arg.find(':'); colon != std::string::npos) {
    v.frame = arg.substr(0, colon);
    v.path = arg.substr(colon + 1);
  }
  v.cards = read_cards(v.path);
  if (v.frame == "wide")
    widen(v.cards);
  else if (v.frame == "transposed")
    transpose(v.cards);
  else if (v.frame != "native")
    rewrite_frame(v.cards, v.frame);
  return v;
}

}  // namespace

// wcs_oracle --pixel / --pixels: wcss2p straight from the header, for one position given as
// arguments or for each "lng lat" line on stdin (one answer line each: "x y", or "-" off the sky;
// one process for a thousand positions, which matters under the sanitizers).
int pixels_of(std::string const& arg, std::vector<std::array<double, 2>> const& positions, bool one) {
  std::string cards = variant(arg).cards;
  double const height = card_value(cards, "NAXIS2", 0);
  int rejected = 0, count = 0;
  wcsprm* all = nullptr;
  if (wcspih(cards.data(), static_cast<int>(cards.size() / 80), WCSHDR_all, 0, &rejected, &count, &all) !=
          0 ||
      count < 1)
    return 1;
  wcsprm& w = all[0];
  celfix(&w);
  int rc = 1;
  if (wcsset(&w) == 0 && w.naxis == 2) {
    rc = 0;
    for (auto const& [lng, lat] : positions) {
      double world[2], phi, theta, img[2], pix[2];
      int stat = 0;
      world[w.lng] = lng;
      world[w.lat] = lat;
      if (wcss2p(&w, 1, 2, world, &phi, &theta, img, pix, &stat) == 0 && stat == 0) {
        std::printf("%.9f %.9f\n", pix[0] - 0.5, height - pix[1] + 0.5);
      } else if (one) {
        rc = 1;
      } else {
        std::printf("-\n");
      }
    }
  }
  wcsvfree(&count, &all);
  return rc;
}

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--pixel")
    return pixels_of(argv[2], {{std::atof(argv[3]), std::atof(argv[4])}}, true);
  if (argc == 3 && std::string(argv[1]) == "--pixels") {
    std::vector<std::array<double, 2>> positions;
    double lng = 0, lat = 0;
    while (std::scanf("%lf %lf", &lng, &lat) == 2) positions.push_back({lng, lat});
    return pixels_of(argv[2], positions, false);
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: wcs_oracle OUTPUT.json [FRAME:]HEADER...\n");
    return 2;
  }
  boost::json::array images;
  for (int a = 2; a < argc; ++a) {
    auto [frame, arg, cards] = variant(argv[a]);
    double const crpix1 = card_value(cards, "CRPIX1", 256), crpix2 = card_value(cards, "CRPIX2", 256);
    auto const width =
        static_cast<std::uint32_t>(card_value(cards, "NAXIS1", std::max(64.0, std::round(2 * crpix1))));
    auto const height =
        static_cast<std::uint32_t>(card_value(cards, "NAXIS2", std::max(64.0, std::round(2 * crpix2))));
    std::string const json = astropixel::pyramid::wcs_json_from_header(cards, width, height);
    if (json.empty()) {
      std::fprintf(stderr, "%s: no celestial WCS\n", arg.c_str());
      return 1;
    }
    // wcslib straight from the header: the primary WCS, historical forms translated as wcsfix does.
    int rejected = 0, count = 0;
    wcsprm* all = nullptr;
    if (wcspih(cards.data(), static_cast<int>(cards.size() / 80), WCSHDR_all, 0, &rejected, &count, &all) !=
            0 ||
        count < 1) {
      std::fprintf(stderr, "%s: wcspih failed\n", arg.c_str());
      return 1;
    }
    wcsprm& w = all[0];
    celfix(&w);
    if (wcsset(&w) != 0 || w.naxis != 2) {
      std::fprintf(stderr, "%s: wcsset failed\n", arg.c_str());
      return 1;
    }
    std::mt19937_64 rng(20240613);
    std::uniform_real_distribution<double> ux(0, width), uy(0, height);
    boost::json::array samples;
    int on_sky = 0;
    for (int i = 0; i < 1000; ++i) {
      double const x = ux(rng), y = uy(rng);
      double pix[2] = {x + 0.5, height - y + 0.5}, img[2], phi, theta, world[2];
      int stat = 0;
      if (wcsp2s(&w, 1, 2, pix, img, &phi, &theta, world, &stat) == 0 && stat == 0 &&
          std::isfinite(world[0]) && std::isfinite(world[1])) {
        samples.push_back(boost::json::array{x, y, world[w.lng], world[w.lat]});
        ++on_sky;
      } else {
        samples.push_back(boost::json::array{x, y});
      }
    }
    wcsvfree(&count, &all);
    auto slash = arg.find_last_of('/');
    images.push_back(boost::json::object{{"name", arg.substr(slash == std::string::npos ? 0 : slash + 1)},
                                         {"frame", frame},
                                         {"width", width},
                                         {"height", height},
                                         {"on_sky", on_sky},
                                         {"wcs", boost::json::parse(json)},
                                         {"samples", samples}});
  }
  std::ofstream out(argv[1]);
  out << boost::json::serialize(images);
  return out ? 0 : 1;
}
