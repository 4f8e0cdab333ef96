// Administration: statistics, users (search, disable/enable, make admin, delete with their
// datasets), datasets (search, force delete, reprocess), recent activity, system health.
import { requestsByClass, total, type Sample } from "../admin/metrics";
import { dataTable, type DataTable } from "../admin/data_table";
import { readHealth, readMetrics, type Health } from "../admin/system";
import { ApiError, api } from "../api/client";
import type { AdminDataset, AdminJob, AdminUser } from "../api/types";
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
  const activity = el("section", { attrs: { "aria-label": "Recent activity" } });
  const system = el("section", { attrs: { "aria-label": "System" } });
  const fail = (what: string) => (e: unknown) =>
    replace(status, errorBox(what, e instanceof ApiError ? e.message : String(e)));

  // Each loader shows its own failure in the status line; actions call these after a change.
  const reloadOverview = () => void loadOverview().catch(fail("Statistics cannot be loaded"));

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

  // A button that asks first (when `confirmText` is given), then calls the API and reloads.
  const action = (
    label: string,
    path: string,
    init: { method: string; json?: object },
    after: () => Promise<void> | void,
    confirmText = "",
    danger = false,
  ) =>
    el(
      "button",
      {
        class: danger ? "button danger small" : "button small",
        attrs: { type: "button" },
        on: {
          click: async () => {
            if (confirmText && !window.confirm(confirmText)) return;
            try {
              await api(path, init);
              await after();
            } catch (e) {
              fail(`${label} was refused`)(e);
            }
          },
        },
      },
      label,
    );
  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "");

  const usersTable: DataTable = dataTable<AdminUser>({
    title: "Users",
    endpoint: "/api/admin/users",
    defaultSort: "-created",
    states: [
      { value: "active", label: "Active" },
      { value: "disabled", label: "Disabled" },
      { value: "admin", label: "Administrators" },
    ],
    columns: [
      { label: "Username", sort: "username", cell: (u) => u.username },
      { label: "Email", sort: "email", cell: (u) => u.email },
      { label: "Role", sort: "role", cell: (u) => u.role },
      { label: "State", cell: (u) => (u.disabled ? "disabled" : "active") },
      { label: "Datasets", sort: "datasets", numeric: true, cell: (u) => u.dataset_count },
      { label: "Storage", sort: "storage", numeric: true, cell: (u) => formatBytes(u.storage_bytes) },
      { label: "Joined", sort: "created", cell: (u) => new Date(u.created_at).toLocaleDateString() },
    ],
    actions: (u, reload) => {
      if (u.id === me.id) return el("span", { class: "muted small" }, "you");
      const path = `/api/admin/users/${encodeURIComponent(u.id)}`;
      return [
        u.disabled
          ? action("Enable", path, { method: "PATCH", json: { disabled: false } }, reload)
          : action(
              "Disable",
              path,
              { method: "PATCH", json: { disabled: true } },
              reload,
              `Disable ${u.username}? Their sessions end at once.`,
            ),
        u.role === "admin"
          ? action("Make user", path, { method: "PATCH", json: { role: "user" } }, reload)
          : action(
              "Make admin",
              path,
              { method: "PATCH", json: { role: "admin" } },
              reload,
              `Give ${u.username} administrator rights?`,
            ),
        action(
          "Delete",
          path,
          { method: "DELETE" },
          () => {
            void reload();
            reloadTables();
            reloadOverview();
          },
          `Delete ${u.username} and all their datasets? This cannot be undone.`,
          true,
        ),
      ];
    },
    onError: (what, e) => fail(what)(e),
  });

  const datasetsTable: DataTable = dataTable<AdminDataset>({
    title: "Datasets",
    endpoint: "/api/admin/datasets",
    defaultSort: "-created",
    states: ["pending", "processing", "completed", "failed"].map((v) => ({ value: v, label: v })),
    columns: [
      {
        label: "Name",
        sort: "name",
        cell: (d) => el("a", { attrs: { href: `/datasets/${encodeURIComponent(d.id)}` } }, d.name),
      },
      { label: "Owner", sort: "owner", cell: (d) => d.owner_username ?? "demo" },
      { label: "Visibility", cell: (d) => (d.is_demo ? "demo" : d.visibility) },
      {
        label: "Status",
        sort: "status",
        cell: (d) => [
          statusBadge(d),
          d.failure_reason ? el("div", { class: "muted small failure" }, d.failure_reason) : null,
        ],
      },
      { label: "Source", sort: "size", numeric: true, cell: (d) => formatBytes(d.source_bytes) },
      { label: "Stored", sort: "storage", numeric: true, cell: (d) => formatBytes(d.storage_bytes) },
      { label: "Created", sort: "created", cell: (d) => when(d.created_at) },
    ],
    actions: (d, reload) => {
      const path = `/api/datasets/${encodeURIComponent(d.id)}`;
      return [
        action("Reprocess", `${path}/reprocess`, { method: "POST" }, () => {
          void reload();
          void jobsTable.reload();
        }),
        action(
          "Delete",
          `/api/admin/datasets/${encodeURIComponent(d.id)}`,
          { method: "DELETE" },
          () => {
            void reload();
            reloadOverview();
          },
          `Delete “${d.name}” for good?`,
          true,
        ),
      ];
    },
    onError: (what, e) => fail(what)(e),
  });

  const jobsTable: DataTable = dataTable<AdminJob>({
    title: "Jobs",
    endpoint: "/api/admin/jobs",
    defaultSort: "-created",
    states: ["queued", "running", "succeeded", "failed", "cancelled"].map((v) => ({ value: v, label: v })),
    extraFilters: [
      {
        name: "kind",
        label: "Kind",
        initial: "build_pyramid",
        choices: [
          { value: "build_pyramid", label: "Builds" },
          { value: "", label: "All kinds" },
        ],
      },
    ],
    columns: [
      { label: "Kind", sort: "kind", cell: (j) => j.kind },
      {
        label: "Dataset",
        sort: "dataset",
        cell: (j) =>
          j.dataset_id
            ? [
                el("a", { attrs: { href: `/datasets/${encodeURIComponent(j.dataset_id)}` } }, j.dataset_name ?? ""),
                j.owner_username ? el("div", { class: "muted small" }, j.owner_username) : null,
              ]
            : el("span", { class: "muted small" }, j.subject),
      },
      {
        label: "State",
        sort: "state",
        cell: (j) => [
          el("span", { class: `badge job-${j.state}`, attrs: { "data-state": j.state } }, j.state),
          j.cancel_requested && j.state === "running" ? el("div", { class: "muted small" }, "stopping") : null,
        ],
      },
      { label: "Attempts", sort: "attempts", numeric: true, cell: (j) => `${j.attempts} / ${j.max_attempts}` },
      { label: "Last error", cell: (j) => (j.last_error ? el("span", { class: "failure" }, j.last_error) : "") },
      { label: "Created", sort: "created", cell: (j) => when(j.created_at) },
      { label: "Updated", sort: "updated", cell: (j) => when(j.updated_at) },
    ],
    actions: (j, reload) => {
      const path = `/api/admin/jobs/${encodeURIComponent(j.id)}`;
      const what = j.dataset_name ? `the build of “${j.dataset_name}”` : `job ${j.id}`;
      const after = () => {
        void reload();
        void datasetsTable.reload();
        reloadOverview();
      };
      // A cancelled job may be run again too (the server refuses one a newer build replaced).
      if (j.state === "failed" || j.state === "cancelled")
        return action("Retry", `${path}/retry`, { method: "POST" }, after, `Run ${what} again?`);
      if (j.state === "queued" || (j.state === "running" && !j.cancel_requested))
        return action("Cancel", `${path}/cancel`, { method: "POST" }, after, `Cancel ${what}?`, true);
      return null;
    },
    onError: (what, e) => fail(what)(e),
  });

  const reloadTables = () => {
    void datasetsTable.reload();
    void jobsTable.reload();
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
    el(
      "main",
      { class: "admin" },
      pageTitle("Administration"),
      status,
      overview,
      system,
      usersTable.section,
      datasetsTable.section,
      jobsTable.section,
      activity,
    ),
  );
  reloadOverview();
  void usersTable.reload();
  reloadTables();
  loadActivity().catch(fail("Activity cannot be loaded"));
  // readHealth() and readMetrics() never reject: the panel says what is missing.
  void loadSystem();
  // Health and metrics move on their own: refresh them while the page is open.
  const timer = window.setInterval(() => void loadSystem(), 10_000);
  return () => window.clearInterval(timer);
};
