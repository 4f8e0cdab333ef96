#include "upload/upload_metadata.hpp"

#include <gtest/gtest.h>

namespace astropixel::upload {
namespace {

TEST(UploadMetadata, ParsesPairsAndEmptyValues) {
  // filename "m31.fits", name "Andromeda ☆", is_public (no value)
  auto m = parse_upload_metadata("filename bTMxLmZpdHM=,name QW5kcm9tZWRhIOKYhg==, is_public").value();
  EXPECT_EQ(m.at("filename"), "m31.fits");
  EXPECT_EQ(m.at("name"), "Andromeda \xe2\x98\x86");
  EXPECT_EQ(m.at("is_public"), "");
  EXPECT_TRUE(parse_upload_metadata("").value().empty());
}

TEST(UploadMetadata, RefusesHostileInput) {
  for (auto bad :
       {"filename !!!!", "filename bTMx LmZpdHM=", "a YQ==,a YQ==", ",", "filename bTMxLmZpdHM=,",
        "k\x01 YQ==", "name AA==" /* NUL */, "name /w==" /* lone 0xFF */, "name YQ" /* unpadded */}) {
    auto r = parse_upload_metadata(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::bad_request) << bad;
    EXPECT_EQ(r.error().reason, "invalid_upload_metadata");
  }
}

}  // namespace
}  // namespace astropixel::upload
