#include "pyramid/builder.hpp"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <memory>
#include <thread>
#include <vips/vips8>

#include "pyramid/data_tile.hpp"

namespace astropixel::pyramid {

namespace {

// The inner loop specialised per band count with the odd right edge handled apart, so the compiler
// can vectorise the pairs (this loop was a fifth of the build time when generic).
template <int B>
void shrink_rows_n(unsigned char const* top, unsigned char const* bottom, std::uint32_t width,
                   unsigned char* out) {
  std::uint32_t pairs = width / 2;
  for (std::uint32_t x = 0; x < pairs; ++x) {
    auto const* t = top + 2 * x * B;
    auto const* u = bottom + 2 * x * B;
    for (int b = 0; b < B; ++b) {
      out[x * B + b] = static_cast<unsigned char>((t[b] + t[B + b] + u[b] + u[B + b] + 2u) >> 2);
    }
  }
  if (width % 2) {
    auto const* t = top + (width - 1) * B;
    auto const* u = bottom + (width - 1) * B;
    for (int b = 0; b < B; ++b)
      out[pairs * B + b] = static_cast<unsigned char>((2u * t[b] + 2u * u[b] + 2u) >> 2);
  }
}

}  // namespace

void shrink_rows(unsigned char const* top, unsigned char const* bottom, std::uint32_t width, int bands,
                 unsigned char* out) {
  switch (bands) {
    case 1:
      return shrink_rows_n<1>(top, bottom, width, out);
    case 2:
      return shrink_rows_n<2>(top, bottom, width, out);
    case 3:
      return shrink_rows_n<3>(top, bottom, width, out);
    default:
      return shrink_rows_n<4>(top, bottom, width, out);
  }
}

namespace {

struct Level {
  std::uint32_t width = 0, height = 0;
  std::vector<unsigned char> strip;  // tile_size rows
  std::vector<float> data;           // the same rows' original values (data pyramids, below the top)
  std::uint32_t filled = 0;          // rows in `strip`
  std::uint32_t tile_row = 0;        // index of the strip being filled
};

class Builder {
 public:
  // `data`: also build the data pyramid of one band of original values (ADR 0024).
  Builder(Geometry const& g, int bands, BuildOptions const& opts, TileSink& sink, bool data)
      : g_(g), bands_(bands), opts_(opts), sink_(sink), data_(data) {
    unsigned n = opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i)
      encoders_.push_back(std::make_unique<TileEncoder>(opts.format, opts.quality));
    levels_.resize(static_cast<std::size_t>(g.level_count()));
    for (int l = 0; l <= g.max_level(); ++l) {
      auto& lv = levels_[static_cast<std::size_t>(l)];
      lv.width = g.level_width(l);
      lv.height = g.level_height(l);
      lv.strip.resize(static_cast<std::size_t>(lv.width) * bands_ * opts.tile_size);
      // The top level's values are the source's own strip (set_top_data): no copy.
      if (data_ && l < g.max_level()) lv.data.resize(static_cast<std::size_t>(lv.width) * opts.tile_size);
    }
    // The preview comes from the smallest level still at least kPreviewSize on its longest side
    // (at most twice that), so it costs one small resize at the end.
    preview_level_ = g.max_level() - std::countr_zero(preview_factor(g.level_width(g.max_level()),
                                                                     g.level_height(g.max_level())));
  }

  unsigned char* top_strip() { return levels_.back().strip.data(); }
  void set_top_rows(std::uint32_t rows) { levels_.back().filled = rows; }
  void set_top_data(float const* values) { top_data_ = values; }
  // Also keep `bands` bands of full-resolution original values (ADR 0031): from `values` (width ×
  // bands floats per row, reset per strip) or, when it is null, from the display strip itself.
  void keep_values(int bands, ValueEncoding encoding) {
    value_bands_ = bands;
    value_encoding_ = encoding;
  }
  void set_top_values(float const* values) { top_values_ = values; }

