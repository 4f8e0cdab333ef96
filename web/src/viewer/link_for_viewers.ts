// "Link for other viewers" (docs/adr/0038): in the IIIF and HiPS boxes of a private dataset, its owner
// (or an admin) makes a link valid for a chosen number of days and copies the manifest or HiPS URL
// into a viewer on another site, or revokes every link of the dataset. The server cannot list links,
// so revoking is always offered, also for links made on another day.
// Both boxes show the same link: one made (or revoked) in either shows (or leaves) both. They share it
// through the dataset record the viewer page hands to both (a WeakMap, so the state goes with the
// page), and only the box that acted announces the outcome, so a screen reader hears it once.
import { ApiError } from "../api/client";
import { LINK_DAYS, type ViewerLinks, createViewerLinks, revokeViewerLinks, validLinkDays } from "../api/viewer_links";
import { currentUser } from "../auth/session";
import type { User } from "../api/types";
import { copyField } from "../ui/copy_field";
import { el, replace } from "../ui/dom";

export interface LinkableDataset {
  id: string;
  is_public: boolean;
  is_owner?: boolean;
}

// A public dataset's plain URLs already open anywhere; a link is for a private one, and only its owner
// or an admin may make one (the server answers 404/403 to anyone else).
export function canMakeLinks(d: LinkableDataset, me: User | null = currentUser()): boolean {
  return !d.is_public && (d.is_owner === true || me?.is_admin === true);
}

type Listener = (links: ViewerLinks | null, from: HTMLElement) => void;

class SharedLink {
  links: ViewerLinks | null = null;
  private readonly listeners = new Set<Listener>();

  listen(fn: Listener): void {
    this.listeners.add(fn);
  }

  set(links: ViewerLinks | null, from: HTMLElement): void {
    this.links = links;
    for (const fn of this.listeners) fn(links, from);
  }
}

const shared = new WeakMap<object, SharedLink>();

function sharedLinkOf(d: object): SharedLink {
  let s = shared.get(d);
  if (!s) {
    s = new SharedLink();
    shared.set(d, s);
  }
  return s;
}

export type LinkKind = "iiif" | "hips";

const SHOWN: Record<LinkKind, { url: (l: ViewerLinks) => string; label: string; className: string }> = {
  iiif: { url: (l) => l.iiif_manifest, label: "IIIF manifest link for other viewers", className: "iiif-shared-url" },
  hips: { url: (l) => l.hips, label: "HiPS link for other viewers", className: "hips-shared-url" },
};

export const LINK_WARNING =
  "Whoever has the link can see this image, without signing in, until the link expires or you revoke all links.";

export function formatExpiry(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function failure(what: string, e: unknown): string {
  const why = e instanceof ApiError ? e.message : String(e);
  return `${what}: ${why.replace(/\.$/, "")}.`;
}

let serial = 0;

export function linkForViewers(d: LinkableDataset, kind: LinkKind): HTMLElement {
  const link = sharedLinkOf(d);
  const shown = SHOWN[kind];
  const n = ++serial;
  const ids = { heading: `viewer-links-${n}`, days: `viewer-link-days-${n}`, warning: `viewer-link-warning-${n}` };

  const status = el("p", { class: "small viewer-link-status", attrs: { role: "status", "aria-atomic": "true" } });
  const result = el("div", { class: "viewer-link-result" });
  const days = el("input", {
    id: ids.days,
    attrs: {
      type: "number",
      min: LINK_DAYS.min,
      max: LINK_DAYS.max,
      step: 1,
      value: LINK_DAYS.default,
      required: true,
      inputmode: "numeric",
    },
    style: { width: "6em" },
  });
  let busy = false;
  // Buttons are marked busy rather than disabled: disabling the focused button would drop the focus
  // to the page's start.
  const setBusy = (on: boolean): void => {
    busy = on;
    for (const b of [create, revoke]) b.setAttribute("aria-disabled", String(on));
    box.setAttribute("aria-busy", String(on));
  };

  const make = async (): Promise<void> => {
    if (busy) return;
    const chosen = Number(days.value);
    if (!validLinkDays(chosen)) {
      days.setAttribute("aria-invalid", "true");
      status.textContent = `Choose a whole number of days from ${LINK_DAYS.min} to ${LINK_DAYS.max}.`;
      days.focus();
      return;
    }
    days.removeAttribute("aria-invalid");
    setBusy(true);
    status.textContent = "Making the link…";
    try {
      const made = await createViewerLinks(d.id, chosen);
      link.set(made, box);
      status.textContent = `Link made. It expires on ${formatExpiry(made.expires_at)}.`;
      result.querySelector("input")?.focus();
    } catch (e) {
      status.textContent = failure("The link could not be made", e);
    } finally {
      setBusy(false);
    }
  };

  const revokeAll = async (): Promise<void> => {
    if (busy) return;
    setBusy(true);
    status.textContent = "Revoking…";
    try {
      await revokeViewerLinks(d.id);
      link.set(null, box);
      status.textContent = "All links to this image are revoked: viewers on other sites can no longer open it.";
    } catch (e) {
      status.textContent = failure("The links could not be revoked", e);
    } finally {
      setBusy(false);
    }
  };

  const create = el(
    "button",
    { class: "button small", attrs: { type: "button", "aria-describedby": ids.warning }, on: { click: make } },
    "Create link",
  );
  const revoke = el(
    "button",
    { class: "button small danger", attrs: { type: "button" }, on: { click: revokeAll } },
    "Revoke all links",
  );

  const render = (links: ViewerLinks | null): void => {
    replace(
      result,
      links
        ? [
            ...copyField(shown.url(links), shown.label, shown.className),
            el(
              "p",
              { class: "small" },
              "Expires on ",
              el("time", { attrs: { datetime: links.expires_at } }, formatExpiry(links.expires_at)),
              ".",
            ),
          ]
        : null,
    );
  };

  const box = el(
    "div",
    { class: "viewer-links", attrs: { role: "group", "aria-labelledby": ids.heading } },
    el("h4", { id: ids.heading }, "Link for other viewers"),
    el(
      "p",
      { class: "muted small" },
      kind === "iiif"
        ? "This image is private. A link opens it in Mirador or any IIIF viewer on another site."
        : "This image is private. A link opens its HiPS in Aladin Lite or Aladin Desktop on another site.",
    ),
    el("p", { class: "warn small", id: ids.warning }, LINK_WARNING),
    el("div", { class: "row" }, el("label", { attrs: { for: ids.days } }, "Valid for (days)"), days, create),
    result,
    revoke,
    status,
  );
  link.listen((links, from) => {
    render(links);
    // The other box's last message no longer holds (a "made" after a revoke); the acting box speaks.
    if (from !== box) status.textContent = "";
  });
  render(link.links);
  return box;
}
