// The floor of a pyramid build on this machine (issue #17): how fast the fastest decoder Debian
// ships reads the input, and how long JPEG q85 encoding of every 256² tile of every level takes on
// all cores. A build cannot beat max(decode, (decode + encode CPU) / cores) even when decoding
// overlaps perfectly with encoding; without overlap it costs decode + encode wall time.
//
//   floor INPUT.png|INPUT.jpg [threads]
//
// Decoders compared, each streaming rows into a 256-row strip (never the whole image):
//   PNG:  libpng (png_read_row) and libspng (progressive spng_decode_row)
//   JPEG: libjpeg-turbo (jpeg_read_scanlines), and with DCT scaling 1/2 (what a level below the top
//         would cost if decoded straight from the file)
// Encoding: the fastest decoder's rows, averaged 2×2 into each lower level as a pyramid does, every
// tile encoded with TurboJPEG (q85, 4:2:0, fast DCT: what src/pyramid/encoder.cpp does). Only the
// encode calls are timed; shrinking and decoding in that pass are not.
//
// Built by bench/pyramid.sh: g++ -std=c++20 -O2 bench/floor.cpp -lpng -lspng -ljpeg -lturbojpeg
#include <cstddef>
#include <cstdio>
// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>
#include <png.h>
#include <spng.h>
#include <time.h>
#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr unsigned kTile = 256;

double now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

[[noreturn]] void die(std::string const& what) {
  std::fprintf(stderr, "floor: %s\n", what.c_str());
  std::exit(1);
}

// A decoder hands out the image as strips of up to kTile rows, top to bottom.
struct Decoder {
  unsigned width = 0, height = 0, bands = 0;
  virtual ~Decoder() = default;
  // Fills `rows` rows (width × bands bytes each) into out.
  virtual void read(unsigned rows, unsigned char* out) = 0;
};

struct PngLib final : Decoder {
  std::FILE* f = nullptr;
  png_structp png = nullptr;
  png_infop info = nullptr;
  explicit PngLib(char const* path) {
    f = std::fopen(path, "rb");
    if (!f) die("cannot open input");
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) die("libpng failed");
    png_init_io(png, f);
    png_read_info(png, info);
    if (png_get_bit_depth(png, info) != 8 || png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
      die("only 8-bit non-interlaced PNG");
    width = png_get_image_width(png, info);
    height = png_get_image_height(png, info);
    bands = png_get_channels(png, info);
  }
  ~PngLib() override {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(f);
  }
  void read(unsigned rows, unsigned char* out) override {
    if (setjmp(png_jmpbuf(png))) die("libpng failed");
    for (unsigned r = 0; r < rows; ++r) png_read_row(png, out + std::size_t{r} * width * bands, nullptr);
  }
};

struct Spng final : Decoder {
  std::FILE* f = nullptr;
  spng_ctx* ctx = nullptr;
  explicit Spng(char const* path) {
    f = std::fopen(path, "rb");
    if (!f) die("cannot open input");
    ctx = spng_ctx_new(0);
    spng_set_png_file(ctx, f);
    spng_ihdr ihdr{};
    if (spng_get_ihdr(ctx, &ihdr) || ihdr.bit_depth != 8 || ihdr.interlace_method != 0)
      die("only 8-bit non-interlaced PNG");
    width = ihdr.width;
    height = ihdr.height;
    bands = ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR         ? 3
            : ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA ? 4
            : ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA ? 2
                                                                 : 1;
    if (spng_decode_image(ctx, nullptr, 0, SPNG_FMT_PNG, SPNG_DECODE_PROGRESSIVE)) die("spng init failed");
  }
  ~Spng() override {
    spng_ctx_free(ctx);
    std::fclose(f);
  }
  void read(unsigned rows, unsigned char* out) override {
    std::size_t row = std::size_t{width} * bands;
    for (unsigned r = 0; r < rows; ++r) {
      int e = spng_decode_row(ctx, out + r * row, row);
      if (e != 0 && e != SPNG_EOI) die(std::string("spng: ") + spng_strerror(e));
    }
  }
};

