#include "pyramid/celestial_wcs.hpp"

#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <vector>

namespace astropixel::pyramid {
namespace {

// Cards of the header without its lookup-table distortions (CPDISj/CQDISi = 'Lookup' and their
// DPj/DQi records): the tables live in WCSDVARR extensions wcspih never sees, and wcslib 7.12
// writes past a buffer when it copies such a half-described distortion (heap corruption on
// astropy's dist_lookup.fits). Their corrections are a fraction of a pixel; `dropped` says so.
std::string without_lookup_distortions(std::string const& cards, bool& dropped) {
  auto keyword = [](std::string_view card) {
    std::string_view name = card.substr(0, 8);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    return name;
  };
  auto is_lookup = [](std::string_view card) {
    if (card.substr(8, 2) != "= ") return false;
    std::string_view v = card.substr(10);
    auto q = v.find('\'');
    if (q == std::string_view::npos) return false;
    v = v.substr(q + 1);
    v = v.substr(0, v.find('\''));
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v.size() == 6 && std::equal(v.begin(), v.end(), "lookup", [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  // Record-valued keywords of the dropped axes: "DP1", "DQ2", ...
  std::vector<std::string> drop;
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    std::string_view card(cards.data() + i, 80);
    std::string_view const k = keyword(card);
    if ((k.starts_with("CPDIS") || k.starts_with("CQDIS")) && k.size() > 5 && is_lookup(card)) {
      drop.emplace_back(k);
      drop.push_back(std::string(k[1] == 'P' ? "DP" : "DQ") + std::string(k.substr(5)));
    }
  }
  dropped = !drop.empty();
  if (!dropped) return cards;
  std::string kept;
  kept.reserve(cards.size());
  for (std::size_t i = 0; i + 80 <= cards.size(); i += 80) {
    std::string_view card(cards.data() + i, 80);
    if (std::find(drop.begin(), drop.end(), keyword(card)) == drop.end()) kept.append(card);
  }
  return kept;
}

// Whether the pixel → intermediate matrix (CDi_j, else PCi_j × CDELTi; CROTA2 only rotates) of a
// two-axis wcsprm can be inverted. wcsset refuses a singular one (IRAF spectra give CD1_1 alone,
// so CD2_2 = 0) but leaks the matrices linset allocated before it looked: test it first.
bool invertible(wcsprm const& w) {
  // wcslib's precedence when several are given: PC, then CD, then CROTA.
  bool const pc = (w.altlin & 1) || !(w.altlin & 6), cd = !pc && (w.altlin & 2);
  double m[4];
  for (int i = 0; i < 4; ++i) m[i] = cd ? w.cd[i] : w.cdelt[i / 2] * (pc ? w.pc[i] : i == 0 || i == 3);
  double const det = m[0] * m[3] - m[1] * m[2];
  return std::isfinite(det) && det != 0;
}

}  // namespace

CelestialWcs::CelestialWcs() {
  w_.flag = -1;
}

CelestialWcs::~CelestialWcs() {
  if (ready_) wcsfree(&w_);
}

bool CelestialWcs::parse(std::string const& cards) {
  int rejected = 0, count = 0;
  wcsprm* all = nullptr;
  // wcspih's header argument is "given and returned": it gets a copy.
  std::string text = without_lookup_distortions(cards, lookup_dropped_);
  int const keys = static_cast<int>(text.size() / 80);
  if (wcspih(text.data(), keys, WCSHDR_all, 0, &rejected, &count, &all) != 0) return false;
  struct Free {
    int count;
    wcsprm* all;
    ~Free() { wcsvfree(&count, &all); }
  } release{count, all};
  if (count < 1 || all[0].naxis < 2) return false;
  // The celestial axes of images with more (degenerate radio axes such as 256×256×1×1, or cube
  // axes) are extracted with wcssub; the tiles show pixel axes 1 and 2, which must be them.
  int nsub = 2, axes[2] = {1, 2};
  if (wcssub(1, &all[0], &nsub, axes, &w_) != 0) return false;
  ready_ = true;
  // Units wcslib knows under other spellings (CUNITi = 'degree', as sunpy writes; wcsset refuses
  // them), then historical forms it translates losslessly (NCP → SIN, GLS → SFL, ...). In this
  // order: celfix runs wcsset, and a later unitfix that changes a unit makes the next wcsset
  // allocate the linear transformation's matrices again, leaking the first ones.
  if (!invertible(w_)) return false;
  unitfix(0, &w_);
  celfix(&w_);
  return wcsset(&w_) == 0 && w_.lng >= 0 && w_.lat >= 0;
}

std::optional<std::array<double, 2>> CelestialWcs::world(double x, double y, double height) {
  double pix[2] = {x + 0.5, height - y + 0.5};  // FITS: 1-based pixel centres, bottom-up
  double img[2], phi, theta, world[2];
  int stat = 0;
  if (wcsp2s(&w_, 1, 2, pix, img, &phi, &theta, world, &stat) != 0 || stat) return std::nullopt;
  return std::array<double, 2>{world[w_.lng], world[w_.lat]};
}

std::optional<std::array<double, 2>> CelestialWcs::pixel(double lon, double lat, double height) {
  double world[2];
  world[w_.lng] = lon;
  world[w_.lat] = lat;
  double phi, theta, img[2], pix[2];
  int stat = 0;
  if (wcss2p(&w_, 1, 2, world, &phi, &theta, img, pix, &stat) != 0 || stat) return std::nullopt;
  if (!std::isfinite(pix[0]) || !std::isfinite(pix[1])) return std::nullopt;
  return std::array<double, 2>{pix[0] - 0.5, height - pix[1] + 0.5};
}

void CelestialWcs::pixels(std::span<double const> lonlat, std::span<double> xy, double height) {
  auto const n = lonlat.size() / 2;
  world_.resize(2 * n);
  phi_.resize(n);
  theta_.resize(n);
  img_.resize(2 * n);
  stat_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    world_[2 * i + static_cast<std::size_t>(w_.lng)] = lonlat[2 * i];
    world_[2 * i + static_cast<std::size_t>(w_.lat)] = lonlat[2 * i + 1];
  }
  int const status = wcss2p(&w_, static_cast<int>(n), 2, world_.data(), phi_.data(), theta_.data(),
                            img_.data(), xy.data(), stat_.data());
  // Status 9 means "some coordinates invalid" and flags them in stat; any other failure flags all.
  for (std::size_t i = 0; i < n; ++i) {
    bool const ok = (status == 0 || status == 9) && stat_[i] == 0 && std::isfinite(xy[2 * i]) &&
                    std::isfinite(xy[2 * i + 1]);
    xy[2 * i] = ok ? xy[2 * i] - 0.5 : std::nan("");
    xy[2 * i + 1] = ok ? height - xy[2 * i + 1] + 0.5 : std::nan("");
  }
}

}  // namespace astropixel::pyramid
