// The sky-coordinate accuracy test of issue 13: the viewer's pixel → world (and back) against wcslib
// itself at 1,000 seeded random pixels of real headers (tests/fixtures/wcs: Calabretta's maps of every
// projection, XPH's made from HPX's, HST/Spitzer/PTF SIP, TPV), in their own equatorial frame and as
// galactic and ecliptic variants (CTYPE rewritten RA--/DEC- → GLON/GLAT, ELON/ELAT), and world → pixel
// against wcslib's own where a round trip cannot tell (CSC, the edges of the cube faces and of
// XPH's quadrants). wcslib's answers come from
// src/pyramid/wcs_oracle.cpp, run by scripts/wcs-accuracy.sh (the ctest wcs_accuracy) which points
// ASTROPIXEL_WCS_ORACLE at them; without it (plain `vitest run`) this file is skipped.
import { describe, expect, it } from "vitest";
import { separation, SkyTransform, usableWcs, type SkyWcs } from "./sky";

interface OracleImage {
  name: string;
  frame: string;
  width: number;
  height: number;
  on_sky: number;
  wcs: SkyWcs;
  samples: ([number, number, number, number] | [number, number])[];
}

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const path = env.ASTROPIXEL_WCS_ORACLE;
// node:fs and node:child_process without Node's typings (the web app's tsconfig has none): a computed
// specifier is `any`, so each says here the little it is used for.
interface NodeFs {
  readFileSync(path: string, encoding: "utf8"): string;
}
type ExecFileSync = (
  file: string,
  args: string[],
  options: { encoding: "utf8"; input?: string; maxBuffer?: number },
) => string;
const fsModule = "node:fs";
const images = path
  ? (JSON.parse(((await import(/* @vite-ignore */ fsModule)) as NodeFs).readFileSync(path, "utf8")) as OracleImage[])
  : [];

// wcslib's own world → pixel (`wcs_oracle --pixel`, the binary and the headers' folder given by
// scripts/wcs-accuracy.sh), for the checks that need it; null where wcslib gives no pixel.
const oracleBin = env.ASTROPIXEL_WCS_ORACLE_BIN,
  fixtures = env.ASTROPIXEL_WCS_FIXTURES;
const childModule = "node:child_process";
const execFileSync =
  oracleBin && fixtures
    ? ((await import(/* @vite-ignore */ childModule)) as { execFileSync: ExecFileSync }).execFileSync
    : null;
// Every position in one run (`wcs_oracle --pixels`, "lng lat" lines in, "x y" or "-" lines out): a
// process per position kept the test's thread busy for over a minute under the sanitizers, long
// enough for Vitest's worker to time out reporting results.
function wcslibPixels(im: OracleImage, positions: [number, number][]): ([number, number] | null)[] | null {
  if (!execFileSync || !oracleBin) return null;
  const header = `${fixtures}/${im.name}`;
  const input = positions.map(([lng, lat]) => `${lng.toPrecision(17)} ${lat.toPrecision(17)}`).join("\n") + "\n";
  let out: string;
  try {
    out = execFileSync(oracleBin, ["--pixels", im.frame === "native" ? header : `${im.frame}:${header}`], {
      encoding: "utf8",
      input,
      maxBuffer: 64 << 20,
    });
  } catch {
    return positions.map(() => null);
  }
  const lines = out.trim().split("\n");
  expect(lines.length, "one answer per position").toBe(positions.length);
  return lines.map((line) => {
    if (line === "-") return null;
    const [x, y] = line.split(/\s+/).map(Number);
    return [x, y];
  });
}

// Projections whose world → pixel is not the exact inverse of their pixel → world: CSC's two
// polynomial approximations (Paper II §5.6.2) differ by up to 45″, in wcslib as here. Their world →
// pixel is checked against wcslib's own (every 5th on-sky pixel, one wcs_oracle run each); being
// single precision (as in wcslib), two plane points of one position agree to 0.05″ (~2 float ulps of
// a face), not 0.001″.
const NOT_INVERSE = new Set(["CSC"]);
const sameTolerance = (im: OracleImage) => (NOT_INVERSE.has(family(im)) ? 0.05 : 1e-3);

// World at a display pixel, or, where rounding puts the pixel just outside the plane's boundary (a
// position on the edge of the sky), 1e-8 px towards the reference pixel (the plane's origin).
function worldNear(t: SkyTransform, im: OracleImage, p: [number, number]) {
  const w = t.world(p[0], p[1], im.height);
  if (w) return w;
  const cx = im.wcs.crpix[0] - 0.5,
    cy = im.height - im.wcs.crpix[1] + 0.5;
  const d = Math.hypot(cx - p[0], cy - p[1]);
  return d === 0 ? null : t.world(p[0] + ((cx - p[0]) / d) * 1e-8, p[1] + ((cy - p[1]) / d) * 1e-8, im.height);
}
// Projections whose plane has edges inside the sky (the cube faces, XPH's quadrants): positions on
// those edges are also checked world → pixel against wcslib, in the variant that shows the whole sky.
const EDGED = new Set(["TSC", "CSC", "QSC", "XPH"]);

