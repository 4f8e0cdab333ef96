// Numbers an upload shows: speed (smoothed), time left, and what an error means to the user.
export class RateMeter {
  private last: { t: number; bytes: number } | null = null;
  private rate = 0;
  // An exponential moving average: steady enough to read, quick enough to follow a changing link.
  sample(bytes: number, now: number): number {
    if (this.last && now > this.last.t) {
      const instant = ((bytes - this.last.bytes) * 1000) / (now - this.last.t);
      this.rate = this.rate === 0 ? instant : 0.8 * this.rate + 0.2 * instant;
    }
    this.last = { t: now, bytes };
    return this.rate;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function uploadErrorMessage(status: number, code: string, message: string): string {
  switch (status) {
    case 0:
      return "The connection to the server was lost. Your upload is kept: choose the same file again to resume.";
    case 413:
      return "This file is larger than the server accepts.";
    case 415:
      return message || "This kind of file is not supported.";
    case 422:
      return code === "pixel_limit_exceeded"
        ? "This image has more pixels than the server accepts."
        : message || "The file is damaged and cannot be read.";
    case 507:
      return "The server is out of disk space. Try again later.";
    case 429:
      return "Too many requests. Wait a moment and resume.";
    default:
      return message || `The upload failed (HTTP ${status}).`;
  }
}

// File names the upload form offers the FITS fields for (the server decides the format by content).
export function isFitsName(name: string): boolean {
  return /\.(fits|fit|fts|fz|fits\.gz|fit\.gz|fts\.gz)$/i.test(name.trim());
}
