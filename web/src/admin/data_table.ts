// One admin table (users, datasets, jobs): a search box and a state filter, column headers that
// sort (buttons inside <th aria-sort>, so the keyboard reaches them), and Previous/Next paging.
// The shell is drawn once; a load replaces the heading's count, the header row, the rows and the
// pager, and gives the focus back to the control that asked for it.
import { ApiError, api } from "../api/client";
import type { Page } from "../api/types";
import { el, replace, type Child } from "../ui/dom";
import { ariaSort, filtered, initialState, page, queryString, rangeText, sortBy, type TableState } from "./table_state";

export interface Column<T> {
  label: string;
  sort?: string; // the API's sort key; no key: not sortable
  cell: (row: T) => Child;
  numeric?: boolean;
}

export interface Choice {
  value: string;
  label: string;
}

export interface TableSpec<T> {
  title: string; // "Users": the section's name and its heading "Users (N)"
  endpoint: string;
  columns: Column<T>[];
  states: Choice[]; // the status filter ("" = all)
  defaultSort: string;
  extraFilters?: Array<{ name: string; label: string; choices: Choice[]; initial: string }>;
  actions?: (row: T, reload: () => Promise<void>) => Child;
  onError: (what: string, e: unknown) => void;
}

export interface DataTable {
  section: HTMLElement;
  reload: () => Promise<void>;
}

export function dataTable<T>(spec: TableSpec<T>): DataTable {
  const extra: Record<string, string> = {};
  for (const f of spec.extraFilters ?? []) extra[f.name] = f.initial;
  let state: TableState = initialState(spec.defaultSort, 25, extra);
  const id = spec.title.toLowerCase();
  const heading = el("h2", { id: `${id}-heading` }, spec.title);
  const headRow = el("tr");
  const body = el("tbody");
  const range = el("span", { class: "muted small", attrs: { "aria-live": "polite" } });
  const prev = el("button", { class: "button small", attrs: { type: "button" } }, "Previous");
  const next = el("button", { class: "button small", attrs: { type: "button" } }, "Next");
  let total = 0;

  const search = el("input", {
    id: `${id}-search`,
    attrs: { type: "search", name: "q", maxlength: 200, placeholder: `Search ${id}` },
  });
  const select = (name: string, choices: Choice[], initial: string) =>
    el(
      "select",
      { id: `${id}-${name}`, attrs: { name } },
      ...choices.map((c) => el("option", { attrs: { value: c.value, selected: c.value === initial } }, c.label)),
    );
  const status = select("status", [{ value: "", label: "All" }, ...spec.states], "");
  const extras = (spec.extraFilters ?? []).map((f) => ({ f, input: select(f.name, f.choices, f.initial) }));
  const apply = () => {
    const change: Record<string, string> = {};
    for (const { f, input } of extras) change[f.name] = input.value;
    state = filtered(state, { q: search.value.trim(), status: status.value, extra: change });
    void load();
  };
  const form = el(
    "form",
    {
      class: "table-filters",
      attrs: { role: "search", "aria-label": `Filter ${id}` },
      on: {
        submit: (e) => {
          e.preventDefault();
          apply();
        },
      },
    },
    el("label", { attrs: { for: search.id } }, `Search ${id}`),
    search,
    el("label", { attrs: { for: status.id } }, "Status"),
    status,
    ...extras.flatMap(({ f, input }) => [el("label", { attrs: { for: input.id } }, f.label), input]),
    el("button", { class: "button small", attrs: { type: "submit" } }, "Apply"),
  );
  status.addEventListener("change", apply);
  for (const { input } of extras) input.addEventListener("change", apply);
  prev.addEventListener("click", () => {
    state = page(state, -1, total);
    void load(prev);
  });
  next.addEventListener("click", () => {
    state = page(state, 1, total);
    void load(next);
  });

  const header = (c: Column<T>) => {
    if (!c.sort) return el("th", { attrs: { scope: "col" } }, c.label);
    const key = c.sort;
    return el(
      "th",
      { attrs: { scope: "col", "aria-sort": ariaSort(state, key) } },
      el(
        "button",
        {
          class: "sort-button",
          attrs: { type: "button", "data-sort": key },
          on: {
            click: () => {
              state = sortBy(state, key);
              void load(`[data-sort="${key}"]`);
            },
          },
        },
        c.label,
        el(
          "span",
          { attrs: { "aria-hidden": "true" } },
          { ascending: " ▲", descending: " ▼", none: "" }[ariaSort(state, key)],
        ),
      ),
    );
  };

  // `focus`: the control to focus again once the rows are in (a button or a selector in the header).
  // Only the newest request's answer is shown: an older one arriving late (a filter changed, then a
  // sort clicked before the first answer came) would show rows of a query no longer asked.
  let asked = 0;
  const load = async (focus?: HTMLElement | string): Promise<void> => {
    const mine = ++asked;
    let result: Page<T>;
    try {
      result = await api<Page<T>>(`${spec.endpoint}?${queryString(state)}`);
    } catch (e) {
      if (mine === asked) spec.onError(`${spec.title} cannot be loaded`, e instanceof ApiError ? e : String(e));
      return;
    }
    if (mine !== asked) return;
    total = result.total;
    heading.textContent = `${spec.title} (${result.total})`;
    replace(
      headRow,
      ...spec.columns.map(header),
      spec.actions ? el("th", { attrs: { scope: "col" } }, "Actions") : null,
    );
    replace(
      body,
      ...result.items.map((row) =>
        el(
          "tr",
          null,
          ...spec.columns.map((c) => el("td", c.numeric ? { class: "numeric" } : null, c.cell(row))),
          spec.actions
            ? el(
                "td",
                { class: "actions-cell" },
                spec.actions(row, () => load()),
              )
            : null,
        ),
      ),
    );
    range.textContent = rangeText(state, result.items.length, result.total);
    prev.disabled = state.offset === 0;
    next.disabled = state.offset + state.limit >= result.total;
    const target = typeof focus === "string" ? headRow.querySelector<HTMLElement>(focus) : focus;
    if (target && !(target as HTMLButtonElement).disabled) target.focus();
  };

  const section = el(
    "section",
    { class: "admin-table", attrs: { "aria-label": spec.title } },
    heading,
    form,
    el(
      "div",
      { class: "table-wrap", attrs: { tabindex: 0, role: "region", "aria-label": `${spec.title} table` } },
      el("table", null, el("thead", null, headRow), body),
    ),
    el("div", { class: "pager" }, prev, range, next),
  );
  return { section, reload: () => load() };
}
