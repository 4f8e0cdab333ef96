#include "pyramid/stretch_colormap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <string>

#include "core/error_catalogue.hpp"

namespace astropixel::pyramid {

namespace {

using Table = std::array<unsigned char, 256 * 3>;

// viridis and inferno, 256 entries each as 8-bit sRGB: the colormaps by Stéfan van der Walt and
// Nathaniel J. Smith (CC0, https://bids.github.io/colormap/), whose float tables matplotlib lists in
// lib/matplotlib/_cm_listed.py; these are those values rounded to 8 bits (as d3-scale-chromatic
// publishes them, six hex digits an entry).
constexpr char kViridis[] =
    "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769"
    "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a"
    "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85"
    "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b"
    "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d"
    "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e"
    "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e"
    "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d"
    "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88"
    "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81"
    "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74"
    "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863"
    "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d"
    "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32"
    "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a"
    "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725";
constexpr char kInferno[] =
    "00000401000501010601010802010a02020c02020e03021004031204031405041706041907051b08051d09061f0a0722"
    "0b07240c08260d08290e092b10092d110a30120a32140b34150b37160b39180c3c190c3e1b0c411c0c431e0c451f0c48"
    "210c4a230c4c240c4f260c51280b53290b552b0b572d0b592f0a5b310a5c320a5e340a5f3609613809623909633b0964"
    "3d09653e0966400a67420a68440a68450a69470b6a490b6a4a0c6b4c0c6b4d0d6c4f0d6c510e6c520e6d540f6d550f6d"
    "57106e59106e5a116e5c126e5d126e5f136e61136e62146e64156e65156e67166e69166e6a176e6c186e6d186e6f196e"
    "71196e721a6e741a6e751b6e771c6d781c6d7a1d6d7c1d6d7d1e6d7f1e6c801f6c82206c84206b85216b87216b88226a"
    "8a226a8c23698d23698f24699025689225689326679526679727669827669a28659b29649d29649f2a63a02a63a22b62"
    "a32c61a52c60a62d60a82e5fa92e5eab2f5ead305dae305cb0315bb1325ab3325ab43359b63458b73557b93556ba3655"
    "bc3754bd3853bf3952c03a51c13a50c33b4fc43c4ec63d4dc73e4cc83f4bca404acb4149cc4248ce4347cf4446d04545"
    "d24644d34743d44842d54a41d74b3fd84c3ed94d3dda4e3cdb503bdd513ade5238df5337e05536e15635e25734e35933"
    "e45a31e55c30e65d2fe75e2ee8602de9612bea632aeb6429eb6628ec6726ed6925ee6a24ef6c23ef6e21f06f20f1711f"
    "f1731df2741cf3761bf37819f47918f57b17f57d15f67e14f68013f78212f78410f8850ff8870ef8890cf98b0bf98c0a"
    "f98e09fa9008fa9207fa9407fb9606fb9706fb9906fb9b06fb9d07fc9f07fca108fca309fca50afca60cfca80dfcaa0f"
    "fcac11fcae12fcb014fcb216fcb418fbb61afbb81dfbba1ffbbc21fbbe23fac026fac228fac42afac62df9c72ff9c932"
    "f9cb35f8cd37f8cf3af7d13df7d340f6d543f6d746f5d949f5db4cf4dd4ff4df53f4e156f3e35af3e55df2e661f2e865"
    "f2ea69f1ec6df1ed71f1ef75f1f179f2f27df2f482f3f586f3f68af4f88ef5f992f6fa96f8fb9af9fc9dfafda1fcffa4";

Table from_hex(char const* hex) {
  Table t{};
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<unsigned char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  return t;
}

struct Knot {
  double x, c;
};

// One channel, linear between knots at x = i / 255, as DS9 and matplotlib sample their segment maps.
double channel(std::initializer_list<Knot> knots, double x) {
  auto const* k = knots.begin();
  for (std::size_t i = 1; i < knots.size(); ++i) {
    if (x <= k[i].x) return k[i - 1].c + (k[i].c - k[i - 1].c) * (x - k[i - 1].x) / (k[i].x - k[i - 1].x);
  }
  return k[knots.size() - 1].c;
}

template <typename R, typename G, typename B>
Table from_segments(R red, G green, B blue) {
  Table t{};
  for (int i = 0; i < 256; ++i) {
    double x = i / 255.0;
    auto byte = [](double c) {
      return static_cast<unsigned char>(std::lround(std::clamp(c, 0.0, 1.0) * 255));
    };
    t[3 * i] = byte(red(x));
    t[3 * i + 1] = byte(green(x));
    t[3 * i + 2] = byte(blue(x));
  }
  return t;
}

Table make(ColormapName name) {
  switch (name) {
    case ColormapName::grey:
      return from_segments([](double x) { return x; }, [](double x) { return x; },
                           [](double x) { return x; });
    case ColormapName::heat:  // SAOImage DS9's "heat" (its colorbar/default.C segments)
      return from_segments(
          [](double x) {
            return channel({{0, 0}, {0.34, 1}, {1, 1}}, x);
          },
          [](double x) { return x; },
          [](double x) {
            return channel({{0, 0}, {0.65, 0}, {0.98, 1}, {1, 1}}, x);
          });
    case ColormapName::cool:  // SAOImage DS9's "cool"
      return from_segments(
          [](double x) {
            return channel({{0, 0}, {0.29, 0}, {0.76, 0.1}, {1, 1}}, x);
          },
          [](double x) {
            return channel({{0, 0}, {0.22, 0}, {0.96, 1}, {1, 1}}, x);
          },
          [](double x) {
            return channel({{0, 0}, {0.53, 1}, {1, 1}}, x);
          });
    case ColormapName::rainbow:  // matplotlib's "jet" segment data (lib/matplotlib/_cm.py)
      return from_segments(
          [](double x) {
            return channel({{0, 0}, {0.35, 0}, {0.66, 1}, {0.89, 1}, {1, 0.5}}, x);
          },
          [](double x) {
            return channel({{0, 0}, {0.125, 0}, {0.375, 1}, {0.64, 1}, {0.91, 0}, {1, 0}}, x);
          },
          [](double x) {
            return channel({{0, 0.5}, {0.11, 1}, {0.34, 1}, {0.65, 0}, {1, 0}}, x);
          });
    case ColormapName::viridis:
      return from_hex(kViridis);
    case ColormapName::inferno:
      return from_hex(kInferno);
  }
  return {};
}

constexpr std::array kNames{
    std::pair{ColormapName::grey, "grey"},       std::pair{ColormapName::heat, "heat"},
    std::pair{ColormapName::cool, "cool"},       std::pair{ColormapName::rainbow, "rainbow"},
    std::pair{ColormapName::viridis, "viridis"}, std::pair{ColormapName::inferno, "inferno"}};

}  // namespace

Colormap::Colormap(ColormapName name, bool inverted) : name_(name), inverted_(inverted) {
  // Built once per map and direction, shared by every stretch that uses it.
  static std::array<std::array<Table, 2>, kNames.size()> const tables = [] {
    std::array<std::array<Table, 2>, kNames.size()> all{};
    for (std::size_t m = 0; m < kNames.size(); ++m) {
      all[m][0] = make(kNames[m].first);
      for (int i = 0; i < 256; ++i)
        for (int b = 0; b < 3; ++b) all[m][1][3 * i + b] = all[m][0][3 * (255 - i) + b];
    }
    return all;
  }();
  table_ = tables[static_cast<std::size_t>(name)][inverted ? 1 : 0].data();
}

std::string Colormap::name() const {
  std::string n = kNames[static_cast<std::size_t>(name_)].second;
  return inverted_ ? n + "_r" : n;
}

Result<Colormap> parse_colormap(std::string_view name) {
  bool inverted = name.size() > 2 && name.ends_with("_r");
  auto base = inverted ? name.substr(0, name.size() - 2) : name;
  for (auto const& [value, text] : kNames) {
    if (base == text) return Colormap(value, inverted);
  }
  Error e =
      make_error(ErrorCode::validation, "Unknown colour map",
                 "Use grey, heat, cool, rainbow, viridis or inferno, or one of them with _r (inverted)");
  e.reason = errc::invalid_colormap.code;
  e.field = "cmap";
  return e;
}

}  // namespace astropixel::pyramid
