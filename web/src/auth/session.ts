// The signed-in user as the app remembers it between page loads. The real credential is the
// HttpOnly cookie; this copy only drives the UI and is dropped whenever the server says 401/403.
import type { User } from "../api/types";

const KEY = "astropixel.user";

export function currentUser(): User | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

export function rememberUser(user: User): void {
  localStorage.setItem(KEY, JSON.stringify(user));
}

export function forgetUser(): void {
  localStorage.removeItem(KEY);
}
