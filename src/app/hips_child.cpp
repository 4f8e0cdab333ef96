// `astropixel _hips`: one HiPS build (ADR 0030) in a child process of a server or worker
// (datasets/hips_process.hpp), in the same sandbox as pyramid builds: the image's FITS header is parsed
// by wcslib here, not in the server. Spec on stdin ({"pack", "output", "threads", "title", "creator_did",
// and "wcs": a WCS JSON for a pack without a FITS header}); JSON lines out:
// {"event":"progress","fraction"}, then {"event":"done",...} or the error line of build_spec.hpp.
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <iterator>

#include "annotations/image_wcs.hpp"
#include "app/commands.hpp"
#include "pyramid/build_spec.hpp"
#include "pyramid/hips_builder.hpp"
#include "pyramid/hips_directory_sink.hpp"
#include "pyramid/pack.hpp"

namespace astropixel::app {

int run_hips_child() {
  log_sandbox("hips");
  std::string text((std::istreambuf_iterator<char>(std::cin)), {});
  auto fail = [](Error const& e) {
    std::cout << pyramid::error_line(e) << std::endl;
    return 5;
  };
  boost::system::error_code ec;
  auto spec = boost::json::parse(text, ec);
  if (ec || !spec.is_object()) return fail(make_error(ErrorCode::bad_request, "Malformed HiPS spec"));
  auto const& o = spec.as_object();
  auto const* pack_path = o.if_contains("pack");
  auto const* output = o.if_contains("output");
  if (!pack_path || !pack_path->is_string() || !output || !output->is_string())
    return fail(make_error(ErrorCode::bad_request, "Malformed HiPS spec"));
  pyramid::HipsOptions options;
  if (auto const* t = o.if_contains("threads"); t && t->is_int64() && t->as_int64() > 0)
    options.threads = static_cast<unsigned>(t->as_int64());
  if (auto const* t = o.if_contains("title"); t && t->is_string())
    options.title = std::string(t->as_string());
  if (auto const* d = o.if_contains("creator_did"); d && d->is_string())
    options.creator_did = std::string(d->as_string());

  auto pack = pyramid::PackReader::open(std::string(pack_path->as_string()));
  if (!pack) return fail(pack.error());
  if (auto const* w = o.if_contains("wcs"); w && w->is_string()) {
    // Accepted only as cards that reproduce the reference points recorded with it (image_wcs.hpp).
    auto wcs = annotations::ImageWcs::from_json(w->as_string(), (*pack)->geometry().height());
    if (!wcs) return fail(wcs.error());
    options.wcs_cards = (*wcs)->cards();
  }
  pyramid::HipsDirectorySink sink(std::string(output->as_string()));
  auto last = std::chrono::steady_clock::now();
  auto progress = [&](double f) {
    auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::milliseconds(250)) {
      last = now;
      std::cout << boost::json::serialize(boost::json::object{{"event", "progress"}, {"fraction", f}})
                << std::endl;
    }
    return true;
  };
  auto r = pyramid::build_hips(**pack, options, sink, progress);
  if (!r) return fail(r.error());
  std::cout << boost::json::serialize(boost::json::object{{"event", "done"},
                                                          {"order", r->order},
                                                          {"frame", r->frame},
                                                          {"tiles", r->tiles},
                                                          {"deepest_tiles", r->deepest_tiles},
                                                          {"pixel_deg", r->pixel_deg}})
            << std::endl;
  return 0;
}

}  // namespace astropixel::app
