#pragma once
// The pyramid pack: one file per pyramid, tiles appended in build order, then an index and the
// metadata (docs/adr/0005-pyramid-pack-format.md). Reading a tile is an index lookup into a
// read-only mapping of the file; deleting a pyramid is one unlink.
//
//   "APXPACK1"                                  8-byte magic
//   tile bytes ...                              concatenated encoded tiles
//   index: tile_count × {u64 offset, u32 size}  little-endian, level-major then row-major; size 0 = absent
//   metadata: UTF-8 JSON                        {"width","height","tile_size","format","levels","meta",
//                                               "preview":{"offset","size"}} (the preview lies in the tile
//                                               area), and for data pyramids "data":{"index_offset",
//                                               "tiles","encoding"}: a second index, in the tile area
//                                               (docs/adr/0024-data-pyramid-and-live-stretch.md);
//                                               for images without one, "values":{"index_offset",
//                                               "tiles","encoding","bands"}: full-resolution tiles of
//                                               every band's original values (docs/adr/0031-*.md)
//   footer (32 bytes): u64 index_offset, u64 tile_count, u64 metadata_offset, u32 metadata_size, "APXE"
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pyramid/data_tile.hpp"
#include "pyramid/tile_cache.hpp"
#include "pyramid/tile_sink.hpp"

namespace astropixel::pyramid {

class PackWriter final : public TileSink {
 public:
  explicit PackWriter(std::filesystem::path path) : path_(std::move(path)) {}
  ~PackWriter() override;
  Status begin(PyramidInfo const& info) override;
  Status put(int level, std::uint32_t col, std::uint32_t row, std::span<unsigned char const> bytes) override;
  Status put_preview(std::span<unsigned char const> bytes) override;
  bool keeps_data() const override { return true; }
  Status put_data(int level, std::uint32_t col, std::uint32_t row,
                  std::span<unsigned char const> bytes) override;
  Status put_values(std::uint32_t col, std::uint32_t row, int bands, char const* encoding,
                    std::span<unsigned char const> bytes) override;
  Status commit() override;
  std::uint64_t bytes_written() const override { return offset_; }

  // A snapshot of the display tiles (and the preview) put so far, for serving the pyramid while it
  // builds (ADR 0034),
  // written to `live` (beside the pack, replaced atomically). Tiles stay where they are in the
  // temporary file, which commit() renames and never rewrites, so a tile served from a snapshot is
  // the published tile, byte for byte. Returns how many tile rows of each level (0 first) are
  // complete: the builder puts a level's tiles row by row. Errors: as writes.
  Result<std::vector<std::uint32_t>> checkpoint(std::filesystem::path const& live);

 private:
  std::pair<std::uint64_t, std::uint64_t> preview_{0, 0};  // offset, size
  Status write_all(void const* data, std::size_t size);
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  PyramidInfo info_;
  std::unique_ptr<Geometry> geometry_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> index_, data_index_, values_index_;
  int value_bands_ = 0;
  std::string value_encoding_;
  std::vector<std::uint64_t> level_tiles_;  // display tiles put per level
  std::uint64_t offset_ = 0;
  std::uint64_t flushed_ = 0;  // bytes handed to the disk's writeback (write_all)
  static constexpr std::uint64_t kWritebackBytes = 8u << 20;
  bool committed_ = false;
};

// Opens a file a build child wrote, read-only, as its readers must: the child may be in a hostile
// decoder's hands (datasets/build_process.hpp), so no symbolic link (to a secret of the reader's),
// no FIFO (an open would block), nothing but a regular file. -1 with errno set otherwise.
int open_child_file(std::filesystem::path const& path);

class PackReader {
 public:
  // Errors: not_found, unprocessable (not a pack, or corrupt).
  static Result<std::unique_ptr<PackReader>> open(std::filesystem::path const& path);
  // Reads exactly n bytes at an offset; false on failure.
  using ReadAt = std::function<bool(void* buf, std::size_t n, std::uint64_t offset)>;
  // A pyramid being built, from the snapshot PackWriter::checkpoint() wrote at `live`: its display
  // tiles written so far, read (pread, never mapped: its writer may be a compromised build child)
  // from the growing temporary pack (no data or value tiles; the preview when it was put before the
  // snapshot, as a build does first when it can, ADR 0036). Once the writer has
  // committed, the finished pack named `live` without ".live" is read instead: the same tiles. Only
  // regular files, and only the temporary name PackWriter gives, are opened. Errors: not_found
  // (neither exists: the build ended), unprocessable (corrupt, or not such a file).
  static Result<std::unique_ptr<PackReader>> open_live(std::filesystem::path const& live);
  // A snapshot file as written, with what it says of its pack: how many bytes are written and the
  // pack's file name. Errors: not_found, unprocessable (corrupt).
  struct Snapshot {
    std::string bytes;
    std::uint64_t readable = 0;
    std::string pack_name;
  };
  static Result<Snapshot> read_snapshot(std::filesystem::path const& live);
  // A pyramid being built whose pack is in an object store piece by piece: `snapshot` as
  // read_snapshot() gives it, `read` the pack's bytes (the caller maps offsets to the pieces) of which
  // the first `available` are there. As open_remote otherwise: `name` must name these bytes only.
  // Errors: unprocessable (corrupt, or naming bytes beyond `available`).
  static Result<std::unique_ptr<PackReader>> open_live_remote(std::string_view snapshot, ReadAt read,
                                                              std::uint64_t available,
                                                              std::shared_ptr<TileCache> cache = nullptr,
                                                              std::string name = {});
  // A pack in an object store: the footer, metadata and index are read once through `read` (a few
  // ranged GETs); each tile is one more, unless `cache` holds it: every range read after opening
  // (tiles, data and value tiles, the preview) is kept there under `name`, which must name this
  // content only (the object key: published packs are never rewritten). Errors: as open, and
  // unavailable when reads fail.
  static Result<std::unique_ptr<PackReader>> open_remote(ReadAt read, std::uint64_t size,
                                                         std::shared_ptr<TileCache> cache = nullptr,
                                                         std::string name = {});
  ~PackReader();

