// My datasets and public ones: search, category filter, sort, grid or list, paging, live progress,
// edit and delete (with confirmation) for the owner and admins.
import { ApiError, api } from "../api/client";
import { CATEGORIES, isBusy, type Dataset, type DatasetStatusBody, type Page } from "../api/types";
import { currentUser } from "../auth/session";
import { navigate, type PageFn } from "../router";
import { el, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";
import { type CardActions, datasetCard } from "./dataset_card";
import { confirmDelete, editDataset } from "./dataset_dialogs";

const PAGE_SIZE = 24;
const CATEGORY_FILTERS = ["all", ...CATEGORIES] as const;

export const dashboardPage: PageFn = (root, _params, query) => {
  const user = currentUser();
  const state = {
    q: query.get("q") ?? "",
    category: query.get("category") ?? "all",
    sort: query.get("sort") ?? "-date",
    mine: query.get("mine") === "true",
    offset: Number(query.get("offset") ?? 0) || 0,
    view: (localStorage.getItem("astropixel.view") as "grid" | "list") ?? "grid",
  };
  const results = el("div", { class: `grid ${state.view}`, attrs: { "aria-live": "polite", "aria-busy": "true" } });
  const pager = el("nav", { class: "pager", attrs: { "aria-label": "Pages" } });
  const summary = el("p", { class: "muted" });
  let timer: number | undefined;
  let poll: number | undefined;
  let current: Dataset[] = [];
  let disposed = false;

  const syncUrl = () => {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    if (state.category !== "all") p.set("category", state.category);
    if (state.sort !== "-date") p.set("sort", state.sort);
    if (state.mine) p.set("mine", "true");
    if (state.offset) p.set("offset", String(state.offset));
    history.replaceState(null, "", `/datasets${p.size ? `?${p.toString()}` : ""}`);
  };

  const actions: CardActions = {
    canManage: (d) => d.is_owner || Boolean(user?.is_admin),
    onEdit: (d) => editDataset(d, () => void load()),
    onDelete: (d) => confirmDelete(d, () => void load()),
  };

  const render = (page: Page<Dataset>) => {
    current = page.items;
    results.setAttribute("aria-busy", "false");
    results.className = `grid ${state.view}`;
    if (!page.items.length) {
      replace(
        results,
        el(
          "div",
          { class: "empty" },
          el("p", null, state.q || state.category !== "all" ? "Nothing matches these filters." : "No datasets yet."),
          user ? el("a", { class: "button primary", attrs: { href: "/upload" } }, "Upload an image") : null,
        ),
      );
    } else {
      replace(results, ...page.items.map((d) => datasetCard(d, actions, state.view)));
    }
    const from = page.total ? page.offset + 1 : 0;
    replace(summary, `${from}–${page.offset + page.items.length} of ${page.total}`);
    replace(
      pager,
      el(
        "button",
        {
          class: "button small",
          attrs: { type: "button", disabled: page.offset === 0 },
          on: {
            click: () => {
              state.offset = Math.max(0, state.offset - PAGE_SIZE);
              void load();
            },
          },
        },
        "← Previous",
      ),
      el(
        "button",
        {
          class: "button small",
          attrs: { type: "button", disabled: page.offset + page.items.length >= page.total },
          on: {
            click: () => {
              state.offset += PAGE_SIZE;
              void load();
            },
          },
        },
        "Next →",
      ),
    );
    schedulePoll();
  };

  // Pending and processing datasets: refresh their progress every 2 s until they settle.
  const schedulePoll = () => {
    window.clearTimeout(poll);
    const busy = current.filter((d) => isBusy(d.status));
    if (!busy.length || disposed) return;
    // Every status request catches its own failure, so this never rejects.
    const refresh = async () => {
      const updates = await Promise.all(
        busy.map((d) => api<DatasetStatusBody>(`/api/datasets/${encodeURIComponent(d.id)}/status`).catch(() => null)),
      );
      if (disposed) return;
      if (updates.some((u, i) => u && (u.status !== busy[i].status || u.progress !== busy[i].progress)))
        void load(false);
      else schedulePoll();
    };
    poll = window.setTimeout(() => void refresh(), 2000);
  };

  const load = async (skeleton = true) => {
    syncUrl();
    if (skeleton) {
      results.setAttribute("aria-busy", "true");
      replace(results, ...Array.from({ length: 6 }, () => el("div", { class: "card skeleton" })));
    }
    const p = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset), sort: state.sort });
    if (state.q) p.set("q", state.q);
    if (state.category !== "all") p.set("category", state.category);
    if (state.mine) p.set("mine", "true");
    try {
      const page = await api<Page<Dataset>>(`/api/datasets?${p}`);
      if (!disposed) render(page);
    } catch (e) {
      if (!disposed)
        replace(results, errorBox("Datasets cannot be loaded", e instanceof ApiError ? e.message : String(e)));
    }
  };

  const search = el("input", {
    attrs: {
      type: "search",
      placeholder: "Search names, descriptions and FITS objects",
      "aria-label": "Search",
      value: state.q,
    },
    on: {
      input: (e) => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          state.q = (e.target as HTMLInputElement).value;
          state.offset = 0;
          void load();
        }, 250);
      },
    },
  });
  const categories = el(
    "div",
    { class: "segmented", attrs: { role: "group", "aria-label": "Category" } },
    ...CATEGORY_FILTERS.map((c) =>
      el(
        "button",
        {
          class: "button small",
          attrs: { type: "button", "aria-pressed": String(state.category === c) },
          on: {
            click: (e) => {
              state.category = c;
              state.offset = 0;
              categories.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", "false"));
              (e.currentTarget as HTMLElement).setAttribute("aria-pressed", "true");
              void load();
            },
          },
        },
        c,
      ),
    ),
  );
  const sort = el(
    "select",
    {
      attrs: { "aria-label": "Sort" },
      on: {
        change: (e) => {
          state.sort = (e.target as HTMLSelectElement).value;
          state.offset = 0;
          void load();
        },
      },
    },
    ...[
      ["-date", "Newest first"],
      ["date", "Oldest first"],
      ["name", "Name A–Z"],
      ["-name", "Name Z–A"],
      ["-size", "Largest first"],
      ["size", "Smallest first"],
    ].map(([v, label]) => el("option", { attrs: { value: v, selected: v === state.sort } }, label)),
  );
  const viewToggle = el(
    "button",
    {
      class: "button small",
      attrs: { type: "button", title: "Switch between grid and list" },
      on: {
        click: () => {
          state.view = state.view === "grid" ? "list" : "grid";
          localStorage.setItem("astropixel.view", state.view);
          viewToggle.textContent = state.view === "grid" ? "List view" : "Grid view";
          void load(false);
        },
      },
    },
    state.view === "grid" ? "List view" : "Grid view",
  );
  const mine = user
    ? el(
        "label",
        { class: "check" },
        el("input", {
          attrs: { type: "checkbox", checked: state.mine },
          on: {
            change: (e) => {
              state.mine = (e.target as HTMLInputElement).checked;
              state.offset = 0;
              void load();
            },
          },
        }),
        " Only mine",
      )
    : null;

  replace(
    root,
    el(
      "main",
      null,
      el(
        "div",
        { class: "page-head" },
        pageTitle("Datasets"),
        user
          ? el(
              "span",
              { class: "row" },
              el("a", { class: "button", attrs: { href: "/composite" } }, "Colour composite"),
              el("a", { class: "button primary", attrs: { href: "/upload" } }, "Upload"),
            )
          : el(
              "button",
              { class: "button", attrs: { type: "button" }, on: { click: () => navigate("/signup") } },
              "Sign up to upload",
            ),
      ),
      el("div", { class: "toolbar" }, search, categories, sort, mine, viewToggle),
      summary,
      results,
      pager,
    ),
  );
  void load();
  return () => {
    disposed = true;
    window.clearTimeout(poll);
    window.clearTimeout(timer);
  };
};
