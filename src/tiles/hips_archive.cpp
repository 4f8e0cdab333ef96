#include "tiles/hips_archive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "pyramid/hips_layout.hpp"

namespace astropixel::tiles {

namespace {

constexpr std::uint64_t kBlock = 512;

std::uint64_t padded(std::uint64_t n) {
  return (n + kBlock - 1) / kBlock * kBlock;
}

void octal(char* field, std::size_t width, std::uint64_t value) {
  auto text = fmt::format("{:0{}o}", value, width - 1);
  std::memcpy(field, text.data(), width - 1);
  field[width - 1] = '\0';
}

}  // namespace

std::string ustar_header(std::string const& name, std::uint64_t size) {
  std::string h(kBlock, '\0');
  std::memcpy(h.data(), name.data(), std::min<std::size_t>(name.size(), 99));
  octal(h.data() + 100, 8, 0644);       // mode
  octal(h.data() + 108, 8, 0);          // uid
  octal(h.data() + 116, 8, 0);          // gid
  octal(h.data() + 124, 12, size);      // size
  octal(h.data() + 136, 12, 0);         // mtime
  std::memset(h.data() + 148, ' ', 8);  // checksum, counted as spaces
  h[156] = '0';                         // a regular file
  std::memcpy(h.data() + 257,
              "ustar\0"
              "00",
              8);  // magic and version
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  auto text = fmt::format("{:06o}", sum);
  std::memcpy(h.data() + 148, text.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  return h;
}

Result<std::shared_ptr<HipsArchive const>> HipsArchive::plan(storage::BlobStore& blobs,
                                                             std::string const& prefix,
                                                             std::string const& top) {
  auto listed = blobs.list(prefix);
  if (!listed) return listed.error();
  std::shared_ptr<HipsArchive> a(new HipsArchive(blobs));
  for (auto const& b : *listed) {
    auto const name = pyramid::hips::file_of_blob_name(std::string_view(b.key).substr(prefix.size()));
    if (!name) continue;  // not a HiPS file (nothing else is stored there)
    a->members_.push_back({top + "/" + *name, b.key, b.size, 0});
  }
  if (a->members_.empty()) return make_error(ErrorCode::not_found, "Not found");
  // properties first: a client reading the stream learns what it holds before the tiles.
  std::sort(a->members_.begin(), a->members_.end(), [&](auto const& x, auto const& y) {
    bool const px = x.name.ends_with("/properties"), py = y.name.ends_with("/properties");
    return px != py ? px : x.name < y.name;
  });
  std::uint64_t at = 0;
  for (auto& m : a->members_) {
    m.offset = at;
    at += kBlock + padded(m.size);
  }
  a->size_ = at + 2 * kBlock;  // two zero blocks end the archive
  return std::shared_ptr<HipsArchive const>(std::move(a));
}

std::int64_t HipsArchive::read(std::uint64_t offset, char* out, std::size_t n) const {
  if (offset >= size_) return 0;
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
  // The member whose header or data holds `offset`, if any (past the last: the end blocks).
  auto it = std::upper_bound(members_.begin(), members_.end(), offset,
                             [](std::uint64_t o, ArchiveMember const& m) { return o < m.offset; });
  if (it == members_.begin() || (it - 1)->offset + kBlock + padded((it - 1)->size) <= offset) {
    std::memset(out, 0, n);  // the end blocks
    return static_cast<std::int64_t>(n);
  }
  auto const& m = *(it - 1);
  std::uint64_t const in = offset - m.offset;
  if (in < kBlock) {
    auto const h = ustar_header(m.name, m.size);
    auto const k = static_cast<std::size_t>(std::min<std::uint64_t>(n, kBlock - in));
    std::memcpy(out, h.data() + in, k);
    return static_cast<std::int64_t>(k);
  }
  std::uint64_t const data = in - kBlock;
  if (data >= m.size) {  // the padding to the next block
    auto const k = static_cast<std::size_t>(std::min<std::uint64_t>(n, padded(m.size) - data));
    std::memset(out, 0, k);
    return static_cast<std::int64_t>(k);
  }
  auto const k = static_cast<std::size_t>(std::min<std::uint64_t>(n, m.size - data));
  auto got = blobs_.read(m.key, data, std::span<char>(out, k));
  return got && *got > 0 ? static_cast<std::int64_t>(*got) : -1;
}

}  // namespace astropixel::tiles