  PyramidInfo const& info() const { return info_; }
  Geometry const& geometry() const { return *geometry_; }
  // Errors: not_found for a tile outside the pyramid.
  Result<std::vector<unsigned char>> tile(int level, std::uint32_t col, std::uint32_t row) const;
  // The preview image's bytes (in the pyramid's tile format). Errors: not_found when absent.
  Result<std::vector<unsigned char>> preview() const;
  bool has_preview() const { return preview_.second != 0; }
  bool contains(int level, std::uint32_t col, std::uint32_t row) const {
    return locate(level, col, row).has_value();
  }
  // True for a local pack, whose tiles tile_bytes() returns without a copy or any I/O.
  bool mapped() const { return map_ != nullptr; }
  // A tile's bytes inside the mapped file, valid while this reader lives: the server writes them to
  // the socket without copying them first. Errors: not_found; internal for a remote pack.
  Result<std::span<char const>> tile_bytes(int level, std::uint32_t col, std::uint32_t row) const;
  // A remote pack's tile when its cache holds it, without I/O or blocking on more than the cache's
  // lock (a miss here is not counted: the read that follows counts it); nullptr otherwise.
  TileCache::Bytes cached_tile(int level, std::uint32_t col, std::uint32_t row) const;
  // A remote pack's tile as shared bytes: from the cache, or read (blocking) and kept there.
  // Errors: not_found, unavailable; internal for a mapped pack (use tile_bytes()).
  Result<TileCache::Bytes> shared_tile(int level, std::uint32_t col, std::uint32_t row) const;
  // Whether the pack holds a data pyramid of original values (ADR 0024).
  bool has_data() const { return !data_index_.empty(); }
  // A data tile's encoded bytes (f32le-deflate; decode with decode_data_tile). Errors: not_found.
  Result<std::vector<unsigned char>> data_tile(int level, std::uint32_t col, std::uint32_t row) const;
  // Bands of full-resolution original values kept for an image without a data pyramid (colour,
  // 8-bit; ADR 0031); 0 when the pack has none.
  int value_bands() const { return value_bands_; }
  // How they are encoded (decode with decode_value_tile).
  ValueEncoding value_encoding() const { return value_encoding_; }
  // One full-resolution tile of them, encoded. Errors: not_found.
  Result<std::vector<unsigned char>> value_tile(std::uint32_t col, std::uint32_t row) const;

 private:
  PackReader() = default;
  static Result<std::unique_ptr<PackReader>> parse(ReadAt const& read, std::uint64_t size);
  static Result<std::unique_ptr<PackReader>> parse_snapshot(std::string_view text, std::uint64_t* readable,
                                                            std::string* pack_name);
  Result<std::pair<std::uint64_t, std::uint32_t>> locate(int level, std::uint32_t col,
                                                         std::uint32_t row) const;
  Result<std::vector<unsigned char>> read_range(std::uint64_t offset, std::size_t size) const;
  Result<TileCache::Bytes> read_shared(std::uint64_t offset, std::size_t size) const;
  ReadAt read_;                       // remote packs
  std::shared_ptr<TileCache> cache_;  // remote packs, optional
  std::string name_;                  // the cache's name of this pack
  // The whole file, mapped read-only. Published packs are never modified or truncated (a new
  // version is a new file; removal is an unlink, which leaves the mapping intact).
  char const* map_ = nullptr;
  std::size_t map_size_ = 0;
  PyramidInfo info_;
  std::unique_ptr<Geometry> geometry_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> index_, data_index_, values_index_;
  int value_bands_ = 0;
  ValueEncoding value_encoding_ = ValueEncoding::f32;
  std::pair<std::uint64_t, std::uint64_t> preview_{0, 0};
};

}  // namespace astropixel::pyramid
