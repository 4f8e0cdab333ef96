// The floor of a pyramid build on this machine (issue #17): how fast the fastest decoder Debian
// ships reads the input, and how long JPEG q85 encoding of every 256² tile of every level takes on
// all cores. A build cannot beat max(decode, (decode + encode CPU) / cores) even when decoding
// overlaps perfectly with encoding; without overlap it costs decode + encode wall time.
//
//   floor INPUT [threads]      (PNG, JPEG, FITS, TIFF/BigTIFF, JPEG 2000, WebP; told apart by content)
//
// Decoders compared, each streaming rows into a 256-row strip (never the whole image):
//   PNG:  libpng (png_read_row) and libspng (progressive spng_decode_row)
//   JPEG: libjpeg-turbo (jpeg_read_scanlines), and with DCT scaling 1/2 (what a level below the top
//         would cost if decoded straight from the file)
//   FITS: cfitsio fits_read_pix in 256-row blocks (float as TFLOAT, integers as TUSHORT; tile-
//         compressed images too) and, for uncompressed data, pread + byte swap (no library)
//   TIFF: libtiff TIFFReadEncodedStrip / TIFFReadEncodedTile, one strip or tile row at a time
//   JPEG 2000: OpenJPEG tile by tile (opj_read_tile_header + opj_decode_tile_data, one tile row held),
//         on one thread and on all (opj_codec_set_threads: code blocks in parallel)
//   WebP: libwebp's incremental decoder (WebPINewRGB over the mapped file); libwebp writes into a
//         whole-image output buffer, so rows already handed on are given back (madvise DONTNEED)
//         to keep memory to a strip or so
// 16-bit and float samples are mapped linearly to 8 bits between the 0.25 and 99.75 % points of the
// first strip before encoding (a build's stretch; not part of the timed decode).
// Encoding: the fastest decoder's rows, averaged 2×2 into each lower level as a pyramid does, every
// tile encoded with TurboJPEG (q85, 4:2:0, fast DCT: what src/pyramid/encoder.cpp does). Only the
// encode calls are timed; shrinking and decoding in that pass are not.
//
// Built by bench/pyramid.sh: g++ -std=c++20 -O2 bench/floor.cpp -lpng -lspng -ljpeg -lturbojpeg
//   -lcfitsio -ltiff -lopenjp2 -lwebp -pthread (OpenJPEG's header under /usr/include/openjpeg-2.5)
#include <cstddef>
#include <cstdio>
// jpeglib.h needs size_t and FILE declared before it.
#include <fcntl.h>
#include <fitsio.h>
#include <jpeglib.h>
#include <openjpeg.h>
#include <png.h>
#include <spng.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>
#include <webp/decode.h>

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <cstdint>
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
  // Off while timing the decode alone: 16-bit and float decoders then leave their samples as read.
  bool to8 = true;
  virtual ~Decoder() = default;
  // Fills `rows` rows (width × bands bytes each) into out.
  virtual void read(unsigned rows, unsigned char* out) = 0;
};

// Linear map of wide samples to 8 bits, its cuts fitted on the first block seen.
template <class T>
struct ToEight {
  bool fitted = false;
  float lo = 0, scale = 1;
  void operator()(T const* in, std::size_t n, unsigned char* out) {
    if (!fitted) {
      std::vector<float> sample;
      for (std::size_t i = 0; i < n; i += 97)
        if (in[i] == in[i]) sample.push_back(static_cast<float>(in[i]));  // NaN is a blank
      std::sort(sample.begin(), sample.end());
      if (!sample.empty()) {
        lo = sample[sample.size() / 400];
        float hi = sample[sample.size() - 1 - sample.size() / 400];
        scale = hi > lo ? 255.0F / (hi - lo) : 1.0F;
      }
      fitted = true;
    }
    for (std::size_t i = 0; i < n; ++i) {
      float v = (static_cast<float>(in[i]) - lo) * scale;
      out[i] = static_cast<unsigned char>(v > 255.0F ? 255.0F : v > 0.0F ? v + 0.5F : 0.0F);
    }
  }
};

