// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules, type-aware, for the
// app, its tests and the build scripts. Formatting is Prettier's business, not ESLint's.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const ONE_CLIENT = "Call the server through api() from src/api/client.ts (credentials, CSRF, session rule).";

export default defineConfig(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // As TypeScript's noUnusedParameters: a leading underscore marks a parameter kept for its position.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // One API client: every call to the server goes through src/api/client.ts, which owns the
    // credentials, the CSRF header, errors as ApiError and the session rule (401/403 → sign in).
    files: ["src/**/*.ts"],
    ignores: ["src/api/**"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: ONE_CLIENT },
        { name: "XMLHttpRequest", message: ONE_CLIENT },
      ],
      "no-restricted-properties": [
        "error",
        { object: "window", property: "fetch", message: ONE_CLIENT },
        { object: "globalThis", property: "fetch", message: ONE_CLIENT },
        { object: "self", property: "fetch", message: ONE_CLIENT },
      ],
    },
  },
  {
    // Build scripts and this file: plain JavaScript run by Node, outside the TypeScript project.
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
);
