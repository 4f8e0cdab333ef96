// The spherical projections of the FITS WCS standard (Calabretta & Greisen 2002, Paper II, and
// Calabretta & Roukema 2007 for HPX and XPH), with wcslib's conventions: projection-plane
// coordinates (x, y) in "degrees" scaled by r0 (180/π unless given), native coordinates (φ, θ) in degrees, and the
// parameters (pv, r0, x0, y0) exactly as wcslib set them up on the server (prjprm after wcsset).
// x2s: plane → native sphere; s2x: native sphere → plane. null = outside the projection's domain.

export interface PrjParams {
  r0: number;
  pv: (number | null)[];
  phi0: number;
  theta0: number;
  x0: number;
  y0: number;
}

type Pair = [number, number];
export interface Projection {
  x2s(x: number, y: number): Pair | null;
  s2x(phi: number, theta: number): Pair | null;
  // Arcseconds by which x2s(s2x(φ, θ)) may miss (φ, θ) in wcslib too (CSC's approximations).
  closure?: number;
}

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;
const sind = (a: number) => Math.sin(a * D2R);
const cosd = (a: number) => Math.cos(a * D2R);
const tand = (a: number) => Math.tan(a * D2R);
const asind = (v: number) => Math.asin(Math.max(-1, Math.min(1, v))) * R2D;
const atan2d = (y: number, x: number) => Math.atan2(y, x) * R2D;
const TOL = 1e-13;

// φ into [-180, 180].
export function normPhi(phi: number): number {
  let p = phi;
  if (p > 180) p -= 360 * Math.ceil((p - 180) / 360);
  if (p < -180) p += 360 * Math.ceil((-180 - p) / 360);
  return p;
}

// Zenithal projections share the azimuth; each gives R(θ) and θ(R).
function zenithal(rOf: (theta: number) => number | null, thetaOf: (r: number) => number | null): Projection {
  return {
    x2s(x, y) {
      const r = Math.hypot(x, y);
      const theta = thetaOf(r);
      if (theta === null) return null;
      return [r === 0 ? 0 : atan2d(x, -y), theta];
    },
    s2x(phi, theta) {
      const r = rOf(theta);
      if (r === null) return null;
      return [r * sind(phi), -r * cosd(phi)];
    },
  };
}

// Slant orthographic/perspective solved for w = 1 - sin θ: (X - a·w)² + (Y - b·w)² + (1 - w)² = 1,
// where (a, b) is the slant of the plane; the root nearest the reference point (smallest w).
function slantW(X: number, Y: number, a: number, b: number): number | null {
  const A = a * a + b * b + 1,
    B = X * a + Y * b + 1,
    C = X * X + Y * Y;
  const d = B * B - A * C;
  if (d < -TOL) return null;
  const w = (B - Math.sqrt(Math.max(0, d))) / A;
  if (w < -TOL || w > 2 + TOL) return null;
  return Math.max(0, Math.min(2, w));
}

function azp(p: PrjParams): Projection {
  const r0 = p.r0,
    mu = p.pv[1] ?? 0,
    gamma = p.pv[2] ?? 0;
  const cg = cosd(gamma),
    sg = sind(gamma),
    tg = tand(gamma);
  return {
    x2s(x, y) {
      const yc = y * cg;
      const r = Math.hypot(x, yc);
      if (r === 0) return [0, 90];
      const phi = atan2d(x, -yc);
      const rho = r / (r0 * (mu + 1) + y * sg);
      const s = (rho * mu) / Math.sqrt(rho * rho + 1);
      if (Math.abs(s) > 1 + TOL) return null;
      const t = asind(s);
      const a = atan2d(1, rho);
      const t1 = a - t;
      let t2 = a + t + 180;
      if (t2 > 90) t2 -= 360;
      const ok1 = t1 >= -90 - TOL && t1 <= 90 + TOL,
        ok2 = t2 >= -90 - TOL && t2 <= 90 + TOL;
      if (!ok1 && !ok2) return null;
      const theta = ok1 && (!ok2 || Math.abs(90 - t1) <= Math.abs(90 - t2)) ? t1 : t2;
      return [phi, Math.max(-90, Math.min(90, theta))];
    },
    s2x(phi, theta) {
      const ct = cosd(theta),
        st = sind(theta),
        cp = cosd(phi);
      const a = mu + st + ct * cp * tg;
      if (a === 0) return null;
      if (mu > 1 ? st < -1 / mu : false) return null;
      const r = (r0 * (mu + 1) * ct) / a;
      return [r * sind(phi), (-r * cp) / cg];
    },
  };
}

function szp(p: PrjParams): Projection {
  const r0 = p.r0,
    mu = p.pv[1] ?? 0,
    phic = p.pv[2] ?? 0,
    thetac = p.pv[3] ?? 90;
  const xp = -mu * cosd(thetac) * sind(phic),
    yp = mu * cosd(thetac) * cosd(phic),
    zp = mu * sind(thetac) + 1;
  return {
    x2s(x, y) {
      const X = x / r0,
        Y = y / r0;
      const w = slantW(X, Y, (X - xp) / zp, (Y - yp) / zp);
      if (w === null) return null;
      const u = X - w * ((X - xp) / zp),
        v = Y - w * ((Y - yp) / zp);
      return [u === 0 && v === 0 ? 0 : atan2d(u, -v), asind(1 - w)];
    },
    s2x(phi, theta) {
      const Z = sind(theta),
        w = 1 - Z;
      const d = zp - w;
      if (d === 0) return null;
      const X = cosd(theta) * sind(phi),
        Y = -cosd(theta) * cosd(phi);
      return [(r0 * (zp * X - w * xp)) / d, (r0 * (zp * Y - w * yp)) / d];
    },
  };
}