// Whole strips or tile rows of `unit` rows decoded into a band, handed out as rows are asked for.
struct Banded : Decoder {
  unsigned unit = 0, band_row = 0, band_rows = 0, next_unit = 0;
  std::size_t row_bytes = 0;  // as decoded (wide samples included)
  std::vector<unsigned char> band;
  virtual void decode_unit(unsigned index, unsigned char* out) = 0;
  virtual void narrow(unsigned char const* in, std::size_t samples, unsigned char* out) {
    std::memcpy(out, in, samples);
  }
  void read(unsigned rows, unsigned char* out) override {
    for (unsigned r = 0; r < rows; ++r, ++band_row) {
      if (band_row == band_rows) {
        decode_unit(next_unit, band.data());
        band_rows = std::min(unit, height - next_unit * unit);
        ++next_unit;
        band_row = 0;
      }
      if (to8)
        narrow(band.data() + band_row * row_bytes, std::size_t{width} * bands,
               out + std::size_t{r} * width * bands);
    }
  }
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

// FITS through cfitsio: 256-row blocks with fits_read_pix (cfitsio decompresses tile-compressed
// images tile by tile behind the same call).
struct Fits final : Decoder {
  fitsfile* f = nullptr;
  int type = 0;  // TFLOAT or TUSHORT
  long next_row = 1;
  std::vector<float> floats;
  std::vector<std::uint16_t> shorts;
  ToEight<float> float8;
  ToEight<std::uint16_t> short8;
  explicit Fits(char const* path) {
    int status = 0, bitpix = 0, naxis = 0;
    long axes[2] = {};
    if (fits_open_image(&f, path, READONLY, &status) || fits_get_img_equivtype(f, &bitpix, &status) ||
        fits_get_img_dim(f, &naxis, &status) || naxis != 2 || fits_get_img_size(f, 2, axes, &status))
      die("cfitsio cannot open a 2-D image");
    type = bitpix < 0 ? TFLOAT : TUSHORT;
    if (bitpix != FLOAT_IMG && bitpix != USHORT_IMG && bitpix != SHORT_IMG)
      die("FITS: float or 16-bit images only");
    width = static_cast<unsigned>(axes[0]);
    height = static_cast<unsigned>(axes[1]);
    bands = 1;
  }
  ~Fits() override {
    int status = 0;
    fits_close_file(f, &status);
  }
  void read(unsigned rows, unsigned char* out) override {
    int status = 0;
    long first[2] = {1, next_row};
    std::size_t n = std::size_t{width} * rows;
    void* buf = nullptr;
    if (type == TFLOAT) {
      floats.resize(n);
      buf = floats.data();
    } else {
      shorts.resize(n);
      buf = shorts.data();
    }
    if (fits_read_pix(f, type, first, static_cast<LONGLONG>(n), nullptr, buf, nullptr, &status))
      die("fits_read_pix failed");
    next_row += rows;
    if (!to8) return;
    if (type == TFLOAT)
      float8(floats.data(), n, out);
    else
      short8(shorts.data(), n, out);
  }
};

// Uncompressed FITS without a library: the data block read with pread and byte-swapped in place
// (BITPIX -32 or 16; BZERO 32768 for unsigned 16-bit is a flip of the top bit).
struct FitsRaw final : Decoder {
  int fd = -1, bitpix = 0;
  bool flip = false;
  off_t offset = 0;
  std::vector<std::uint32_t> words;
  ToEight<float> float8;
  ToEight<std::uint16_t> short8;
  explicit FitsRaw(char const* path) {
    fitsfile* f = nullptr;
    int status = 0, naxis = 0;
    long axes[2] = {};
    LONGLONG start = 0;
    double bzero = 0;
    if (fits_open_image(&f, path, READONLY, &status) || fits_get_img_type(f, &bitpix, &status) ||
        fits_get_img_dim(f, &naxis, &status) || naxis != 2 || fits_get_img_size(f, 2, axes, &status) ||
        fits_get_hduaddrll(f, nullptr, &start, nullptr, &status))
      die("cfitsio cannot open a 2-D image");
    if (fits_is_compressed_image(f, &status)) die("tile-compressed: no raw read");
    if (fits_read_key(f, TDOUBLE, "BZERO", &bzero, nullptr, &status)) status = 0;
    fits_close_file(f, &status);
    if (bitpix != FLOAT_IMG && bitpix != SHORT_IMG) die("FITS: float or 16-bit images only");
    flip = bitpix == SHORT_IMG && bzero == 32768.0;
    width = static_cast<unsigned>(axes[0]);
    height = static_cast<unsigned>(axes[1]);
    bands = 1;
    offset = static_cast<off_t>(start);
    fd = ::open(path, O_RDONLY);
    if (fd < 0) die("cannot open input");
  }
  ~FitsRaw() override { ::close(fd); }
  void read(unsigned rows, unsigned char* out) override {
    std::size_t n = std::size_t{width} * rows, bytes = n * static_cast<unsigned>(std::abs(bitpix)) / 8;
    words.resize((bytes + 3) / 4);
    auto* p = reinterpret_cast<unsigned char*>(words.data());
    for (std::size_t done = 0; done < bytes;) {
      ssize_t r = ::pread(fd, p + done, bytes - done, offset + static_cast<off_t>(done));
      if (r <= 0) die("short read");
      done += static_cast<std::size_t>(r);
    }
    offset += static_cast<off_t>(bytes);
    if (bitpix == FLOAT_IMG) {
      for (auto& w : words) w = __builtin_bswap32(w);
      if (to8) float8(reinterpret_cast<float const*>(words.data()), n, out);
    } else {
      auto* s = reinterpret_cast<std::uint16_t*>(words.data());
      std::uint16_t const top = flip ? 0x8000 : 0;
      for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<std::uint16_t>(__builtin_bswap16(s[i]) ^ top);
      if (to8) short8(s, n, out);
    }
  }
};

// TIFF and BigTIFF through libtiff, contiguous 8-bit or 16-bit samples: one strip or one row of
// tiles decoded at a time.
struct Tiff final : Banded {
  TIFF* t = nullptr;
  bool tiled = false;
  unsigned bits = 8, tile_w = 0;
  std::vector<unsigned char> tile;
  ToEight<std::uint16_t> short8;
  explicit Tiff(char const* path) {
    t = TIFFOpen(path, "r");
    if (!t) die("libtiff cannot open input");
    std::uint32_t w = 0, h = 0;
    std::uint16_t spp = 1, bps = 8, planar = PLANARCONFIG_CONTIG;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
    if ((bps != 8 && bps != 16) || planar != PLANARCONFIG_CONTIG) die("TIFF: contiguous 8/16-bit only");
    width = w;
    height = h;
    bands = spp;
    bits = bps;
    row_bytes = std::size_t{w} * spp * bps / 8;
    tiled = TIFFIsTiled(t) != 0;
    if (tiled) {
      std::uint32_t tw = 0, th = 0;
      TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
      TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
      tile_w = tw;
      unit = th;
      tile.resize(static_cast<std::size_t>(TIFFTileSize64(t)));
    } else {
      std::uint32_t rps = h;
      TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
      unit = std::min(rps, h);
    }
    band.resize(row_bytes * unit);
  }
  ~Tiff() override { TIFFClose(t); }
  void decode_unit(unsigned index, unsigned char* out) override {
    unsigned y = index * unit;
    if (!tiled) {
      if (TIFFReadEncodedStrip(t, index, out, -1) < 0) die("TIFFReadEncodedStrip failed");
      return;
    }
    std::size_t pixel = std::size_t{bands} * bits / 8, tile_row = tile_w * pixel;
    unsigned rows = std::min(unit, height - y);
    for (unsigned x = 0; x < width; x += tile_w) {
      if (TIFFReadEncodedTile(t, TIFFComputeTile(t, x, y, 0, 0), tile.data(), -1) < 0)
        die("TIFFReadEncodedTile failed");
      std::size_t copy = std::min<std::size_t>(tile_w, width - x) * pixel;
      for (unsigned r = 0; r < rows; ++r)
        std::memcpy(out + r * row_bytes + x * pixel, tile.data() + r * tile_row, copy);
    }
  }
  void narrow(unsigned char const* in, std::size_t samples, unsigned char* out) override {
    if (bits == 8)
      std::memcpy(out, in, samples);
    else
      short8(reinterpret_cast<std::uint16_t const*>(in), samples, out);
  }
};

// JPEG 2000 (JP2 or raw codestream) through OpenJPEG's tile API: tiles are decoded in codestream
// order (raster order from vips and kakadu writers) into one tile row, held until handed on.
struct Jp2 final : Banded {
  opj_stream_t* stream = nullptr;
  opj_codec_t* codec = nullptr;
  opj_image_t* image = nullptr;
  unsigned tile_w = 0;
  std::vector<unsigned char> tile;
  Jp2(char const* path, bool jp2, unsigned threads) {
    stream = opj_stream_create_default_file_stream(path, OPJ_TRUE);
    codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_dparameters_t p;
    opj_set_default_decoder_parameters(&p);
    if (!stream || !codec || !opj_setup_decoder(codec, &p) ||
        !opj_codec_set_threads(codec, static_cast<int>(threads)) || !opj_read_header(stream, codec, &image))
      die("OpenJPEG cannot read the header");
    auto* info = opj_get_cstr_info(codec);
    tile_w = info->tdx;
    unit = info->tdy;
    opj_destroy_cstr_info(&info);
    width = image->x1 - image->x0;
    height = image->y1 - image->y0;
    bands = image->numcomps;
    for (unsigned c = 0; c < bands; ++c)
      if (image->comps[c].prec != 8 || image->comps[c].dx != 1 || image->comps[c].dy != 1)
        die("JPEG 2000: 8-bit components at full resolution only");
    row_bytes = std::size_t{width} * bands;
    band.resize(row_bytes * unit);
  }
  ~Jp2() override {
    opj_image_destroy(image);
    opj_destroy_codec(codec);
    opj_stream_destroy(stream);
  }
  void decode_unit(unsigned index, unsigned char* out) override {
    unsigned const y = index * unit, tiles = (width + tile_w - 1) / tile_w;
    for (unsigned done = 0; done < tiles; ++done) {
      OPJ_UINT32 tile_index = 0, comps = 0;
      OPJ_UINT32 size = 0;
      OPJ_INT32 x0 = 0, y0 = 0, x1 = 0, y1 = 0;
      OPJ_BOOL more = OPJ_FALSE;
      if (!opj_read_tile_header(codec, stream, &tile_index, &size, &x0, &y0, &x1, &y1, &comps, &more) ||
          !more)
        die("opj_read_tile_header failed");
      if (static_cast<unsigned>(y0) - image->y0 != y) die("JPEG 2000 tiles out of raster order");
      tile.resize(size);
      if (!opj_decode_tile_data(codec, tile_index, tile.data(), size, stream))
        die("opj_decode_tile_data failed");
      // Planar 8-bit samples, one plane per component, interleaved into the band.
      unsigned const tw = static_cast<unsigned>(x1 - x0), th = static_cast<unsigned>(y1 - y0);
      std::size_t const plane = std::size_t{tw} * th;
      auto* dst0 = out + (static_cast<unsigned>(x0) - image->x0) * bands;
      for (unsigned r = 0; r < th; ++r) {
        auto* dst = dst0 + r * row_bytes;
        for (unsigned c = 0; c < bands; ++c) {
          auto const* src = tile.data() + c * plane + std::size_t{r} * tw;
          for (unsigned x = 0; x < tw; ++x) dst[x * bands + c] = src[x];
        }
      }
    }
  }
};

// WebP through libwebp's incremental decoder. Its output must be one buffer for the whole image, so
// that buffer is reserved address space only: the rows already handed on are given back to the
// kernel, and what is resident stays near a strip plus the decoder's own state.
struct Webp final : Decoder {
  int fd = -1;
  std::size_t file_size = 0, fed = 0, out_size = 0, released = 0;
  unsigned char* file = nullptr;
  unsigned char* pixels = nullptr;
  WebPIDecoder* idec = nullptr;
  int decoded_rows = 0;
  unsigned next_row = 0;
  explicit Webp(char const* path) {
    fd = ::open(path, O_RDONLY);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) die("cannot open input");
    file_size = static_cast<std::size_t>(st.st_size);
    file = static_cast<unsigned char*>(::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0));
    WebPBitstreamFeatures feat{};
    if (file == MAP_FAILED || WebPGetFeatures(file, file_size, &feat) != VP8_STATUS_OK)
      die("not a WebP file");
    width = static_cast<unsigned>(feat.width);
    height = static_cast<unsigned>(feat.height);
    bands = 3;
    out_size = std::size_t{width} * height * bands;
    pixels = static_cast<unsigned char*>(::mmap(nullptr, out_size, PROT_READ | PROT_WRITE,
                                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    if (pixels == MAP_FAILED) die("cannot reserve the output");
    idec = WebPINewRGB(MODE_RGB, pixels, out_size, static_cast<int>(width * bands));
    if (!idec) die("WebPINewRGB failed");
  }
  ~Webp() override {
    WebPIDelete(idec);
    ::munmap(pixels, out_size);
    ::munmap(file, file_size);
    ::close(fd);
  }
  void read(unsigned rows, unsigned char* out) override {
    std::size_t const row = std::size_t{width} * bands;
    while (decoded_rows < static_cast<int>(next_row + rows)) {
      fed = std::min(file_size, fed + (std::size_t{1} << 16));  // small steps: rows decoded ahead are held
      VP8StatusCode s = WebPIUpdate(idec, file, fed);
      if (s != VP8_STATUS_OK && s != VP8_STATUS_SUSPENDED) die("WebP decode failed");
      WebPIDecGetRGB(idec, &decoded_rows, nullptr, nullptr, nullptr);
      if (s == VP8_STATUS_SUSPENDED && fed == file_size) die("WebP data ends early");
    }
    std::memcpy(out, pixels + next_row * row, rows * row);
    next_row += rows;
    // Give back whole pages below the rows handed on (the decoder may still filter the last few).
    std::size_t keep = (next_row > 16 ? next_row - 16 : 0) * row;
    std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)), upto = keep / page * page;
    if (upto > released) {
      ::madvise(pixels + released, upto - released, MADV_DONTNEED);
      released = upto;
    }
  }
};

