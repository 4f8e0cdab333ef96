#pragma once
#include <string>
#include <string_view>

namespace astropixel {

// An unguessable identifier: 128 random bits as 32 lowercase hex characters.
std::string random_id();

// `n` random bytes, hex encoded.
std::string random_hex(std::size_t n_bytes);

// 128 bits as 32 hex characters from a per-thread generator seeded once from the system's CSPRNG:
// unique and unpredictable enough for correlation ids (request ids), without a getrandom(2)
// system call per request. Never for secrets or anything that authorises.
std::string correlation_id();

}  // namespace astropixel
