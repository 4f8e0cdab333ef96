// Pages only a signed-in user can use: a signed-out visitor is sent to sign in first and brought
// back afterwards, instead of filling in a form only to learn at the end that they must sign in.
import { handleSessionLoss } from "../api/client";
import type { PageFn } from "../router";
import { currentUser } from "./session";

export function signedInOnly(page: PageFn): PageFn {
  return (root, params, query) => {
    if (!currentUser()) {
      handleSessionLoss();
      return;
    }
    return page(root, params, query);
  };
}