function sin(p: PrjParams): Projection {
  const r0 = p.r0,
    xi = p.pv[1] ?? 0,
    eta = p.pv[2] ?? 0;
  return {
    x2s(x, y) {
      const X = x / r0,
        Y = y / r0;
      const w = slantW(X, Y, xi, eta);
      if (w === null) return null;
      const u = X - xi * w,
        v = Y - eta * w;
      return [u === 0 && v === 0 ? 0 : atan2d(u, -v), asind(1 - w)];
    },
    s2x(phi, theta) {
      // The far hemisphere is hidden (wcslib's bounds), for the orthographic case.
      if (xi === 0 && eta === 0 && theta < 0) return null;
      const w = 1 - sind(theta),
        ct = cosd(theta);
      return [r0 * (ct * sind(phi) + xi * w), -r0 * (ct * cosd(phi) - eta * w)];
    },
  };
}

// ZPN: R = r0 Σ pv[m] ζ^m with ζ = 90° - θ in radians, inverted on its first rising branch.
function zpn(p: PrjParams): Projection {
  const r0 = p.r0;
  const c = p.pv.slice(0, 21).map((v) => v ?? 0);
  let n = 20;
  while (n > 0 && c[n] === 0) n--;
  const poly = (z: number) => {
    let s = 0;
    for (let m = n; m >= 0; m--) s = s * z + c[m];
    return s;
  };
  const deriv = (z: number) => {
    let s = 0;
    for (let m = n; m >= 1; m--) s = s * z + m * c[m];
    return s;
  };
  // The end of the first rising branch: where the derivative first turns negative, else π.
  let zmax = Math.PI;
  if (n > 1) {
    let prev = 0;
    for (let j = 1; j <= 180; j++) {
      const z = (j * Math.PI) / 180;
      if (deriv(z) <= 0) {
        let lo = prev,
          hi = z;
        for (let k = 0; k < 100; k++) {
          const mid = (lo + hi) / 2;
          if (deriv(mid) > 0) lo = mid;
          else hi = mid;
        }
        zmax = lo;
        break;
      }
      prev = z;
    }
  }
  const rmax = poly(zmax);
  return {
    x2s(x, y) {
      const r = Math.hypot(x, y) / r0;
      let zeta: number;
      if (n === 0) return null;
      if (n === 1) {
        zeta = (r - c[0]) / c[1];
        if (zeta < -TOL || zeta > Math.PI + TOL) return null;
      } else {
        if (r < c[0] - 1e-12 || r > rmax + 1e-12) return null;
        let lo = 0,
          hi = zmax,
          flo = c[0] - r,
          fhi = rmax - r;
        zeta = lo;
        for (let k = 0; k < 200 && hi - lo > 1e-15; k++) {
          // Regula falsi (Illinois), bisecting when it stalls.
          let z = fhi !== flo ? lo - (flo * (hi - lo)) / (fhi - flo) : (lo + hi) / 2;
          if (!(z > lo && z < hi)) z = (lo + hi) / 2;
          const f = poly(z) - r;
          zeta = z;
          if (f === 0) break;
          if (f < 0 === flo < 0) {
            lo = z;
            flo = f;
            fhi /= 2;
          } else {
            hi = z;
            fhi = f;
            flo /= 2;
          }
        }
      }
      const r2 = Math.hypot(x, y);
      return [r2 === 0 ? 0 : atan2d(x, -y), 90 - zeta * R2D];
    },
    s2x(phi, theta) {
      const zeta = (90 - theta) * D2R;
      if (zeta > zmax + 1e-12) return null;
      const r = r0 * poly(zeta);
      return [r * sind(phi), -r * cosd(phi)];
    },
  };
}