using Factory = std::function<std::unique_ptr<Decoder>()>;

double process_cpu() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct DecodeTimes {
  double wall = 0, cpu = 0;  // cpu: all threads (OpenJPEG's own pool included)
};

// One whole streamed decode.
DecodeTimes time_decode(Factory const& make) {
  double t0 = now(), c0 = process_cpu();
  auto d = make();
  d->to8 = false;
  std::vector<unsigned char> strip(std::size_t{d->width} * d->bands * kTile);
  for (unsigned y = 0; y < d->height; y += kTile) d->read(std::min(kTile, d->height - y), strip.data());
  d.reset();
  return {now() - t0, process_cpu() - c0};
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
  if (argc < 2) die("usage: floor INPUT [threads]");
  char const* path = argv[1];
  unsigned threads =
      argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : std::thread::hardware_concurrency();
  threads = std::max(1u, threads);
  unsigned char sig[12] = {};
  std::FILE* f = std::fopen(path, "rb");
  if (!f || std::fread(sig, 1, sizeof sig, f) != sizeof sig) die("cannot read input");
  std::fclose(f);
  auto starts = [&](char const* magic, std::size_t n) { return std::memcmp(sig, magic, n) == 0; };

  std::vector<std::pair<std::string, Factory>> decoders;
  bool const jpeg = sig[0] == 0xff && sig[1] == 0xd8;
  if (starts("\x89PNG", 4)) {
    decoders.emplace_back("libpng", [&] { return std::make_unique<PngLib>(path); });
    decoders.emplace_back("libspng", [&] { return std::make_unique<Spng>(path); });
  } else if (jpeg) {
    decoders.emplace_back("libjpeg-turbo", [&] { return std::make_unique<JpegLib>(path, 1); });
  } else if (starts("SIMPLE  ", 8)) {
    decoders.emplace_back("cfitsio", [&] { return std::make_unique<Fits>(path); });
    fitsfile* ff = nullptr;
    int status = 0;
    fits_open_image(&ff, path, READONLY, &status);
    bool compressed = status == 0 && fits_is_compressed_image(ff, &status);
    fits_close_file(ff, &status);
    if (!compressed) decoders.emplace_back("pread+bswap", [&] { return std::make_unique<FitsRaw>(path); });
  } else if (starts("II*\0", 4) || starts("MM\0*", 4) || starts("II+\0", 4) || starts("MM\0+", 4)) {
    decoders.emplace_back("libtiff", [&] { return std::make_unique<Tiff>(path); });
  } else if (starts("\0\0\0\x0cjP  ", 8) || starts("\xff\x4f\xff\x51", 4)) {
    bool jp2 = sig[0] == 0;
    decoders.emplace_back("openjpeg 1 thr", [&, jp2] { return std::make_unique<Jp2>(path, jp2, 1); });
    decoders.emplace_back("openjpeg " + std::to_string(threads) + " thr",
                          [&, jp2] { return std::make_unique<Jp2>(path, jp2, threads); });
  } else if (starts("RIFF", 4) && std::memcmp(sig + 8, "WEBP", 4) == 0) {
    decoders.emplace_back("libwebp incr.", [&] { return std::make_unique<Webp>(path); });
  } else {
    die("PNG, JPEG, FITS, TIFF, JPEG 2000 or WebP input only");
  }
  std::size_t best = 0;
  std::vector<DecodeTimes> times;
  for (std::size_t i = 0; i < decoders.size(); ++i) {
    auto t = time_decode(decoders[i].second);
    std::printf("decode %-14s %7.3f s  (%.3f s CPU)\n", decoders[i].first.c_str(), t.wall, t.cpu);
    times.push_back(t);
    if (t.wall < times[best].wall) best = i;
  }
  if (jpeg) {
    auto half = time_decode([&] { return std::make_unique<JpegLib>(path, 2); });
    std::printf("decode %-14s %7.3f s  (DCT-scaled 1/2: a level below the top, straight from the file)\n",
                "libjpeg 1/2", half.wall);
  }
  auto const decode = times[best];
  auto enc = time_encode(decoders[best].second, threads);
  // A decoder on one thread holds a core for its wall time; one on several (OpenJPEG's) shares the
  // cores with the encoders, so its CPU time counts against them.
  double overlap = std::max(decode.wall, (decode.cpu + enc.cpu) / threads);
  double serial = decode.wall + enc.wall;
  std::printf("encode %lu tiles q85: %.3f s CPU, %.3f s on %u threads\n", enc.tiles, enc.cpu, enc.wall,
              threads);
  std::printf(
      "floor, decode overlapped with encoding: %.3f s  (max(decode, (decode CPU + encode CPU) / %u))\n",
      overlap, threads);
  std::printf("floor, decode then encode:              %.3f s  (decode + encode on %u threads)\n", serial,
              threads);
  // The same from CPU times alone: what idle cores would give when other work shares the machine
  // (a decoder on several threads is taken as perfectly parallel: a lower bound).
  double const spread = decoders[best].first.find(" thr") != std::string::npos &&
                                decoders[best].first.find(" 1 thr") == std::string::npos
                            ? threads
                            : 1;
  std::printf("floor from CPU times (idle cores):      %.3f s overlapped, %.3f s decode then encode\n",
              std::max(decode.cpu / spread, (decode.cpu + enc.cpu) / threads),
              decode.cpu / spread + enc.cpu / threads);
  return 0;
}