struct JpegLib final : Decoder {
  struct Err {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
  } err{};
  jpeg_decompress_struct cinfo{};
  std::FILE* f = nullptr;
  JpegLib(char const* path, unsigned scale_denom) {
    f = std::fopen(path, "rb");
    if (!f) die("cannot open input");
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = [](j_common_ptr c) { std::longjmp(reinterpret_cast<Err*>(c->err)->jump, 1); };
    if (setjmp(err.jump)) die("libjpeg failed");
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.scale_num = 1;
    cinfo.scale_denom = scale_denom;
    cinfo.dct_method = JDCT_ISLOW;  // what libvips' loader uses: the pixels a build must reproduce
    jpeg_start_decompress(&cinfo);
    width = cinfo.output_width;
    height = cinfo.output_height;
    bands = static_cast<unsigned>(cinfo.output_components);
  }
  ~JpegLib() override {
    jpeg_destroy_decompress(&cinfo);
    std::fclose(f);
  }
  void read(unsigned rows, unsigned char* out) override {
    if (setjmp(err.jump)) die("libjpeg failed");
    for (unsigned r = 0; r < rows;) {
      JSAMPROW row = out + std::size_t{r} * width * bands;
      r += jpeg_read_scanlines(&cinfo, &row, 1);
    }
  }
};

using Factory = std::function<std::unique_ptr<Decoder>()>;

// Seconds for one whole streamed decode.
double time_decode(Factory const& make) {
  double t0 = now();
  auto d = make();
  std::vector<unsigned char> strip(std::size_t{d->width} * d->bands * kTile);
  for (unsigned y = 0; y < d->height; y += kTile) d->read(std::min(kTile, d->height - y), strip.data());
  return now() - t0;
}

struct Level {
  unsigned width, height, filled = 0;
  std::vector<unsigned char> strip;
};

struct EncodeTimes {
  double wall = 0, cpu = 0;
  unsigned long tiles = 0;
};

// Encodes every tile of a strip on `threads` threads, timing only the encoding.
void encode_strip(Level const& lv, unsigned bands, unsigned threads, std::vector<tjhandle>& tj,
                  EncodeTimes& t) {
  unsigned cols = (lv.width + kTile - 1) / kTile;
  std::vector<double> cpu(threads, 0);
  double t0 = now();
  auto work = [&](unsigned w) {
    double c0 = thread_cpu();
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    for (unsigned c = w; c < cols; c += threads) {
      unsigned x = c * kTile, tw = std::min(kTile, lv.width - x);
      int pf = bands == 1 ? TJPF_GRAY : bands == 3 ? TJPF_RGB : TJPF_RGBA;
      if (tjCompress2(tj[w], lv.strip.data() + std::size_t{x} * bands, static_cast<int>(tw),
                      static_cast<int>(std::size_t{lv.width} * bands), static_cast<int>(lv.filled), pf, &buf,
                      &size, bands == 1 ? TJSAMP_GRAY : TJSAMP_420, 85, TJFLAG_FASTDCT) != 0)
        die("tjCompress2 failed");
    }
    tjFree(buf);
    cpu[w] = thread_cpu() - c0;
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned w = 1; w < threads; ++w) pool.emplace_back(work, w);
    work(0);
  }
  t.wall += now() - t0;
  for (double c : cpu) t.cpu += c;
  t.tiles += cols;
}

