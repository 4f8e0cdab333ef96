#pragma once
// Every stable machine code the API answers with, declared once: the code clients see in the
// JSON body's "code", its kind (which decides the HTTP status in http/error_table.cpp), a default
// sentence, the request field it always names (if any), and whether it is a 401 whose presented
// token was the problem (WWW-Authenticate: Bearer error="invalid_token", RFC 6750). Code that
// makes or checks one of these errors uses the constant (errc::past_upload_length), never the
// string; docs/api.md's "Error codes" table and the web app are checked against this list by
// http/error_catalogue_test.cpp.
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace astropixel {

struct ErrorSpec {
  std::string_view code;
  ErrorCode kind;
  std::string_view message;
  std::string_view field{};
  bool challenge = false;
};

// X(name, kind, message, field, challenge). The kinds' own codes come first (an error with no finer
// reason answers its kind's code); "validation" answers "validation_error", "unavailable"
// "service_unavailable".
#define ASTROPIXEL_ERROR_CODES(X)                                                                           \
  X(bad_request, bad_request, "Bad request", "", false)                                                     \
  X(validation_error, validation, "Invalid request", "", false)                                             \
  X(unauthorized, unauthorized, "Authentication required", "", false)                                       \
  X(forbidden, forbidden, "Not allowed", "", false)                                                         \
  X(not_found, not_found, "Not found", "", false)                                                           \
  X(method_not_allowed, method_not_allowed, "Method not allowed", "", false)                                \
  X(conflict, conflict, "Conflict", "", false)                                                              \
  X(gone, gone, "Gone", "", false)                                                                          \
  X(precondition_failed, precondition_failed, "Precondition failed", "", false)                             \
  X(payload_too_large, payload_too_large, "Request body too large", "", false)                              \
  X(header_too_large, header_too_large, "Request header fields too large", "", false)                       \
  X(range_not_satisfiable, range_not_satisfiable, "Range not satisfiable", "", false)                       \
  X(unsupported_media_type, unsupported_media_type, "Unsupported media type", "", false)                    \
  X(unprocessable, unprocessable, "The request cannot be processed", "", false)                             \
  X(rate_limited, rate_limited, "Too many requests", "", false)                                             \
  X(service_unavailable, unavailable, "Service temporarily unavailable", "", false)                         \
  X(insufficient_storage, insufficient_storage, "Insufficient storage", "", false)                          \
  X(cancelled, cancelled, "Cancelled", "", false)                                                           \
  X(checksum_mismatch, checksum_mismatch, "The body does not match its checksum", "", false)                \
  X(internal, internal, "Internal server error", "", false)                                                 \
  /* Requests */                                                                                            \
  X(invalid_json, bad_request, "The body is not valid JSON", "", false)                                     \
  X(json_required, unsupported_media_type, "Send the body as application/json", "", false)                  \
  X(missing_field, validation, "A required field is missing", "", false)                                    \
  X(body_too_slow, bad_request, "Request body too slow", "", false)                                         \
  /* Accounts and sessions */                                                                               \
  X(not_authenticated, unauthorized, "Sign in to do this", "", false)                                       \
  X(invalid_token, unauthorized, "The access token is not valid", "", true)                                 \
  X(token_expired, unauthorized, "The access token has expired", "", true)                                  \
  X(token_not_yet_valid, unauthorized, "The access token is not valid yet", "", true)                       \
  X(session_revoked, unauthorized, "The session has ended", "", true)                                       \
  X(invalid_credentials, unauthorized, "Wrong username/email or password", "", false)                       \
  X(invalid_refresh_token, unauthorized, "The refresh token is not valid", "", false)                       \
  X(refresh_token_reused, unauthorized, "The refresh token was already used; the session has ended", "",    \
    false)                                                                                                  \
  X(account_disabled, forbidden, "This account is disabled", "", false)                                     \
  X(csrf_failed, forbidden, "The CSRF check failed", "", false)                                             \
  X(metrics_token_required, unauthorized, "Metrics need the configured bearer token", "", false)            \
  X(invalid_email, validation, "Enter a valid email address", "email", false)                               \
  X(invalid_username, validation, "Usernames are 3-64 letters, digits or underscores", "username", false)   \
  X(password_too_short, validation, "Passwords need at least 8 characters", "password", false)              \
  X(password_too_long, validation, "Passwords may be at most 1024 bytes", "password", false)                \
  X(invalid_full_name, validation, "Name too long or invalid", "full_name", false)                          \
  X(invalid_avatar_url, validation, "The avatar must be an http(s) URL", "avatar_url", false)               \
  X(email_taken, conflict, "This email is already registered", "email", false)                              \
  X(username_taken, conflict, "This username is taken", "username", false)                                  \
  X(cannot_modify_self, conflict, "Administrators cannot do this to their own account", "", false)          \
  X(wrong_password, forbidden, "The password is wrong", "password", false)                                  \
  X(last_admin, conflict, "The last administrator's account cannot be deleted", "", false)                  \
  /* Uploads (tus and forms) */                                                                             \
  X(invalid_tus_header, bad_request, "A tus header is malformed", "", false)                                \
  X(tus_version_unsupported, precondition_failed, "Unsupported tus version", "", false)                     \
  X(invalid_upload_metadata, bad_request, "Upload-Metadata is malformed", "", false)                        \
  X(invalid_multipart, bad_request, "The multipart body is malformed", "", false)                           \
  X(checksum_algorithm_unsupported, bad_request, "Unsupported checksum algorithm", "", false)               \
  X(offset_mismatch, conflict, "Upload-Offset does not match the upload", "", false)                        \
  X(upload_complete, conflict, "The upload is already complete", "", false)                                 \
  X(upload_taken_over, conflict, "Another request took over this upload", "", false)                        \
  X(past_upload_length, payload_too_large, "The body goes past the declared Upload-Length", "", false)      \
  X(upload_too_large, payload_too_large, "The file is larger than the server accepts", "", false)           \
  X(insufficient_disk_space, insufficient_storage, "The server is out of disk space", "", false)            \
  X(quota_exceeded, forbidden, "Your storage quota is used up", "", false)                                  \
  /* Images and builds */                                                                                   \
  X(unsupported_format, unsupported_media_type, "This kind of file is not supported", "", false)            \
  X(corrupt_image, unprocessable, "The file is damaged and cannot be read", "", false)                      \
  X(truncated_file, unprocessable, "The file is shorter than its header says", "", false)                   \
  X(fits_header_text, unprocessable, "The FITS header holds text that is not allowed", "", false)           \
  X(no_image_hdu, unprocessable, "The FITS file holds no 2-D image", "", false)                             \
  X(bad_hdu, unprocessable, "No such HDU with an image", "", false)                                         \
  X(bad_plane, unprocessable, "No such plane in the cube", "", false)                                       \
  X(random_groups_unsupported, unprocessable, "FITS random groups are not supported", "", false)            \
  X(pixel_limit_exceeded, unprocessable, "The image has more pixels than the server accepts", "", false)    \
  X(decompression_bomb, unprocessable, "The image decompresses to more than the server accepts", "", false) \
  X(image_not_streamable, unprocessable, "The image is too large to decode whole", "", false)               \
  X(decoder_crashed, unprocessable, "The image decoder crashed on this file", "", false)                    \
  X(probe_timeout, unprocessable, "Reading the image's header took too long", "", false)                    \
  X(build_timeout, unprocessable, "The build ran past its deadline", "", false)                             \
  X(network_attempt, unprocessable, "The decoder tried to use the network", "", false)                      \
  X(sandbox_escape_attempt, unprocessable, "The decoder tried to leave its sandbox", "", false)             \
  X(invalid_stretch, validation, "Unknown stretch", "", false)                                              \
  X(no_valid_pixels, unprocessable, "The image has no valid pixels", "", false)                             \
  X(invalid_tile_format, validation, "Unknown tile format", "", false)                                      \
  X(corrupt_pack, unprocessable, "A tile pack is damaged", "", false)                                       \
  X(iiif_not_precut, bad_request, "This IIIF request is not one of the precut tiles", "", false)            \
  X(iiif_bad_request, bad_request, "This IIIF image request cannot be answered", "", false)                 \
  X(iiif_too_large, bad_request, "IIIF request above maxWidth, maxHeight or maxArea", "", false)            \
  X(invalid_cuts, validation, "Cuts need finite lo and hi with lo < hi", "", false)                         \
  X(invalid_colormap, validation, "Unknown colour map", "", false)                                          \
  X(no_data_pyramid, not_found, "This dataset has no data pyramid of original values", "", false)           \
  X(no_data_statistics, not_found, "This dataset has no stored data statistics", "", false)                 \
  X(pixel_outside_image, validation, "The position lies outside the image", "", false)                      \
  X(cutout_outside_image, validation, "The rectangle lies outside the image", "", false)                    \
  X(cutout_too_large, unprocessable, "The cut-out has more pixels than the server cuts out", "", false)     \
  X(cutout_needs_original_values, unprocessable, "FITS cut-outs need the original values", "format", false) \
  X(invalid_region, validation, "The region needs a shape and its numbers", "", false)                      \
  X(region_too_large, unprocessable, "The region covers more pixels than are measured at once", "", false)  \
  /* Annotations and regions */                                                                             \
  X(not_a_region_file, validation, "This is not a DS9 region file", "", false)                              \
  X(too_many_regions, validation, "The file holds too many regions", "", false)                             \
  X(bad_catalogue, validation, "The catalogue cannot be read", "", false)                                   \
  X(no_celestial_wcs, unprocessable, "The image has no celestial WCS", "", false)                           \
  X(wcs_unsupported, unprocessable, "The image's WCS cannot be used for regions", "", false)                \
  /* Colour composites */                                                                                   \
  X(composite_grid_mismatch, unprocessable, "The channels do not share a pixel grid", "", false)            \
  X(composite_alignment_unconfirmed, unprocessable, "Confirm the channels are pixel-aligned", "", false)    \
  X(composite_needs_original_values, unprocessable, "A channel has no original values", "", false)          \
  X(invalid_weight, validation, "Weights are numbers above 0 and at most 10", "", false)                    \
  X(composite_source_changed, unprocessable, "A channel was rebuilt or deleted since", "", false)           \
  /* Inside the server (never answered: jobs, configuration) */                                             \
  X(lease_lost, conflict, "The job's lease was lost", "", false)                                            \
  X(invalid_config, validation, "Invalid configuration", "", false)

namespace errc {
#define ASTROPIXEL_DECLARE_ERROR(name, kind_, message_, field_, challenge_) \
  inline constexpr ErrorSpec name{#name, ErrorCode::kind_, message_, field_, challenge_};
ASTROPIXEL_ERROR_CODES(ASTROPIXEL_DECLARE_ERROR)
#undef ASTROPIXEL_DECLARE_ERROR
}  // namespace errc

// Every declared code, in declaration order.
std::span<ErrorSpec const* const> error_catalogue();
// The declaration of `code`, or nullptr when it is not declared.
ErrorSpec const* find_error(std::string_view code);

// An error with the code's kind, reason and field; the default sentence unless `message` is given.
Error make_error(ErrorSpec const& spec, std::string message = {}, std::string detail = {});
// Whether `e` answers with `spec`'s code.
inline bool has_code(Error const& e, ErrorSpec const& spec) {
  return e.machine_code() == spec.code;
}

}  // namespace astropixel
