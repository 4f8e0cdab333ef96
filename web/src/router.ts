// History-API routing: a table of path patterns to pages. Links inside the app are plain
// <a href="/..."> elements; clicks on them are intercepted so the page does not reload.
import { routePattern } from "./route_pattern";
import { el } from "./ui/dom";

export type Params = Record<string, string>;
export type Cleanup = () => void;
export type PageFn = (root: HTMLElement, params: Params, query: URLSearchParams) => Cleanup | void;

interface Route {
  pattern: RegExp;
  names: string[];
  page: PageFn;
}

const routes: Route[] = [];
let fallback: PageFn = () => undefined;
let outlet: HTMLElement | null = null;
let cleanup: Cleanup | void;
const listeners: Array<() => void> = [];

export function route(path: string, page: PageFn): void {
  routes.push({ ...routePattern(path), page });
}

export const LAZY_FAILED = "This page cannot be loaded. Check your connection and reload the page.";

// A page whose code is fetched on first use (the viewer and the uploader bring large libraries).
export function lazy(load: () => Promise<PageFn>): PageFn {
  return (root, params, query) => {
    let inner: Cleanup | void;
    let disposed = false;
    root.replaceChildren(Object.assign(document.createElement("div"), { className: "card skeleton tall" }));
    load().then(
      (page) => {
        if (!disposed) inner = page(root, params, query);
      },
      () => {
        // The chunk did not arrive (offline, or a new version replaced the hashed files): say so
        // instead of leaving the skeleton up forever.
        if (!disposed) root.replaceChildren(el("div", { class: "alert", attrs: { role: "alert" } }, LAZY_FAILED));
      },
    );
    return () => {
      disposed = true;
      if (inner) inner();
    };
  };
}

export function notFound(page: PageFn): void {
  fallback = page;
}

export function onNavigate(listener: () => void): void {
  listeners.push(listener);
}

export function match(pathname: string): { page: PageFn; params: Params } {
  for (const r of routes) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const params: Params = {};
    r.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1]);
    });
    return { page: r.page, params };
  }
  return { page: fallback, params: {} };
}

function render(): void {
  if (!outlet) return;
  if (cleanup) cleanup();
  outlet.replaceChildren();
  const { page, params } = match(window.location.pathname);
  cleanup = page(outlet, params, new URLSearchParams(window.location.search));
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

export function start(root: HTMLElement): void {
  outlet = root;
  window.addEventListener("popstate", render);
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const href = a.getAttribute("href");
    if (!href || !href.startsWith("/") || href.startsWith("//") || href.startsWith("/api/")) return;
    e.preventDefault();
    navigate(href);
  });
  render();
}