function air(p: PrjParams): Projection {
  const r0 = p.r0,
    thetab = p.pv[1] ?? 90;
  const xib = ((90 - thetab) / 2) * D2R;
  const cb = xib === 0 ? -0.5 : Math.log(Math.cos(xib)) / Math.tan(xib) ** 2;
  const rOf = (theta: number) => {
    const xi = ((90 - theta) / 2) * D2R;
    if (xi === 0) return 0;
    if (xi >= Math.PI / 2) return null;
    return -2 * r0 * (Math.log(Math.cos(xi)) / Math.tan(xi) + cb * Math.tan(xi));
  };
  return zenithal(rOf, (r) => {
    if (r === 0) return 90;
    // R(θ) rises monotonically from the reference point: bisection on θ.
    let lo = -90 + 1e-9,
      hi = 90;
    const rlo = rOf(lo);
    if (rlo === null || r > rlo) return null;
    for (let k = 0; k < 200 && hi - lo > 1e-13; k++) {
      const mid = (lo + hi) / 2;
      if ((rOf(mid) ?? Infinity) > r) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  });
}

// Cylindrical and pseudocylindrical projections: x grows with φ, y with θ.
function cylindrical(
  x2s: (x: number, y: number) => Pair | null,
  s2x: (phi: number, theta: number) => Pair | null,
): Projection {
  return {
    x2s(x, y) {
      const s = x2s(x, y);
      if (!s || Math.abs(s[0]) > 180 + 1e-9 || Math.abs(s[1]) > 90 + 1e-9) return null;
      return [s[0], Math.max(-90, Math.min(90, s[1]))];
    },
    s2x,
  };
}

function conic(p: PrjParams, code: string): Projection | null {
  const r0 = p.r0,
    ta = p.pv[1],
    eta = p.pv[2] ?? 0;
  if (ta === null || ta === undefined || ta === 0) return null;
  const sign = ta < 0 ? -1 : 1;
  let C: number, y0: number, rOf: (t: number) => number | null, tOf: (r: number) => number | null;
  if (code === "COP") {
    C = sind(ta);
    const k = r0 * cosd(eta),
      cot = 1 / tand(ta);
    y0 = k * cot;
    rOf = (t) => (Math.abs(t - ta) >= 90 ? null : k * (cot - tand(t - ta)));
    tOf = (r) => ta + Math.atan(cot - r / k) * R2D;
  } else if (code === "COE") {
    const s1 = sind(ta - eta),
      s2 = sind(ta + eta),
      g = s1 + s2;
    C = g / 2;
    const k = 1 + s1 * s2;
    rOf = (t) => {
      const q = k - g * sind(t);
      return q < 0 ? null : ((2 * r0) / g) * Math.sqrt(q);
    };
    y0 = rOf(ta) ?? 0;
    tOf = (r) => {
      const s = (k - ((r * g) / (2 * r0)) ** 2) / g;
      return Math.abs(s) > 1 + TOL ? null : asind(s);
    };
  } else if (code === "COD") {
    const e = eta * D2R;
    C = e === 0 ? sind(ta) : (sind(ta) * Math.sin(e)) / e;
    y0 = e === 0 ? r0 / tand(ta) : (r0 * e) / Math.tan(e) / tand(ta);
    rOf = (t) => y0 + r0 * (ta - t) * D2R;
    tOf = (r) => ta + (y0 - r) / (r0 * D2R);
  } else {
    const t1 = ta - eta,
      t2 = ta + eta;
    const tan1 = tand((90 - t1) / 2),
      tan2 = tand((90 - t2) / 2);
    C = t1 === t2 ? sind(t1) : Math.log(cosd(t2) / cosd(t1)) / Math.log(tan2 / tan1);
    if (C === 0) return null;
    const psi = (r0 * cosd(t1)) / (C * tan1 ** C);
    rOf = (t) => (t <= -90 ? (C > 0 ? null : 0) : psi * tand((90 - t) / 2) ** C);
    y0 = rOf(ta) ?? 0;
    tOf = (r) => (r === 0 ? (C > 0 ? 90 : -90) : 90 - 2 * Math.atan((r / psi) ** (1 / C)) * R2D);
  }
  return {
    x2s(x, y) {
      const dy = y0 - y;
      let r = Math.hypot(x, dy);
      if (sign < 0) r = -r;
      const phi = r === 0 ? 0 : atan2d(x / r, dy / r) / C;
      const t = tOf(r);
      if (t === null || Math.abs(phi) > 180 + 1e-9 || Math.abs(t) > 90 + 1e-9) return null;
      return [phi, t];
    },
    s2x(phi, theta) {
      const r = rOf(theta);
      if (r === null) return null;
      const a = C * phi;
      return [r * sind(a), -r * cosd(a) + y0];
    },
  };
}

function bon(p: PrjParams): Projection | null {
  const r0 = p.r0,
    t1 = p.pv[1] ?? 0;
  if (t1 === 0) return null;
  const y0 = r0 * (1 / tand(t1) + t1 * D2R);
  return cylindrical(
    (x, y) => {
      const dy = y0 - y;
      let r = Math.hypot(x, dy);
      if (t1 < 0) r = -r;
      const theta = ((y0 - r) / r0) * R2D;
      const ct = cosd(theta);
      const alpha = r === 0 ? 0 : Math.atan2(x / r, dy / r);
      const phi = ct === 0 ? 0 : ((alpha * r) / (r0 * ct)) * R2D;
      return [phi, theta];
    },
    (phi, theta) => {
      const r = y0 - r0 * theta * D2R;
      const a = r === 0 ? 0 : (r0 * phi * D2R * cosd(theta)) / r;
      return [r * Math.sin(a), -r * Math.cos(a) + y0];
    },
  );
}

// HEALPix (H facets around the equator, K across; odd K), Calabretta & Roukema (2007).
function hpx(p: PrjParams): Projection | null {
  const r0 = p.r0,
    H = p.pv[1] ?? 4,
    K = p.pv[2] ?? 3;
  if (K % 2 !== 1) return null;
  const s = r0 * D2R; // plane units per degree
  const yx = (90 * (K - 1)) / H; // equatorial band edge
  const centre = (X: number) => -180 + (180 / H) * (2 * Math.floor(((X + 180) * H) / 360) + 1);
  return {
    x2s(x, y) {
      const X = x / s,
        Y = y / s;
      if (Math.abs(X) > 180 + 1e-9) return null;
      if (Math.abs(Y) <= yx) return [X, asind((Y * H) / (90 * K))];
      const sigma = (K + 1) / 2 - (Math.abs(Y) * H) / 180;
      if (sigma < -1e-12) return null;
      const pc = centre(Math.min(X, 180 - 1e-12));
      if (Math.abs(X - pc) > (180 / H) * Math.max(sigma, 0) + 1e-9) return null;
      const phi = sigma <= 0 ? pc : pc + (X - pc) / sigma;
      return [phi, Math.sign(Y) * asind(1 - (sigma * sigma) / K)];
    },
    s2x(phi, theta) {
      const st = sind(theta);
      if (Math.abs(st) <= (K - 1) / K) return [s * phi, s * ((90 * K) / H) * st];
      const sigma = Math.sqrt(K * (1 - Math.abs(st)));
      const pc = centre(Math.min(phi, 180 - 1e-12));
      return [s * (pc + (phi - pc) * sigma), Math.sign(theta) * s * (180 / H) * ((K + 1) / 2 - sigma)];
    },
  };
}

// PCO, the polyconic projection. Its inverse reduces (with X = x/r0, Y = y/r0) to one equation in θ:
// tan θ · (X² + (Y − θ)²) = 2 (Y − θ), bracketed by θ between 0 and Y (or ±90°), solved by bisection.
function pco(p: PrjParams): Projection {
  const r0 = p.r0;
  return cylindrical(
    (x, y) => {
      const X = x / r0,
        Y = y / r0;
      if (Math.abs(Y) < 1e-15) return [X * R2D, 0];
      const sign = Math.sign(Y),
        a = Math.abs(Y);
      const f = (t: number) => Math.tan(t) * (X * X + (a - t) ** 2) - 2 * (a - t);
      let lo = 0,
        hi = Math.min(a, Math.PI / 2);
      if (hi >= Math.PI / 2) hi = Math.PI / 2 - 1e-15;
      if (f(hi) < 0) return null;
      for (let k = 0; k < 200 && hi - lo > 1e-16; k++) {
        const mid = (lo + hi) / 2;
        if (f(mid) < 0) lo = mid;
        else hi = mid;
      }
      const t = (lo + hi) / 2;
      const tt = Math.tan(t);
      const e = Math.atan2(X * tt, 1 - (a - t) * tt);
      const st = Math.sin(t);
      return [st === 0 ? X * R2D : (e / st) * R2D, sign * t * R2D];
    },
    (phi, theta) => {
      if (theta === 0) return [r0 * phi * D2R, 0];
      const cot = Math.abs(theta) === 90 ? 0 : 1 / tand(theta),
        e = phi * sind(theta);
      return [r0 * cot * sind(e), r0 * (theta * D2R + cot * (1 - cosd(e)))];
    },
  );
}

// The quadrilateralized cubes of Paper II §5.6 (TSC, CSC, QSC) share one layout: the sphere is
// projected onto six faces laid out in a sideways T, faces 1-4 along the equator at x = 0, 90°, 180°,
// 270° and face 0 above face 1, face 5 below; each face is 90° wide in the plane (r0 · π/2).
// CUBE gives, per face, its centre in half-face units and its coordinates (ζ, ξ, η) from the
// direction cosines (l, m, n) — ζ along the face's normal, ξ and η across it — and back.
const CUBE: {
  c: [number, number];
  f: (l: number, m: number, n: number) => [number, number, number];
  b: (z: number, xi: number, eta: number) => [number, number, number];
}[] = [
  { c: [0, 2], f: (l, m, n) => [n, m, -l], b: (z, xi, eta) => [-eta, xi, z] },
  { c: [0, 0], f: (l, m, n) => [l, m, n], b: (z, xi, eta) => [z, xi, eta] },
  { c: [2, 0], f: (l, m, n) => [m, -l, n], b: (z, xi, eta) => [-xi, z, eta] },
  { c: [4, 0], f: (l, m, n) => [-l, -m, n], b: (z, xi, eta) => [-z, -xi, eta] },
  { c: [6, 0], f: (l, m, n) => [-m, l, n], b: (z, xi, eta) => [xi, -z, eta] },
  { c: [0, -2], f: (l, m, n) => [-n, m, l], b: (z, xi, eta) => [eta, xi, -z] },
];

// The face under the plane point (xf, yf), in half-face units, and the offset (X, Y) in [-1, 1]
// from its centre; null outside the T. The equatorial band wraps (faces 3 and 4 also lie left of
// face 1). On a shared edge the face is wcslib's choice. `r` rounds each step (CSC works in single
// precision).
function cubeFace(xf: number, yf: number, r: (v: number) => number = (v) => v): [number, number, number] | null {
  if (Math.abs(xf) <= 1 ? Math.abs(yf) > 3 : Math.abs(xf) > 7 || Math.abs(yf) > 1) return null;
  const x = xf < -1 ? r(xf + 8) : xf;
  const face = x > 5 ? 4 : x > 3 ? 3 : x > 1 ? 2 : yf > 1 ? 0 : yf < -1 ? 5 : 1;
  return [face, r(x - CUBE[face].c[0]), r(yf - CUBE[face].c[1])];
}

// The face a native direction falls on (the largest ζ; ties to the lower face, as wcslib), with its
// (ζ, ξ, η).
function cubeDirection(phi: number, theta: number): [number, number, number, number] {
  const ct = cosd(theta),
    l = ct * cosd(phi),
    m = ct * sind(phi),
    n = sind(theta);
  let face = 0,
    best = -Infinity;
  CUBE.forEach((c, i) => {
    const z = c.f(l, m, n)[0];
    if (z > best) {
      best = z;
      face = i;
    }
  });
  return [face, ...CUBE[face].f(l, m, n)];
}

// A cube projection from its per-face maps: (X, Y) in [-1, 1]² → (ζ, ξ, η) on the unit sphere, and
// (ζ, ξ, η) → (X, Y) (null outside the face).
function cube(
  p: PrjParams,
  toSphere: (X: number, Y: number) => [number, number, number],
  toFace: (zeta: number, xi: number, eta: number) => Pair | null,
  r?: (v: number) => number,
): Projection {
  // Plane units per half face; wcslib takes exactly 45 (and 1/45) for the default r0.
  const w = Math.abs(p.r0 - R2D) < 1e-12 ? 45 : (p.r0 * Math.PI) / 4;
  const wInv = 1 / w;
  const rr = r ?? ((v: number) => v);
  return {
    x2s(x, y) {
      const at = cubeFace(rr(x * wInv), rr(y * wInv), rr);
      if (!at) return null;
      const [face, X, Y] = at;
      const [l, m, n] = CUBE[face].b(...toSphere(X, Y));
      return [l === 0 && m === 0 ? 0 : atan2d(m, l), asind(n)];
    },
    s2x(phi, theta) {
      const [face, zeta, xi, eta] = cubeDirection(phi, theta);
      const XY = toFace(zeta, xi, eta);
      if (!XY) return null;
      return [w * rr(XY[0] + CUBE[face].c[0]), w * rr(XY[1] + CUBE[face].c[1])];
    },
  };
}

// Clamps a face coordinate to [-1, 1] within tol, else null (outside the face).
const faceEdge = (v: number, tol: number) => (Math.abs(v) <= 1 ? v : Math.abs(v) <= 1 + tol ? Math.sign(v) : null);

// TSC, the tangential spherical cube: each face a gnomonic projection from the sphere's centre.
function tsc(p: PrjParams): Projection {
  return cube(
    p,
    (X, Y) => {
      const z = 1 / Math.sqrt(1 + X * X + Y * Y);
      return [z, X * z, Y * z];
    },
    (zeta, xi, eta) => {
      const X = faceEdge(xi / zeta, 1e-12),
        Y = faceEdge(eta / zeta, 1e-12);
      return X === null || Y === null ? null : [X, Y];
    },
  );
}

// CSC, the COBE quadrilateralized spherical cube (Chan & O'Neill 1975; Paper II §5.6.2): nearly
// equal-area faces given by polynomial approximations, one for each direction, which are not exact
// inverses of each other. wcslib evaluates both in single precision, as the COBE software did; so
// does this (Math.fround after every operation, in the same order), so that the two agree to the last
// bit of a float rather than to a float's precision (0.02″ to 0.08″ across the layout).
const f32 = Math.fround;
// Inverse: χ = X + X(1 − X²) Σ P[j][i] X^2i Y^2j; rows j = power of Y².
const CSC_P = [
  [-0.27292696, -0.07629969, -0.22797056, 0.54852384, -0.62930065, 0.25795794, 0.02584375],
  [-0.02819452, -0.01471565, 0.48051509, -1.74114454, 1.71547508, -0.53022337],
  [0.2705816, -0.56800938, 0.30803317, 0.98938102, -0.83180469],
  [-0.6044156, 1.50880086, -0.93678576, 0.08693841],
  [0.93412077, -1.4160192, 0.33887446],
  [-0.63915306, 0.52032238],
  [0.14381585],
].map((row) => row.map(f32));
// Forward: γ*, M, Γ, Ω1, D0, D1, C00, C10, C01, C11, C20, C02.
const [G_STAR, MM, GAMMA, OMEGA1, D0, D1, C00, C10, C01, C11, C20, C02] = [
  1.37484847732, 0.004869491981, -0.13161671474, -0.159596235474, 0.0759196200467, -0.0217762490699, 0.141189631152,
  0.0809701286525, -0.281528535557, 0.15384112876, -0.178251207466, 0.106959469314,
].map(f32);
const TINY = f32(1e-16);

// Horner's rule in single precision: c[0] + t (c[1] + t (c[2] + ...)).
function hornerF(c: number[], t: number): number {
  let s = c[c.length - 1];
  for (let k = c.length - 2; k >= 0; k--) s = f32(c[k] + f32(t * s));
  return s;
}

// χ of the inverse for face coordinates (a, b) (ψ is the same with a and b exchanged).
function cscInverse(a: number, b: number): number {
  const aa = f32(a * a),
    bb = f32(b * b);
  const sum = hornerF(
    CSC_P.map((row) => hornerF(row, aa)),
    bb,
  );
  return f32(a + f32(f32(a * f32(1 - aa)) * sum));
}

// X of the forward for tangent-plane coordinates (a, b) (Y the same with a and b exchanged).
function cscForward(a: number, b: number): number {
  const a2 = f32(a * a),
    b2 = f32(b * b),
    a2co = f32(1 - a2),
    b2co = f32(1 - b2);
  // Terms below 1e-16 are dropped, as wcslib does to avoid underflow.
  const a4 = a2 > TINY ? f32(a2 * a2) : 0,
    b4 = b2 > TINY ? f32(b2 * b2) : 0;
  const ab = f32(Math.abs(f32(a * b))) > TINY ? f32(a2 * b2) : 0;
  let c = f32(C00 + f32(C10 * a2));
  c = f32(c + f32(C01 * b2));
  c = f32(c + f32(C11 * ab));
  c = f32(c + f32(C20 * a4));
  c = f32(c + f32(C02 * b4));
  const inner = f32(f32(f32(GAMMA * a2co) + f32(MM * a2)) + f32(b2co * c));
  const omega = f32(OMEGA1 - f32(a2co * f32(D0 + f32(D1 * a2))));
  const bracket = f32(f32(G_STAR + f32(b2 * inner)) + f32(a2 * omega));
  return f32(a * f32(a2 + f32(a2co * bracket)));
}

function csc(p: PrjParams): Projection {
  const prj = cube(
    p,
    (X, Y) => {
      const chi = cscInverse(X, Y),
        psi = cscInverse(Y, X);
      const z = 1 / Math.sqrt(f32(f32(chi * chi) + f32(psi * psi)) + 1);
      return [z, chi * z, psi * z];
    },
    (zeta, xi, eta) => {
      const chi = f32(xi / zeta),
        psi = f32(eta / zeta);
      const X = faceEdge(cscForward(chi, psi), 1e-7),
        Y = faceEdge(cscForward(psi, chi), 1e-7);
      return X === null || Y === null ? null : [X, Y];
    },
    f32,
  );
  // The two approximations disagree by up to 45″ (measured at 400,000 random directions).
  return { ...prj, closure: 60 };
}

// QSC, the quadrilateralized spherical cube (O'Neill & Laubscher 1976; Paper II §5.6.3): exactly
// equal-area faces, with closed forms both ways. Within a face, the larger of |X| and |Y| (here a,
// the other b) sets the distance from the face's centre, 1 − ζ = a² (1 − 1/√(1 + τ)), and b/a the
// direction, through ω = sin w / (cos w − 1/√2) with w = 15° b/a and τ = 1 + ω²: the sphere's
// coordinate across the face along a's axis is ±√((1 − ζ²)/τ), and along b's, ω times that.
function qsc(p: PrjParams): Projection {
  return cube(
    p,
    (X, Y) => {
      const direct = Math.abs(X) > Math.abs(Y);
      const [a, b] = direct ? [X, Y] : [Y, X];
      if (a === 0) return [1, 0, 0];
      const w = (15 * b) / a;
      const omega = sind(w) / (cosd(w) - Math.SQRT1_2),
        tau = 1 + omega * omega;
      const zeco = a * a * (1 - 1 / Math.sqrt(1 + tau));
      const s = Math.sign(a) * Math.sqrt((zeco * (2 - zeco)) / tau);
      return direct ? [1 - zeco, s, s * omega] : [1 - zeco, s * omega, s];
    },
    (zeta, xi, eta) => {
      if (xi === 0 && eta === 0) return [0, 0];
      // 1 − ζ, without the cancellation near the face's centre.
      const zeco = (xi * xi + eta * eta) / (1 + zeta);
      const direct = Math.abs(xi) > Math.abs(eta);
      const [a, b] = direct ? [xi, eta] : [eta, xi];
      const omega = b / a,
        tau = 1 + omega * omega;
      const A = Math.sign(a) * Math.sqrt(zeco / (1 - 1 / Math.sqrt(1 + tau)));
      const B = (A / 15) * (Math.atan(omega) * R2D - asind(omega / Math.sqrt(2 * tau)));
      const X = faceEdge(direct ? A : B, 1e-12),
        Y = faceEdge(direct ? B : A, 1e-12);
      return X === null || Y === null ? null : [X, Y];
    },
  );
}

// XPH, HEALPix polar ("butterfly", Calabretta & Roukema 2007 §4): HPX with H = 4, K = 3 cut along
// meridians and regrouped about the pole, (φ0, θ0) = (0, 90°). The plane, turned by 45°, holds four
// quadrants; each carries a quarter of the sphere (φ from its base −180°, −90°, 0° or 90°) as the HPX
// facets of that quarter: its equatorial square and north polar triangle towards the centre, the south
// polar triangle outermost. In a quadrant's own axes (ξ along the parallels, η towards the north pole,
// both in degrees) that is exactly HPX's plane.
const XPH_QUADRANTS: { base: number; toQ: (x: number, y: number) => Pair; fromQ: (xi: number, eta: number) => Pair }[] =
  [
    { base: -180, toQ: (x, y) => [-x - y, x - y], fromQ: (xi, eta) => [-xi + eta, -xi - eta] },
    { base: -90, toQ: (x, y) => [x - y, x + y], fromQ: (xi, eta) => [xi + eta, -xi + eta] },
    { base: 0, toQ: (x, y) => [x + y, -x + y], fromQ: (xi, eta) => [xi - eta, xi + eta] },
    { base: 90, toQ: (x, y) => [-x + y, -x - y], fromQ: (xi, eta) => [-xi - eta, xi - eta] },
  ];

function xph(p: PrjParams): Projection {
  // The quadrants' axes are the plane's turned by 45°: with (x, y) in degrees, ξ1 = −(x + y)/√2 and
  // so on; xr, yr below are x/√2, y/√2 in degrees.
  const k = p.r0 * D2R; // plane units per degree
  const tol = 1e-12;
  return {
    x2s(x, y) {
      const xr = x / (k * Math.SQRT2),
        yr = y / (k * Math.SQRT2);
      // The quadrant (its edges as wcslib assigns them); (ξ1, η1) from its corner at the centre.
      const q = xr <= 0 && yr > 0 ? 0 : xr < 0 && yr <= 0 ? 1 : xr >= 0 && yr < 0 ? 2 : 3;
      const [xi1, eta1] = XPH_QUADRANTS[q].toQ(xr, yr);
      const eta = eta1 + 90;
      if (Math.abs(eta) > 90) return null;
      let phi: number, theta: number;
      if (Math.abs(eta) <= 45) {
        // Equatorial square.
        if (Math.abs(xi1) > 45 + tol) return null;
        phi = XPH_QUADRANTS[q].base + xi1 + 45;
        theta = asind(eta / 67.5);
      } else {
        // Polar triangles: σ = 0 at the pole, 1 where they meet the square.
        const sigma = (90 - Math.abs(eta)) / 45;
        if (eta < -45 && Math.abs(xi1) > eta + 90 + tol) return null;
        if (xr === 0)
          phi = yr <= 0 ? 0 : 180; // the quadrants' edges, exactly
        else if (yr === 0) phi = xr < 0 ? -90 : 90;
        else phi = XPH_QUADRANTS[q].base + 45 + xi1 / sigma;
        theta = Math.sign(eta) * (90 - 2 * asind(sigma / Math.sqrt(6)));
      }
      if (Math.abs(phi) > 180 + tol) return null;
      return [Math.max(-180, Math.min(180, phi)), Math.max(-90, Math.min(90, theta))];
    },
    s2x(phi, theta) {
      // φ in [−180°, 180°), then its quadrant and the offset in it.
      let chi = phi;
      if (Math.abs(chi) >= 180) {
        chi %= 360;
        if (chi < -180) chi += 360;
        else if (chi >= 180) chi -= 360;
      }
      const q = chi < -90 ? 0 : chi < 0 ? 1 : chi < 90 ? 2 : 3;
      const psi = (chi + 180) % 90;
      let xi: number, eta: number;
      const st = sind(theta);
      if (Math.abs(st) <= 2 / 3) {
        xi = psi;
        eta = 67.5 * st;
      } else {
        // σ = √(3 (1 − |sin θ|)), written without the cancellation near the pole.
        const sigma = Math.sqrt(6) * sind((90 - Math.abs(theta)) / 2);
        xi = 45 + (psi - 45) * sigma;
        eta = Math.sign(theta) * 45 * (2 - sigma);
      }
      const [x, y] = XPH_QUADRANTS[q].fromQ(xi - 45, eta - 90);
      return [(k * x) / Math.SQRT2, (k * y) / Math.SQRT2];
    },
  };
}

// The projection for wcslib's code and parameters, or null when the browser does not know it.
export function makeProjection(code: string, p: PrjParams): Projection | null {
  const r0 = p.r0;
  const k = r0 * D2R; // plane units per degree of angle
  let base: Projection | null;
  switch (code) {
    case "AZP":
      base = azp(p);
      break;
    case "SZP":
      base = szp(p);
      break;
    case "TAN":
      base = zenithal(
        (t) => (sind(t) <= 0 ? null : (r0 * cosd(t)) / sind(t)),
        (r) => atan2d(r0, r),
      );
      break;
    case "STG":
      base = zenithal(
        (t) => (1 + sind(t) === 0 ? null : (2 * r0 * cosd(t)) / (1 + sind(t))),
        (r) => 90 - 2 * Math.atan(r / (2 * r0)) * R2D,
      );
      break;
    case "SIN":
      base = sin(p);
      break;
    case "ARC":
      base = zenithal(
        (t) => k * (90 - t),
        (r) => (r / k > 180 + 1e-9 ? null : 90 - r / k),
      );
      break;
    case "ZPN":
      base = zpn(p);
      break;
    case "ZEA":
      base = zenithal(
        (t) => r0 * Math.sqrt(Math.max(0, 2 * (1 - sind(t)))),
        (r) => {
          const w = r / (2 * r0);
          return w > 1 + TOL ? null : 90 - 2 * asind(w);
        },
      );
      break;
    case "AIR":
      base = air(p);
      break;
    case "CYP": {
      const mu = p.pv[1] ?? 1,
        lambda = p.pv[2] ?? 1;
      base = cylindrical(
        (x, y) => {
          const e = y / (r0 * (mu + lambda));
          return [x / (lambda * k), atan2d(e, 1) + asind((e * mu) / Math.sqrt(e * e + 1))];
        },
        (phi, theta) => {
          const d = mu + cosd(theta);
          return d === 0 ? null : [lambda * k * phi, (r0 * (mu + lambda) * sind(theta)) / d];
        },
      );
      break;
    }
    case "CEA": {
      const lambda = p.pv[1] ?? 1;
      base = cylindrical(
        (x, y) => {
          const s = (y * lambda) / r0;
          return Math.abs(s) > 1 + TOL ? null : [x / k, asind(s)];
        },
        (phi, theta) => [k * phi, (r0 * sind(theta)) / lambda],
      );
      break;
    }
    case "CAR":
      base = cylindrical(
        (x, y) => [x / k, y / k],
        (phi, theta) => [k * phi, k * theta],
      );
      break;
    case "MER":
      base = cylindrical(
        (x, y) => [x / k, 2 * Math.atan(Math.exp(y / r0)) * R2D - 90],
        (phi, theta) => (theta <= -90 || theta >= 90 ? null : [k * phi, r0 * Math.log(tand((90 + theta) / 2))]),
      );
      break;
    case "SFL":
      base = cylindrical(
        (x, y) => {
          const t = y / k,
            c = cosd(t);
          return [c === 0 ? 0 : x / (k * c), t];
        },
        (phi, theta) => [k * phi * cosd(theta), k * theta],
      );
      break;
    case "PAR":
      base = cylindrical(
        (x, y) => {
          const s = y / (Math.PI * r0);
          if (Math.abs(s) > 1 + TOL) return null;
          const d = 1 - 4 * s * s;
          return [d === 0 ? 0 : x / (k * d), 3 * asind(s)];
        },
        (phi, theta) => [k * phi * (2 * cosd((2 * theta) / 3) - 1), Math.PI * r0 * sind(theta / 3)],
      );
      break;
    case "MOL":
      base = cylindrical(
        (x, y) => {
          const s = y / (Math.SQRT2 * r0);
          if (Math.abs(s) > 1 + TOL) return null;
          const g = Math.asin(Math.max(-1, Math.min(1, s)));
          const z = (2 * g + Math.sin(2 * g)) / Math.PI;
          if (Math.abs(z) > 1 + TOL) return null;
          const cg = Math.cos(g);
          return [cg === 0 ? 0 : ((Math.PI * x) / (2 * Math.SQRT2 * r0 * cg)) * R2D, asind(z)];
        },
        (phi, theta) => {
          // Solve 2γ + sin 2γ = π sin θ by Newton's method.
          const target = Math.PI * sind(theta);
          let g = theta * D2R;
          for (let i = 0; i < 100; i++) {
            const f = 2 * g + Math.sin(2 * g) - target,
              d = 2 + 2 * Math.cos(2 * g);
            if (d === 0) break;
            const step = f / d;
            g -= step;
            if (Math.abs(step) < 1e-15) break;
          }
          if (Math.abs(theta) >= 90) g = (Math.sign(theta) * Math.PI) / 2;
          return [((2 * Math.SQRT2) / Math.PI) * r0 * phi * D2R * Math.cos(g), Math.SQRT2 * r0 * Math.sin(g)];
        },
      );
      break;
    case "AIT":
      base = cylindrical(
        (x, y) => {
          const u = 1 - (x / (4 * r0)) ** 2 - (y / (2 * r0)) ** 2;
          if (u < 0.5 - 1e-12) return null;
          const z = Math.sqrt(u);
          return [2 * atan2d((z * x) / (2 * r0), 2 * z * z - 1), asind((z * y) / r0)];
        },
        (phi, theta) => {
          const ct = cosd(theta),
            d = 1 + ct * cosd(phi / 2);
          if (d === 0) return null;
          const g = Math.sqrt(2 / d);
          return [2 * r0 * g * ct * sind(phi / 2), r0 * g * sind(theta)];
        },
      );
      break;
    case "COP":
    case "COE":
    case "COD":
    case "COO":
      base = conic(p, code);
      break;
    case "BON":
      base = bon(p);
      break;
    case "HPX":
      base = hpx(p);
      break;
    case "TSC":
      base = tsc(p);
      break;
    case "CSC":
      base = csc(p);
      break;
    case "QSC":
      base = qsc(p);
      break;
    case "XPH":
      base = xph(p);
      break;
    case "PCO":
      base = pco(p);
      break;
    default:
      base = null;
  }
  if (!base) return null;
  // wcslib offsets the plane so that (φ0, θ0) lands on (0, 0) when they are not the defaults.
  const b = base;
  const x0 = p.x0 || 0,
    y0 = p.y0 || 0;
  return {
    x2s: (x, y) => b.x2s(x + x0, y + y0),
    s2x: (phi, theta) => {
      const r = b.s2x(phi, theta);
      return r && [r[0] - x0, r[1] - y0];
    },
    closure: b.closure,
  };
}