// Native (φ, θ) on the edges of a cube's faces (the 12 edges, corners included), or on XPH's quadrant
// boundaries, HPX facet boundaries and the parallels where its polar triangles meet its squares.
function edgePoints(code: string): [number, number][] {
  const out: [number, number][] = [];
  const toNative = (v: number[]): [number, number] => {
    const r = Math.hypot(v[0], v[1], v[2]);
    return [Math.atan2(v[1], v[0]) * (180 / Math.PI), Math.asin(v[2] / r) * (180 / Math.PI)];
  };
  if (code === "XPH") {
    const thetaB = Math.asin(2 / 3) * (180 / Math.PI);
    for (let phi = -180; phi < 180; phi += 45)
      for (const theta of [-90, -75, -60, -thetaB, -30, 0, 30, thetaB, 60, 75, 89.999, 90]) out.push([phi, theta]);
    for (let phi = -180; phi < 180; phi += 7.5) out.push([phi, thetaB], [phi, -thetaB]);
    return out;
  }
  const normals = [
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
    [-1, 0, 0],
    [0, -1, 0],
    [0, 0, -1],
  ];
  for (let i = 0; i < 6; i++) {
    for (let j = i + 1; j < 6; j++) {
      const a = normals[i],
        b = normals[j];
      if (a[0] + b[0] === 0 && a[1] + b[1] === 0 && a[2] + b[2] === 0) continue; // opposite faces
      const c = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
      for (let k = -4; k <= 4; k++) out.push(toNative([0, 1, 2].map((n) => a[n] + b[n] + (k / 4) * c[n])));
    }
  }
  return out;
}

// Native → celestial with wcslib's Euler angles (Paper II eq. 2).
function celestial(euler: number[], phi: number, theta: number): { lng: number; lat: number } {
  const d = Math.PI / 180,
    dphi = (phi - euler[2]) * d,
    t = theta * d;
  const lat = Math.asin(Math.max(-1, Math.min(1, Math.sin(t) * euler[3] + Math.cos(t) * euler[4] * Math.cos(dphi))));
  const lng =
    euler[0] * d +
    Math.atan2(-Math.cos(t) * Math.sin(dphi), Math.sin(t) * euler[4] - Math.cos(t) * euler[3] * Math.cos(dphi));
  return { lng: (((lng / d) % 360) + 360) % 360, lat: lat / d };
}

// What the issue requires, each in the equatorial and galactic frames.
const REQUIRED = ["TAN", "TAN-SIP", "TPV", "SIN", "ZEA", "ARC", "AZP", "ZPN", "STG", "CAR", "AIT", "MOL", "HPX"];
// Known to the browser neither: their readout is refused (never wrong). None among the fixtures now
// (HPX with even K, TNX/ZPX's WAT polynomials have no header here).
const REFUSED = new Set<string>([]);
const family = (im: OracleImage) => {
  const d = im.wcs.distortion?.type;
  if (d === "SIP") return "TAN-SIP";
  if (d === "TPV") return "TPV";
  if (d) return d;
  return im.wcs.ctype[0].slice(5).replace(/^-+/, "").slice(0, 3);
};

