// libFuzzer target: DS9 region files and CSV catalogues from hostile hands. The parser and the
// conversion (through a real TAN WCS, pyregion's test01.fits) must return values or reports, never
// crash, overflow, leak or take unbounded time; what they return must satisfy the invariants below.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "annotations/ds9_region.hpp"
#include "annotations/export.hpp"
#include "annotations/region_import.hpp"

namespace an = astropixel::annotations;

namespace {

constexpr std::string_view kWcs =
    R"json({"version":2,"ctype":["RA---TAN","DEC--TAN"],"crval":[1.7114680010248E2,-5.9266678641361E1],"crpix":[7.925E2,8.275E2],"pc":[1E0,0E0,0E0,1E0],"cdelt":[-1.3666666666667E-4,1.3666666666667E-4],"matrix":[-1.3666666666667E-4,-0E0,0E0,1.3666666666667E-4],"projection":"TAN","prj":{"r0":5.729577951308232E1,"pv":[0E0,null,null,null,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0,0E0],"phi0":0E0,"theta0":9E1,"x0":0E0,"y0":0E0},"euler":[1.7114680010248E2,1.49266678641361E2,1.8E2,-8.595552110764039E-1,5.110428936120712E-1],"lonpole":1.8E2,"latpole":-5.9266678641361E1,"distortion":null,"lookup_distortion_ignored":false,"radesys":"FK5","equinox":2E3,"system":"equatorial","lng_first":true,"reference_points":[{"x":3.258E1,"y":3.306E1,"ra":1.7134924464273067E2,"dec":-5.915815287613005E1},{"x":4.0725E2,"y":3.306E1,"ra":1.712493662421661E2,"dec":-5.9158269895101775E1},{"x":8.145E2,"y":3.306E1,"ra":1.711408020762303E2,"dec":-5.915831016572529E1},{"x":1.22175E3,"y":3.306E1,"ra":1.7103223795336356E2,"dec":-5.9158259889993126E1},{"x":1.59642E3,"y":3.306E1,"ra":1.709323596684982E2,"dec":-5.915813366646278E1},{"x":3.258E1,"y":4.1325E2,"ra":1.7134955291961435E2,"dec":-5.9210111739888674E1},{"x":4.0725E2,"y":4.1325E2,"ra":1.712495224279834E2,"dec":-5.921022900061963E1},{"x":8.145E2,"y":4.1325E2,"ra":1.7114079294252755E2,"dec":-5.9210269354441955E1},{"x":1.22175E3,"y":4.1325E2,"ra":1.7103206350033784E2,"dec":-5.921021897484051E1},{"x":1.59642E3,"y":4.1325E2,"ra":1.709320331249354E2,"dec":-5.921009249053471E1},{"x":3.258E1,"y":8.265E2,"ra":1.713498890698265E2,"dec":-5.926658886730653E1},{"x":4.0725E2,"y":8.265E2,"ra":1.7124969273558654E2,"dec":-5.926670639143689E1},{"x":8.145E2,"y":8.265E2,"ra":1.7114078298298665E2,"dec":-5.926674683590529E1},{"x":1.22175E3,"y":8.265E2,"ra":1.7103187327386843E2,"dec":-5.92666963431371E1},{"x":1.59642E3,"y":8.265E2,"ra":1.7093167705643606E2,"dec":-5.926656957471349E1},{"x":3.258E1,"y":1.23975E3,"ra":1.7135022633651278E2,"dec":-5.932306599372242E1},{"x":4.0725E2,"y":1.23975E3,"ra":1.7124986360884697E2,"dec":-5.932318378189826E1},{"x":8.145E2,"y":1.23975E3,"ra":1.7114077299036614E2,"dec":-5.932322431723505E1},{"x":1.22175E3,"y":1.23975E3,"ra":1.71031682415584E2,"dec":-5.932317371102254E1},{"x":1.59642E3,"y":1.23975E3,"ra":1.7093131980530868E2,"dec":-5.9323046657784225E1},{"x":3.258E1,"y":1.61994E3,"ra":1.713505376127231E2,"dec":-5.9375024854789274E1},{"x":4.0725E2,"y":1.61994E3,"ra":1.712500213142614E2,"dec":-5.937514288646E1},{"x":8.145E2,"y":1.61994E3,"ra":1.711407637677975E2,"dec":-5.937518350559294E1},{"x":1.22175E3,"y":1.61994E3,"ra":1.7103150626523316E2,"dec":-5.937513279476545E1},{"x":1.59642E3,"y":1.61994E3,"ra":1.7093099008470168E2,"dec":-5.9375005478879466E1}],"pixel_scale_xy":[4.9199999863422833E-1,4.919999992630457E-1],"pixel_scale":4.9199999894814217E-1,"north_angle":-5.172038333021864E-3,"east_left":true,"fov":[2.2262971925185823E-1,2.259097070039414E-1]})json";

an::ImageWcs* wcs() {
  static auto w = an::ImageWcs::from_json(kWcs, 1653);
  if (!w) std::abort();
  return w->get();
}

void check(an::ImportResult const& r, double width, double height) {
  for (auto const& a : r.items) {
    auto const& g = a.geometry;
    bool ok = !a.label.empty() && a.label.size() <= 200 && a.color.size() == 7;
    if (a.kind == an::Kind::polygon) {
      ok = ok && g.points.size() >= 3 && g.points.size() <= 1000;
      for (auto const& p : g.points) ok = ok && p[0] >= 0 && p[0] <= width && p[1] >= 0 && p[1] <= height;
    } else {
      ok = ok && std::isfinite(g.x) && std::isfinite(g.y) && g.x >= 0 && g.x <= width && g.y >= 0 &&
           g.y <= height;
    }
    if (!ok) std::abort();
  }
  for (auto const& s : r.skipped)
    if (s.reason.empty() || s.text.size() > 200) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view text(reinterpret_cast<char const*>(data), size);
  auto file = an::parse_ds9(text);
  if (file) {
    for (auto const& r : file->regions)
      if (r.values.empty() || r.values.size() > 2008) std::abort();
    check(an::import_regions(*file, nullptr, 1000, 800), 1000, 800);
    auto sky = an::import_regions(*file, wcs(), 1629, 1653);
    check(sky, 1629, 1653);
    // What was imported exports and reads back.
    std::vector<an::Annotation> items;
    for (auto const& i : sky.items) {
      an::Annotation a;
      a.kind = i.kind;
      a.label = i.label;
      a.color = i.color;
      a.geometry = i.geometry;
      items.push_back(std::move(a));
    }
    if (!an::parse_ds9(an::to_ds9_sky(items, *wcs(), an::Frame::galactic, true))) std::abort();
  }
  if (auto cat = an::import_catalogue(text, wcs(), an::Frame::fk5, 1629, 1653)) check(*cat, 1629, 1653);
  return 0;
}
