#include "upload/multipart.hpp"

#include <gtest/gtest.h>

#include <map>

namespace astropixel::upload {
namespace {

struct Collected {
  std::vector<std::pair<PartInfo, std::string>> parts;
};

Result<Collected> parse(std::string const& body, std::string const& boundary, std::size_t chunk) {
  Collected out;
  MultipartParser p(boundary, {
                                  [&](PartInfo const& i) -> Status {
                                    out.parts.push_back({i, ""});
                                    return {};
                                  },
                                  [&](std::span<char const> b) -> Status {
                                    out.parts.back().second.append(b.data(), b.size());
                                    return {};
                                  },
                                  [&]() -> Status { return {}; },
                              });
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    if (auto s = p.feed({body.data() + i, std::min(chunk, body.size() - i)}); !s) return s.error();
  }
  if (auto s = p.finish(); !s) return s.error();
  return out;
}

// The file's bytes contain things that look almost like the delimiter.
std::string const kFile = std::string("\r\n--XyY\r\n-") + std::string(1, '\0') + "\r\n--Xy binary\xff\r\n--";
std::string const kBody =
    "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nOrion\r\n"
    "--XyZ  \r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
    "Content-Type: image/png\r\n\r\n" +
    kFile + "\r\n--XyZ--\r\nepilogue";

TEST(Multipart, ParsesPartsAtEveryChunkSize) {
  for (std::size_t chunk :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64}, kBody.size()}) {
    auto r = parse(kBody, "XyZ", chunk);
    ASSERT_TRUE(r) << chunk << ": " << r.error().detail;
    ASSERT_EQ(r->parts.size(), 2u) << chunk;
    EXPECT_EQ(r->parts[0].first.name, "name");
    EXPECT_EQ(r->parts[0].second, "Orion");
    EXPECT_EQ(r->parts[1].first.name, "file");
    EXPECT_EQ(r->parts[1].first.filename, "a \"b\".png");
    EXPECT_EQ(r->parts[1].first.content_type, "image/png");
    EXPECT_EQ(r->parts[1].second, kFile) << chunk;
  }
}

TEST(Multipart, RefusesMalformedBodies) {
  auto code = [](std::string const& body) {
    auto r = parse(body, "XyZ", 5);
    return r ? std::string("ok") : std::string(r.error().machine_code());
  };
  EXPECT_EQ(code("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"),
            "invalid_multipart");                                                                 // no end
  EXPECT_EQ(code("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"), "invalid_multipart");  // no name
  EXPECT_EQ(code("--XyZ\r\nbroken header\r\n\r\nx\r\n--XyZ--"), "invalid_multipart");
  EXPECT_EQ(code("--XyZ\r\nX: " + std::string(9000, 'a') + "\r\n\r\nx\r\n--XyZ--"), "invalid_multipart");
  EXPECT_EQ(code("--XyZ junk\r\n\r\n--XyZ--"), "invalid_multipart");
  std::string many;
  for (int i = 0; i < 70; ++i) many += "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  EXPECT_EQ(code(many + "--XyZ--"), "invalid_multipart");
  EXPECT_EQ(code("--XyZ--"), "ok");
}

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(MultipartParser::boundary_of("multipart/form-data; boundary=abc123").value(), "abc123");
  EXPECT_EQ(MultipartParser::boundary_of("Multipart/Form-Data; charset=utf-8; boundary=\"a b'c\"").value(),
            "a b'c");
  EXPECT_EQ(MultipartParser::boundary_of("application/json").error().code, ErrorCode::unsupported_media_type);
  EXPECT_EQ(MultipartParser::boundary_of("multipart/form-data").error().code, ErrorCode::bad_request);
  EXPECT_EQ(
      MultipartParser::boundary_of("multipart/form-data; boundary=" + std::string(71, 'a')).error().code,
      ErrorCode::bad_request);
  EXPECT_EQ(MultipartParser::boundary_of("multipart/form-data; boundary=a\x01").error().code,
            ErrorCode::bad_request);
}

}  // namespace
}  // namespace astropixel::upload