  // Encodes the level's strip as one row of tiles, then averages it into the level below.
  Status emit(int l) {
    auto& lv = levels_[static_cast<std::size_t>(l)];
    if (auto s = encode_strip(l, lv); !s) return s;
    if (l == preview_level_ && !preview_written_) {
      preview_pixels_.insert(preview_pixels_.end(), lv.strip.begin(),
                             lv.strip.begin() + static_cast<std::ptrdiff_t>(lv.filled) * lv.width * bands_);
    }
    if (l > 0) {
      auto& below = levels_[static_cast<std::size_t>(l - 1)];
      std::size_t row_in = static_cast<std::size_t>(lv.width) * bands_;
      std::size_t row_out = static_cast<std::size_t>(below.width) * bands_;
      for (std::uint32_t r = 0; r < lv.filled; r += 2) {
        auto const* top = lv.strip.data() + r * row_in;
        auto const* bottom = r + 1 < lv.filled ? top + row_in : top;
        shrink_rows(top, bottom, lv.width, bands_, below.strip.data() + below.filled * row_out);
        if (data_) {
          auto const* dtop = data_of(l) + static_cast<std::size_t>(r) * lv.width;
          auto const* dbottom = r + 1 < lv.filled ? dtop + lv.width : dtop;
          shrink_float_rows(dtop, dbottom, lv.width,
                            below.data.data() + static_cast<std::size_t>(below.filled) * below.width);
        }
        if (++below.filled == opts_.tile_size) {
          if (auto s = emit(l - 1); !s) return s;
        }
      }
    }
    lv.filled = 0;
    ++lv.tile_row;
    return {};
  }

  // After the last source strip: push every partial strip down the pyramid.
  Status flush() {
    for (int l = g_.max_level(); l >= 0; --l) {
      if (levels_[static_cast<std::size_t>(l)].filled > 0) {
        if (auto s = emit(l); !s) return s;
      }
    }
    return {};
  }

  std::uint64_t tiles() const { return tiles_; }

  // Encodes the preview: the captured level scaled to kPreviewSize on its longest side; nothing when
  // the preview was written first.
  Status write_preview() {
    if (preview_written_) return {};
    auto const& lv = levels_[static_cast<std::size_t>(preview_level_)];
    return put_preview(preview_pixels_, static_cast<int>(lv.width), static_cast<int>(lv.height));
  }
  // The preview from the source's overview, before any tile (ADR 0036): the same size as the one
  // write_preview would make. False when the overview is not of the preview level's size.
  Result<bool> write_preview_first(Overview const& overview) {
    auto const& lv = levels_[static_cast<std::size_t>(preview_level_)];
    if (overview.width != lv.width || overview.height != lv.height || overview.bands != bands_) return false;
    if (auto s = put_preview(overview.pixels, static_cast<int>(lv.width), static_cast<int>(lv.height)); !s)
      return s.error();
    preview_written_ = true;
    return true;
  }

 private:
  Status put_preview(std::vector<unsigned char> const& level_pixels, int w, int h) {
    std::vector<unsigned char> pixels;
    try {
      auto image = vips::VImage::new_from_memory(const_cast<unsigned char*>(level_pixels.data()),
                                                 level_pixels.size(), w, h, bands_, VIPS_FORMAT_UCHAR);
      double scale = static_cast<double>(kPreviewSize) / std::max(w, h);
      if (scale < 1) image = image.resize(scale);
      w = image.width();
      h = image.height();
      std::size_t size = 0;
      auto* mem = static_cast<unsigned char*>(image.write_to_memory(&size));
      pixels.assign(mem, mem + size);
      g_free(mem);
    } catch (vips::VError const& e) {
      return make_error(ErrorCode::internal, "Preview failed", e.what());
    }
    std::vector<unsigned char> out;
    PixelView px{pixels.data(), w, h, bands_, static_cast<std::size_t>(w) * bands_};
    if (auto s = encoders_[0]->encode(px, out); !s) return s;
    return sink_.put_preview(out);
  }

  float const* data_of(int l) const {
    return l == g_.max_level() ? top_data_ : levels_[static_cast<std::size_t>(l)].data.data();
  }

