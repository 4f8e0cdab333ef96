#include "app/demo.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "pyramid/demo_sky.hpp"

namespace astropixel::app {

Status ensure_demo_dataset(db::Pool& pool, datasets::DatasetService& datasets,
                           std::filesystem::path const& scratch) {
  {
    auto conn = pool.acquire();
    if (!conn) return conn.error();
    auto r = (*conn)->query("SELECT id FROM datasets WHERE owner_id IS NULL ORDER BY created_at LIMIT 1");
    if (!r) return r.error();
    if (!r->empty()) {
      // Said so a restart's decision is visible (operators, tests) rather than inferred from silence.
      log::info("demo_present", {{"dataset", r->text(0, 0)}});
      return {};
    }
    // Instances starting together race here: the one whose marker row goes in makes the dataset.
    auto claim = (*conn)->query(
        "INSERT INTO once_markers (name, claimed_at) VALUES ('demo_dataset', $1) ON CONFLICT DO NOTHING",
        {now_unix_ms()});
    if (!claim) return claim.error();
    if (claim->affected == 0) return {};
  }
  auto unclaim = [&] {  // a later start tries again
    if (auto conn = pool.acquire())
      (void)(*conn)->query("DELETE FROM once_markers WHERE name = 'demo_dataset'");
  };
  constexpr std::uint32_t kWidth = 6144, kHeight = 4096;
  std::error_code ec;
  std::filesystem::create_directories(scratch, ec);
  auto path = scratch / ("demo-" + random_hex(4) + ".tif");
  if (auto s = pyramid::write_demo_sky(path, kWidth, kHeight, 2026); !s) {
    unclaim();
    return s;
  }
  datasets::NewDataset d;
  d.name = "Demo: synthetic star field";
  d.description =
      "A generated 25-megapixel sky with an emission nebula, shipped so a new installation has something to "
      "explore. Upload your own TIFF, FITS, PNG, JPEG or JPEG 2000 image to see it here.";
  d.category = "space";
  d.visibility = auth::Visibility::public_;
  d.file_name = "demo-sky.tif";
  d.expires = false;
  datasets::ProbedImage image{
      "tiff", "uchar", kWidth, kHeight, static_cast<std::int64_t>(std::filesystem::file_size(path, ec)),
      3,      8};
  auto created = datasets.create(d, image, path);
  if (!created) {
    std::filesystem::remove(path, ec);
    unclaim();
    return created.error();
  }
  log::info("demo_dataset_created", {{"dataset", created->id}});
  return {};
}

}  // namespace astropixel::app
