// bundle.mjs — the auditor console as one self-contained HTML file, for an
// auditor to keep a copy they checked and open it from a file or from any
// origin, not from the log it checks.  `make console` runs it:
//
//   node src/console/bundle.mjs WEBDIR OUT.html
//
// The modules of WEBDIR are joined in dependency order into one inline
// module script (their imports of each other removed, their exports made
// plain declarations; the build fails if two modules declare the same
// top-level name), style.css becomes an inline style, and the page's CSP
// allows exactly those two by their SHA-256 hashes: still no other script
// or style, no inline handlers, no eval.  connect-src allows http: and
// https:, since the log this copy checks is set under Settings.  Prints
// "sha256 HEX  OUT.html".
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

const [webdir, out] = process.argv.slice(2);
if (!webdir || !out) {
	console.error('usage: node src/console/bundle.mjs WEBDIR OUT.html');
	process.exit(2);
}
const read = (f) => readFileSync(path.join(webdir, f), 'utf8');
const fail = (msg) => {
	console.error(`bundle.mjs: ${msg}`);
	process.exit(1);
};

// Modules in an order where each comes after what it imports.
const IMPORT = /^import\s*\{[^}]*\}\s*from\s*'\.\/([a-z0-9_-]+\.js)';[ \t]*\n/gm;
const modules = readdirSync(webdir).filter((f) => f.endsWith('.js')).sort();
const deps = new Map(modules.map((m) => [m, [...read(m).matchAll(IMPORT)].map((x) => x[1])]));
const order = [];
const visit = (m, stack = []) => {
	if (order.includes(m)) return;
	if (stack.includes(m)) fail(`import cycle: ${[...stack, m].join(' -> ')}`);
	if (!deps.has(m)) fail(`${stack[stack.length - 1]} imports ${m}, which is not in ${webdir}`);
	for (const d of deps.get(m)) visit(d, [...stack, m]);
	order.push(m);
};
visit('app.js');

const DECL = /^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/gm;
const owner = new Map();
const parts = [];
for (const m of order) {
	let src = read(m);
	if (/^\s*import\s/m.test(src.replace(IMPORT, ''))) fail(`${m} has an import this bundler does not handle`);
	src = src.replace(IMPORT, '').replace(/^export\s+(?=(?:async\s+)?(?:function|const|let|var|class)\b)/gm, '');
	if (/^export\b/m.test(src)) fail(`${m} has an export this bundler does not handle`);
	for (const [, name] of src.matchAll(DECL)) {
		if (owner.has(name)) fail(`${name} is declared in both ${owner.get(name)} and ${m}`);
		owner.set(name, m);
	}
	parts.push(`// ---- ${m} ----\n${src}`);
}
const script = `\n${parts.join('\n')}\n`;
const style = `\n${read('style.css')}\n`;
const b64 = (s) => createHash('sha256').update(s, 'utf8').digest('base64');
if (script.includes('</script') || style.includes('</style')) fail('a closing tag inside the inlined code');

let html = read('index.html');
const csp = `default-src 'none'; script-src 'sha256-${b64(script)}'; style-src 'sha256-${b64(style)}'; ` +
	"img-src blob: data:; connect-src http: https:; object-src 'none'; base-uri 'none'; form-action 'none'";
const swap = (re, to, what) => {
	if (!re.test(html)) fail(`index.html has no ${what}`);
	html = html.replace(re, () => to);
};
swap(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`, 'CSP meta element');
swap(/<link rel="stylesheet" href="style\.css">/, `<style>${style}</style>`, 'style sheet link');
swap(/<script type="module" src="app\.js"><\/script>/, `<script type="module">${script}</script>`, 'app.js script element');
swap(/<html lang="en">/, '<html lang="en" data-standalone="1">', 'html element');
writeFileSync(out, html);
console.log(`sha256 ${createHash('sha256').update(html).digest('hex')}  ${out}`);
