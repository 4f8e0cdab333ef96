#include "pyramid/read_ahead.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

namespace {
// One chunk waits decoded while the next is decoded: enough to keep the decoder busy, and the
// memory stays at two chunks.
constexpr std::size_t kReadyChunks = 1;
}  // namespace

ReadAhead::ReadAhead(std::uint32_t height, std::size_t row_bytes, Decode decode)
    : height_(height), row_bytes_(std::max<std::size_t>(1, row_bytes)), decode_(std::move(decode)) {}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReadAhead::run(std::uint32_t chunk_rows) {
  for (std::uint32_t y = 0; y < height_; y += chunk_rows) {
    std::vector<unsigned char> buffer;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || ready_.size() < kReadyChunks + 1; });
      if (stop_) return;
      if (!spare_.empty()) {
        buffer = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    Chunk chunk;
    chunk.rows = std::min(chunk_rows, height_ - y);
    // An exception must not leave this thread (std::terminate): it becomes the chunk's error, which
    // the reader reports as the build's.
    try {
      buffer.resize(row_bytes_ * chunk.rows);
      chunk.status = decode_(chunk.rows, buffer.data());
    } catch (std::exception const& e) {
      chunk.status = make_error(ErrorCode::internal, "The image could not be decoded", e.what());
    }
    chunk.bytes = std::move(buffer);
    bool const failed = !chunk.status;
    {
      std::lock_guard lock(mutex_);
      ready_.push_back(std::move(chunk));
    }
    changed_.notify_all();
    if (failed) return;
  }
}

Status ReadAhead::read(std::uint32_t y, std::uint32_t rows, unsigned char* out) {
  if (y != served_ || rows > height_ - std::min(y, height_))
    return make_error(ErrorCode::internal, "Rows read out of order",
                      "asked for row " + std::to_string(y) + ", next is " + std::to_string(served_));
  if (!thread_.joinable() && rows > 0) {
    auto chunk_rows = static_cast<std::uint32_t>(
        std::clamp<std::size_t>(kMaxChunkBytes / row_bytes_, 1, static_cast<std::size_t>(rows)));
    thread_ = std::jthread([this, chunk_rows] { run(chunk_rows); });
  }
  std::uint32_t done = 0;
  while (done < rows) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty(); });
    auto& front = ready_.front();
    if (!front.status) return front.status;
    std::uint32_t n = std::min(rows - done, front.rows - front_used_);
    std::memcpy(out + done * row_bytes_, front.bytes.data() + front_used_ * row_bytes_, n * row_bytes_);
    done += n;
    front_used_ += n;
    if (front_used_ == front.rows) {
      spare_.push_back(std::move(front.bytes));
      ready_.pop_front();
      front_used_ = 0;
      lock.unlock();
      changed_.notify_all();
    }
  }
  served_ += rows;
  return {};
}

}  // namespace astropixel::pyramid
