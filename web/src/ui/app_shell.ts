// What surrounds every page, started once before the first page renders: the theme, the header
// (rendered again on each navigation) and the error screen for unexpected failures (a 5xx, no server,
// an exception nobody caught), which shows the request id. The first failure stays up (later ones are
// usually its consequences) until dismissed or the user navigates.
import { onFailure, type Failure } from "../api/failures";
import { onNavigate } from "../router";
import { failureFromError, renderErrorScreen } from "./error_screen";
import { renderHeader } from "./layout";
import { startTheme } from "./theme";

export function startShell(header: HTMLElement, failureHost: HTMLElement): void {
  startTheme();
  let shown: Failure | null = null;
  const show = (f: Failure | null) => {
    if (f && shown) return;
    shown = f;
    renderErrorScreen(failureHost, f, () => show(null));
  };
  onFailure(show);
  window.addEventListener("error", (e) => {
    const f = failureFromError(e.error ?? e.message);
    if (f) show(f);
  });
  window.addEventListener("unhandledrejection", (e) => {
    const f = failureFromError(e.reason);
    if (f) show(f);
  });
  onNavigate(() => {
    renderHeader(header);
    if (shown) show(null);
  });
}
