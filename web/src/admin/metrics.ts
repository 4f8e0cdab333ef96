// Reads the Prometheus text exposition that /metrics serves, for the admin page's system panel.
// Only what the panel needs: samples (name, labels, value); comments, timestamps and malformed
// lines are skipped, so a surprise in the text never breaks the page.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m) return text.slice(start).trim() === "" ? labels : null;
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = m[3] === undefined ? {} : parseLabels(m[3]);
    const value = m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]);
    if (!labels || (Number.isNaN(value) && m[4] !== "NaN")) continue;
    out.push({ name: m[1], labels, value });
  }
  return out;
}

// The sum of every sample of `name` whose labels include `where`.
export function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

// Requests by status class ("2xx" → count) from astropixel_http_requests_total.
export function requestsByClass(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== "astropixel_http_requests_total") continue;
    const code = s.labels.status ?? s.labels.code ?? "";
    const cls = /^\d/.test(code) ? `${code[0]}xx` : code || "other";
    out[cls] = (out[cls] ?? 0) + s.value;
  }
  return out;
}
