#include "storage/blob_store.hpp"

namespace astropixel::storage {

Status validate_key(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::bad_request, "Invalid storage key", std::string(why));
  };
  if (key.empty() || key.size() > 1024) return bad("key must be 1-1024 characters");
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    auto segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return bad("empty, '.' or '..' segment");
    for (char c : segment) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      if (!ok) return bad("segments may hold only [a-z0-9._-]");
    }
    start = end + 1;
  }
  return {};
}

Status put_bytes(BlobStore& store, std::string_view key, std::span<char const> bytes) {
  auto w = store.put(key);
  if (!w) return w.error();
  if (auto s = (*w)->write(bytes); !s) return s;
  return (*w)->commit();
}

}  // namespace astropixel::storage
