import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SERVER_BUSY, setNavigation } from "../api/client";
import { type Failure, onFailure } from "../api/failures";
import { passwordForm } from "./account_page";
import { loginPage, signupPage } from "./auth_pages";

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  vi.fn(() =>
    Promise.resolve(
      new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } }),
    ),
  );
const busy = () =>
  answer(503, { message: "Service temporarily unavailable", code: "service_unavailable" }, { "Retry-After": "1" });

const fill = (root: HTMLElement, values: Record<string, string>) => {
  for (const [name, value] of Object.entries(values)) {
    root.querySelector<HTMLInputElement>(`input[name="${name}"]`)!.value = value;
  }
};
const typed = (root: HTMLElement, names: string[]) =>
  names.map((n) => root.querySelector<HTMLInputElement>(`input[name="${n}"]`)!.value);
const submit = (root: HTMLElement) =>
  root.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
// The form's answer: the alert its status region shows once the request has ended.
const alertIn = (root: HTMLElement) =>
  vi.waitFor(() => {
    const a = root.querySelector<HTMLElement>("[aria-live] [role=alert]");
    if (!a) throw new Error("no answer yet");
    return a;
  });

// A server whose password-hashing queue is full answers 503 service_unavailable: the sign-in, sign-up
// and password forms say so in place and keep what was typed; other 5xx go to the error screen.
describe("forms that hash a password, when the server is busy", () => {
  let seen: Failure[];
  let stop: () => void;
  let root: HTMLElement;
  beforeEach(() => {
    seen = [];
    stop = onFailure((f) => seen.push(f));
    root = document.createElement("div");
    document.body.append(root);
    setNavigation({ path: () => "/login", go: () => undefined });
  });
  afterEach(() => {
    stop();
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  const login = { login: "ada", password: "a long password" };
  const signup = { email: "ada@example.org", username: "ada", full_name: "Ada", password: "a long password" };

  it.each([
    ["sign-in", loginPage, login],
    ["sign-up", signupPage, signup],
  ])("%s: says the server is busy in the form and keeps what was typed", async (_name, page, values) => {
    vi.stubGlobal("fetch", busy());
    page(root, {}, new URLSearchParams());
    fill(root, values);
    submit(root);
    const alert = await alertIn(root);
    expect(alert.textContent).toBe(SERVER_BUSY);
    expect(SERVER_BUSY).toBe("The server is busy; try again in a moment.");
    expect(typed(root, Object.keys(values))).toEqual(Object.values(values));
    expect(root.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled).toBe(false);
    expect(seen).toEqual([]);
  });

  it("sign-in: any other 5xx still goes to the error screen", async () => {
    vi.stubGlobal("fetch", answer(500, { message: "Internal server error", code: "internal", request_id: "r5" }));
    loginPage(root, {}, new URLSearchParams());
    fill(root, login);
    submit(root);
    await alertIn(root);
    expect(seen.map((f) => [f.status, f.requestId])).toEqual([[500, "r5"]]);
  });

  it("password change: says the server is busy and keeps the passwords", async () => {
    vi.stubGlobal("fetch", busy());
    root.append(passwordForm());
    const values = {
      current_password: "old password",
      new_password: "new password",
      new_password_again: "new password",
    };
    fill(root, values);
    submit(root);
    const alert = await alertIn(root);
    expect(alert.textContent).toContain(SERVER_BUSY);
    expect(typed(root, Object.keys(values))).toEqual(Object.values(values));
    expect(seen).toEqual([]);
  });
});
