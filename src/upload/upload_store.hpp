#pragma once
// Where the bytes of a tus upload live while it is open, apart from the protocol. UploadService
// keeps the protocol's state machine (offsets, takeover, the checksum verdict, finishing into a
// dataset) and the upload's row; a store keeps bytes, and is told what to do with them:
//
//   create(id, length)            → a record for the row (the store's own state, may be empty)
//   open(id, offset)              → a Writer: this request's right to write at the offset
//   write(w, bytes)               → appends at w's end (local disk; under the service's lock)
//   flush(w, still_mine)          → optional early shipping of what write() gathered
//   rollback(w, to)               → forgets this request's bytes from `to` on
//   make_durable(w, still_mine)   → everything written survives a crash before the answer
//   assemble(id, length, w)       → the complete upload as a Source a dataset can take
//   release(id) / discard(id, ..) → a finished upload's leftovers, or everything of it
//
// Two implementations: LocalFileStore (one file per upload, its size the offset) and
// ObjectPartStore (a spool of about one part on local disk, parts and fragments in an object store,
// the offset in the row). Every method may block (files, network): call them off the I/O thread.
// Modelled on tusd's DataStore (filestore, s3store), with the locking left to the service.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/error.hpp"

namespace astropixel::upload {

// What a finished upload became in its store: a local file (moved into the dataset store on
// success) or an object (which becomes the dataset's source as it is).
struct Source {
  std::filesystem::path file;  // set by stores whose bytes are local files
  std::string key;             // set by stores whose bytes are objects
};

class UploadStore {
 public:
  // One request's handle on an upload's bytes. Stores subclass it; a writer is only ever given
  // back to the store that made it.
  class Writer {
   public:
    virtual ~Writer() = default;
    // Where the next written byte goes (offset in the upload).
    virtual std::uint64_t end() const = 0;
  };

  // True while the request that holds a writer still owns the upload (no newer request took it
  // over). Stores that do slow work outside the service's lock ask it right before committing.
  using StillMine = std::function<bool()>;

  virtual ~UploadStore() = default;

  // Makes room for a new upload of `length` bytes. Returns the record the upload's row keeps for
  // this store (`staging`; empty when the store needs none). Errors: insufficient_storage,
  // unavailable. Nothing is left behind on error.
  virtual Result<std::string> create(std::string const& id, std::uint64_t length) = 0;

  // The most bytes an upload of `length` bytes at `offset` may still add to this machine's disk
  // (the whole rest for a local file, about two parts for a spool): what the disk budget reserves.
  virtual std::uint64_t local_bytes(std::uint64_t length, std::uint64_t offset) const = 0;

  // The durable offset of an open upload. `recorded` is the row's staged_offset, which stores that
  // keep their offset in the row return as it is. Never fails: a missing file is offset 0.
  virtual std::uint64_t offset(std::string const& id, std::uint64_t recorded) = 0;

  // A writer at `offset`, which the caller has checked against offset(). Errors: conflict
  // (upload_taken_over: the upload moved on elsewhere meanwhile), unavailable,
  // insufficient_storage.
  virtual Result<std::unique_ptr<Writer>> open(std::string const& id, std::uint64_t offset) = 0;

  // Appends `bytes` at w.end(), whole or not at all (a failed write leaves w.end() where it was).
  // Called under the service's per-upload lock, so it must only touch local disk. Errors:
  // insufficient_storage (disk full), unavailable.
  virtual Status write(Writer& w, std::span<char const> bytes) = 0;

  // Whether flush() has work to do (a full part waits). Cheap, no I/O.
  virtual bool wants_flush(Writer const& w) const = 0;
  // Ships what write() gathered ahead of make_durable (a full part to the object store); called
  // without the service's lock. The service calls it only for bytes that can no longer be refused
  // (never during a checksummed request). Errors: conflict (taken over), unavailable.
  virtual Status flush(Writer& w, StillMine const& still_mine) = 0;

  // Forgets the bytes this writer wrote from offset `to` on (never below what is already durable):
  // the request that wrote them is refused whole. Cannot fail in a way the caller can act on.
  virtual void rollback(Writer& w, std::uint64_t to) = 0;

  // Makes every byte written through `w` durable before the request is answered: after a crash or
  // on another instance, offset() reports w.end(). Errors: conflict (taken over), unavailable,
  // insufficient_storage.
  virtual Status make_durable(Writer& w, StillMine const& still_mine) = 0;

  // The complete upload of `length` bytes as a Source. `w`: the last request's writer, whose end()
  // is `length` (its tail need not be durable yet); null to assemble from what is durable (a
  // finish retried after a crash). Safe to repeat after a failure or a lost answer. Errors:
  // unavailable, internal (the bytes do not add up to `length`).
  virtual Result<Source> assemble(std::string const& id, std::uint64_t length, Writer* w) = 0;

  // After the Source became a dataset: removes what the upload kept besides it (spool, fragments).
  virtual void release(std::string const& id) = 0;

  // Removes everything of an open upload (terminated, refused at finishing, or its row could not be
  // written): its bytes, parts and Source. `record` is the row's staging record. Idempotent;
  // failures are logged, never returned (an expiry sweep must go on).
  virtual void discard(std::string const& id, std::string const& record) = 0;

  // The bytes of an upload that expired: the same as discard, named for its caller.
  void expire(std::string const& id, std::string const& record) { discard(id, record); }
};

}  // namespace astropixel::upload
