import { beforeEach, describe, expect, it } from "vitest";
import { setNavigation } from "../api/client";
import { signedInOnly } from "./guard";
import { forgetUser, rememberUser } from "./session";

describe("signedInOnly", () => {
  let went: string[];
  beforeEach(() => {
    went = [];
    setNavigation({ path: () => "/upload?category=mars", go: (u) => went.push(u) });
  });

  it("sends a signed-out visitor to sign in, with the way back", () => {
    forgetUser();
    let rendered = false;
    signedInOnly(() => {
      rendered = true;
    })(document.createElement("div"), {}, new URLSearchParams());
    expect(rendered).toBe(false);
    expect(went).toEqual(["/login?redirect=%2Fupload%3Fcategory%3Dmars"]);
  });

  it("shows the page to a signed-in user", () => {
    rememberUser({
      id: "u",
      email: "a@b.c",
      username: "ada",
      full_name: "",
      avatar_url: "",
      role: "user",
      is_admin: false,
      disabled: false,
      created_at: "",
    });
    let rendered = false;
    signedInOnly(() => {
      rendered = true;
    })(document.createElement("div"), {}, new URLSearchParams());
    expect(rendered).toBe(true);
    expect(went).toEqual([]);
  });
});
