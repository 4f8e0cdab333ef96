#include "api/download_routes.hpp"

#include <gtest/gtest.h>

namespace astropixel::api {
namespace {

TEST(AttachmentDisposition, PlainAsciiNamesAreQuotedAsTheyAre) {
  EXPECT_EQ(attachment_disposition("M31 field.fits", "x.bin"), R"(attachment; filename="M31 field.fits")");
}

TEST(AttachmentDisposition, NonAsciiNamesGetOneStandInPerCharacterAndAnExtendedValue) {
  EXPECT_EQ(attachment_disposition("Orion \xe2\x80\x93 \xc3\xb1.png", "x.bin"),
            "attachment; filename=\"Orion _ _.png\"; filename*=UTF-8''Orion%20%E2%80%93%20%C3%B1.png");
}

TEST(AttachmentDisposition, NothingInTheNameCanEndTheQuotedStringOrTheHeader) {
  // (A backslash never gets this far: like '/', it separates path segments.)
  auto v = attachment_disposition("a\";%\r\nSet-Cookie: x=1.png", "x.bin");
  EXPECT_EQ(v.find('\r'), std::string::npos);
  EXPECT_EQ(v.find('\n'), std::string::npos);
  EXPECT_EQ(v.rfind("attachment; filename=\"a_____Set-Cookie: x=1.png\"; filename*=UTF-8''", 0), 0u) << v;
  EXPECT_NE(v.find("%0D%0A"), std::string::npos) << v;
}

TEST(AttachmentDisposition, OnlyTheLastPathSegmentAndAFallbackWhenNothingIsLeft) {
  EXPECT_EQ(attachment_disposition("..\\..\\etc/passwd", "x.bin"), R"(attachment; filename="passwd")");
  EXPECT_EQ(attachment_disposition("dir/", "dataset-1.fits"), R"(attachment; filename="dataset-1.fits")");
  EXPECT_EQ(attachment_disposition("..", "dataset-1.fits"), R"(attachment; filename="dataset-1.fits")");
  EXPECT_EQ(attachment_disposition("", "dataset-1.fits"), R"(attachment; filename="dataset-1.fits")");
}

TEST(SourceMediaType, KnownFormatsAndOctetStreamForTheRest) {
  EXPECT_EQ(source_media_type("fits"), "application/fits");
  EXPECT_EQ(source_media_type("tiff"), "image/tiff");
  EXPECT_EQ(source_media_type("png"), "image/png");
  EXPECT_EQ(source_media_type("what"), "application/octet-stream");
}

}  // namespace
}  // namespace astropixel::api
