// The information panel's rows for a celestial WCS: the system and frame, and the pixel scale,
// orientation and field of view the server computed with wcslib.
import { frameOf, type SkyWcs } from "./sky";

function angle(deg: number): string {
  const a = Math.abs(deg);
  if (a >= 1) return `${deg.toFixed(2)}°`;
  if (a * 60 >= 1) return `${(deg * 60).toFixed(2)}′`;
  return `${(deg * 3600).toFixed(2)}″`;
}

export function skyInfoRows(w: SkyWcs, shown: boolean): [string, string][] {
  const frame = frameOf(w);
  const distortion = w.distortion?.type ? ` + ${w.distortion.type}` : "";
  const rows: [string, string][] = [
    [
      "Sky coordinates",
      `${w.ctype.join(", ")}${w.radesys ? ` (${w.radesys})` : ""}${shown ? "" : ": not shown under the pointer"}`,
    ],
    ["Frame", `${frame.name}, ${w.projection}${distortion} projection`],
  ];
  if (w.pixel_scale) {
    const [sx, sy] = w.pixel_scale_xy ?? [w.pixel_scale, w.pixel_scale];
    const each = Math.abs(sx - sy) > 0.005 * Math.max(sx, sy) ? ` (${sx.toPrecision(4)} × ${sy.toPrecision(4)})` : "";
    rows.push(["Pixel scale", `${w.pixel_scale.toPrecision(4)}″/px${each}`]);
  }
  if (w.north_angle !== undefined && w.north_angle !== null) {
    const n = Math.round(w.north_angle * 100) / 100;
    const north = n === 0 ? "up" : `${Math.abs(n).toFixed(2)}° ${n > 0 ? "counter-clockwise" : "clockwise"} from up`;
    const east = w.east_left
      ? "90° counter-clockwise from north (as on the sky)"
      : "90° clockwise from north (mirrored)";
    rows.push(["North", `${north}, east ${east}`]);
  } else if (w.pixel_scale) {
    rows.push(["North", "no direction: a celestial pole is at the centre"]);
  }
  if (w.fov && w.fov[0] !== null && w.fov[1] !== null)
    rows.push(["Field of view", `${angle(w.fov[0])} × ${angle(w.fov[1])}`]);
  return rows;
}
