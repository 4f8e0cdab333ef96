#pragma once
// Links for other viewers (ADR 0038): a capability that lets a viewer on another site (Aladin Lite,
// Aladin Desktop, Mirador) read one private dataset's HiPS and IIIF answers. Those clients send no
// header and drop query strings, so the grant lives in the path, as a suffix of the identifier they
// already carry: "{ident}~{exp}~{sig}", sig = HMAC-SHA-256 (a key derived from SECRET_KEY for this
// purpose only) over the dataset id, exp and the dataset's link epoch, truncated to 128 bits.
// Revoking all of a dataset's links is one increment of its epoch.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace astropixel::auth {

// The grant a link's path carries.
struct ViewerLink {
  std::int64_t expires_at = 0;  // Unix seconds
  std::string signature;        // base64url, as in the path
};

// What an identifier holds: the identifier proper ("abc", "abc-v3") and the link, if it has one.
struct LinkedIdent {
  std::string_view ident;
  std::optional<ViewerLink> link;
};

// "abc-v3~1767225600~SIG" → {"abc-v3", link}; "abc" → {"abc", none}. nullopt when it has a '~' but
// is not exactly that shape (a malformed link is no identifier at all, never the bare dataset).
std::optional<LinkedIdent> split_viewer_link(std::string_view ident);

// "~{exp}~{sig}", what a link appends to an identifier.
std::string link_suffix(ViewerLink const& link);

class LinkSigner {
 public:
  // `secret` is the server's SECRET_KEY; the HMAC key is derived from it for links only, so a link's
  // signature can never pass for a token's, or the reverse.
  explicit LinkSigner(std::string_view secret);

  ViewerLink sign(std::string_view dataset_id, std::int64_t expires_at, std::int64_t epoch) const;
  // Whether `link` was signed for this dataset at this epoch and has not expired at `now_s`. The
  // signature is compared in constant time.
  bool verify(std::string_view dataset_id, ViewerLink const& link, std::int64_t epoch,
              std::int64_t now_s) const;

 private:
  std::string signature(std::string_view dataset_id, std::int64_t expires_at, std::int64_t epoch) const;
  unsigned char key_[32];
};

}  // namespace astropixel::auth
