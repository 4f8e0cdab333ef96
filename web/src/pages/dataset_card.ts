// One dataset as a card (grid view) or a row (list view).
import { isBusy, type Dataset } from "../api/types";
import { el, formatBytes, formatPixels } from "../ui/dom";

export function statusBadge(d: Pick<Dataset, "status" | "progress">): HTMLElement {
  const text = d.status === "processing" ? `processing ${d.progress}%` : d.status;
  return el("span", { class: `badge status-${d.status}`, attrs: { "data-status": d.status } }, text);
}

export function progressBar(progress: number, label: string): HTMLElement {
  return el(
    "div",
    {
      class: "progress",
      attrs: {
        role: "progressbar",
        "aria-label": label,
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": progress,
      },
    },
    el("div", { class: "progress-fill", style: { width: `${Math.max(0, Math.min(100, progress))}%` } }),
  );
}

function expiry(d: Dataset): HTMLElement | null {
  if (!d.expires_at) return null;
  const hours = (new Date(d.expires_at).getTime() - Date.now()) / 3.6e6;
  const when = hours < 48 ? `${Math.max(0, Math.round(hours))} h` : `${Math.round(hours / 24)} days`;
  return el(
    "small",
    { class: "warn", attrs: { title: `Deleted automatically on ${new Date(d.expires_at).toLocaleString()}` } },
    `Expires in ${when}`,
  );
}

// Edit and delete are offered when given and the dataset is the viewer's (or they are an admin).
export interface CardActions {
  canManage: (d: Dataset) => boolean;
  onEdit: (d: Dataset) => void;
  onDelete: (d: Dataset) => void;
}

export function datasetCard(d: Dataset, actions: CardActions | null, view: "grid" | "list" = "grid"): HTMLElement {
  const href = `/datasets/${encodeURIComponent(d.id)}`;
  const failed = d.status === "failed";
  const thumb =
    d.urls && !failed
      ? el("img", { class: "thumb", attrs: { src: d.urls.preview, alt: "", loading: "lazy", decoding: "async" } })
      : el("div", { class: "thumb placeholder", attrs: { "aria-hidden": "true" } }, failed ? "✕" : "…");
  return el(
    "article",
    { class: `card dataset ${view}`, attrs: { "data-id": d.id } },
    el("a", { class: "thumb-link", attrs: { href, tabindex: -1, "aria-hidden": "true" } }, thumb),
    el(
      "div",
      { class: "card-body" },
      el("h3", null, el("a", { attrs: { href } }, d.name)),
      el(
        "div",
        { class: "meta" },
        el("span", { class: `badge cat-${d.category}` }, d.category),
        statusBadge(d),
        d.is_demo ? el("span", { class: "badge" }, "demo") : null,
        el("span", { class: "badge" }, d.is_public ? "public" : "private"),
      ),
      el(
        "p",
        { class: "muted small" },
        formatPixels(d.width, d.height),
        " · ",
        d.format.toUpperCase(),
        " · ",
        formatBytes(d.file_size),
      ),
      isBusy(d.status) ? progressBar(d.progress, `Processing ${d.name}`) : null,
      d.status === "failed" ? el("p", { class: "error small" }, d.failure_reason ?? "Processing failed") : null,
      expiry(d),
      actions?.canManage(d)
        ? el(
            "div",
            { class: "row card-actions" },
            el(
              "button",
              {
                class: "button small",
                attrs: { type: "button", "aria-label": `Edit ${d.name}` },
                on: { click: () => actions.onEdit(d) },
              },
              "Edit",
            ),
            el(
              "button",
              {
                class: "button danger small",
                attrs: { type: "button", "aria-label": `Delete ${d.name}` },
                on: { click: () => actions.onDelete(d) },
              },
              "Delete",
            ),
          )
        : null,
    ),
  );
}
