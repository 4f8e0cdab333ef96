import { describe, expect, it } from "vitest";
import { parseMetrics, requestsByClass, total } from "./metrics";

const TEXT = `# HELP process_resident_memory_bytes Resident memory
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 123456789
astropixel_http_requests_total{route="/api/health",method="GET",status="2xx"} 10
astropixel_http_requests_total{route="/api/datasets/{id}",method="GET",status="4xx"} 3
astropixel_http_requests_total{route="static",method="GET",status="2xx"} 5 1700000000000
astropixel_jobs_finished_total{outcome="succeeded"} 2
astropixel_jobs_finished_total{outcome="failed"} 1
weird{label="a \\"quoted\\" value, with comma"} 7
broken{label="unterminated} 9
not a sample line
nan_metric NaN
inf_metric +Inf
`;

describe("metrics text", () => {
  const samples = parseMetrics(TEXT);
  it("reads gauges, labels, escapes and timestamps", () => {
    expect(total(samples, "process_resident_memory_bytes")).toBe(123456789);
    expect(total(samples, "astropixel_jobs_finished_total", { outcome: "failed" })).toBe(1);
    expect(total(samples, "astropixel_jobs_finished_total")).toBe(3);
    expect(samples.find((s) => s.name === "weird")?.labels.label).toBe('a "quoted" value, with comma');
    expect(total(samples, "inf_metric")).toBe(Infinity);
    expect(Number.isNaN(total(samples, "nan_metric"))).toBe(true);
  });
  it("skips malformed lines instead of failing", () => {
    expect(samples.some((s) => s.name === "broken" || s.name === "not")).toBe(false);
    expect(total(samples, "missing")).toBe(0);
  });
  it("groups requests by status class", () => {
    expect(requestsByClass(samples)).toEqual({ "2xx": 15, "4xx": 3 });
  });
});
