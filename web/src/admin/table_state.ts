// What one admin table asks the server for (text, state, sort, page) and how a click on a column
// header changes it. Pure, so the rules are unit-tested; admin/data_table.ts draws it.
export interface TableState {
  q: string;
  status: string;
  sort: string; // a column key, "-" prefix for descending; "" = the server's default
  offset: number;
  limit: number;
  extra: Record<string, string>; // further filters the table declares (jobs: kind)
}

export function initialState(sort: string, limit = 25, extra: Record<string, string> = {}): TableState {
  return { q: "", status: "", sort, offset: 0, limit, extra: { ...extra } };
}

// The query string for the API: empty filters are left out so the URL stays short.
export function queryString(s: TableState): string {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.status) p.set("status", s.status);
  for (const [k, v] of Object.entries(s.extra)) if (v) p.set(k, v);
  if (s.sort) p.set("sort", s.sort);
  p.set("limit", String(s.limit));
  p.set("offset", String(s.offset));
  return p.toString();
}

// A header click: the same column flips its direction, another column starts ascending. Either way
// the table goes back to its first page (the old offset means nothing in the new order).
export function sortBy(s: TableState, key: string): TableState {
  const next = s.sort === key ? `-${key}` : key;
  return { ...s, sort: next, offset: 0 };
}

export function ariaSort(s: TableState, key: string): "ascending" | "descending" | "none" {
  if (s.sort === key) return "ascending";
  if (s.sort === `-${key}`) return "descending";
  return "none";
}

export function filtered(s: TableState, change: Partial<Pick<TableState, "q" | "status" | "extra">>): TableState {
  return { ...s, ...change, extra: { ...s.extra, ...(change.extra ?? {}) }, offset: 0 };
}

// Paging within `total` rows; never before the first row, never to an empty page past the end.
export function page(s: TableState, direction: 1 | -1, total: number): TableState {
  const offset = s.offset + direction * s.limit;
  if (offset < 0 || offset >= total) return s;
  return { ...s, offset };
}

export function rangeText(s: TableState, shown: number, total: number): string {
  if (!total) return "No rows";
  return `${s.offset + 1}–${s.offset + shown} of ${total}`;
}
