#include "pyramid/cutout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

namespace astropixel::pyramid {
namespace {

std::string card(std::string const& text) {
  std::string c = text;
  c.resize(80, ' ');
  return c;
}

// The pack metadata a FITS build records: headers as cards without trailing blanks, one per line.
std::string metadata(std::string const& primary, std::string const& image, int hdu,
                     boost::json::object keywords = {}) {
  return boost::json::serialize(boost::json::object{{"fits",
                                                     {{"hdu", hdu},
                                                      {"primary_header", primary},
                                                      {"image_header", image},
                                                      {"keywords", std::move(keywords)}}}});
}

std::vector<std::string> cards_of(std::string const& header) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < header.size(); i += 80) {
    std::string c = header.substr(i, 80);
    while (!c.empty() && c.back() == ' ') c.pop_back();
    if (!c.empty()) out.push_back(c);
  }
  return out;
}

std::map<std::string, std::string> values(std::vector<std::string> const& cards) {
  std::map<std::string, std::string> out;
  for (auto const& c : cards) {
    if (c.size() > 10 && c.substr(8, 2) == "= ") {
      auto k = c.substr(0, 8);
      while (!k.empty() && k.back() == ' ') k.pop_back();
      auto v =
          c.substr(10, c.find(" /", 10) == std::string::npos ? std::string::npos : c.find(" /", 10) - 10);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      while (!v.empty() && v.back() == ' ') v.pop_back();
      out[k] = v;
    }
  }
  return out;
}

TEST(CutoutHeader, ShiftsEveryCrpixAndLtvAndDropsWhatDescribesTheStoredArray) {
  std::string primary =
      "SIMPLE  =                    T\n"
      "BITPIX  =                   16\n"
      "NAXIS   =                    3\n"
      "NAXIS1  =                 1000\n"
      "NAXIS2  =                  800\n"
      "NAXIS3  =                    4\n"
      "BSCALE  =                  2.0\n"
      "BZERO   =              32768.0\n"
      "BLANK   =               -32768\n"
      "WCSAXES =                    3\n"
      "CTYPE1  = 'RA---TAN'\n"
      "CTYPE2  = 'DEC--TAN'\n"
      "CTYPE3  = 'FREQ    '\n"
      "CRPIX1  =                512.5 / reference pixel\n"
      "CRPIX2  =               -20.25\n"
      "CRPIX3  =                  1.0\n"
      "CRPIX1A =              1.0D+02\n"
      "PC1_3   =                  0.0\n"
      "PC3_3   =                  1.0\n"
      "PV3_1   =                  0.0\n"
      "PV2_1   =                 45.0\n"
      "LTV1    =                 -10.\n"
      "LTV2    =                   0.\n"
      "DATAMIN =                  0.0\n"
      "CHECKSUM= 'abc'\n"
      "OBJECT  = 'M31'\n"
      "HISTORY from the telescope\n"
      "END\n";
  // x 100, y 50, 200 × 300 of an image 800 high: FITS rows from 800 - 50 - 300 + 1 = 451.
  auto header = cutout_fits_header(metadata(primary, "", 0), {100, 50, 200, 300}, 800, "cut here");
  ASSERT_EQ(header.size() % 2880, 0u);
  auto cards = cards_of(header);
  auto v = values(cards);
  EXPECT_EQ(cards[0].substr(0, 30), card("SIMPLE  =                    T").substr(0, 30));
  EXPECT_EQ(v["BITPIX"], "-32");
  EXPECT_EQ(v["NAXIS"], "2");
  EXPECT_EQ(v["NAXIS1"], "200");
  EXPECT_EQ(v["NAXIS2"], "300");
  EXPECT_EQ(v["CRPIX1"], "412.5");
  EXPECT_EQ(v["CRPIX2"], "-470.25");
  EXPECT_EQ(v["CRPIX1A"], "0.");
  EXPECT_EQ(v["LTV1"], "-110.");
  EXPECT_EQ(v["LTV2"], "-450.");
  EXPECT_EQ(v["PV2_1"], "45.0");
  EXPECT_EQ(v["OBJECT"], "'M31'");
  for (auto const* gone : {"NAXIS3", "BSCALE", "BZERO", "BLANK", "WCSAXES", "CTYPE3", "CRPIX3", "PC1_3",
                           "PC3_3", "PV3_1", "DATAMIN", "CHECKSUM"}) {
    EXPECT_EQ(v.count(gone), 0u) << gone;
  }
  // The comment stays with its shifted value.
  bool commented = false;
  for (auto const& c : cards)
    commented = commented || (c.starts_with("CRPIX1  =") && c.ends_with("/ reference pixel"));
  EXPECT_TRUE(commented);
  EXPECT_EQ(cards.back(), "END");
  EXPECT_EQ(cards[cards.size() - 2], "HISTORY cut here");
  EXPECT_EQ(std::count(cards.begin(), cards.end(), "HISTORY from the telescope"), 1);
  for (char c : header) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);
}

