#pragma once
// The stages of the request pipeline (http/pipeline.hpp), one file each, in the order the server
// composes them (outermost first). Each comment says what the stage adds and what it may answer.
#include <map>
#include <string>

#include "http/client_ip.hpp"
#include "http/cors.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "ratelimit/limiter.hpp"

namespace astropixel::metrics {
class Metrics;
}

namespace astropixel::http {

class StaticFiles;

// Gives the request its id (the client's X-Request-ID when well-formed, else a random one), trace
// context, client address (X-Forwarded-For only from a trusted proxy) and transport security.
Stage request_context_stage(ClientIpResolver const& client_ip);

// Counts the request in the metrics and writes its access-log line once the answer is sent. The
// path it logs is redacted_path's.
Stage access_log_stage(metrics::Metrics* metrics);
// The path without the secrets a path may carry (links for other viewers, "~…" from a '~' to the
// end of its segment).
std::string redacted_path(std::string_view path);

// Decides keep-alive (only when the request was read to its end and nothing asked to close) and
// writes the answer through the connection; records bytes sent and what the session does next.
Stage send_stage();

// Refuses to send a response header whose value holds a control character (CR, LF, NUL, ...) or
// whose name is not a token: the answer becomes a logged 500, so no route can split the header
// block (response splitting), whichever route built it.
Stage header_guard_stage(bool debug);

// Turns an Error into the JSON error body (http/error_table.cpp), logs server-side failures,
// closes after a 413, and adds the request id and the fields inner stages collected.
Stage render_stage(bool debug);

// Catches any exception from the stages inside it: logged once with the request id and answered
// as an opaque internal error.
Stage error_boundary_stage();

// Answers CORS preflights from the allow-list (403 for others); adds CORS fields to every other
// answer.
Stage cors_stage(CorsPolicy cors);

// Matches method and path; sets the route, its decoded parameters and the route name, or the
// allowed methods for a 405.
Stage route_stage(Router const& router);

// A rate-limit policy and the limiter that counts it: the shared one (Redis when configured) for
// the API, an in-process one where a network round trip per request would cost more than the
// request (the health probe).
struct LimitedPolicy {
  ratelimit::Policy policy;
  ratelimit::Limiter* limiter = nullptr;
};

// Checks the route's rate-limit policy per client address (unmatched paths: "default"; a route
// whose policy is empty or not listed is not limited): 429 with Retry-After, and RateLimit fields
// on every answer it counted.
Stage rate_limit_stage(std::map<std::string, LimitedPolicy> policies);

// For a matched route: refuses a declared body over the route's limit (413) before reading a byte
// of it, otherwise opens the body reader under that limit for the handler; a body cut short
// closes the connection.
Stage body_limit_stage();

// The end of the pipeline: the route's handler, 405 with Allow, the web app's static files for
// other GET/HEAD outside /api, else 404.
Stage dispatch_stage(StaticFiles const* static_files);

}  // namespace astropixel::http
