// The error catalogue (core/error_catalogue.hpp) against what depends on it: the HTTP table, the
// documented list in docs/api.md, the codes the web app reacts to, and codes written as string
// literals in src/ (each must be declared).
#include "core/error_catalogue.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "http/error_table.hpp"

namespace astropixel::http {
namespace {

namespace fs = std::filesystem;
fs::path const kSource = ASTROPIXEL_SOURCE_DIR;

std::string slurp(fs::path const& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> declared() {
  std::set<std::string> out;
  for (auto const* spec : error_catalogue()) out.emplace(spec->code);
  return out;
}

TEST(ErrorCatalogue, EachCodeOnceAndEveryKindHasItsOwnCode) {
  std::set<std::string_view> seen;
  for (auto const* spec : error_catalogue()) {
    EXPECT_TRUE(seen.insert(spec->code).second) << "declared twice: " << spec->code;
    EXPECT_FALSE(spec->message.empty()) << spec->code;
  }
  for (int k = 0; k <= static_cast<int>(ErrorCode::internal); ++k) {
    auto kind = static_cast<ErrorCode>(k);
    auto const* spec = find_error(to_string(kind));
    ASSERT_NE(spec, nullptr) << to_string(kind);
    EXPECT_EQ(spec->kind, kind);
  }
  EXPECT_EQ(find_error("no_such_code"), nullptr);
}

TEST(ErrorCatalogue, MakeErrorCarriesCodeFieldAndDefaultMessage) {
  Error e = make_error(errc::email_taken);
  EXPECT_EQ(e.code, ErrorCode::conflict);
  EXPECT_EQ(e.machine_code(), "email_taken");
  EXPECT_EQ(e.field, "email");
  EXPECT_EQ(e.message, errc::email_taken.message);
  EXPECT_TRUE(has_code(e, errc::email_taken));
  EXPECT_FALSE(has_code(e, errc::username_taken));
  Error plain = make_error(errc::not_found, "No such dataset");
  EXPECT_TRUE(plain.reason.empty()) << "a kind's own code needs no reason";
  EXPECT_TRUE(has_code(plain, errc::not_found));
}

TEST(ErrorCatalogue, TheChallengeFlagDecidesWwwAuthenticate) {
  for (auto const* spec : error_catalogue()) {
    if (spec->kind != ErrorCode::unauthorized) continue;
    auto r = error_response(make_error(*spec), "rid", false);
    auto header = r.headers[boost::beast::http::field::www_authenticate];
    EXPECT_EQ(header.find("error=\"invalid_token\"") != std::string_view::npos, spec->challenge)
        << spec->code;
    EXPECT_TRUE(header.starts_with("Bearer realm=\"astropixel\"")) << spec->code;
  }
}

// The "Error codes" table of docs/api.md: `code` | status | meaning.
std::map<std::string, unsigned> documented() {
  std::string const doc = slurp(kSource / "docs/api.md");
  auto at = doc.find("\n## Error codes");
  EXPECT_NE(at, std::string::npos) << "docs/api.md has no \"Error codes\" section";
  std::map<std::string, unsigned> out;
  if (at == std::string::npos) return out;
  auto end = doc.find("\n## ", at + 1);
  std::string const section = doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
  std::regex const row(R"(\n\| `([a-z0-9_]+)` \| (\d{3}) \|)");
  for (std::sregex_iterator it(section.begin(), section.end(), row), last; it != last; ++it) {
    EXPECT_TRUE(out.emplace((*it)[1].str(), static_cast<unsigned>(std::stoul((*it)[2].str()))).second)
        << "documented twice: " << (*it)[1].str();
  }
  return out;
}

TEST(ErrorCatalogue, DocsListEveryCodeWithItsStatusAndNothingElse) {
  auto docs = documented();
  for (auto const* spec : error_catalogue()) {
    auto it = docs.find(std::string(spec->code));
    if (it == docs.end()) {
      ADD_FAILURE() << "not in docs/api.md's Error codes: " << spec->code;
      continue;
    }
    EXPECT_EQ(it->second, static_cast<unsigned>(status_of(spec->kind))) << spec->code;
  }
  auto const known = declared();
  for (auto const& [code, status] : docs)
    EXPECT_TRUE(known.contains(code)) << "documented, not declared: " << code;
}

std::vector<fs::path> files_under(fs::path const& dir, std::vector<std::string> const& extensions) {
  std::vector<fs::path> out;
  for (auto const& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    auto name = entry.path().filename().string();
    for (auto const& ext : extensions)
      if (name.ends_with(ext) && !name.ends_with(".test.ts") && !name.ends_with("_test.cpp"))
        out.push_back(entry.path());
  }
  return out;
}

TEST(ErrorCatalogue, EveryCodeTheWebAppReactsToIsDeclared) {
  // `x.code === "rate_limited"` and the session-ending list (SESSION_403 = ["account_disabled", ...]).
  std::regex const compared(R"re(code\s*[!=]==?\s*"([a-z0-9_]+)")re");
  std::regex const listed(R"re(SESSION_403[^=]*=\s*\[([^\]]*)\])re");
  std::regex const quoted(R"re("([a-z0-9_]+)")re");
  std::size_t found = 0;
  auto const known = declared();
  for (auto const& p : files_under(kSource / "web/src", {".ts"})) {
    std::string const text = slurp(p);
    std::vector<std::string> codes;
    for (std::sregex_iterator it(text.begin(), text.end(), compared), last; it != last; ++it)
      codes.push_back((*it)[1]);
    for (std::sregex_iterator it(text.begin(), text.end(), listed), last; it != last; ++it) {
      std::string const inner = (*it)[1];
      for (std::sregex_iterator q(inner.begin(), inner.end(), quoted), qe; q != qe; ++q)
        codes.push_back((*q)[1]);
    }
    for (auto const& c : codes) {
      ++found;
      EXPECT_TRUE(known.contains(c)) << p.string() << " reacts to an undeclared error code: " << c;
    }
  }
  EXPECT_GE(found, 3u) << "the scan found the web app's codes (rate_limited, account_disabled, csrf_failed)";
}

TEST(ErrorCatalogue, EveryCodeWrittenAsALiteralInTheServerIsDeclared) {
  // Literals that remain (e.reason = "x", reason == "x") must at least name a declared code.
  std::regex const literal(R"re(reason\s*==?\s*"([a-z0-9_]+)")re");
  auto const known = declared();
  for (auto const& p : files_under(kSource / "src", {".cpp", ".hpp"})) {
    std::string const text = slurp(p);
    for (std::sregex_iterator it(text.begin(), text.end(), literal), last; it != last; ++it) {
      EXPECT_TRUE(known.contains((*it)[1])) << p.string() << " uses an undeclared error code: " << (*it)[1];
    }
  }
}

}  // namespace
}  // namespace astropixel::http