TEST(CutoutHeader, AnExtensionKeepsItsOwnCardsAndThePrimaryKeywordsItLacks) {
  std::string primary =
      "SIMPLE  =                    T\n"
      "NAXIS   =                    0\n"
      "OBJECT  = 'NGC 1976'\n"
      "TELESCOP= 'HST     '\n"
      "FILTER  = 'F656N   '\n"
      "COMMENT not a shown keyword\n";
  std::string image =
      "XTENSION= 'BINTABLE'\n"
      "BITPIX  =                    8\n"
      "NAXIS   =                    2\n"
      "TFIELDS =                    1\n"
      "TTYPE1  = 'COMPRESSED_DATA'\n"
      "TFORM1  = '1PB(1234)'\n"
      "ZIMAGE  =                    T\n"
      "ZNAXIS1 =                  100\n"
      "ZTILE1  =                  100\n"
      "ZCMPTYPE= 'RICE_1  '\n"
      "EXTNAME = 'SCI     '\n"
      "FILTER  = 'F658N   '\n"
      "DROPPED = 'a long string &'\n"
      "CONTINUE  'that goes on'\n"
      "CRPIX1  =                 50.0\n"
      "CRPIX2  =                 50.0\n";
  boost::json::object keywords{{"OBJECT", "NGC 1976"}, {"TELESCOP", "HST"}, {"FILTER", "F658N"}};
  auto header = cutout_fits_header(metadata(primary, image, 1, keywords), {0, 0, 100, 100}, 100, "");
  auto cards = cards_of(header);
  auto v = values(cards);
  EXPECT_EQ(v["OBJECT"], "'NGC 1976'");
  EXPECT_EQ(v["TELESCOP"], "'HST     '");
  EXPECT_EQ(v["FILTER"], "'F658N   '") << "the extension's own value wins";
  EXPECT_EQ(v["EXTNAME"], "'SCI     '");
  EXPECT_EQ(v["CRPIX1"], "50.0") << "no shift at the origin: the card is kept as it was";
  EXPECT_EQ(v["CRPIX2"], "50.0");
  for (auto const* gone :
       {"XTENSION", "TFIELDS", "TTYPE1", "TFORM1", "ZIMAGE", "ZNAXIS1", "ZTILE1", "ZCMPTYPE"}) {
    EXPECT_EQ(v.count(gone), 0u) << gone;
  }
  EXPECT_EQ(v["BITPIX"], "-32");
  EXPECT_EQ(std::count(cards.begin(), cards.end(), "CONTINUE  'that goes on'"), 1);
  EXPECT_EQ(std::count_if(cards.begin(), cards.end(), [](auto const& c) { return c.starts_with("COMMENT"); }),
            0);
}

TEST(CutoutHeader, NoFitsMetadataGivesTheStructureAlone) {
  auto header = cutout_fits_header(R"({"source_format":"tiff"})", {3, 4, 5, 6}, 10, "");
  auto cards = cards_of(header);
  EXPECT_EQ(header.size(), 2880u);
  ASSERT_EQ(cards.size(), 6u);
  EXPECT_EQ(values(cards)["NAXIS1"], "5");
  EXPECT_EQ(cutout_fits_header("not json", {0, 0, 1, 1}, 1, "").size(), 2880u);
}

TEST(CutoutFormat, Names) {
  EXPECT_EQ(*parse_cutout_format("png"), CutoutFormat::png);
  EXPECT_EQ(*parse_cutout_format("tif"), CutoutFormat::tiff);
  EXPECT_EQ(*parse_cutout_format("tiff"), CutoutFormat::tiff);
  EXPECT_EQ(*parse_cutout_format("fits"), CutoutFormat::fits);
  auto bad = parse_cutout_format("FITS");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "format");
  EXPECT_EQ(media_type(CutoutFormat::fits), "application/fits");
  EXPECT_EQ(extension(CutoutFormat::tiff), "tif");
}

}  // namespace
}  // namespace astropixel::pyramid
