import { describe, expect, it } from "vitest";
import { RateMeter, formatDuration, isFitsName, uploadErrorMessage } from "./format";

describe("upload numbers", () => {
  it("smooths the transfer rate", () => {
    const m = new RateMeter();
    expect(m.sample(0, 0)).toBe(0);
    expect(m.sample(1000, 1000)).toBe(1000);
    expect(m.sample(2000, 2000)).toBe(1000);
    expect(m.sample(5000, 3000)).toBeCloseTo(1400);
  });
  it("formats durations", () => {
    expect(formatDuration(5.2)).toBe("6 s");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(7260)).toBe("2 h 1 min");
    expect(formatDuration(Infinity)).toBe("—");
  });
  it("explains errors", () => {
    expect(uploadErrorMessage(413, "upload_too_large", "")).toMatch(/larger/);
    expect(uploadErrorMessage(415, "unsupported_format", "Accepted: TIFF, FITS")).toBe("Accepted: TIFF, FITS");
    expect(uploadErrorMessage(507, "insufficient_disk_space", "")).toMatch(/disk space/);
    expect(uploadErrorMessage(0, "network_error", "")).toMatch(/resume/);
  });
});

describe("FITS file names", () => {
  it("offers the HDU and plane fields for FITS names only", () => {
    for (const n of ["m31.fits", "M31.FITS", "a.fit", "a.fts", "a.fits.fz", "a.fz", "a.fits.gz", "a.fit.gz"])
      expect(isFitsName(n), n).toBe(true);
    for (const n of ["a.tif", "a.gz", "a.tar.gz", "fits", "a.fits.png", "a.jpg"]) expect(isFitsName(n), n).toBe(false);
  });
});
