#pragma once
// Decoding overlapped with the rest of a build: a serial decoder (PNG's inflate, baseline JPEG's
// Huffman decode, libvips' sequential loaders) runs on a thread of its own, one chunk of rows ahead
// of the caller, so the strip just handed out is tiled and encoded while the next one is decoded
// (docs/adr/0033-pyramid-build-floors.md). Memory: two chunks of at most kMaxChunkBytes each.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace astropixel::pyramid {

class ReadAhead {
 public:
  // Decodes the next `rows` rows (row_bytes each) into `out`; called on the read-ahead thread only,
  // top to bottom, so a decoder need not be thread-safe. Errors end the decoding.
  using Decode = std::function<Status(std::uint32_t rows, unsigned char* out)>;
  static constexpr std::size_t kMaxChunkBytes = 16u << 20;

  ReadAhead(std::uint32_t height, std::size_t row_bytes, Decode decode);
  // Stops after the chunk being decoded and joins the thread.
  ~ReadAhead();
  ReadAhead(ReadAhead const&) = delete;
  ReadAhead& operator=(ReadAhead const&) = delete;

  // Copies rows [y, y + rows) into `out`. Rows must be read in order, without gaps; the first call
  // starts the decoding, in chunks of its `rows` (fewer for very wide images). Errors: the decoder's,
  // internal when rows are asked out of order.
  Status read(std::uint32_t y, std::uint32_t rows, unsigned char* out);

 private:
  struct Chunk {
    std::vector<unsigned char> bytes;
    std::uint32_t rows = 0;
    Status status;
  };
  void run(std::uint32_t chunk_rows);

  std::uint32_t height_;
  std::size_t row_bytes_;
  Decode decode_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> ready_;
  std::vector<std::vector<unsigned char>> spare_;  // buffers handed back by the caller
  bool stop_ = false;
  std::uint32_t served_ = 0;      // rows handed out
  std::uint32_t front_used_ = 0;  // rows of ready_.front() handed out
  std::jthread thread_;           // last: joined before the rest is destroyed
};

}  // namespace astropixel::pyramid
