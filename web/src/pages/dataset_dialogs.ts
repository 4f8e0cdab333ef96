// The owner's (and an admin's) dialogs for one dataset, used by the list and the dataset page alike:
// edit its details and visibility, and delete it after saying exactly what goes with it.
import { ApiError, api } from "../api/client";
import { CATEGORIES, type Dataset } from "../api/types";
import { el, formatBytes, replace } from "../ui/dom";
import { errorBox } from "../ui/layout";

function modal(dialog: HTMLDialogElement): void {
  dialog.addEventListener("close", () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
}

// What a delete takes away, in words: the name, the original file, the tiles, the annotations.
export function deletionSummary(d: Dataset): string {
  const parts = [`the original file ${d.file_name} (${formatBytes(d.file_size)})`];
  if (d.pyramid) parts.push(`${d.pyramid.tiles.toLocaleString("en-US")} tiles (${formatBytes(d.pyramid.bytes)})`);
  parts.push("every annotation on it");
  if (d.is_public) parts.push("its public page and links");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

export function confirmDelete(d: Dataset, onDeleted: () => void): void {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const dialog = el(
    "dialog",
    { class: "card", attrs: { "aria-labelledby": "del-title" } },
    el("h2", { id: "del-title" }, "Delete this dataset?"),
    el("p", null, "“", d.name, "” is deleted for good, with ", deletionSummary(d), "."),
    status,
    el(
      "form",
      { attrs: { method: "dialog" }, class: "actions" },
      el("button", { class: "button", attrs: { value: "cancel", autofocus: true } }, "Cancel"),
      el(
        "button",
        {
          class: "button danger",
          attrs: { type: "button" },
          on: {
            click: async () => {
              try {
                await api(`/api/datasets/${encodeURIComponent(d.id)}`, { method: "DELETE" });
                dialog.close();
                onDeleted();
              } catch (e) {
                replace(
                  status,
                  errorBox("The dataset could not be deleted", e instanceof ApiError ? e.message : String(e)),
                );
              }
            },
          },
        },
        "Delete",
      ),
    ),
  );
  modal(dialog);
}

export function editDataset(d: Dataset, onSaved: (saved: Dataset) => void): void {
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const dialog = el(
    "dialog",
    { class: "card", attrs: { "aria-labelledby": "edit-title" } },
    el("h2", { id: "edit-title" }, "Edit dataset"),
  );
  const field = (label: string, control: HTMLElement) => el("label", { class: "field" }, label, control);
  const name = el("input", { attrs: { type: "text", value: d.name, required: true, maxlength: 200 } });
  const description = el("textarea", { attrs: { rows: 3, maxlength: 2000 } }, d.description ?? "");
  const category = el(
    "select",
    null,
    ...CATEGORIES.map((c) => el("option", { attrs: { value: c, selected: c === d.category } }, c)),
  );
  const isPublic = el("input", { attrs: { type: "checkbox", checked: d.is_public } });
  const form = el(
    "form",
    {
      class: "stack",
      on: {
        submit: async (e) => {
          e.preventDefault();
          try {
            const saved = await api<Dataset>(`/api/datasets/${encodeURIComponent(d.id)}`, {
              method: "PUT",
              json: {
                name: name.value.trim(),
                description: description.value,
                category: category.value,
                is_public: isPublic.checked,
              },
            });
            dialog.close();
            onSaved(saved);
          } catch (err) {
            replace(
              status,
              errorBox("The changes were not saved", err instanceof ApiError ? err.message : String(err)),
            );
          }
        },
      },
    },
    field("Name", name),
    field("Description", description),
    field("Category", category),
    el("label", { class: "check" }, isPublic, " Public: anyone, signed in or not, can see it and its tiles"),
    status,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "button", attrs: { type: "button" }, on: { click: () => dialog.close() } }, "Cancel"),
      el("button", { class: "button primary", attrs: { type: "submit" } }, "Save"),
    ),
  );
  dialog.append(form);
  modal(dialog);
}
