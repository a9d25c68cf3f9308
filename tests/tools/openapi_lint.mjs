// openapi_lint.mjs — checks docs/openapi.yaml: valid OpenAPI 3.1 (the
// official schema and $ref resolution, by @apidevtools/swagger-parser,
// pinned in package.json), and in step with the code: every row of the
// route table (src/server/routes.c) is described with its method, and the
// error codes it lists are those of include/envelog/error.h.
//
//   node tests/tools/openapi_lint.mjs [docs/openapi.yaml]
// Prints TAP lines ("ok N - …" / "not ok N - …"), no plan; exit 1 on a
// failure.
import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2] ?? "docs/openapi.yaml";
let n = 0, fails = 0;
const ok = (d) => console.log(`ok ${++n} - ${d}`);
const nok = (d, ...why) => {
	fails++;
	console.log(`not ok ${++n} - ${d}`);
	for (const w of why) console.log(`# ${w}`);
};

let api;
try {
	// validate() resolves every $ref and checks the result against the
	// OpenAPI 3.1 schema, then path parameters and operationIds.
	api = await SwaggerParser.validate(file);
	if (!String(api.openapi).startsWith("3.1."))
		nok(`${file} is OpenAPI 3.1`, `openapi: ${api.openapi}`);
	else ok(`${file} is valid OpenAPI ${api.openapi}`);
} catch (e) {
	nok(`${file} is valid OpenAPI 3.1`, ...String(e.message).split("\n").slice(0, 20));
	process.exit(1);
}

// operationIds are unique (the validator does not check it for 3.1).
const ids = Object.values(api.paths).flatMap((item) =>
	Object.values(item).map((op) => op?.operationId).filter(Boolean));
const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
if (dup.length) nok("operationIds are unique", dup.join(" "));
else ok(`the ${ids.length} operationIds are unique`);

// The route table: {"/path", M_GET, …} rows (TLOG_PREFIX "x" is "/tlog/x").
const routes = readFileSync("src/server/routes.c", "utf8")
	.replace(/TLOG_PREFIX\s+"/g, '"/tlog/')
	.matchAll(/\{\s*"([^"]+)",\s*M_(GET|POST)/g);
let rows = 0;
for (const [, path, method] of routes) {
	rows++;
	const m = method.toLowerCase();
	const hit = path.endsWith("/")
		? Object.keys(api.paths).filter((p) => p.startsWith(path) && api.paths[p][m])
		: api.paths[path]?.[m] ? [path] : [];
	if (hit.length) ok(`route ${method} ${path} is described`);
	else nok(`route ${method} ${path} is described`);
}
if (rows < 10) nok("the route table was read", `${rows} rows`);

// Error codes: the enum holds only registry codes; every registry code is
// in the enum or named as one the server never sends.
const registry = [...readFileSync("include/envelog/error.h", "utf8")
	.matchAll(/X\([A-Z0-9_]+, "([a-z0-9_]+)", (\d+)\)/g)]
	.map((m) => m[1]).filter((c) => c !== "ok");
const ec = api.components.schemas.ErrorCode;
const unknown = ec.enum.filter((c) => !registry.includes(c));
if (unknown.length) nok("ErrorCode lists only codes of include/envelog/error.h", unknown.join(" "));
else ok("ErrorCode lists only codes of include/envelog/error.h");
const missing = registry.filter((c) => !ec.enum.includes(c) &&
	!new RegExp(`\\b${c}\\b`).test(ec.description));
if (missing.length) nok("every code of include/envelog/error.h is described", missing.join(" "));
else ok("every code of include/envelog/error.h is described");

process.exit(fails ? 1 : 0);