EncodeTimes time_encode(Factory const& make, unsigned threads) {
  auto d = make();
  unsigned const bands = d->bands;
  std::vector<Level> levels;
  for (unsigned w = d->width, h = d->height;; w = (w + 1) / 2, h = (h + 1) / 2) {
    levels.push_back({w, h, 0, std::vector<unsigned char>(std::size_t{w} * bands * kTile)});
    if (w == 1 && h == 1) break;
  }
  std::vector<tjhandle> tj(threads);
  for (auto& h : tj) h = tjInitCompress();
  EncodeTimes t;
  // Encodes level i's strip and averages it into level i + 1 (the next smaller one).
  std::function<void(std::size_t)> emit = [&](std::size_t i) {
    auto& lv = levels[i];
    encode_strip(lv, bands, threads, tj, t);
    if (i + 1 < levels.size()) {
      auto& below = levels[i + 1];
      std::size_t in = std::size_t{lv.width} * bands, out = std::size_t{below.width} * bands;
      for (unsigned r = 0; r < lv.filled; r += 2) {
        auto const* top = lv.strip.data() + r * in;
        auto const* bottom = r + 1 < lv.filled ? top + in : top;
        auto* o = below.strip.data() + below.filled * out;
        for (unsigned x = 0; x < below.width; ++x) {
          unsigned x1 = 2 * x, x2 = std::min(2 * x + 1, lv.width - 1);
          for (unsigned b = 0; b < bands; ++b)
            o[x * bands + b] =
                static_cast<unsigned char>((top[x1 * bands + b] + top[x2 * bands + b] +
                                            bottom[x1 * bands + b] + bottom[x2 * bands + b] + 2) >>
                                           2);
        }
        if (++below.filled == kTile) emit(i + 1);
      }
    }
    lv.filled = 0;
  };
  for (unsigned y = 0; y < d->height; y += kTile) {
    unsigned rows = std::min(kTile, d->height - y);
    d->read(rows, levels[0].strip.data());
    levels[0].filled = rows;
    emit(0);
  }
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].filled) emit(i);
  for (auto h : tj) tjDestroy(h);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: floor INPUT.png|INPUT.jpg [threads]");
  char const* path = argv[1];
  unsigned threads =
      argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : std::thread::hardware_concurrency();
  threads = std::max(1u, threads);
  unsigned char sig[8] = {};
  std::FILE* f = std::fopen(path, "rb");
  if (!f || std::fread(sig, 1, 8, f) != 8) die("cannot read input");
  std::fclose(f);

  std::vector<std::pair<std::string, Factory>> decoders;
  if (std::memcmp(sig, "\x89PNG", 4) == 0) {
    decoders.emplace_back("libpng", [&] { return std::make_unique<PngLib>(path); });
    decoders.emplace_back("libspng", [&] { return std::make_unique<Spng>(path); });
  } else if (sig[0] == 0xff && sig[1] == 0xd8) {
    decoders.emplace_back("libjpeg-turbo", [&] { return std::make_unique<JpegLib>(path, 1); });
  } else {
    die("PNG or JPEG input only");
  }
  std::size_t best = 0;
  std::vector<double> seconds;
  for (std::size_t i = 0; i < decoders.size(); ++i) {
    double s = time_decode(decoders[i].second);
    std::printf("decode %-14s %7.3f s\n", decoders[i].first.c_str(), s);
    seconds.push_back(s);
    if (s < seconds[best]) best = i;
  }
  if (std::memcmp(sig, "\x89PNG", 4) != 0) {
    double half = time_decode([&] { return std::make_unique<JpegLib>(path, 2); });
    std::printf("decode %-14s %7.3f s  (DCT-scaled 1/2: a level below the top, straight from the file)\n",
                "libjpeg 1/2", half);
  }
  double decode = seconds[best];
  auto enc = time_encode(decoders[best].second, threads);
  double overlap = std::max(decode, (decode + enc.cpu) / threads);
  double serial = decode + enc.wall;
  std::printf("encode %lu tiles q85: %.3f s CPU, %.3f s on %u threads\n", enc.tiles, enc.cpu, enc.wall,
              threads);
  std::printf("floor, decode overlapped with encoding: %.3f s  (max(decode, (decode + encode CPU) / %u))\n",
              overlap, threads);
  std::printf("floor, decode then encode:              %.3f s  (decode + encode on %u threads)\n", serial,
              threads);
  return 0;
}
