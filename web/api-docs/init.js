// Starts Swagger UI on this server's OpenAPI document. A file, not an inline script: the page runs
// under the server's Content-Security-Policy (script-src 'self', connect-src 'self'), so nothing is
// fetched from elsewhere either (validatorUrl: null turns off the badge from swagger.io).
/* global SwaggerUIBundle */

// "Try it out" in a signed-in browser: the session cookie goes along by itself, and writes need the
// CSRF header holding the ap_csrf cookie's value (docs/api.md, Authentication).
function withCsrf(request) {
  const match = document.cookie.match(/(?:^|; )ap_csrf=([^;]*)/);
  if (match && !request.headers["X-CSRF-Token"]) request.headers["X-CSRF-Token"] = decodeURIComponent(match[1]);
  return request;
}

SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  requestInterceptor: withCsrf,
});
