// Where a georeferenced image's pixels are on the ground (or on Mars): the geotransform the server
// read from the GeoTIFF (GDAL order: x0, dx, rx, y0, ry, dy, for the pixel's top-left corner).
export interface Georeference {
  model: "projected" | "geographic" | "geocentric" | null;
  epsg: number | null;
  crs: string | null;
  citation: string | null;
  geotransform?: [number, number, number, number, number, number];
  bounds?: [number, number, number, number];
  pixel_size?: [number, number];
}

// Model coordinates of an image position (pixels, fractional).
export function toModel(g: Georeference, px: number, py: number): { x: number; y: number } | null {
  const t = g.geotransform;
  if (!t) return null;
  return { x: t[0] + px * t[1] + py * t[2], y: t[3] + px * t[4] + py * t[5] };
}

// A readout for a position: longitude/latitude in degrees for geographic systems, easting and
// northing for projected ones.
export function describePosition(g: Georeference, px: number, py: number): string | null {
  const m = toModel(g, px, py);
  if (!m) return null;
  if (g.model === "geographic") {
    const lon = `${Math.abs(m.x).toFixed(5)}° ${m.x < 0 ? "W" : "E"}`;
    const lat = `${Math.abs(m.y).toFixed(5)}° ${m.y < 0 ? "S" : "N"}`;
    return `${lat}, ${lon}`;
  }
  return `E ${m.x.toFixed(1)}, N ${m.y.toFixed(1)}${g.crs ? ` (${g.crs})` : ""}`;
}

// One line for the information panel.
export function describeSystem(g: Georeference): string {
  const name = g.crs ?? g.citation ?? "user-defined";
  return g.model ? `${name}, ${g.model}` : name;
}
