// Putting one image over another where the sky says it belongs: the affine map from image B's pixels
// to image A's, fitted through both WCS over a grid of B's pixels (least squares), split into what an
// OpenSeadragon item can do — scale, rotation, mirror — with the residual (skew, projection
// differences) measured rather than hidden.

export interface SkyMapping {
  world(x: number, y: number, height: number): { lng: number; lat: number } | null;
  pixel(lng: number, lat: number, height: number): [number, number] | null;
}

export interface Alignment {
  // p_A = [a*x + b*y + c, d*x + e*y + f] for a pixel (x, y) of B.
  affine: [number, number, number, number, number, number];
  scale: number; // A pixels per B pixel
  rotation: number; // degrees, clockwise on screen
  flipped: boolean; // B is mirrored relative to A
  residual: number; // largest distance (A pixels) between the sky's answer and the similarity used
  samples: number;
}

type Sample = { b: [number, number]; a: [number, number] };

function solve3(m: number[][], v: number[]): number[] | null {
  // Cramer's rule for the 3 × 3 normal equations.
  const det = (q: number[][]) =>
    q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) -
    q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
    q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det(m);
  if (Math.abs(d) < 1e-12) return null;
  return [0, 1, 2].map((col) => det(m.map((row, i) => row.map((x, j) => (j === col ? v[i] : x)))) / d);
}

function fitAffine(samples: Sample[]): Alignment["affine"] | null {
  const n = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const vx = [0, 0, 0],
    vy = [0, 0, 0];
  for (const { b, a } of samples) {
    const row = [b[0], b[1], 1];
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 3; j += 1) n[i][j] += row[i] * row[j];
      vx[i] += row[i] * a[0];
      vy[i] += row[i] * a[1];
    }
  }
  const px = solve3(n, vx),
    py = solve3(n, vy);
  return px && py ? [px[0], px[1], px[2], py[0], py[1], py[2]] : null;
}

export function skyAlignment(
  a: SkyMapping,
  heightA: number,
  b: SkyMapping,
  widthB: number,
  heightB: number,
): Alignment | null {
  const samples: Sample[] = [];
  const steps = 6;
  for (let i = 0; i <= steps; i += 1) {
    for (let j = 0; j <= steps; j += 1) {
      const x = (widthB * i) / steps,
        y = (heightB * j) / steps;
      const s = b.world(x, y, heightB);
      const p = s ? a.pixel(s.lng, s.lat, heightA) : null;
      if (p && Number.isFinite(p[0]) && Number.isFinite(p[1])) samples.push({ b: [x, y], a: p });
    }
  }
  if (samples.length < 6) return null;
  const affine = fitAffine(samples);
  if (!affine) return null;
  const [ma, mb, , md, me] = affine;
  const det = ma * me - mb * md;
  if (!(Math.abs(det) > 0)) return null;
  const flipped = det < 0;
  // L·F with F = diag(−1, 1) undoes the mirror; the rest is a rotation times a scale.
  const [r00, r10] = flipped ? [-ma, -md] : [ma, md];
  const [r01, r11] = [mb, me];
  const rotation = (Math.atan2(r10 - r01, r00 + r11) * 180) / Math.PI;
  const scale = Math.sqrt(Math.abs(det));
  const cos = Math.cos((rotation * Math.PI) / 180) * scale,
    sin = Math.sin((rotation * Math.PI) / 180) * scale;
  // The similarity OpenSeadragon draws, about B's centre where the affine puts it.
  const cb: [number, number] = [widthB / 2, heightB / 2];
  const ca = [ma * cb[0] + mb * cb[1] + affine[2], md * cb[0] + me * cb[1] + affine[5]];
  let residual = 0;
  for (const { b: q, a: p } of samples) {
    const dx = (flipped ? -1 : 1) * (q[0] - cb[0]),
      dy = q[1] - cb[1];
    const sx = ca[0] + cos * dx - sin * dy,
      sy = ca[1] + sin * dx + cos * dy;
    residual = Math.max(residual, Math.hypot(sx - p[0], sy - p[1]));
  }
  const turned = ((rotation % 360) + 360) % 360;
  return { affine, scale, rotation: turned > 360 - 1e-9 ? 0 : turned, flipped, residual, samples: samples.length };
}

// Where OpenSeadragon puts item B (viewport units, item A at x 0 with width 1) for an alignment:
// its unrotated top-left corner and width; rotation and mirror apply about its centre.
export function placement(
  al: Alignment,
  widthA: number,
  widthB: number,
  heightB: number,
): { x: number; y: number; width: number; rotation: number; flipped: boolean } {
  const [a, b, c, d, e, f] = al.affine;
  const cx = (a * widthB) / 2 + (b * heightB) / 2 + c,
    cy = (d * widthB) / 2 + (e * heightB) / 2 + f;
  const width = (al.scale * widthB) / widthA;
  const height = (al.scale * heightB) / widthA;
  return {
    x: cx / widthA - width / 2,
    y: cy / widthA - height / 2,
    width,
    rotation: al.rotation,
    flipped: al.flipped,
  };
}
