#pragma once
// Whether bytes of a mapped pack are in memory, and reading them in. A tile of a mapped pack is
// written to the socket straight from the mapping; when its pages are not in the page cache the
// page fault inside that write reads the disk on an I/O thread, stalling every connection of the
// thread (bench/many.sh, cold variant). The tile path asks first and faults such tiles in on the
// blocking pool.
#include <span>

namespace astropixel::tiles {

// True when every page of `bytes` (inside a mapping) is in memory, or when the kernel cannot say
// (then the caller goes ahead as before). One mincore call, no I/O. Since Linux 5.0 mincore reports
// a file's pages truthfully only to a process that owns the file or may write it; packs under
// another uid or on a read-only volume read as resident, and their cold tiles fault in the socket
// write as before.
bool resident(std::span<char const> bytes);
// Reads the pages of `bytes` in, and only those (not the readahead window around them), then
// touches one byte per page (blocking).
void fault_in(std::span<char const> bytes);

}  // namespace astropixel::tiles
