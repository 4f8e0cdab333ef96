// Checks the server's OpenAPI document with real third-party tools, and answers the server gave
// against it. Usage: node validate_openapi.mjs DOCUMENT.json [ANSWERS.json]
//
// 1. @apidevtools/swagger-parser validates the document (OpenAPI 3.1 schema, $refs, path templates).
// 2. Each recorded answer ({method, path, status, content_type, body}) is matched to its operation
//    by the path templates, and must be documented: its status (or `default`, for errors only), its
//    media type, and, for JSON bodies, its schema, which ajv (JSON Schema 2020-12, OpenAPI 3.1's
//    dialect, with ajv-formats) checks.
// Prints one JSON line: {"valid", "errors", "operations", "answers": [{..., "ok", "errors"}]}.
import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docFile, answersFile] = process.argv.slice(2);
const document = JSON.parse(readFileSync(docFile, "utf8"));
const report = { valid: false, errors: [], operations: 0, answers: [] };

try {
  await SwaggerParser.validate(structuredClone(document));
  report.valid = true;
} catch (e) {
  report.errors.push(String(e.message || e));
}

const resolved = await SwaggerParser.dereference(structuredClone(document));
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// Each operation with a matcher for its path: templates match one segment or, for a {rest} that
// the document says takes '/' (a router path parameter), the rest of the path.
const operations = [];
for (const [template, item] of Object.entries(resolved.paths)) {
  for (const method of methods) {
    const op = item[method];
    if (!op) continue;
    report.operations++;
    const multi = new Set(
      (op.parameters || []).filter((p) => p.in === "path" && /'\/'/.test(p.description || "")).map((p) => p.name),
    );
    let pattern = "";
    let literal = 0;
    for (const part of template.split(/(\{[^}]+\})/)) {
      if (part.startsWith("{")) {
        pattern += multi.has(part.slice(1, -1)) ? "(.+)" : "([^/]+?)";
      } else {
        pattern += part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        literal += part.length;
      }
    }
    operations.push({ method, template, op, re: new RegExp(`^${pattern}$`), literal });
  }
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

// The most specific template wins, as literals beat parameters in the router. HEAD is answered by
// GET routes: its own operation where one is described, else GET's.
function operationFor(method, path) {
  const find = (m) => operations.filter((o) => o.method === m && o.re.test(path)).sort((a, b) => b.literal - a.literal)[0];
  const m = method.toLowerCase();
  return find(m) || (m === "head" ? find("get") : undefined);
}

if (answersFile) {
  const answers = JSON.parse(readFileSync(answersFile, "utf8"));
  for (const a of answers) {
    const result = { method: a.method, path: a.path, status: a.status, ok: false, errors: [] };
    report.answers.push(result);
    const found = operationFor(a.method, a.path);
    if (!found) {
      result.errors.push("no documented operation");
      continue;
    }
    result.template = found.template;
    const responses = found.op.responses || {};
    let response = responses[String(a.status)];
    if (!response && a.status >= 400) response = responses.default;
    if (!response) {
      result.errors.push(`status ${a.status} is not documented (${Object.keys(responses).join(", ")})`);
      continue;
    }
    const type = (a.content_type || "").split(";")[0].trim();
    const content = response.content || {};
    if (a.body_bytes > 0 && Object.keys(content).length === 0) {
      result.errors.push(`documented without a body, answered ${type}`);
      continue;
    }
    if (Object.keys(content).length > 0 && a.body_bytes > 0) {
      const media = content[type];
      if (!media) {
        result.errors.push(`media type ${type} is not documented (${Object.keys(content).join(", ")})`);
        continue;
      }
      if (type === "application/json") {
        if (!media.schema) {
          result.errors.push("a JSON answer without a schema");
          continue;
        }
        const validate = ajv.compile(media.schema);
        if (!validate(a.body)) {
          result.errors.push(...validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}`));
          continue;
        }
        result.schema_checked = true;
      }
    }
    result.ok = true;
  }
}

console.log(JSON.stringify(report));
process.exit(report.valid && report.answers.every((a) => a.ok) ? 0 : 1);
