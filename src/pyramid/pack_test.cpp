#include "pyramid/pack.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/ids.hpp"

namespace astropixel::pyramid {
namespace {

std::filesystem::path temp_path(std::string_view stem) {
  return std::filesystem::temp_directory_path() / (std::string(stem) + "-" + random_hex(6));
}

std::vector<unsigned char> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

// A file read the way an object store's pieces are: by ranged reads.
PackReader::ReadAt ranged_reads(std::filesystem::path file) {
  return [file](void* buf, std::size_t n, std::uint64_t offset) {
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    return static_cast<bool>(in.read(static_cast<char*>(buf), static_cast<std::streamsize>(n)));
  };
}

TEST(Pack, RoundTripEveryTile) {
  auto path = temp_path("pack");
  PyramidInfo info{600, 300, 256, "png", R"({"stretch":"none"})"};
  Geometry g(600, 300, 256);
  {
    PackWriter w(path);
    ASSERT_TRUE(w.begin(info));
    for (int l = 0; l <= g.max_level(); ++l) {
      for (std::uint32_t r = 0; r < g.rows(l); ++r) {
        for (std::uint32_t c = 0; c < g.cols(l); ++c) {
          ASSERT_TRUE(w.put(l, c, r,
                            bytes_of(std::to_string(l) + "/" + std::to_string(c) + "_" + std::to_string(r))));
        }
      }
    }
    ASSERT_TRUE(w.commit());
  }
  auto reader = PackReader::open(path).value();
  EXPECT_EQ(reader->info().width, 600u);
  EXPECT_EQ(reader->info().format, "png");
  EXPECT_EQ(reader->info().metadata_json, R"({"stretch":"none"})");
  for (int l = 0; l <= g.max_level(); ++l) {
    for (std::uint32_t r = 0; r < g.rows(l); ++r) {
      for (std::uint32_t c = 0; c < g.cols(l); ++c) {
        auto t = reader->tile(l, c, r).value();
        EXPECT_EQ(std::string(t.begin(), t.end()),
                  std::to_string(l) + "/" + std::to_string(c) + "_" + std::to_string(r));
      }
    }
  }
  EXPECT_EQ(reader->tile(g.max_level(), 3, 0).error().code, ErrorCode::not_found);
  EXPECT_EQ(reader->tile(g.max_level() + 1, 0, 0).error().code, ErrorCode::not_found);
  EXPECT_EQ(reader->tile(-1, 0, 0).error().code, ErrorCode::not_found);
  std::filesystem::remove(path);
}

// The same pack read the way the server reads one from an object store: through ranged reads.
// A pyramid read while it is written (ADR 0034): each snapshot shows the tiles put before it, the
// same bytes the committed pack holds, and the complete rows of each level.
TEST(Pack, SnapshotsServeWhatIsWrittenAndTheSameBytesAfterCommit) {
  auto path = temp_path("live");
  auto live = path;
  live += ".live";
  Geometry g(600, 600, 256);  // top level 3 × 3 tiles
  int const top = g.max_level();
  auto name = [](int l, std::uint32_t c, std::uint32_t r) {
    return std::to_string(l) + "/" + std::to_string(c) + "_" + std::to_string(r);
  };
  PackWriter w(path);
  ASSERT_TRUE(w.begin({600, 600, 256, "jpg", ""}));
  // Nothing put yet: a snapshot with no rows, and every tile absent.
  auto rows = w.checkpoint(live).value();
  EXPECT_EQ(rows, std::vector<std::uint32_t>(static_cast<std::size_t>(g.level_count()), 0));
  EXPECT_EQ(PackReader::open_live(live).value()->tile(top, 0, 0).error().code, ErrorCode::not_found);
  // The first row of the top level, and half of the second.
  for (std::uint32_t c = 0; c < 3; ++c) ASSERT_TRUE(w.put(top, c, 0, bytes_of(name(top, c, 0))));
  ASSERT_TRUE(w.put(top, 0, 1, bytes_of(name(top, 0, 1))));
  rows = w.checkpoint(live).value();
  EXPECT_EQ(rows[static_cast<std::size_t>(top)], 1u);
  EXPECT_EQ(rows[0], 0u);
  auto early = PackReader::open_live(live).value();
  EXPECT_EQ(early->info().width, 600u);
  EXPECT_EQ(early->info().format, "jpg");
  auto t = early->tile(top, 2, 0).value();
  EXPECT_EQ(std::string(t.begin(), t.end()), name(top, 2, 0));
  // Read, never mapped: the file is still being written by another process.
  EXPECT_FALSE(early->mapped());
  t = early->tile(top, 0, 1).value();
  EXPECT_EQ(std::string(t.begin(), t.end()), name(top, 0, 1));
  EXPECT_EQ(early->tile(top, 1, 1).error().code, ErrorCode::not_found);
  EXPECT_EQ(early->tile(0, 0, 0).error().code, ErrorCode::not_found);
  EXPECT_FALSE(early->has_data());
  // The same snapshot read the way an object store's pieces are: through ranged reads of the pack's
  // bytes, of which the snapshot may name only those already there.
  auto snap = PackReader::read_snapshot(live).value();
  auto read = ranged_reads(live.parent_path() / snap.pack_name);
  auto remote = PackReader::open_live_remote(snap.bytes, read, snap.readable).value();
  EXPECT_FALSE(remote->mapped());
  t = remote->tile(top, 2, 0).value();
  EXPECT_EQ(std::string(t.begin(), t.end()), name(top, 2, 0));
  EXPECT_EQ(remote->tile(top, 1, 1).error().code, ErrorCode::not_found);
  EXPECT_EQ(PackReader::open_live_remote(snap.bytes, read, snap.readable - 1).error().code,
            ErrorCode::unprocessable);
  // The rest, then commit: the snapshot now opens the finished pack, and the early reader (the
  // temporary file renamed under it) still answers the same bytes.
  for (int l = 0; l <= top; ++l) {
    for (std::uint32_t r = 0; r < g.rows(l); ++r) {
      for (std::uint32_t c = 0; c < g.cols(l); ++c) {
        if (l == top && (r == 0 || (r == 1 && c == 0))) continue;  // put above
        ASSERT_TRUE(w.put(l, c, r, bytes_of(name(l, c, r))));
      }
    }
  }
  rows = w.checkpoint(live).value();
  for (int l = 0; l <= top; ++l) EXPECT_EQ(rows[static_cast<std::size_t>(l)], g.rows(l)) << l;
  ASSERT_TRUE(w.commit());
  auto finished = PackReader::open_live(live).value();
  for (int l = 0; l <= top; ++l)
    for (std::uint32_t r = 0; r < g.rows(l); ++r)
      for (std::uint32_t c = 0; c < g.cols(l); ++c) {
        auto bytes = finished->tile(l, c, r).value();
        EXPECT_EQ(std::string(bytes.begin(), bytes.end()), name(l, c, r));
      }
  t = early->tile(top, 2, 0).value();
  EXPECT_EQ(std::string(t.begin(), t.end()), name(top, 2, 0));
  std::filesystem::remove(live);
  std::filesystem::remove(path);
  EXPECT_EQ(PackReader::open_live(live).error().code, ErrorCode::not_found);
}

// A preview put before the tiles (ADR 0036) is in every snapshot from then on, locally and through
// ranged reads, and is the same bytes in the finished pack. One outside the written part is refused.
TEST(Pack, SnapshotsCarryAPreviewPutFirst) {
  auto path = temp_path("preview");
  auto live = path;
  live += ".live";
  PackWriter w(path);
  ASSERT_TRUE(w.begin({600, 600, 256, "png", ""}));
  ASSERT_TRUE(w.checkpoint(live));
  EXPECT_FALSE(PackReader::open_live(live).value()->has_preview());
  EXPECT_EQ(PackReader::open_live(live).value()->preview().error().code, ErrorCode::not_found);
  ASSERT_TRUE(w.put_preview(bytes_of("the preview")));
  ASSERT_TRUE(w.checkpoint(live));
  auto early = PackReader::open_live(live).value();
  ASSERT_TRUE(early->has_preview());
  auto p = early->preview().value();
  EXPECT_EQ(std::string(p.begin(), p.end()), "the preview");
  auto snap = PackReader::read_snapshot(live).value();
  auto read = ranged_reads(live.parent_path() / snap.pack_name);
  p = PackReader::open_live_remote(snap.bytes, read, snap.readable).value()->preview().value();
  EXPECT_EQ(std::string(p.begin(), p.end()), "the preview");
  // A snapshot whose preview ends past the bytes written (what a compromised child could claim).
  auto beyond = snap.bytes;
  auto at = beyond.find("\"size\":11");
  ASSERT_NE(at, std::string::npos);
  beyond.replace(at, 9, "\"size\":99");
  EXPECT_EQ(PackReader::open_live_remote(beyond, read, snap.readable).error().code, ErrorCode::unprocessable);
  Geometry g(600, 600, 256);
  for (int l = 0; l <= g.max_level(); ++l)
    for (std::uint32_t r = 0; r < g.rows(l); ++r)
      for (std::uint32_t c = 0; c < g.cols(l); ++c) ASSERT_TRUE(w.put(l, c, r, bytes_of("t")));
  ASSERT_TRUE(w.commit());
  p = PackReader::open(path).value()->preview().value();
  EXPECT_EQ(std::string(p.begin(), p.end()), "the preview");
  std::filesystem::remove(live);
  std::filesystem::remove(path);
}

TEST(Pack, CorruptSnapshotsAreRejected) {
  auto path = temp_path("badlive");
  auto live = path;
  live += ".live";
  PackWriter w(path);
  ASSERT_TRUE(w.begin({600, 300, 256, "png", ""}));
  ASSERT_TRUE(w.put(2, 0, 0, bytes_of("tile")));
  ASSERT_TRUE(w.checkpoint(live));
  std::string good;
  {
    std::ifstream in(live, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto rewrite = [&](std::string const& text) {
    std::ofstream(live, std::ios::binary | std::ios::trunc) << text;
    return PackReader::open_live(live);
  };
  ASSERT_TRUE(rewrite(good));
  // A pack name that leaves the directory.
  auto escape = good;
  auto at = escape.find(path.filename().string());
  ASSERT_NE(at, std::string::npos);
  escape.replace(at, 3, "../");  // same length: only the name is wrong
  EXPECT_EQ(rewrite(escape).error().code, ErrorCode::unprocessable);
  // Readable bytes beyond the file, an index cut short, a wrong magic.
  auto longer = good;
  longer[8 + 7] = 0x7f;
  EXPECT_EQ(rewrite(longer).error().code, ErrorCode::unprocessable);
  EXPECT_EQ(rewrite(good.substr(0, good.size() - 5)).error().code, ErrorCode::unprocessable);
  // What a compromised build child might leave: a symbolic link in the pack's place (to a secret of
  // the server's), a FIFO as the snapshot (an open would block). Neither is opened.
  ASSERT_TRUE(rewrite(good));
  auto snap = PackReader::read_snapshot(live).value();
  auto pack_file = live.parent_path() / snap.pack_name;
  auto aside = pack_file;
  aside += ".aside";
  std::filesystem::rename(pack_file, aside);
  std::filesystem::create_symlink(aside, pack_file);
  EXPECT_EQ(PackReader::open_live(live).error().code, ErrorCode::unprocessable);
  std::filesystem::remove(pack_file);
  std::filesystem::rename(aside, pack_file);
  ASSERT_TRUE(PackReader::open_live(live));
  std::filesystem::remove(live);
  ASSERT_EQ(::mkfifo(live.c_str(), 0600), 0);
  EXPECT_EQ(PackReader::open_live(live).error().code, ErrorCode::unprocessable);
  std::filesystem::remove(live);
  auto magic = good;
  magic[0] = 'X';
  EXPECT_EQ(rewrite(magic).error().code, ErrorCode::unprocessable);
  EXPECT_EQ(rewrite(good.substr(0, 10)).error().code, ErrorCode::unprocessable);
  std::filesystem::remove(live);
}

TEST(Pack, RemoteReaderSeesTheSameTiles) {
  auto path = temp_path("remote");
  {
    PackWriter w(path);
    ASSERT_TRUE(w.begin({600, 300, 256, "jpg", ""}));
    Geometry g(600, 300, 256);
    for (int l = 0; l <= g.max_level(); ++l)
      for (std::uint32_t r = 0; r < g.rows(l); ++r)
        for (std::uint32_t c = 0; c < g.cols(l); ++c)
          ASSERT_TRUE(
              w.put(l, c, r,
                    bytes_of("t" + std::to_string(l) + "/" + std::to_string(c) + "/" + std::to_string(r))));
    ASSERT_TRUE(w.put_preview(bytes_of("preview")));
    ASSERT_TRUE(w.commit());
  }
  auto local = PackReader::open(path).value();
  int reads = 0;
  auto ranged = [&](void* buf, std::size_t n, std::uint64_t off) {
    ++reads;
    std::ifstream f(path, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(off));
    f.read(static_cast<char*>(buf), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(f.gcount()) == n;
  };
  auto remote = PackReader::open_remote(ranged, std::filesystem::file_size(path)).value();
  EXPECT_FALSE(remote->mapped());
  EXPECT_TRUE(local->mapped());
  EXPECT_LE(reads, 4) << "magic, footer, metadata, index";
  EXPECT_EQ(remote->tile(10, 2, 1).value(), local->tile(10, 2, 1).value());
  EXPECT_EQ(remote->preview().value(), local->preview().value());
  EXPECT_EQ(remote->tile(99, 0, 0).error().code, ErrorCode::not_found);
  EXPECT_TRUE(remote->tile_bytes(10, 2, 1).has_error()) << "no mapping to point into";
  auto failing = PackReader::open_remote([](void*, std::size_t, std::uint64_t) { return false; }, 1000);
  EXPECT_EQ(failing.error().reason, "corrupt_pack");
  std::filesystem::remove(path);
}

TEST(Pack, UncommittedWriterLeavesNothing) {
  auto dir = temp_path("packdir");
  std::filesystem::create_directories(dir);
  {
    PackWriter w(dir / "p.pack");
    ASSERT_TRUE(w.begin({10, 10, 256, "jpg", ""}));
    ASSERT_TRUE(w.put(0, 0, 0, bytes_of("x")));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(Pack, CorruptFilesAreRejectedNotTrusted) {
  auto path = temp_path("bad");
  for (std::string content : {std::string(""), std::string("APXPACK1"),
                              std::string("garbage that is long enough to hold a footer of 32 bytes")}) {
    std::ofstream(path, std::ios::binary) << content;
    auto r = PackReader::open(path);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().reason, "corrupt_pack");
  }
  // A valid pack with a flipped footer offset.
  {
    PackWriter w(path);
    ASSERT_TRUE(w.begin({10, 10, 256, "jpg", ""}));
    Geometry g(10, 10, 256);
    for (int l = 0; l <= g.max_level(); ++l) ASSERT_TRUE(w.put(l, 0, 0, bytes_of("tile")));
    ASSERT_TRUE(w.commit());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-32, std::ios::end);
    char huge[8] = {'\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\xff', '\x7f'};
    f.write(huge, 8);
  }
  EXPECT_EQ(PackReader::open(path).error().reason, "corrupt_pack");
  std::filesystem::remove(path);
  EXPECT_EQ(PackReader::open(path).error().code, ErrorCode::not_found);
}

// Tiles are served straight from a mapping of the file, so an index entry whose offset + size wraps
// around 2^64 must be refused rather than pointing outside the file.
TEST(Pack, WrappingIndexEntryIsRejected) {
  auto path = temp_path("wrap");
  {
    PackWriter w(path);
    ASSERT_TRUE(w.begin({10, 10, 256, "jpg", ""}));
    Geometry g(10, 10, 256);
    for (int l = 0; l <= g.max_level(); ++l) ASSERT_TRUE(w.put(l, 0, 0, bytes_of("tile")));
    ASSERT_TRUE(w.commit());
  }
  ASSERT_TRUE(PackReader::open(path).has_value());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-32, std::ios::end);
    unsigned char footer[8];
    f.read(reinterpret_cast<char*>(footer), 8);
    std::uint64_t index_offset = 0;
    for (int i = 7; i >= 0; --i) index_offset = (index_offset << 8) | footer[i];
    // Entry 0: offset 2^64 - 8, size 16.
    unsigned char entry[12] = {0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 16, 0, 0, 0};
    f.seekp(static_cast<std::streamoff>(index_offset));
    f.write(reinterpret_cast<char const*>(entry), sizeof entry);
  }
  EXPECT_EQ(PackReader::open(path).error().reason, "corrupt_pack");
  std::filesystem::remove(path);
  EXPECT_EQ(PackReader::open(path).error().code, ErrorCode::not_found);
}

// Full-resolution band values (ADR 0031): a third index of level max's tiles, found again by column
// and row; a pack without them says 0 bands; an entry pointing outside the tile area is refused.
TEST(Pack, BandValuesRoundTripAndAreCheckedLikeTiles) {
  auto path = temp_path("values");
  Geometry g(600, 300, 256);
  int const top = g.max_level();
  auto write = [&](bool values) {
    PackWriter w(path);
    ASSERT_TRUE(w.begin({600, 300, 256, "jpg", ""}));
    for (int l = 0; l <= top; ++l) {
      for (std::uint32_t r = 0; r < g.rows(l); ++r) {
        for (std::uint32_t c = 0; c < g.cols(l); ++c) {
          ASSERT_TRUE(w.put(l, c, r, bytes_of("tile")));
          if (values && l == top) {
            ASSERT_TRUE(w.put_values(c, r, 3, "u16-delta-zstd",
                                     bytes_of("values " + std::to_string(c) + "_" + std::to_string(r))));
          }
        }
      }
    }
    ASSERT_TRUE(w.commit());
  };
  write(true);
  {
    auto reader = PackReader::open(path).value();
    EXPECT_EQ(reader->value_bands(), 3);
    EXPECT_EQ(reader->value_encoding(), ValueEncoding::u16);
    EXPECT_FALSE(reader->has_data());
    for (std::uint32_t r = 0; r < g.rows(top); ++r) {
      for (std::uint32_t c = 0; c < g.cols(top); ++c) {
        auto t = reader->value_tile(c, r).value();
        EXPECT_EQ(std::string(t.begin(), t.end()), "values " + std::to_string(c) + "_" + std::to_string(r));
      }
    }
    EXPECT_EQ(reader->value_tile(g.cols(top), 0).error().code, ErrorCode::not_found);
    // The display tiles are where they were.
    auto t = reader->tile(top, 1, 1).value();
    EXPECT_EQ(std::string(t.begin(), t.end()), "tile");
  }
  {
    // The values index sits just before the display index: its first entry made to point past it.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-32, std::ios::end);
    unsigned char footer[8];
    f.read(reinterpret_cast<char*>(footer), 8);
    std::uint64_t index_offset = 0;
    for (int i = 7; i >= 0; --i) index_offset = (index_offset << 8) | footer[i];
    auto entries = std::uint64_t{g.cols(top)} * g.rows(top);
    unsigned char entry[12] = {0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 16, 0, 0, 0};
    f.seekp(static_cast<std::streamoff>(index_offset - entries * 12));
    f.write(reinterpret_cast<char const*>(entry), sizeof entry);
  }
  EXPECT_EQ(PackReader::open(path).error().reason, "corrupt_pack");
  write(false);
  EXPECT_EQ(PackReader::open(path).value()->value_bands(), 0);
  EXPECT_EQ(PackReader::open(path).value()->value_tile(0, 0).error().code, ErrorCode::not_found);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace astropixel::pyramid
