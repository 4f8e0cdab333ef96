import { describe, expect, it } from "vitest";
import { accountLossSummary, avatarHue, initials, memberSince, profileChange } from "./account_page";

describe("account page", () => {
  it("takes the initials of the first and last names, else the username", () => {
    expect(initials({ full_name: "Ada King Lovelace", username: "ada" })).toBe("AL");
    expect(initials({ full_name: "  grace  ", username: "g" })).toBe("G");
    expect(initials({ full_name: "", username: "zed_99" })).toBe("Z");
    expect(initials({ full_name: "émile 🚀rocket", username: "x" })).toBe("É🚀");
  });

  it("gives one account the same hue every time, within the colour wheel", () => {
    expect(avatarHue("abc")).toBe(avatarHue("abc"));
    expect(avatarHue("abc")).not.toBe(avatarHue("abd"));
    for (const id of ["", "x", "0123456789abcdef".repeat(8)]) {
      expect(avatarHue(id)).toBeGreaterThanOrEqual(0);
      expect(avatarHue(id)).toBeLessThan(360);
    }
  });

  it("names what deleting the account takes away", () => {
    expect(accountLossSummary(0, 0)).toBe("You have no datasets; only the account itself goes.");
    expect(accountLossSummary(1, 2_500_000)).toBe(
      "This deletes your 1 dataset (2.5 MB: originals, tiles and annotations) and the account itself.",
    );
    expect(accountLossSummary(1234, 5e9)).toContain("all 1,234 of your datasets (5.0 GB");
  });

  it("shows the day the account was made, or the raw value when it is not a date", () => {
    expect(memberSince("2026-03-04T10:00:00Z")).toBe("4 March 2026");
    expect(memberSince("yesterday")).toBe("yesterday");
  });

  it("sends only what changed, and the password only with a new email", () => {
    const user = { full_name: "Ada", email: "ada@example.org" };
    expect(profileChange(user, " Ada ", "ada@example.org", "pw")).toBeNull();
    expect(profileChange(user, "Ada Lovelace", "ada@example.org", "pw")).toEqual({ full_name: "Ada Lovelace" });
    expect(profileChange(user, "Ada", " ada@new.org ", "secret")).toEqual({
      email: "ada@new.org",
      current_password: "secret",
    });
  });
});
