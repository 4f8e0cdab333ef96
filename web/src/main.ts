// The app's table of contents: pages by path, then start.
import "./styles.css";
import { SESSION_KEY, api, session } from "./api/client";
import { signedInOnly } from "./auth/guard";
import { currentUser } from "./auth/session";
import { loginPage, signupPage } from "./pages/auth_pages";
import { dashboardPage } from "./pages/dashboard";
import { landingPage, notFoundPage } from "./pages/simple_pages";
import { viewerRoute } from "./pages/viewer_route";
import { lazy, notFound, route, start } from "./router";
import { VIEWER_PATH } from "./route_pattern";
import { startShell } from "./ui/app_shell";

route("/", landingPage);
route("/login", loginPage);
route("/signup", signupPage);
route("/datasets", dashboardPage);
route(
  "/help",
  lazy(() => import("./pages/help_page").then((m) => m.helpPage)),
);
route("/upload", signedInOnly(lazy(() => import("./pages/upload_page").then((m) => m.uploadPage))));
route("/composite", signedInOnly(lazy(() => import("./pages/composite_page").then((m) => m.compositePage))));
route(
  "/compare",
  lazy(() => import("./pages/compare_page").then((m) => m.comparePage)),
);
route(
  "/account",
  lazy(() => import("./pages/account_page").then((m) => m.accountPage)),
);
route(
  "/admin",
  lazy(() => import("./pages/admin_page").then((m) => m.adminPage)),
);
route(VIEWER_PATH, viewerRoute);
notFound(notFoundPage);

// What this browser remembers about the user may be stale (signed out elsewhere, expired): ask once.
if (currentUser()) void api("/api/auth/verify").catch(() => undefined);

// The session is renewed before its access token expires; a tab whose timers slept (hidden, frozen,
// a laptop asleep) checks again as soon as it is back.
if (currentUser()) session.schedule();
const wake = () => {
  if (document.visibilityState === "visible" && currentUser()) session.wake();
};
document.addEventListener("visibilitychange", wake);
document.addEventListener("resume", wake);
window.addEventListener("online", wake);
window.addEventListener("pageshow", wake);
// Another tab renewed (or signed out): re-arm from what it stored.
window.addEventListener("storage", (e) => {
  if (e.key === SESSION_KEY && currentUser()) session.schedule();
});

startShell(document.getElementById("header")!, document.getElementById("failure")!);
start(document.getElementById("app")!);
