// Browser test of the auditor console against a root log: two shards
// (ordinary envelogd logs) and a root (envelogd --shards) on loopback, the
// console pointed at the root.  The Shards screen shows both shards with
// the sizes the root recorded, verified; the report is the root's sum over
// its shards, and a shard that cannot be read is an error, not a partial
// table; a shard restarted on a forked copy of its database is refused by
// the root, and the console shows that refusal as an alarm on every screen,
// with both of the shard's signed checkpoints as evidence.  The standalone
// console (make console), opened from a file, does the same across origins.
// Playwright (playwright-core) drives Debian's headless chromium.  Prints
// TAP (node:test); run with plain `node`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, copyFileSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, startEnvelogd, stopEnvelogd } from './envelogd.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { verifyCheckpoint, parseVerifierKey } = await import(path.join(ROOT, 'web/verify.js'));
const B = path.resolve(ROOT, process.env.B || 'build');
const OUT = path.resolve(process.env.TEST_OUT ? path.join(process.env.TEST_OUT, 'browser') : path.join(B, 'test-out', 'browser'));
const CLI = path.join(B, 'envelog');
const SERVER = path.join(B, 'envelogd');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ROOT_ORIGIN = 'test.example/root';

const T = mkdtempSync(path.join(tmpdir(), 'envelog-root-browser-'));
const cli = (args, input) => execFileSync(CLI, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
let skipAll = '';
let browser = null, page = null;
const pageErrors = [];
const NOW = Date.now();
const AUTHORITY = 'uk-nca';
let authorityKey = '', authorityVkey = '';

/** A log: its database, key, origin, port and tokens; start() and stop() its envelogd. */
class Log {
	constructor(name, origin) {
		Object.assign(this, { name, origin, db: path.join(T, `${name}.db`), key: path.join(T, `${name}.key`), proc: null, port: 0 });
	}

	async init() {
		this.vkey = cli(['init', '--db', this.db, '--origin', this.origin]);
		this.port = await freePort();
		this.url = `http://127.0.0.1:${this.port}`;
		this.auditor = cli(['token', 'add', '--db', this.db, '--role', 'auditor']);
	}

	async start(extra = [], db = this.db) {
		this.proc = await startEnvelogd(SERVER, ['--db', db, '--key', this.key, '--listen', `127.0.0.1:${this.port}`, '--web', path.join(ROOT, 'web'), '--threads', '2', ...extra], this.url);
	}

	async stop() {
		const p = this.proc;
		this.proc = null;
		await stopEnvelogd(p);
	}

	async api(pathname, opts = {}) {
		const res = await fetch(this.url + pathname, opts);
		const text = await res.text();
		let json = null;
		try { json = JSON.parse(text); } catch (e) { /* text */ }
		return { status: res.status, text, json };
	}

	async size() {
		return Number((await this.api('/v1/checkpoint')).text.split('\n')[1]);
	}
}

const shards = [new Log('shard1', 'test.example/shard-1'), new Log('shard2', 'test.example/shard-2')];
const root = new Log('root', ROOT_ORIGIN);

async function ingest(log, n, tag) {
	const events = Array.from({ length: n }, (_, i) => ({
		ts: NOW - 3600000 + i * 1000, sender: `+4477009${String(i % 5).padStart(5, '0')}`,
		recipient: '+447700900456', type: 'message', size: 100 + i, device: `${tag}-${i}`,
	}));
	const r = await log.api('/v1/events', { method: 'POST', headers: { Authorization: `Bearer ${log.ingest}`, 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
	assert.equal(r.status, 201, `ingest into ${log.name}: ${r.text}`);
}

const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A warrant of the authority, sent to one shard (naming that shard's log). */
async function request(log, id) {
	const body = ['envelog/warrant/v1', `id ${id}`, `authority ${AUTHORITY}`, `log ${log.origin}`, 'subject +447700900000',
		`from ${rfc3339(NOW - 7200000)}`, `to ${rfc3339(NOW)}`, `expires ${rfc3339(NOW + 30 * 86400000)}`, 'basis Test Act 2026 s.1', ''].join('\n');
	const signed = cli(['warrant', 'sign', '--key', authorityKey], body) + '\n';
	return log.api('/v1/requests', { method: 'POST', headers: { Authorization: `Bearer ${log.authority}`, 'Content-Type': 'text/plain' }, body: signed });
}

/** Wait until cond() (async) holds; fails naming what after about 20 s. */
async function until(what, cond) {
	for (let i = 0; i < 200; i++) {
		if (await cond()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`timed out waiting until ${what}`);
}

/** The root's /v1/shards entry for a shard. */
const listed = async (log) => (await root.api('/v1/shards')).json.shards.find((x) => x.origin === log.origin);
const recorded = async (log) => ((await listed(log)).latest || {}).size;

function writeShardsFile(states = {}) {
	const lines = ['# the shards of the test root'];
	for (const s of shards) {
		const tok = path.join(T, `${s.name}.auditor`);
		writeFileSync(tok, s.auditor + '\n', { mode: 0o600 });
		lines.push(`shard ${s.origin} ${s.url} ${s.vkey}${states[s.name] ? ` state=${states[s.name]}` : ''} auditor-token=${tok}`);
	}
	writeFileSync(path.join(T, 'shards'), lines.join('\n') + '\n');
}

async function go(screen) {
	await page.goto('about:blank');
	await page.goto(`${root.url}/#${screen}`);
	await page.waitForSelector('body[data-ready="1"]');
}

const AXE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const axeFound = [];

/** Screenshots at 1280×800 and 390×844 (a phone), and axe-core at both: no violation, nothing wider than the screen. */
async function shot(name) {
	mkdirSync(OUT, { recursive: true });
	for (const [size, vp] of [['wide', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
		await page.setViewportSize(vp);
		await page.screenshot({ path: path.join(OUT, `${name}-${size}.png`), fullPage: true });
		const wide = await page.evaluate(() => document.documentElement.scrollWidth);
		if (wide > vp.width) axeFound.push(`${name}-${size}: the page is ${wide} px wide on a ${vp.width} px screen`);
		// evaluated by the driver, so the page's CSP (no inline script) stays on
		if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;0`);
		const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
		axeFound.push(...r.violations.flatMap((x) => x.nodes.map((n) => `${name}-${size}: ${x.id}: ${n.target.join(' ')} (${x.impact}) ${x.help}`)));
	}
	await page.setViewportSize({ width: 1280, height: 800 });
}

/** The Shards screen once its check is done: its first notice. */
async function shardsScreen() {
	await go('shards');
	return page.waitForSelector('#shards-status .notice.ok, #shards-status .notice.alarm, #shards-status .notice.warn', { timeout: 30000 });
}

before(async () => {
	for (const f of [CLI, SERVER]) if (!existsSync(f)) { skipAll = `${f} is not built`; return; }
	if (!existsSync(CHROMIUM)) { skipAll = `${CHROMIUM} is missing (make deps installs it)`; return; }
	authorityKey = path.join(T, 'authority.key');
	authorityVkey = cli(['warrant', 'keygen', AUTHORITY, '--out', authorityKey]);
	for (const s of shards) {
		await s.init();
		s.ingest = cli(['token', 'add', '--db', s.db, '--role', 'ingest']);
		cli(['authority', 'add', '--db', s.db, AUTHORITY, authorityVkey]);
		s.authority = cli(['token', 'add', '--db', s.db, '--role', 'authority', '--authority', AUTHORITY]);
	}
	await root.init();
	writeShardsFile();
	for (const s of shards) await s.start();
	// shard 2 as it is after its first batch: the copy it is later forked from
	await ingest(shards[1], 6, 'first');
	await shards[1].stop();
	for (const ext of ['', '-wal', '-shm']) if (existsSync(shards[1].db + ext)) copyFileSync(shards[1].db + ext, path.join(T, `fork.db${ext}`));
	await shards[1].start();
	await ingest(shards[0], 10, 'a');
	await ingest(shards[1], 7, 'b');
	for (const s of shards) assert.equal((await request(s, `W-${s.name}`)).status, 200, `the warrant naming the root is answered by ${s.name}`);
	await root.start(['--shards', path.join(T, 'shards'), '--follow-interval', '100']);
	for (const s of shards) {
		const size = await s.size();
		await until(`the root records ${s.name} at size ${size}`, async () => (await recorded(s)) === size);
	}
	const { chromium } = await import('playwright-core');
	browser = await chromium.launchPersistentContext(path.join(T, 'profile'), {
		executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	page = browser.pages()[0] || (await browser.newPage());
	page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	for (const l of [root, ...shards]) await l.stop();
	rmSync(T, { recursive: true, force: true });
});

const t = (name, fn) => test(name, async (ctx) => {
	if (skipAll) return ctx.skip(skipAll);
	await fn(ctx);
});

t('pointed at the root, the console verifies it and offers the Shards screen', async () => {
	await go('settings');
	await page.fill('#key-input', root.vkey);
	await page.click('#key-pin');
	await page.waitForSelector('#key-status .notice');
	await go('health');
	await page.waitForSelector('#tofu, #health-status .notice.ok');
	await page.waitForSelector('#health-root .notice', { timeout: 30000 });
	assert.match(await page.textContent('#health-root'), /This log is a root of 2 shards \(2 active\)/);
	assert.ok(await page.isVisible('#nav-shards'));
	assert.ok(await page.isHidden('#alarm-banner'));
});

t('the Shards screen shows both shards with the sizes the root recorded, verified', async () => {
	const first = await shardsScreen();
	assert.equal(await first.getAttribute('id'), 'shards-ok', await first.innerText());
	const cp = (await root.api('/v1/checkpoint')).text.split('\n');
	assert.match(await page.textContent('#shards-verified'), new RegExp(`All ${cp[1]} entries of the root were read and proved`));
	assert.equal(await page.locator('#shards tbody tr').count(), 2);
	for (const s of shards) {
		const row = `#shards tr[data-origin="${s.origin}"]`;
		const size = await s.size();
		const l = await listed(s);
		assert.equal(l.latest.size, size, 'the root recorded the shard\'s latest checkpoint');
		assert.equal(await page.textContent(`${row} .c-recorded-size`), size.toLocaleString('en-GB'));
		assert.equal(await page.textContent(`${row} .c-state`), 'Active');
		assert.equal(await page.textContent(`${row} .c-refusals`), '0');
		assert.equal(await page.textContent(`${row} .c-verified`), '✔ Verified');
		assert.match(await page.textContent(`${row} .c-last-recorded`), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
		assert.equal(await page.getAttribute(`${row} a.shard-console`, 'href'), `${s.url}/`);
	}
	// the root's entries, readable: both registrations, and a recorded checkpoint verifies on a click
	const events = await page.textContent('#root-events-table');
	for (const s of shards) assert.match(events, new RegExp(`Shard registered${s.origin.replace(/[./]/g, '\\$&')}`));
	const firstRecorded = page.locator('#root-recorded-table tr.row').first();
	await firstRecorded.locator('button').click();
	const detail = page.locator('#root-recorded-table tr.detail:not([hidden]) .notice');
	await detail.waitFor();
	await page.waitForFunction(() => !document.querySelector('#root-recorded-table tr.detail:not([hidden]) .notice.info'));
	const text = await detail.innerText();
	assert.match(text, /verified/);
	assert.match(text, /The shard's signature over its checkpoint .* verifies with test\.example\/shard-\d\+[0-9a-f]{8}, the key of its shard_add entry/);
	await shot('root-shards');
});

t('entry lookup shows a root entry readably, its shard signature checked', async () => {
	const leaves = (await root.api(`/v1/leaves?start=0&end=${await root.size()}`)).json.leaves;
	const rec = leaves.find((l) => l.kind === 'shard');
	await go('lookup');
	await page.fill('#lookup-seq', String(rec.seq));
	await page.click('#lookup-form button[type=submit]');
	const el = await page.waitForSelector('#lookup-result .notice:not(.info)');
	const text = await el.innerText();
	assert.match(text, new RegExp(`Entry ${rec.seq} verified`));
	assert.match(text, /The shard's signature over its checkpoint/);
	assert.equal(await page.textContent('#lookup-kind'), 'shard (Checkpoint recorded)');
	assert.equal(await page.textContent('#lookup-fields dd[data-field="origin"]'), rec.entry.origin);
	assert.equal(await page.textContent('#lookup-fields dd[data-field="size"]'), rec.entry.size.toLocaleString('en-GB'));
	assert.equal(await page.textContent('#lookup-fields dd[data-field="root"]'), rec.entry.root);
});

t('the report against the root: the sum over its shards, which it names', async () => {
	const tok = page.locator('#token-input');
	await go('settings');
	await tok.fill(root.auditor);
	await page.click('#token-save');
	const want = (await root.api('/v1/report', { headers: { Authorization: `Bearer ${root.auditor}` } })).json;
	assert.deepEqual([...want.shards].sort(), shards.map((s) => s.origin).sort());
	let answered = 0;
	for (const s of shards) {
		const r = (await s.api('/v1/report', { headers: { Authorization: `Bearer ${s.auditor}` } })).json;
		answered += r.rows.reduce((n, x) => n + x.answered, 0);
	}
	assert.equal(answered, 2, 'one disclosure in each shard');
	await go('report');
	await page.waitForSelector('#report-aggregated', { timeout: 30000 });
	assert.match(await page.textContent('#report-aggregated'), /Aggregated by the root from its 2 shards/);
	assert.match(await page.textContent('#report-shards'), new RegExp(shards.map((s) => s.origin).join(', ').replace(/[./]/g, '\\$&')));
	await page.waitForSelector('#report');
	const row = `#report tbody tr[data-authority="${AUTHORITY}"]`;
	assert.equal(await page.textContent(`${row} .c-answered`), String(answered));
	assert.equal(await page.textContent('#report tfoot .c-answered'), String(answered));
	await shot('root-report');
});

t('the standalone console (make console), opened from a file, checks the root and its report', async () => {
	const file = path.join(T, 'envelog-console.html');
	execFileSync('node', [path.join(ROOT, 'src/console/bundle.mjs'), path.join(ROOT, 'web'), file], { encoding: 'utf8' });
	const p = await browser.newPage();
	const errors = [];
	p.on('pageerror', (e) => errors.push(e.message));
	p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	try {
		const open = async (screen) => {
			await p.goto('about:blank');
			await p.goto(`file://${file}#${screen}`);
			await p.waitForSelector('body[data-ready="1"]');
		};
		await open('settings');
		await p.fill('#url-input', root.url);
		await p.click('#url-save');
		await p.waitForSelector('#url-saved');
		await p.fill('#key-input', root.vkey);
		await p.click('#key-pin');
		await p.fill('#token-input', root.auditor);
		await p.click('#token-save');
		await open('shards');
		const st = await p.waitForSelector('#shards-status .notice.ok, #shards-status .notice.alarm, #shards-status .notice.warn', { timeout: 30000 });
		assert.equal(await st.getAttribute('id'), 'shards-ok', await st.innerText());
		for (const s of shards)
			assert.equal(await p.textContent(`#shards tr[data-origin="${s.origin}"] .c-recorded-size`), (await s.size()).toLocaleString('en-GB'));
		await open('report');
		await p.waitForSelector('#report-aggregated', { timeout: 30000 });
		await p.waitForSelector('#report');
		assert.deepEqual(errors, [], 'no failed request (CORS) and no error');
	} finally {
		await p.close();
	}
});

t('a shard the root cannot read: the report is an explicit error naming it, no table', async () => {
	await shards[0].stop();
	try {
		const r = await root.api('/v1/report', { headers: { Authorization: `Bearer ${root.auditor}` } });
		assert.equal(r.status, 502);
		assert.equal(r.json.error.code, 'shard_unavailable');
		await go('report');
		const el = await page.waitForSelector('#report-shard-unavailable', { timeout: 30000 });
		assert.match(await el.innerText(), new RegExp(`The report could not be aggregated: shard ${shards[0].origin.replace(/[./]/g, '\\$&')} could not be read`));
		assert.equal(await page.locator('#report').count(), 0, 'no partial table');
		assert.equal(await page.locator('#report-charts svg').count(), 0);
		await page.waitForSelector('#nav-shards:not([hidden])');
		await shot('root-report-unavailable');
	} finally {
		await shards[0].start();
	}
});

t('a shard restarted on a forked copy of its database: the root refuses it, the console raises the alarm', async () => {
	const s = shards[1];
	const before = await recorded(s);
	await s.stop();
	// the operator of the shard forks on purpose: removes the signer's state
	rmSync(`${s.key}.state`, { force: true });
	await s.start([], path.join(T, 'fork.db'));
	await ingest(s, before + 3 - (await s.size()), 'forked');
	await until('the root records a refusal of the forked shard', async () => (await listed(s)).refusals > 0);
	assert.equal(await recorded(s), before, 'the root keeps the last good checkpoint');
	const first = await shardsScreen();
	assert.equal(await first.getAttribute('id'), 'shard-alarm', await first.innerText());
	const text = await first.innerText();
	assert.match(text, new RegExp(`ALARM: the root refused .* of ${s.origin.replace(/[./]/g, '\\$&')}`));
	assert.match(await page.textContent(`#shards tr[data-origin="${s.origin}"] .c-refusals`), /refused/);
	assert.equal(await page.textContent(`#shards tr[data-origin="${shards[0].origin}"] .c-refusals`), '0');
	assert.match(await page.textContent('#root-events-table'), /Refused: (fork|rollback)/);
	// as prominent as a fork of the log itself: the red banner on every screen, the alarm kept with its evidence
	for (const screen of ['health', 'ledger', 'report', 'lookup', 'settings']) {
		await go(screen);
		await page.waitForSelector('#banner-shard-refusal');
		assert.match(await page.textContent('#alarm-banner'), new RegExp(`The root refused checkpoints of its shard ${s.origin.replace(/[./]/g, '\\$&')}`));
	}
	await go('health');
	await page.waitForSelector('#health-shard-alarm', { timeout: 30000 });
	const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('envelog.alarms')));
	const refusals = kept.filter((a) => a.step === 'shard_refusal');
	assert.ok(refusals.length >= 1);
	const vkey = await parseVerifierKey(s.vkey);
	for (const a of refusals) {
		assert.equal(a.key, s.vkey);
		assert.equal(a.root, root.vkey);
		// both checkpoints are the shard's own signed notes
		const refused = await verifyCheckpoint(a.newCheckpoint, vkey);
		const last = await verifyCheckpoint(a.oldCheckpoint, vkey);
		assert.equal(last.size, before);
		assert.ok(refused.size !== last.size || refused.rootB64 !== last.rootB64);
	}
	assert.ok(await page.locator('#alarm-history ol.alarms > li[data-step="shard_refusal"]').count() >= 1);
	await shot('root-shard-refused');
});

t('a shard retired in the shards file (SIGHUP): shown retired, its shard_retire entry readable', async () => {
	writeShardsFile({ shard1: 'retired' });
	root.proc.kill('SIGHUP');
	await until('the root lists shard 1 as retired', async () => (await listed(shards[0])).state === 'retired');
	const first = await shardsScreen();
	// the forked shard 2 is still an alarm; shard 1's retirement is no alarm
	assert.equal(await first.getAttribute('id'), 'shard-alarm');
	assert.equal(await page.locator('#shards-differ, #root-problems').count(), 0);
	assert.equal(await page.textContent(`#shards tr[data-origin="${shards[0].origin}"] .c-state`), 'Retired (read-only)');
	assert.match(await page.textContent('#root-events-table'), new RegExp(`Shard retired${shards[0].origin.replace(/[./]/g, '\\$&')}`));
});

t('axe-core: no violation on the root\'s screens, wide or on a phone', () => {
	assert.deepEqual(axeFound, []);
});

t('the page threw no errors', () => {
	assert.deepEqual(pageErrors, []);
});