describe.skipIf(!path)("sky coordinates agree with wcslib at 1,000 random pixels", () => {
  it("covers every required projection family in both frames", () => {
    for (const f of REQUIRED) {
      for (const frame of ["native", "galactic"]) {
        expect(
          images.some((im) => family(im) === f && im.frame === frame && im.on_sky > 0),
          `${f} ${frame}`,
        ).toBe(true);
      }
    }
  });

  const table: string[] = [];
  for (const im of images) {
    const label = `${im.name} (${im.frame === "native" ? im.wcs.ctype.join(",") : im.frame}) ${family(im)}`;
    it(
      label,
      () => {
        const t = SkyTransform.create(im.wcs);
        if (REFUSED.has(family(im))) {
          // Not computed in the browser: the viewer shows no position rather than a wrong one.
          expect(usableWcs(im.wcs, im.height)).toBeNull();
          table.push(`${label}: refused`);
          return;
        }
        expect(t, "the browser knows this projection").not.toBeNull();
        expect(usableWcs(im.wcs, im.height), "reference points reproduced").not.toBeNull();
        expect(usableWcs(im.wcs, im.height)!.invertible, "reference points reproduced world → pixel").toBe(true);
        const exact = !NOT_INVERSE.has(family(im));
        let worst = 0,
          worstBack = 0,
          checked = 0,
          copies = 0,
          closure = 0,
          againstWcslib = 0,
          onSky = 0;
        // wcslib's world → pixel of every on-sky sample, in one run, where a round trip cannot tell.
        const onSkySamples = im.samples.filter((s): s is [number, number, number, number] => s.length === 4);
        const refs = exact
          ? null
          : wcslibPixels(
              im,
              onSkySamples.map((s) => [s[2], s[3]]),
            );
        const refOf = new Map(onSkySamples.map((s, i) => [s, refs ? refs[i] : null]));
        for (const s of im.samples) {
          const got = t!.world(s[0], s[1], im.height);
          if (s.length === 2) {
            expect(got, `(${s[0]}, ${s[1]}) is off the sky for wcslib`).toBeNull();
            continue;
          }
          expect(got, `(${s[0]}, ${s[1]}) is on the sky for wcslib`).not.toBeNull();
          const err = separation(got!, { lng: s[2], lat: s[3] }) * 3600;
          worst = Math.max(worst, err);
          checked++;
          const back = t!.pixel(s[2], s[3], im.height);
          expect(back, `world → pixel at (${s[0]}, ${s[1]})`).not.toBeNull();
          // The pixel to return to: the sample's own, or (CSC) the one wcslib's world → pixel gives.
          let target: [number, number] = [s[0], s[1]];
          if (!exact) {
            closure = Math.max(closure, Math.hypot(back![0] - s[0], back![1] - s[1]));
            if (onSky++ % 5 !== 0) continue;
            const ref = refOf.get(s) ?? null;
            expect(ref, `wcslib's world → pixel at (${s[0]}, ${s[1]})`).not.toBeNull();
            target = ref!;
            againstWcslib++;
          }
          // Against wcslib's world → pixel (printed to 1e-9 px) the bound is 1e-6 px.
          const pxTolerance = exact ? 1e-3 : 1e-6;
          const off = Math.hypot(back![0] - target[0], back![1] - target[1]);
          if (off > pxTolerance) {
            // Another copy of the same position (a plane that repeats the sky) is a right answer too.
            const again = t!.world(back![0], back![1], im.height);
            const there = exact ? { lng: s[2], lat: s[3] } : worldNear(t!, im, target);
            expect(
              again && there && separation(again, there) * 3600,
              `world → pixel at (${s[0]}, ${s[1]}) gives ${String(back)}`,
            ).toBeLessThanOrEqual(sameTolerance(im));
            copies++;
          } else {
            worstBack = Math.max(worstBack, off);
          }
        }
        const how = exact
          ? ""
          : ` against wcslib's at ${againstWcslib}; ` +
            `its pixel→world→pixel returns within ${closure.toExponential(2)} px`;
        const others = copies ? ` (${copies} to another copy of the position)` : "";
        table.push(
          `${label}: ${checked} on-sky pixels, max ${worst.toExponential(2)}″, ` +
            `world→pixel max ${worstBack.toExponential(2)} px${how}${others}`,
        );
        expect(worst, "max error in arcsec").toBeLessThanOrEqual(0.1);
        expect(worstBack, "max world → pixel error in pixels").toBeLessThanOrEqual(exact ? 1e-3 : 1e-6);
      },
      120_000,
    );
    if (EDGED.has(family(im)) && im.frame === "wide") {
      it(`${label}: positions on the edges agree with wcslib world → pixel`, () => {
        expect(execFileSync, "ASTROPIXEL_WCS_ORACLE_BIN and ASTROPIXEL_WCS_FIXTURES").not.toBeNull();
        const t = SkyTransform.create(im.wcs)!;
        let worstEdge = 0,
          worstCopy = 0,
          copies = 0,
          n = 0;
        const edges = edgePoints(family(im));
        const positions = edges.map(([phi, theta]) => celestial(im.wcs.euler!, phi, theta));
        const refs = wcslibPixels(
          im,
          positions.map((p) => [p.lng, p.lat]),
        )!;
        for (const [i, [phi, theta]] of edges.entries()) {
          const p = positions[i];
          const ref = refs[i];
          const back = t.pixel(p.lng, p.lat, im.height);
          expect(back === null, `(φ, θ) = (${phi}, ${theta}): on the sky for wcslib and the browser alike`).toBe(
            ref === null,
          );
          if (!ref || !back) continue;
          n++;
          const off = Math.hypot(back[0] - ref[0], back[1] - ref[1]);
          if (off > 1e-6) {
            // The other side of an edge that the layout cuts (or the wrapped band): the same position.
            const a = worldNear(t, im, back),
              b = worldNear(t, im, ref);
            const apart = a && b && separation(a, b) * 3600;
            expect(
              apart,
              `(φ, θ) = (${phi}, ${theta}): ${String(back)} for the browser, ${String(ref)} for wcslib`,
            ).toBeLessThanOrEqual(sameTolerance(im));
            worstCopy = Math.max(worstCopy, apart!);
            copies++;
          } else {
            worstEdge = Math.max(worstEdge, off);
          }
        }
        expect(worstEdge, "max world → pixel difference from wcslib's, in pixels").toBeLessThanOrEqual(1e-6);
        const across = copies
          ? ` (${copies} on the other side of a cut edge, the same position to ${worstCopy.toExponential(2)}″)`
          : "";
        table.push(
          `${label}: ${n} positions on edges, ` +
            `world→pixel max ${worstEdge.toExponential(2)} px from wcslib's${across}`,
        );
        expect(n).toBeGreaterThan(0);
      }, 120_000);
    }
  }
  it("reports", () => {
    console.log(`sky coordinate accuracy against wcslib:\n${table.join("\n")}`);
  });
});