  Status encode_strip(int l, Level const& lv) {
    std::uint32_t cols = g_.cols(l);
    bool const values = value_bands_ > 0 && l == g_.max_level();
    std::vector<std::vector<unsigned char>> out(cols), data_out(data_ ? cols : 0),
        values_out(values ? cols : 0);
    std::vector<Status> status(cols);
    float const* data = data_ ? data_of(l) : nullptr;
    std::size_t stride = static_cast<std::size_t>(lv.width) * bands_;
    auto work = [&](unsigned worker) {
      for (std::uint32_t c = worker; c < cols; c += static_cast<std::uint32_t>(encoders_.size())) {
        auto rect = g_.tile(l, c, lv.tile_row);
        PixelView px{lv.strip.data() + static_cast<std::size_t>(rect.x) * bands_,
                     static_cast<int>(rect.width), static_cast<int>(lv.filled), bands_, stride};
        status[c] = encoders_[worker]->encode(px, out[c]);
        if (status[c] && data_) {
          status[c] = encode_data_tile(data + rect.x, rect.width, lv.filled, lv.width, data_out[c]);
        }
        if (status[c] && values) status[c] = encode_values(lv, rect, values_out[c]);
      }
    };
    unsigned workers = std::min<unsigned>(static_cast<unsigned>(encoders_.size()), cols);
    {
      std::vector<std::jthread> threads;
      for (unsigned w = 1; w < workers; ++w) threads.emplace_back(work, w);
      work(0);
    }
    // One writer, in column order: the pack is byte-identical from run to run.
    for (std::uint32_t c = 0; c < cols; ++c) {
      if (!status[c]) return status[c];
      if (auto s = sink_.put(l, c, lv.tile_row, out[c]); !s) return s;
      if (data_) {
        if (auto s = sink_.put_data(l, c, lv.tile_row, data_out[c]); !s) return s;
      }
      if (values) {
        if (auto s =
                sink_.put_values(c, lv.tile_row, value_bands_, to_string(value_encoding_), values_out[c]);
            !s)
          return s;
      }
      ++tiles_;
    }
    return {};
  }

  // One tile of every band's values: from the source's stretched rows, or the 8-bit strip itself.
  Status encode_values(Level const& lv, TileRect const& rect, std::vector<unsigned char>& out) const {
    auto const vb = static_cast<std::size_t>(value_bands_);
    if (top_values_) {
      return encode_value_tile(value_encoding_, top_values_ + rect.x * vb, rect.width, lv.filled,
                               value_bands_, lv.width * vb, out);
    }
    return encode_value_tile(lv.strip.data() + static_cast<std::size_t>(rect.x) * bands_, rect.width,
                             lv.filled, value_bands_, static_cast<std::size_t>(lv.width) * bands_, out);
  }

  Geometry const& g_;
  int value_bands_ = 0;
  ValueEncoding value_encoding_ = ValueEncoding::u8;
  float const* top_values_ = nullptr;
  int bands_;
  BuildOptions const& opts_;
  TileSink& sink_;
  bool data_;
  float const* top_data_ = nullptr;
  std::vector<std::unique_ptr<TileEncoder>> encoders_;
  std::vector<Level> levels_;
  std::uint64_t tiles_ = 0;
  int preview_level_ = 0;
  bool preview_written_ = false;
  std::vector<unsigned char> preview_pixels_;
};

}  // namespace

