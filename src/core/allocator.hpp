#pragma once
// The heap allocator this binary runs on (ADR 0037): mimalloc in the release build, glibc's malloc
// where mimalloc is not linked (the sanitizer build, whose allocator is the sanitizer's).
#include <string>

namespace astropixel {

// "mimalloc 2.0.9" or "glibc": logged at start-up and exported in astropixel_build_info.
std::string allocator_name();

// Gives the memory the allocator holds free back to the operating system (after a pyramid build, so
// the resident size logged "after cleanup" is what the process still uses).
void release_free_heap();

}  // namespace astropixel
