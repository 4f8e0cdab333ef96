// Administration: statistics, users (search, disable/enable, make admin, delete with their
// datasets), datasets (search, force delete, reprocess), recent activity, system health.
import { requestsByClass, total, type Sample } from "../admin/metrics";
import { readHealth, readMetrics, type Health } from "../admin/system";
import { ApiError, api } from "../api/client";
import type { Dataset, Page, User } from "../api/types";
import { currentUser } from "../auth/session";
import { navigate, type PageFn } from "../router";
import { el, formatBytes, replace } from "../ui/dom";
import { errorBox, pageTitle } from "../ui/layout";
import { statusBadge } from "./dataset_card";

interface Stats {
  users: number;
  datasets: number;
  storage_bytes: number;
  total_pixels: number;
  by_status: Record<string, number>;
  by_category: Record<string, number>;
  jobs: Record<string, number>;
}

interface Activity {
  kind: "dataset" | "user";
  id: string;
  name: string;
  actor: string;
  at: number;
}

function tile(label: string, value: string | number): HTMLElement {
  return el(
    "div",
    { class: "card stat" },
    el("div", { class: "muted small" }, label),
    el("div", { class: "stat-value" }, String(value)),
  );
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400),
    h = Math.floor((seconds % 86400) / 3600),
    m = Math.floor((seconds % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${Math.floor(seconds % 60)} s`;
}

// The system panel: health (database, storage, uptime) and the process's own metrics.
function systemPanel(health: Health | null, samples: Sample[] | null): HTMLElement[] {
  const rows: Array<[string, string]> = [];
  if (health) {
    const db = health.database;
    rows.push(
      ["Status", health.status],
      ["Version", health.version],
      ["Uptime", duration(health.uptime_s)],
      [
        "Database",
        `${db.backend}, ${db.ok ? `${db.latency_ms.toFixed(1)} ms, schema v${db.schema_version}` : "unreachable"}`,
      ],
      ["Storage", health.storage.ok ? `${formatBytes(health.storage.free_bytes)} free` : "unavailable"],
    );
  }
  if (samples) {
    const by = requestsByClass(samples);
    const pool = (state: string) => total(samples, "astropixel_db_pool_connections", { state });
    const jobs = (outcome: string) => total(samples, "astropixel_jobs_finished_total", { outcome });
    const rss = (phase: string) => formatBytes(total(samples, "astropixel_pyramid_build_rss_bytes", { phase }));
    rows.push(
      ["Resident memory", formatBytes(total(samples, "process_resident_memory_bytes"))],
      ["Open files", String(total(samples, "process_open_fds"))],
      ["Requests in flight", String(total(samples, "astropixel_http_requests_in_flight"))],
      [
        "Requests served",
        Object.entries(by)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(" · ") || "0",
      ],
      [
        "DB pool",
        `${pool("in_use")} in use, ${pool("idle")} idle of ${total(samples, "astropixel_db_pool_size")}; ` +
          `${total(samples, "astropixel_db_pool_waiting")} waiting, ` +
          `${total(samples, "astropixel_db_pool_timeouts_total")} timeouts`,
      ],
      [
        "Jobs",
        `${total(samples, "astropixel_jobs_running")} running; ` +
          `${jobs("succeeded")} succeeded, ${jobs("failed")} failed, ${jobs("retried")} retried`,
      ],
    );
    const peak = total(samples, "astropixel_pyramid_build_rss_bytes", { phase: "after_tiling" });
    if (peak)
      rows.push([
        "Last build RSS",
        `${rss("before_tiling")} before → ${formatBytes(peak)} after tiling → ` +
          `${rss("after_cleanup")} after cleanup`,
      ]);
  }
  if (!rows.length)
    return [el("h2", null, "System"), el("p", { class: "muted" }, "Health and metrics are unavailable.")];
  return [
    el("h2", null, "System"),
    el("dl", { class: "system" }, ...rows.map(([k, v]) => el("div", null, el("dt", null, k), el("dd", null, v)))),
  ];
}

function counts(title: string, values: Record<string, number>): HTMLElement {
  return el(
    "div",
    { class: "panel" },
    el("h3", null, title),
    el(
      "dl",
      { class: "counts" },
      ...Object.entries(values).map(([k, v]) => el("div", null, el("dt", null, k), el("dd", null, String(v)))),
    ),
  );
}

export const adminPage: PageFn = (root) => {
  const me = currentUser();
  if (!me?.is_admin) {
    navigate("/datasets", { replace: true });
    return;
  }
  const status = el("div", { attrs: { "aria-live": "polite" } });
  const overview = el("section", { attrs: { "aria-label": "Overview" } });
  const users = el("section", { attrs: { "aria-label": "Users" } });
  const datasets = el("section", { attrs: { "aria-label": "Datasets" } });
  const activity = el("section", { attrs: { "aria-label": "Recent activity" } });
  const system = el("section", { attrs: { "aria-label": "System" } });
  const fail = (what: string) => (e: unknown) =>
    replace(status, errorBox(what, e instanceof ApiError ? e.message : String(e)));

  // Each loader shows its own failure in the status line; actions call these after a change.
  const reloadOverview = () => void loadOverview().catch(fail("Statistics cannot be loaded"));
  const reloadUsers = () => void loadUsers().catch(fail("Users cannot be loaded"));
  const reloadDatasets = () => void loadDatasets().catch(fail("Datasets cannot be loaded"));

  const loadOverview = async () => {
    const stats = await api<Stats>("/api/admin/stats");
    replace(
      overview,
      el("h2", null, "Overview"),
      el(
        "div",
        { class: "stats" },
        tile("Users", stats.users),
        tile("Datasets", stats.datasets),
        tile("Storage", formatBytes(stats.storage_bytes)),
        tile("Gigapixels", (stats.total_pixels / 1e9).toFixed(2)),
      ),
      el(
        "div",
        { class: "counts-row" },
        counts("Datasets by status", stats.by_status),
        counts("By category", stats.by_category),
        counts("Job queue", stats.jobs),
      ),
    );
  };

  const loadSystem = async () => {
    const [health, samples] = await Promise.all([readHealth(), readMetrics()]);
    replace(system, ...systemPanel(health, samples));
  };

  const userRow = (u: User): HTMLElement => {
    const act = (label: string, body: object, confirmText = "") =>
      el(
        "button",
        {
          class: "button small",
          attrs: { type: "button" },
          on: {
            click: async () => {
              if (confirmText && !window.confirm(confirmText)) return;
              try {
                await api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: "PATCH", json: body });
                reloadUsers();
              } catch (e) {
                fail("The change was refused")(e);
              }
            },
          },
        },
        label,
      );
    const self = u.id === me.id;
    return el(
      "tr",
      null,
      el("td", null, u.username),
      el("td", null, u.email),
      el("td", null, u.role),
      el("td", null, u.disabled ? "disabled" : "active"),
      el("td", null, new Date(u.created_at).toLocaleDateString()),
      el(
        "td",
        { class: "actions-cell" },
        self
          ? el("span", { class: "muted small" }, "you")
          : [
              u.disabled
                ? act("Enable", { disabled: false })
                : act("Disable", { disabled: true }, `Disable ${u.username}? Their sessions end at once.`),
              u.role === "admin"
                ? act("Make user", { role: "user" })
                : act("Make admin", { role: "admin" }, `Give ${u.username} administrator rights?`),
              el(
                "button",
                {
                  class: "button danger small",
                  attrs: { type: "button" },
                  on: {
                    click: async () => {
                      if (!window.confirm(`Delete ${u.username} and all their datasets? This cannot be undone.`))
                        return;
                      try {
                        await api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: "DELETE" });
                        reloadUsers();
                        reloadDatasets();
                        reloadOverview();
                      } catch (e) {
                        fail("The user could not be deleted")(e);
                      }
                    },
                  },
                },
                "Delete",
              ),
            ],
      ),
    );
  };

  let userQuery = "";
  const loadUsers = async () => {
    const page = await api<Page<User>>(`/api/admin/users?limit=50&q=${encodeURIComponent(userQuery)}`);
    const search = el("input", {
      attrs: { type: "search", placeholder: "Search users", "aria-label": "Search users", value: userQuery },
      on: {
        change: (e) => {
          userQuery = (e.target as HTMLInputElement).value;
          reloadUsers();
        },
      },
    });
    replace(
      users,
      el("h2", null, `Users (${page.total})`),
      search,
      el(
        "div",
        { class: "table-wrap", attrs: { tabindex: 0, role: "region", "aria-label": "Users table" } },
        el(
          "table",
          null,
          el(
            "thead",
            null,
            el(
              "tr",
              null,
              ...["Username", "Email", "Role", "State", "Joined", ""].map((h) =>
                el("th", { attrs: { scope: "col" } }, h),
              ),
            ),
          ),
          el("tbody", null, ...page.items.map(userRow)),
        ),
      ),
    );
  };

  let datasetQuery = "";
  const loadDatasets = async () => {
    const page = await api<Page<Dataset>>(`/api/admin/datasets?limit=50&q=${encodeURIComponent(datasetQuery)}`);
    const search = el("input", {
      attrs: { type: "search", placeholder: "Search datasets", "aria-label": "Search datasets", value: datasetQuery },
      on: {
        change: (e) => {
          datasetQuery = (e.target as HTMLInputElement).value;
          reloadDatasets();
        },
      },
    });
    const row = (d: Dataset) =>
      el(
        "tr",
        null,
        el("td", null, el("a", { attrs: { href: `/datasets/${encodeURIComponent(d.id)}` } }, d.name)),
        el("td", null, d.is_demo ? "demo" : d.visibility),
        el("td", null, statusBadge(d)),
        el("td", null, formatBytes(d.file_size)),
        el(
          "td",
          { class: "actions-cell" },
          el(
            "button",
            {
              class: "button small",
              attrs: { type: "button" },
              on: {
                click: async () => {
                  try {
                    await api(`/api/datasets/${encodeURIComponent(d.id)}/reprocess`, { method: "POST" });
                    reloadDatasets();
                  } catch (e) {
                    fail("Reprocess was refused")(e);
                  }
                },
              },
            },
            "Reprocess",
          ),
          el(
            "button",
            {
              class: "button danger small",
              attrs: { type: "button" },
              on: {
                click: async () => {
                  if (!window.confirm(`Delete “${d.name}” for good?`)) return;
                  try {
                    await api(`/api/admin/datasets/${encodeURIComponent(d.id)}`, { method: "DELETE" });
                    reloadDatasets();
                    reloadOverview();
                  } catch (e) {
                    fail("The dataset could not be deleted")(e);
                  }
                },
              },
            },
            "Delete",
          ),
        ),
      );
    replace(
      datasets,
      el("h2", null, `Datasets (${page.total})`),
      search,
      el(
        "div",
        { class: "table-wrap", attrs: { tabindex: 0, role: "region", "aria-label": "Datasets table" } },
        el(
          "table",
          null,
          el(
            "thead",
            null,
            el(
              "tr",
              null,
              ...["Name", "Visibility", "Status", "Size", ""].map((h) => el("th", { attrs: { scope: "col" } }, h)),
            ),
          ),
          el("tbody", null, ...page.items.map(row)),
        ),
      ),
    );
  };

  const loadActivity = async () => {
    const feed = await api<{ items: Activity[] }>("/api/admin/activity?limit=20");
    replace(
      activity,
      el("h2", null, "Recent activity"),
      el(
        "ul",
        { class: "activity" },
        ...feed.items.map((a) =>
          el(
            "li",
            null,
            el("time", { class: "muted small" }, new Date(a.at).toLocaleString()),
            " ",
            a.kind === "user"
              ? ["New user ", el("strong", null, a.name)]
              : [
                  el("strong", null, a.actor || "system"),
                  " uploaded ",
                  el("a", { attrs: { href: `/datasets/${encodeURIComponent(a.id)}` } }, a.name),
                ],
          ),
        ),
      ),
    );
  };

  replace(
    root,
    el("main", { class: "admin" }, pageTitle("Administration"), status, overview, system, users, datasets, activity),
  );
  reloadOverview();
  reloadUsers();
  reloadDatasets();
  loadActivity().catch(fail("Activity cannot be loaded"));
  // readHealth() and readMetrics() never reject: the panel says what is missing.
  void loadSystem();
  // Health and metrics move on their own: refresh them while the page is open.
  const timer = window.setInterval(() => void loadSystem(), 10_000);
  return () => window.clearInterval(timer);
};
