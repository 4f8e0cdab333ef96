#pragma once
// What a pyramid build of one version leaves behind when it dies (kill -9, power loss, a cancel that
// kills its child before the child could remove its own files): the attempt's pack, its temporary
// `.tmp-<12 hex>` (PackWriter), its snapshot `.live` and `.live.tmp`, its pieces and snapshots in an
// object store (`.seg<n>`, `.snap<n>`, ADR 0034), and in scratch space the copied source. They can be
// gigabytes. Every attempt of version N is named `v<N>-<8 hex>.pack…` in the blob store and
// `<dataset>-v<N>-<8 hex>.pack…` / `.source` in scratch space, so a run or the end of the job can
// remove those of its own version without touching a newer version's build that may be running.
#include <filesystem>
#include <string>
#include <string_view>

#include "storage/blob_store.hpp"

namespace astropixel::datasets {

// Whether `name` (a file name, no directory) is one of the names an attempt of `version` writes:
// `stem` is "v<N>-" in the blob store and "<dataset>-v<N>-" in scratch space. Exact: anything else
// (another version, another dataset, a hidden or unknown file) is not.
bool is_build_leftover(std::string_view name, std::string_view stem);

// The blob store's and scratch space's stems of `version`'s attempts of dataset `id`.
std::string build_blob_stem(int version);
std::string build_scratch_stem(std::string const& id, int version);

// Removes what attempts of `version` of dataset `id` left in the blob store (except `keep`, the
// published pack) and in `scratch`; with `attempt` (its 8 hex), only that attempt's. Files only, by
// unlink: a symbolic link is removed, never followed; directories are not entered. Failures are
// logged (a sweep goes on). → how many were removed.
//
// A run sweeps every attempt of its version before it starts (the others died, or lost the lease and
// can no longer publish); an attempt that ends badly sweeps only its own: an attempt that lost its
// lease while still running must not remove the files of the one that took the job over.
int remove_build_leftovers(storage::BlobStore& blobs, std::filesystem::path const& scratch,
                           std::string const& id, int version, std::string const& keep,
                           std::string_view attempt = {});

}  // namespace astropixel::datasets