Result<BuildResult> build(std::filesystem::path const& input, TileSink& sink, BuildOptions const& options,
                          ProgressFn const& progress, std::atomic<bool> const* cancel) {
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  Progress p;
  FirstPassHooks hooks;
  hooks.overview = true;
  hooks.rows = [&](std::uint32_t done, std::uint32_t total) {
    if (cancel && cancel->load()) return false;
    p.stage = "statistics";
    p.rows_done = done;
    p.rows_total = 2ull * total;
    p.seconds = elapsed();
    if (progress) progress(p);
    return true;
  };
  auto stretch = options.stretch;
  stretch.transparent_blanks = options.format != TileFormat::jpeg;
  auto source = Source::open(input, options.max_pixels, stretch, options.fits, hooks);
  if (!source) return source.error();
  bool const two_pass = p.stage == "statistics";
  auto const& info = (*source)->info();
  Geometry g(info.width, info.height, options.tile_size);

  boost::json::object meta{
      {"source_format", info.format},
      {"source_bands", info.bands},
      {"sample_format", info.sample_format},
      {"stretch",
       info.stretch_json.empty() ? boost::json::value("none") : boost::json::parse(info.stretch_json)},
      {"data_stats",
       info.data_stats_json.empty() ? boost::json::value(nullptr) : boost::json::parse(info.data_stats_json)},
      {"blank_pixels", info.blank_pixels},
      {"statistics_rows", info.statistics_rows},
      {"wcs", info.wcs_json.empty() ? boost::json::value(nullptr) : boost::json::parse(info.wcs_json)},
      {"fits", info.fits_json.empty() ? boost::json::value(nullptr) : boost::json::parse(info.fits_json)},
      {"georeference", info.georeference_json.empty() ? boost::json::value(nullptr)
                                                      : boost::json::parse(info.georeference_json)},
      {"colour_managed", info.colour_managed},
      {"quality", options.quality}};
  PyramidInfo pinfo{info.width, info.height, options.tile_size, std::string(extension(options.format)),
                    boost::json::serialize(meta)};
  if (auto s = sink.begin(pinfo); !s) return s.error();

  bool const data = sink.keeps_data() && (*source)->has_data();
  Builder builder(g, info.display_bands, options, sink, data);
  int const value_bands = sink.keeps_data() && !data ? (*source)->value_bands() : 0;
  // Integer samples keep their width (8-bit display bytes are the values themselves).
  bool const stretched = value_bands && !info.stretch_json.empty();
  auto encoding = !stretched                       ? ValueEncoding::u8
                  : info.sample_format == "uchar"  ? ValueEncoding::u8
                  : info.sample_format == "ushort" ? ValueEncoding::u16
                                                   : ValueEncoding::f32;
  builder.keep_values(value_bands, encoding);
  std::uint64_t const first_pass_rows = two_pass ? info.height : 0;
  p.stage = "tiling";
  p.rows_total = first_pass_rows + info.height;
  p.rows_done = first_pass_rows;
  // The coarse overview first, where the source has it cheaply: a viewer of the build can draw the
  // whole image before its first tile (ADR 0036).
  auto overview = (*source)->overview();
  if (!overview) return overview.error();
  if (*overview) {
    auto first = builder.write_preview_first(**overview);
    if (!first) return first.error();
    p.preview = *first;
    p.bytes = sink.bytes_written();
    p.seconds = elapsed();
    if (p.preview && progress) progress(p);
  }
  for (std::uint32_t y = 0; y < info.height; y += options.tile_size) {
    if (cancel && cancel->load()) return make_error(ErrorCode::cancelled, "Cancelled");
    std::uint32_t rows = std::min(options.tile_size, info.height - y);
    if (auto s = (*source)->read_rows(y, rows, builder.top_strip()); !s) return s.error();
    builder.set_top_rows(rows);
    if (data) builder.set_top_data((*source)->data_rows().data());
    if (stretched) builder.set_top_values((*source)->value_rows().data());
    if (auto s = builder.emit(g.max_level()); !s) return s.error();
    p.rows_done = first_pass_rows + y + rows;
    p.tiles = builder.tiles();
    p.bytes = sink.bytes_written();
    p.seconds = elapsed();
    if (progress) progress(p);
  }
  if (cancel && cancel->load()) return make_error(ErrorCode::cancelled, "Cancelled");
  if (auto s = builder.flush(); !s) return s.error();
  if (auto s = builder.write_preview(); !s) return s.error();
  if (auto s = sink.commit(); !s) return s.error();

  BuildResult r;
  r.source = info;
  r.width = info.width;
  r.height = info.height;
  r.levels = g.level_count();
  r.tiles = builder.tiles();
  r.bytes = sink.bytes_written();
  r.seconds = elapsed();
  return r;
}

}  // namespace astropixel::pyramid
