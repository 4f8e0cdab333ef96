#pragma once
#include <string>
#include <string_view>

namespace astropixel {

// An unguessable identifier: 128 random bits as 32 lowercase hex characters.
std::string random_id();

// `n` random bytes, hex encoded.
std::string random_hex(std::size_t n_bytes);

}  // namespace astropixel
