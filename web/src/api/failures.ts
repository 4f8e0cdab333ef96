// Unexpected failures, reported to whoever shows them (the app shell's error screen): a 5xx from the
// API, the server out of reach, an exception nobody caught. Expected errors (401/403 → sign-in,
// 404 → not found, other 4xx → the form's message) never come here; their callers handle them.
export interface Failure {
  kind: "server" | "network" | "script";
  // What was being done: "GET /api/datasets", or the exception's message.
  what: string;
  status: number | null;
  message: string;
  requestId: string | null;
}

type Listener = (f: Failure) => void;
const listeners: Listener[] = [];

export function onFailure(listener: Listener): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}

export function reportFailure(f: Failure): void {
  for (const l of [...listeners]) l(f);
}

// 507 (no room for an upload) is a refusal with its own explanation on the page that asked, not a
// fault of the server; every other 5xx is.
export function isUnexpectedStatus(status: number): boolean {
  return status >= 500 && status !== 507;
}
