// libFuzzer: the tus Upload-Metadata parser on arbitrary header values.
#include <cstdint>
#include <string_view>

#include "upload/upload_metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  (void)astropixel::upload::parse_upload_metadata(
      std::string_view(reinterpret_cast<char const*>(data), size));
  return 0;
}
