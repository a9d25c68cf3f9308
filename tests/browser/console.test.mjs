// Browser test of the auditor console (web/) against a real envelogd:
// Playwright (playwright-core) drives Debian's headless chromium.
//
// One log, one browser profile, in order: pin the key and see the verified
// checkpoint; ingest more and see the consistency check pass; the ledger
// matches /v1/disclosures, and one row verifies end to end (and fails when
// the listing is altered); the report matches /v1/report; entry lookup; a
// retention purge by `envelog purge` beside the server shows up, verified; a
// wrong pinned key raises the alarm; a server restarted on a forked
// database (validly signed, inconsistent) raises the alarm.
// Screenshots of each screen, wide and narrow, go to $B/test-out/browser/.
// Prints TAP (node:test); run with plain `node`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, startEnvelogd, stopEnvelogd } from './envelogd.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { canonicalJSON } = await import(path.join(ROOT, 'web/verify.js'));
const B = path.resolve(ROOT, process.env.B || 'build');
const OUT = path.resolve(process.env.TEST_OUT ? path.join(process.env.TEST_OUT, 'browser') : path.join(B, 'test-out', 'browser'));
const CLI = path.join(B, 'envelog');
const SERVER = path.join(B, 'envelogd');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ORIGIN = 'test.example/console';

const T = mkdtempSync(path.join(tmpdir(), 'envelog-browser-'));
const DB = path.join(T, 'log.db');
const KEY = path.join(T, 'log.key');
const FORK = path.join(T, 'fork.db');
let VKEY, INGEST, AUDITOR, HORIZON;
const authorities = {}; // name -> {token, keyFile}
let srv = null, URL_ = '';
let browser = null, page = null;
let skipAll = '';
const pageErrors = [], requested = [];

const cli = (args, input) => execFileSync(CLI, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();

// One port for the whole run: the browser keeps its storage per origin.
let port = 0;
async function startServer(db) {
	if (!port) port = await freePort();
	URL_ = `http://127.0.0.1:${port}`;
	srv = await startEnvelogd(SERVER, ['--db', db, '--key', KEY, '--listen', `127.0.0.1:${port}`, '--web', path.join(ROOT, 'web'), '--threads', '2'], URL_);
}

async function stopServer() {
	const p = srv;
	srv = null;
	await stopEnvelogd(p);
}

async function api(pathname, opts = {}) {
	const res = await fetch(URL_ + pathname, opts);
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch (e) { /* text */ }
	return { status: res.status, text, json };
}

const NOW = Date.now();
async function ingest(n, tag) {
	const events = Array.from({ length: n }, (_, i) => ({
		ts: NOW - 3600000 + i * 1000, sender: `+4477009${String(i % 50).padStart(5, '0')}`,
		recipient: '+447700900456', type: 'message', size: 100 + i, device: `${tag}-${i}`,
	}));
	const r = await api('/v1/events', { method: 'POST', headers: { Authorization: `Bearer ${INGEST}`, 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
	assert.equal(r.status, 201, `ingest: ${r.text}`);
	return r.json;
}

const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
async function request(authority, id, subjects, from, to) {
	const body = ['envelog/warrant/v1', `id ${id}`, `authority ${authority}`, `log ${ORIGIN}`, ...subjects.map((s) => `subject ${s}`),
		`from ${rfc3339(from)}`, `to ${rfc3339(to)}`, `expires ${rfc3339(NOW + 30 * 86400000)}`, 'basis Test Act 2026 s.1', ''].join('\n');
	const signed = cli(['warrant', 'sign', '--key', authorities[authority].keyFile], body) + '\n';
	return api('/v1/requests', { method: 'POST', headers: { Authorization: `Bearer ${authorities[authority].token}`, 'Content-Type': 'text/plain' }, body: signed });
}

const AXE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const axeFound = [];

/** axe-core on the page as it is: its violations, each as "rule: target (impact)". */
async function axe() {
	// evaluated by the driver, so the page's CSP (no inline script) stays on
	if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;0`);
	const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
	return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${v.impact}) ${v.help}`));
}

/**
 * Screenshots of the screen as it is, at 1280×800 and at 390×844 (a
 * phone), and axe-core at both: no violation.
 */
async function shot(name) {
	mkdirSync(OUT, { recursive: true });
	for (const [size, vp] of [['wide', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
		await page.setViewportSize(vp);
		await page.screenshot({ path: path.join(OUT, `${name}-${size}.png`), fullPage: true });
		// nothing wider than the screen: no sideways scrolling of the page
		const wide = await page.evaluate(() => document.documentElement.scrollWidth);
		if (wide > vp.width) axeFound.push(`${name}-${size}: the page is ${wide} px wide on a ${vp.width} px screen`);
		const found = await axe();
		axeFound.push(...found.map((f) => `${name}-${size}: ${f}`));
	}
	await page.setViewportSize({ width: 1280, height: 800 });
}

// A fresh load of the console on screen (a hash change alone would not reload).
async function go(screen) {
	await page.goto('about:blank');
	await page.goto(`${URL_}/#${screen}`);
	await page.waitForSelector('body[data-ready="1"]');
}

async function pinKey(text) {
	await go('settings');
	await page.fill('#key-input', text);
	await page.click('#key-pin');
	await page.waitForSelector('#key-status .notice');
}

/** The health screen's outcome: {ok, text}. */
async function health(recheck) {
	if (recheck) await page.click('#health-recheck');
	else await go('health');
	const el = await page.waitForSelector('#health-status .notice.ok, #health-status .notice.alarm, #health-status .notice.warn, #tofu', { timeout: 15000 });
	return {
		ok: await el.evaluate((e) => e.classList.contains('ok')), alarm: await el.evaluate((e) => e.classList.contains('alarm')),
		tofu: await el.evaluate((e) => e.id === 'tofu'), text: await el.innerText(),
	};
}

before(async () => {
	for (const f of [CLI, SERVER]) if (!existsSync(f)) { skipAll = `${f} is not built`; return; }
	if (!existsSync(CHROMIUM)) { skipAll = `${CHROMIUM} is missing (make deps installs it)`; return; }
	VKEY = cli(['init', '--db', DB, '--origin', ORIGIN]);
	if (!existsSync(KEY)) throw new Error(`envelog init wrote no key at ${KEY}`);
	INGEST = cli(['token', 'add', '--db', DB, '--role', 'ingest']);
	AUDITOR = cli(['token', 'add', '--db', DB, '--role', 'auditor']);
	for (const name of ['uk-nca', 'met-police']) {
		const keyFile = path.join(T, `${name}.key`);
		const vkey = cli(['warrant', 'keygen', name, '--out', keyFile]);
		cli(['authority', 'add', '--db', DB, name, vkey]);
		authorities[name] = { keyFile, token: cli(['token', 'add', '--db', DB, '--role', 'authority', '--authority', name]) };
	}
	const { chromium } = await import('playwright-core');
	const profile = path.join(T, 'profile');
	browser = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	page = browser.pages()[0] || (await browser.newPage());
	page.on('pageerror', (e) => pageErrors.push(e.message));
	page.on('request', (r) => requested.push(r.url()));
	// The fork: the log as it is after the first batch, before anything else.
	await startServer(DB);
	await ingest(12, 'a');
	await stopServer();
	for (const ext of ['', '-wal', '-shm']) if (existsSync(DB + ext)) copyFileSync(DB + ext, FORK + ext);
	// The retention horizon (by commit time) falls between the two batches.
	await new Promise((r) => setTimeout(r, 1100));
	HORIZON = rfc3339(Date.now());
	await new Promise((r) => setTimeout(r, 1100));
	await startServer(DB);
	await ingest(8, 'b');
});

after(async () => {
	if (browser) await browser.close().catch(() => {});
	await stopServer();
	rmSync(T, { recursive: true, force: true });
});

const t = (name, fn) => test(name, async (ctx) => {
	if (skipAll) return ctx.skip(skipAll);
	await fn(ctx);
});

t('the console pins the log key and shows the verified checkpoint', async () => {
	await go('settings');
	await shot('settings-empty');
	await page.click('#key-offered');
	assert.equal(await page.textContent('#offered-key'), VKEY, 'the offered key is shown, not pinned');
	assert.equal(await page.evaluate(() => localStorage.getItem('envelog.logKey')), null);
	await pinKey(VKEY);
	assert.equal(await page.textContent('#pinned-key'), VKEY);
	// trust on first use says so: only the signature was checked
	const h = await health();
	assert.ok(h.tofu && !h.ok, h.text);
	assert.match(h.text, /^Signature checked; trusting this checkpoint on first use/);
	assert.doesNotMatch(h.text, /^✔?\s*Verified/);
	assert.match(h.text, /signature of the checkpoint verifies against the pinned log key/);
	assert.match(h.text, /first checkpoint this browser has seen/);
	assert.match(await page.textContent('#alarm-history'), /No alarm has been raised/);
	assert.ok(await page.isHidden('#alarm-banner'));
	const cp = (await api('/v1/checkpoint')).text.split('\n');
	assert.equal(await page.textContent('#cp-size'), `${cp[1]} entries`);
	assert.equal(await page.textContent('#cp-root'), cp[2]);
	await shot('health-first');
});

t('lawful requests: answered and refused (setup)', async () => {
	let r = await request('uk-nca', 'NCA-2026-000001', ['+447700900456'], NOW - 86400000, NOW + 3600000);
	assert.equal(r.status, 200, r.text);
	assert.ok(r.json.records.length >= 20, 'the bundle holds the events of the subject');
	r = await request('met-police', 'MET-7', ['+447700900001', '+447700900002'], NOW - 86400000, NOW);
	assert.equal(r.status, 200, r.text);
	r = await request('met-police', 'MET-8', ['+447700900001'], Date.UTC(2019, 0, 1), Date.UTC(2021, 0, 1));
	assert.equal(r.status, 422, `a window of two years is refused: ${r.text}`);
	r = await request('uk-nca', 'NCA-2026-000002', Array.from({ length: 11 }, (_, i) => `+4477009${String(i).padStart(5, '0')}`), NOW - 86400000, NOW);
	assert.equal(r.status, 422, `eleven subjects are refused: ${r.text}`);
});

t('after more events, the consistency check passes', async () => {
	const before = Number((await api('/v1/checkpoint')).text.split('\n')[1]);
	await ingest(25, 'c');
	const now = Number((await api('/v1/checkpoint')).text.split('\n')[1]);
	assert.ok(now > before);
	const h = await health(true);
	assert.ok(h.ok, h.text);
	assert.match(h.text, new RegExp(`log of ${now} entries extends the log of \\d+ entries this browser saw before: a consistency proof of [1-9]\\d* hashes`));
	assert.equal(await page.textContent('#cp-size'), `${now} entries`);
	// a second look with no growth: same size, same root
	const again = await health(true);
	assert.match(again.text, /has not grown since this browser last saw it/);
	await shot('health-consistent');
});

async function setPolicy(witnesses, min, staleHours = 24) {
	await go('settings');
	await page.fill('#witness-input', witnesses.join('\n'));
	await page.fill('#witness-min', String(min));
	await page.fill('#stale-hours', String(staleHours));
	await page.click('#policy-save');
	return (await page.waitForSelector('#policy-saved, #policy-refused')).evaluate((e) => e.id);
}

t('witness cosignatures: verified and shown; fewer than the required N warns', async () => {
	const W1 = cli(['witness', 'keygen', 'witness-1', '--out', path.join(T, 'w1.key')]);
	const W2 = cli(['witness', 'keygen', 'witness-2', '--out', path.join(T, 'w2.key')]);
	cli(['witness', 'add', '--db', DB, 'witness-1', W1]);
	cli(['audit', '--url', URL_, '--vkey', VKEY, '--state', path.join(T, 'audit.state'), '--cosign', path.join(T, 'w1.key'), '--token', AUDITOR]);
	const note = (await api('/v1/checkpoint')).text;
	assert.match(note, /^— witness-1 /m, 'the served checkpoint carries the cosignature');
	// no witnesses set: said so
	let h = await health();
	assert.ok(h.ok, h.text);
	assert.match(await page.textContent('#health-witnesses'), /No witnesses are set/);
	// a policy the witnesses cannot meet, or with a key of the wrong type, is refused
	assert.equal(await setPolicy([W1], 2), 'policy-refused');
	assert.match(await page.textContent('#policy-status'), /requires 2 cosignatures but names only 1 witnesses/);
	assert.equal(await setPolicy([VKEY], 1), 'policy-refused');
	assert.match(await page.textContent('#policy-status'), /not a cosignature\/v1 key/);
	// two witnesses, both required: one cosigned, so it warns
	assert.equal(await setPolicy([W1, W2], 2), 'policy-saved');
	h = await health();
	let w = await page.waitForSelector('#witness-warn');
	let text = await w.innerText();
	assert.match(text, /Too few witnesses: 1 of the 2 required cosigned this checkpoint/);
	const ts = Number(/^— witness-1 (\S+)$/m.exec(note) && Buffer.from(/^— witness-1 (\S+)$/m.exec(note)[1], 'base64').readBigUInt64BE(4));
	assert.match(text, new RegExp(`witness-1\\+[0-9a-f]{8}: cosigned at ${new Date(ts * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`));
	assert.match(text, /witness-2\+[0-9a-f]{8}: This checkpoint carries no cosignature by this witness/);
	await shot('health-witnesses-below');
	// one required: met
	assert.equal(await setPolicy([W1, W2], 1), 'policy-saved');
	await health();
	assert.match(await (await page.waitForSelector('#witness-ok')).innerText(), /1 of 2 witnesses cosigned this checkpoint; your policy requires 1/);
	// a cosignature altered on the way does not count
	await page.route('**/v1/checkpoint', async (route) => {
		const res = await route.fetch();
		const body = (await res.text()).replace(/^(— witness-1 )(\S{20})(\S)/m, (m, a, b, c) => a + b + (c === 'A' ? 'B' : 'A'));
		await route.fulfill({ response: res, body });
	});
	try {
		await health();
		w = await page.waitForSelector('#witness-warn');
		text = await w.innerText();
		assert.match(text, /0 of the 1 required/);
		assert.match(text, /witness-1\+[0-9a-f]{8}: The cosignature does not verify against this witness key/);
	} finally {
		await page.unroute('**/v1/checkpoint');
	}
	assert.equal(await setPolicy([W1, W2], 0), 'policy-saved');
});

t('a checkpoint that stops moving warns, after the hours the auditor set', async () => {
	let h = await health();
	assert.ok(h.ok, h.text);
	assert.ok(await page.isVisible('#fresh'));
	// this browser first saw the current size three days ago
	await page.evaluate(() => {
		const k = Object.keys(localStorage).find((x) => x.startsWith('envelog.seen.'));
		const seen = JSON.parse(localStorage.getItem(k));
		seen.firstSeen = Date.now() - 3 * 86400000;
		localStorage.setItem(k, JSON.stringify(seen));
	});
	h = await health();
	const stale = await page.waitForSelector('#stale');
	assert.match(await stale.innerText(), /The checkpoint has not moved for more than 24 hours[\s\S]*since this browser first saw that size 3 days ago/);
	await shot('health-stale');
	assert.equal(await setPolicy([], 0, 100), 'policy-saved');
	await health();
	assert.match(await (await page.waitForSelector('#fresh')).innerText(), /warned after 100 hours without growth/);
	assert.equal(await setPolicy([], 0, 24), 'policy-saved');
});

t('API errors are shown as sentences: a wrong auditor token', async () => {
	await go('settings');
	await page.fill('#token-input', 'not-a-token');
	await page.click('#token-save');
	await go('ledger');
	const el = await page.waitForSelector('#ledger-status .notice.warn');
	const text = await el.innerText();
	assert.match(text, /The ledger could not be loaded\.\s+The server did not accept the auditor token: [A-Z][^{}]*\.$/);
	assert.doesNotMatch(text, /Error:|at |\{|undefined/);
	await go('report');
	assert.match(await (await page.waitForSelector('#report-status .notice.warn')).innerText(), /did not accept the auditor token/);
	await go('settings');
	await page.click('#token-clear');
});

t('the disclosure table matches /v1/disclosures', async () => {
	const want = (await api('/v1/disclosures?since=0&limit=1000', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures;
	assert.equal(want.length, 4);
	await go('ledger');
	assert.match(await page.textContent('#ledger-status'), /auditor token/);
	await go('settings');
	await page.fill('#token-input', AUDITOR);
	await page.click('#token-save');
	await go('ledger');
	await page.waitForSelector('#ledger tbody tr.row');
	await page.waitForSelector('#ledger-verified');
	const rows = await page.$$eval('#ledger tbody tr.row', (trs) => trs.map((tr) => ({
		seq: Number(tr.dataset.seq), kind: tr.dataset.kind,
		cells: Object.fromEntries([...tr.cells].map((td) => [td.dataset.label, td.textContent])),
	})));
	assert.equal(rows.length, want.length);
	const when = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
	// newest first
	assert.deepEqual(rows.map((r) => r.seq), want.map((d) => d.seq).sort((a, b) => b - a));
	const REASON = { window_too_long: 'Window too long', too_many_subjects: 'Too many subjects' };
	want.slice().reverse().forEach((d, i) => {
		const r = rows[i];
		assert.equal(r.seq, d.seq);
		assert.equal(r.kind, d.kind);
		assert.equal(r.cells.Seq, String(d.seq));
		assert.equal(r.cells.Kind, d.kind === 'disclosure' ? 'Disclosure' : 'Refusal');
		assert.equal(r.cells.Authority, d.entry.authority);
		assert.equal(r.cells.Warrant, d.entry.warrant_id);
		assert.equal(r.cells.Time, when(d.entry.ts));
		assert.equal(r.cells.Check, '✔ Verified', `row ${d.seq} is verified without a click`);
		if (d.kind === 'disclosure') {
			assert.equal(r.cells.Window, `${when(d.entry.from).slice(0, 16)} to ${when(d.entry.to).slice(0, 16)} UTC`);
			assert.equal(r.cells.Records.replace(/,/g, ''), String(d.entry.records));
			assert.equal(r.cells.Subjects.replace(/,/g, ''), String(d.entry.subjects));
			assert.equal(r.cells.Reason, '—');
		} else {
			assert.equal(r.cells.Reason, `${REASON[d.entry.reason]} (${d.entry.reason})`, 'the reason labelled, its code beside');
			assert.deepEqual([r.cells.Window, r.cells.Subjects, r.cells.Records], ['—', '—', '—']);
		}
	});
	assert.deepEqual(want.filter((d) => d.kind === 'refusal').map((d) => d.entry.reason).sort(), ['too_many_subjects', 'window_too_long']);
	assert.match(await page.textContent('#ledger-status'), /4 of 4 entries shown by the filter: 2 disclosures, 2 refusals/);
	const cpNow = (await api('/v1/checkpoint')).text.split('\n');
	assert.equal(await page.textContent('#ledger-verified'), `4 of 4 entries verified against the checkpoint of size ${cpNow[1]}, root ${cpNow[2]}.`);
	assert.ok(await page.isVisible('#ledger-check .notice.ok'));
	assert.match(await page.textContent('#retention-table'), /No retention purge has been recorded/);
	// filter by authority
	await page.selectOption('#f-authority', 'met-police');
	const shown = await page.$$eval('#ledger tbody tr.row', (trs) => trs.map((tr) => tr.cells[3].textContent));
	assert.deepEqual(shown, want.filter((d) => d.entry.authority === 'met-police').map(() => 'met-police'));
	await page.selectOption('#f-authority', '');
	// search: by warrant id, by authority, by seq
	const searched = async (q) => {
		await page.fill('#f-search', q);
		return page.$$eval('#ledger tbody tr.row', (trs) => trs.map((tr) => Number(tr.dataset.seq)));
	};
	assert.deepEqual(await searched('met-7'), want.filter((d) => d.entry.warrant_id === 'MET-7').map((d) => d.seq));
	assert.deepEqual(await searched('uk-nca'), want.filter((d) => d.entry.authority === 'uk-nca').map((d) => d.seq).reverse());
	assert.deepEqual(await searched(String(want[2].seq)), [want[2].seq]);
	assert.deepEqual(await searched('no-such-warrant'), []);
	await searched('');
	// days are ISO (YYYY-MM-DD) text, checked
	await page.fill('#f-from', '2020-13-01');
	await page.click('#ledger-filter button[type=submit]');
	assert.match(await page.textContent('#ledger-status'), /Give days as YYYY-MM-DD/);
	assert.equal(await page.getAttribute('#f-from', 'aria-invalid'), 'true');
	await page.fill('#f-from', '');
	// a time filter that excludes everything
	await page.fill('#f-to', '2020-01-01');
	await page.click('#ledger-filter button[type=submit]');
	assert.match(await page.textContent('#ledger-table'), /No entries match the filter/);
	await page.fill('#f-to', '');
	await page.click('#ledger-filter button[type=submit]');
	// expand each kind: leaf data and inclusion proof verified in the browser
	for (const d of [want.find((x) => x.kind === 'disclosure'), want.find((x) => x.kind === 'refusal')]) {
		await page.click(`#ledger tr.row[data-seq="${d.seq}"] button`);
		const cell = await page.waitForSelector(`#ledger-detail-${d.seq} .notice.ok, #ledger-detail-${d.seq} .notice.alarm, #ledger-detail-${d.seq} .notice.warn`);
		const text = await cell.innerText();
		assert.match(text, new RegExp(`Entry ${d.seq} verified`), text);
		assert.match(text, /leaf hash recomputed from the entry data/);
		assert.match(text, /inclusion proof of \d+ hashes leads from this leaf to the root/);
		assert.match(await page.textContent(`#ledger-detail-${d.seq} pre.leafdata`), new RegExp(`"warrant_id":"${d.entry.warrant_id}"`));
	}
	await shot('ledger');
	await verifiedEndToEnd(want.find((x) => x.kind === 'disclosure'));
	// the same row, its listing altered on the way (one record more): red, not verified
	const d = want.find((x) => x.kind === 'disclosure');
	await page.route('**/v1/disclosures?*', async (route) => {
		const res = await route.fetch();
		const body = await res.json();
		for (const x of body.disclosures) if (x.seq === d.seq) x.entry.records += 1;
		await route.fulfill({ response: res, json: body });
	});
	try {
		await go('ledger');
		await page.waitForSelector('#ledger tbody tr.row');
		assert.equal((await page.textContent(`#ledger tr.row[data-seq="${d.seq}"] .c-records`)).replace(/,/g, ''), String(d.entry.records + 1));
		// flagged without a click: the row's badge and the alarm above the table
		await page.waitForSelector('#ledger-verified');
		assert.equal(await page.textContent(`#ledger tr.row[data-seq="${d.seq}"] .c-check`), '✘ Not in the log');
		assert.match(await page.textContent('#ledger-alarm'), new RegExp(`1 listed entry does not match the log[\\s\\S]*3 of 4 entries verified[\\s\\S]*entry ${d.seq} is not what the log holds`));
		await page.click(`#ledger tr.row[data-seq="${d.seq}"] button`);
		const bad = await page.waitForSelector(`#ledger-detail-${d.seq} .notice:not(.info)`);
		const text = await bad.innerText();
		assert.ok(await bad.evaluate((e) => e.classList.contains('alarm')), text);
		assert.match(text, new RegExp(`Entry ${d.seq} did not verify`));
		assert.match(text, /recomputed from its data .* is not the one the log holds/);
		await shot('ledger-altered');
	} finally {
		await page.unroute('**/v1/disclosures?*');
	}
	// a refusal listed as a disclosure is shown, and flagged, not dropped
	const rf = want.find((x) => x.kind === 'refusal');
	await page.route('**/v1/disclosures?*', async (route) => {
		const res = await route.fetch();
		const body = await res.json();
		for (const x of body.disclosures) if (x.seq === rf.seq) x.kind = 'disclosure';
		await route.fulfill({ response: res, json: body });
	});
	try {
		await go('ledger');
		await page.waitForSelector('#ledger-verified');
		assert.equal(await page.textContent(`#ledger tr.row[data-seq="${rf.seq}"] .c-check`), '✘ Not in the log');
		assert.match(await page.textContent('#ledger-alarm'), /listed as a disclosure entry, but its data says it is a refusal entry/);
	} finally {
		await page.unroute('**/v1/disclosures?*');
	}
});

t('the standalone console (make console), from a file and from another origin, verifies the log', async () => {
	const file = path.join(T, 'envelog-console.html');
	const out = execFileSync('node', [path.join(ROOT, 'src/console/bundle.mjs'), path.join(ROOT, 'web'), file], { encoding: 'utf8' });
	const html = readFileSync(file, 'utf8');
	assert.equal(out, `sha256 ${createHash('sha256').update(html).digest('hex')}  ${file}\n`);
	// one file: no script or style from elsewhere; the CSP allows exactly the inlined two
	assert.doesNotMatch(html, /<script[^>]*\ssrc=|<link[^>]*stylesheet/);
	const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)[1];
	assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|'self'/);
	const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html)[1];
	const style = /<style>([\s\S]*?)<\/style>/.exec(html)[1];
	const sha = (x) => createHash('sha256').update(x, 'utf8').digest('base64');
	assert.ok(csp.includes(`script-src 'sha256-${sha(script)}'`), csp);
	assert.ok(csp.includes(`style-src 'sha256-${sha(style)}'`), csp);
	assert.match(csp, /default-src 'none'/);
	// another origin: a plain file server on another port
	const other = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', Connection: 'close' });
		res.end(html);
	});
	await new Promise((r) => other.listen(0, '127.0.0.1', r));
	const otherUrl = `http://127.0.0.1:${other.address().port}/envelog-console.html`;
	const size = (await api('/v1/checkpoint')).text.split('\n')[1];
	try {
		for (const [where, url] of [['file', `file://${file}`], ['origin', otherUrl]]) {
			const p = await browser.newPage();
			const errors = [], asked = [];
			p.on('pageerror', (e) => errors.push(e.message));
			p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
			p.on('request', (r) => asked.push(r.url()));
			try {
				await p.goto(`${url}#settings`);
				await p.waitForSelector('body[data-ready="1"]');
				if (where === 'file') assert.match(await p.textContent('#url-status'), /No log server is set/);
				await p.fill('#url-input', 'ftp://example');
				await p.click('#url-save');
				assert.match(await p.textContent('#url-refused'), /must be an http or https URL/);
				await p.fill('#url-input', URL_ + '/');
				await p.click('#url-save');
				await p.waitForSelector('#url-saved');
				assert.equal(await p.textContent('#log-url'), URL_);
				await p.fill('#key-input', VKEY);
				await p.click('#key-pin');
				await p.fill('#token-input', AUDITOR);
				await p.click('#token-save');
				await p.goto('about:blank');
				await p.goto(`${url}#health`);
				await p.waitForSelector('body[data-ready="1"]');
				const st = await p.waitForSelector('#tofu, #health-status .notice.ok, #health-status .notice.alarm, #health-status .notice.warn');
				assert.equal(await st.evaluate((e) => e.id), 'tofu', await st.innerText());
				assert.equal(await p.textContent('#cp-size'), `${size} entries`);
				assert.match(await p.textContent('#independent'), new RegExp(`Checking the log at ${URL_.replace(/\./g, '\\.')}`));
				assert.equal(await p.locator('#served-by-log').count(), 0);
				await p.click('nav a[data-screen=ledger]');
				await p.waitForSelector('#ledger-verified');
				assert.match(await p.textContent('#ledger-verified'), new RegExp(`^(\\d+) of \\1 entries verified against the checkpoint of size ${size}`));
				assert.deepEqual(errors, [], `${where}: no page or CSP error`);
				const page0 = where === 'file' ? `file://${file}` : otherUrl;
				assert.deepEqual(asked.filter((u) => !u.startsWith(URL_ + '/') && !u.startsWith(page0) && u !== 'about:blank'), [], `${where}: only the page and the log server`);
				assert.ok(asked.some((u) => u.startsWith(`${URL_}/v1/disclosures`)), 'the auditor endpoint was read across origins');
				await p.screenshot({ path: path.join(OUT, `standalone-${where}.png`), fullPage: true });
			} finally {
				await p.close();
			}
		}
	} finally {
		other.closeAllConnections(); // the browser keeps its connection alive
		await new Promise((r) => other.close(r));
	}
	// the console the log server serves says what it cannot prove
	await go('health');
	assert.match(await (await page.waitForSelector('#served-by-log')).innerText(), /proves nothing against that log/);
});

/**
 * Row d of the ledger (or the retention table), expanded: what the browser
 * shows is checked here against the server, independently.  The leaf data is
 * d's canonical JSON, its SHA-256 leaf hash is the log's, the chain value is
 * the log's, the inclusion proof shown is the server's for the size of the
 * latest checkpoint, and the root shown is that checkpoint's.
 */
async function verifiedEndToEnd(d) {
	const cp = (await api('/v1/checkpoint')).text.split('\n');
	const size = Number(cp[1]);
	const id = `#ledger-detail-${d.seq}`;
	if (!(await page.isVisible(`${id} .notice.ok`))) await page.click(`tr.row[data-seq="${d.seq}"] button`);
	await page.waitForSelector(`${id} .notice.ok`);
	const data = await page.textContent(`${id} pre.leafdata`);
	assert.equal(data, canonicalJSON(d.entry));
	const leafHash = createHash('sha256').update(Buffer.concat([Buffer.of(0), Buffer.from(data, 'utf8')])).digest('base64');
	const leaf = (await api(`/v1/leaves?start=${d.seq}&end=${d.seq + 1}`)).json.leaves[0];
	assert.equal(leaf.leaf_hash, leafHash);
	assert.deepEqual(leaf.entry, d.entry);
	const facts = await page.$$eval(`${id} dl.facts dd`, (dds) => dds.map((x) => x.textContent));
	assert.equal(facts[0], leafHash);
	assert.equal(facts[1], `${cp[2]} (size ${size.toLocaleString('en-GB')})`);
	const proof = (await api(`/v1/proof/inclusion?index=${d.seq}&size=${size}`)).json.proof;
	assert.deepEqual(await page.$$eval(`${id} ol.proof li`, (lis) => lis.map((x) => x.textContent)), proof);
	assert.match(await page.textContent(id), new RegExp(`inclusion proof of ${proof.length} hashes leads from this leaf to the root of the verified checkpoint of size ${size}`));
}

t('the report numbers match /v1/report', async () => {
	const want = (await api('/v1/report', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.rows;
	assert.ok(want.length >= 2);
	await go('report');
	await page.waitForSelector('#report tbody tr');
	const rows = await page.$$eval('#report tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.replace(/,/g, ''))));
	assert.deepEqual(rows, want.map((r) => [r.authority, r.month, String(r.answered), String(r.refused), String(r.subjects), String(r.records)]));
	const sum = (k) => String(want.reduce((n, r) => n + r[k], 0));
	const foot = await page.$$eval('#report tfoot td', (tds) => tds.map((c) => c.textContent.replace(/,/g, '')));
	assert.deepEqual(foot, ['', sum('answered'), sum('refused'), sum('subjects'), sum('records')]);
	assert.equal(await page.locator('#chart-months rect.bar').count(), 2 * new Set(want.map((r) => r.month)).size + 2);
	const nauth = new Set(want.map((r) => r.authority)).size;
	assert.equal(await page.locator('#chart-authorities rect.bar').count(), 2 * nauth + 2);
	assert.equal(await page.locator('#chart-records rect.bar').count(), nauth + 1);
	// each bar's tooltip names its value: the records per authority add up
	const titles = await page.$$eval('#chart-records rect.bar title', (ts) => ts.map((t) => t.textContent));
	assert.equal(titles.reduce((n, t) => n + Number(t.split(': ')[1]), 0), want.reduce((n, r) => n + r.records, 0));
	const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')]);
	assert.match(download.suggestedFilename(), /^envelog-report.*\.csv$/);
	const csv = readFileSync(await download.path(), 'utf8');
	// every row names the checkpoint its entries were verified against
	const cpl = (await api('/v1/checkpoint')).text.split('\n');
	const rootHex = Buffer.from(cpl[2], 'base64').toString('hex');
	assert.equal(csv, ['authority,month,answered,refused,subjects,records,checkpoint_origin,checkpoint_size,checkpoint_root_hex',
		...want.map((r) => [r.authority, r.month, r.answered, r.refused, r.subjects, r.records, ORIGIN, cpl[1], rootHex].join(','))].join('\r\n') + '\r\n');
	assert.match(await page.textContent('#report-check'), new RegExp(`Report verified.*from the 4 ledger entries verified against the checkpoint of size ${cpl[1]}; it matches the server's report`, 's'));
	await shot('report');
	// the period: up to yesterday holds nothing; today alone holds everything
	const day = (ms) => new Date(ms).toISOString().slice(0, 10);
	await page.fill('#r-to', day(NOW - 86400000));
	await page.click('#report-filter button[type=submit]');
	await page.waitForSelector('#report-table .empty');
	await page.fill('#r-from', day(Date.now()));
	await page.fill('#r-to', day(Date.now()));
	await page.click('#report-filter button[type=submit]');
	await page.waitForSelector('#report tbody tr');
	assert.equal(await page.locator('#report tbody tr').count(), want.length);
});

/** Run SQL on the live database behind the server's back (sqlite3 CLI). */
const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 10000', DB, q], { encoding: 'utf8' }).trim();

t('a disclosure changed in the database is flagged in the ledger and the report, without a click', async () => {
	const want = (await api('/v1/disclosures?since=0&limit=1000', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures;
	const d = want.find((x) => x.kind === 'disclosure' && x.entry.records > 1);
	assert.ok(d, 'a disclosure of more than one record');
	const served = (await api('/v1/report', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.rows;
	const orig = sql(`SELECT hex(data) FROM entry WHERE seq = ${d.seq}`);
	const leafBefore = sql(`SELECT hex(leaf_hash) FROM entry WHERE seq = ${d.seq}`);
	const forged = Buffer.from(canonicalJSON({ ...d.entry, records: 1 })).toString('hex');
	sql(`DROP TRIGGER entry_no_update; UPDATE entry SET data = X'${forged}' WHERE seq = ${d.seq};`);
	try {
		// the server now lists and reports the lie; its leaf hash is untouched
		const lied = (await api('/v1/report', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.rows;
		const total = (rows) => rows.reduce((n, r) => n + r.records, 0);
		assert.equal(total(lied), total(served) - d.entry.records + 1);
		assert.equal(sql(`SELECT hex(leaf_hash) FROM entry WHERE seq = ${d.seq}`), leafBefore);
		await go('ledger');
		await page.waitForSelector('#ledger-verified');
		assert.equal(await page.textContent(`#ledger tr.row[data-seq="${d.seq}"] .c-records`), '1');
		assert.equal(await page.textContent(`#ledger tr.row[data-seq="${d.seq}"] .c-check`), '✘ Not in the log');
		const others = await page.$$eval('#ledger tbody tr.row', (trs) => trs.filter((tr) => tr.querySelector('.badge.ok')).length);
		assert.equal(others, want.length - 1, 'every other row verified');
		assert.match(await page.textContent('#ledger-alarm'), new RegExp(`ALARM: 1 listed entry does not match the log.*${want.length - 1} of ${want.length} entries verified`, 's'));
		assert.equal(await page.locator(`#ledger-detail-${d.seq}:not([hidden])`).count(), 0, 'nothing was clicked');
		await shot('ledger-tampered');
		// the report: recomputed from the verified entries, the server's differs
		await go('report');
		const alarm = await page.waitForSelector('#report-alarm');
		const text = await alarm.innerText();
		assert.match(text, /the server's report does not agree with the log/);
		assert.match(text, /1 listed entry does not match the log and is left out/);
		const month = new Date(d.entry.ts).toISOString().slice(0, 7);
		const row = served.find((r) => r.authority === d.entry.authority && r.month === month);
		const lrow = lied.find((r) => r.authority === d.entry.authority && r.month === month);
		assert.match(text, new RegExp(`${d.entry.authority}, ${month}, records: the server reports ${lrow.records}, the verified entries give ${row.records - d.entry.records}\\.`));
		assert.match(text, new RegExp(`${d.entry.authority}, ${month}, answered: the server reports ${lrow.answered}, the verified entries give ${row.answered - 1}\\.`));
		assert.ok(await page.isVisible('#report td.differs'));
		await shot('report-tampered');
	} finally {
		sql(`UPDATE entry SET data = X'${orig}' WHERE seq = ${d.seq}; CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry BEGIN SELECT RAISE(ABORT, 'entry is append-only'); END;`);
	}
	await go('ledger');
	await page.waitForSelector('#ledger-verified');
	assert.ok(await page.isVisible('#ledger-check .notice.ok'), 'the restored row verifies again');
});

t('entry lookup verifies leaf hash and inclusion proof', async () => {
	await go('lookup');
	for (const seq of [0, 5, 19]) {
		await page.fill('#lookup-seq', String(seq));
		await page.click('#lookup-form button[type=submit]');
		const el = await page.waitForSelector('#lookup-result .notice:not(.info)');
		const text = await el.innerText();
		assert.match(text, new RegExp(`Entry ${seq} verified`), text);
		assert.match(text, /inclusion proof of \d+ hashes/);
		const leaf = (await api(`/v1/leaves?start=${seq}&end=${seq + 1}`)).json.leaves[0];
		assert.ok((await page.textContent('#lookup-result')).includes(leaf.leaf_hash));
		// R2: an event's leaf is recomputed from its public commitment, shown as such
		if (leaf.kind === 'event') {
			assert.match(text, /leaf hash recomputed from the entry data/);
			assert.match(text, /salted commitment/);
			assert.equal(await page.textContent('#lookup-result pre.leafdata'), canonicalJSON(leaf.entry));
			assert.deepEqual(Object.keys(leaf.entry).sort(), ['commitment', 'kind']);
			assert.equal(await page.textContent('#lookup-fields dd[data-field="commitment"]'), leaf.entry.commitment);
		}
	}
	await shot('lookup');
	// by keyboard: the skip link first, then the navigation, Enter follows a link
	await go('lookup');
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
	let guard = 0;
	while (guard++ < 10 && (await page.evaluate(() => document.activeElement.textContent)) !== 'Transparency report') await page.keyboard.press('Tab');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'h-report');
	assert.equal(await page.evaluate(() => document.querySelector('nav a[aria-current=page]').textContent), 'Transparency report');
	// a disclosure, for people: named fields, UTC times, not only JSON
	const disc = (await api('/v1/disclosures', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures.find((d) => d.kind === 'disclosure');
	await go('lookup');
	await page.fill('#lookup-seq', String(disc.seq));
	await page.click('#lookup-form button[type=submit]');
	await page.waitForSelector('#lookup-fields');
	const when = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
	assert.equal(await page.textContent('#lookup-fields dd[data-field="ts"]'), when(disc.entry.ts));
	assert.equal(await page.textContent('#lookup-fields dd[data-field="warrant_id"]'), disc.entry.warrant_id);
	assert.equal(await page.textContent('#lookup-fields dd[data-field="records_commitment"]'), disc.entry.records_commitment);
	await shot('lookup-disclosure');
	await go('lookup');
	await page.fill('#lookup-seq', '999999');
	await page.click('#lookup-form button[type=submit]');
	const el = await page.waitForSelector('#lookup-result .notice:not(.info)');
	assert.match(await el.innerText(), /not yet covered by the verified checkpoint/);
	await page.fill('#lookup-seq', 'seven');
	await page.click('#lookup-form button[type=submit]');
	assert.match(await page.textContent('#lookup-result'), /Enter a sequence number/);
});

t('the ledger and the lookup read the log\'s tiles where offered, else /v1/; a changed bundle or tile is flagged', async () => {
	const want = (await api('/v1/disclosures?since=0&limit=1000', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures;
	const d = want.find((x) => x.kind === 'disclosure');
	const asked = (from) => requested.slice(from).map((u) => new URL(u).pathname);
	const ledgerChecked = async () => {
		await go('ledger');
		await page.waitForSelector('#ledger-verified');
	};
	// the lookup's verdict: its text, "ALARM: " first when it is red
	const lookup = async (seq) => {
		await go('lookup');
		await page.fill('#lookup-seq', String(seq));
		await page.click('#lookup-form button[type=submit]');
		const el = await page.waitForSelector('#lookup-result .notice:not(.info)');
		return (await el.evaluate((e) => e.classList.contains('alarm')) ? 'ALARM: ' : '') + (await el.innerText());
	};
	// the log offers tiles: entry bundles and hash tiles, no /v1/ leaf or proof
	let from = requested.length;
	await ledgerChecked();
	assert.ok(await page.isVisible('#ledger-check .notice.ok'));
	let paths = asked(from);
	assert.ok(paths.some((p) => p.startsWith('/tlog/tile/entries/')) && paths.some((p) => p.startsWith('/tlog/tile/0/')), paths.join(' '));
	assert.deepEqual(paths.filter((p) => /^\/v1\/(leaves|proof)/.test(p)), []);
	const overTiles = paths.filter((p) => p.startsWith('/tlog/')).length;
	let text = await lookup(d.seq);
	assert.match(text, new RegExp(`Entry ${d.seq} verified[\\s\\S]*Read from the log's tiles`), text);
	// a log without tiles (404 under /tlog/): /v1/, one inclusion proof per row
	await page.route('**/tlog/**', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"no tiles here"}}' }));
	try {
		from = requested.length;
		await ledgerChecked();
		assert.ok(await page.isVisible('#ledger-check .notice.ok'));
		paths = asked(from);
		assert.deepEqual(paths.filter((p) => p.startsWith('/tlog/')), ['/tlog/checkpoint']);
		assert.equal(paths.filter((p) => p.startsWith('/v1/proof/inclusion')).length, want.length);
		const overApi = paths.filter((p) => /^\/(v1\/(leaves|proof)|tlog)\//.test(p)).length;
		console.log(`# ledger of ${want.length} rows checked with ${overTiles} requests for tiles, ${overApi} over /v1/`);
		assert.ok(overTiles < overApi, `tiles ${overTiles}, /v1/ ${overApi}`);
		text = await lookup(d.seq);
		assert.match(text, new RegExp(`Entry ${d.seq} verified[\\s\\S]*Read from the log's /v1/ API`), text);
	} finally {
		await page.unroute('**/tlog/**');
	}
	// one digit of the disclosure's record count changed in its entry bundle
	await page.route('**/tlog/tile/entries/**', async (route) => {
		const res = await route.fetch();
		const body = Buffer.from(await res.body());
		const at = body.indexOf(Buffer.from(canonicalJSON(d.entry)));
		const digit = body.indexOf(Buffer.from('"records":'), at) + '"records":'.length;
		if (at >= 0) body[digit] = 0x30 + ((body[digit] - 0x30 + 1) % 10);
		await route.fulfill({ response: res, body });
	});
	try {
		await ledgerChecked();
		assert.equal(await page.textContent(`#ledger tr.row[data-seq="${d.seq}"] .c-check`), '✘ Not in the log');
		assert.match(await page.textContent('#ledger-alarm'), new RegExp(`1 listed entry does not match the log[\\s\\S]*entry ${d.seq} is not what the log holds[\\s\\S]*entry bundle does not give the leaf hash`));
		text = await lookup(d.seq);
		assert.match(text, new RegExp(`^ALARM: Entry ${d.seq} could not be verified[\\s\\S]*does not give the leaf hash the log's hash tile holds`), text);
		await shot('ledger-bundle-changed');
	} finally {
		await page.unroute('**/tlog/tile/entries/**');
	}
	// its leaf hash changed in the level-0 hash tile
	await page.route('**/tlog/tile/0/**', async (route) => {
		const res = await route.fetch();
		const body = Buffer.from(await res.body());
		if (route.request().url().includes(`/tlog/tile/0/${String(Math.floor(d.seq / 256)).padStart(3, '0')}`)) body[(d.seq % 256) * 32] ^= 1;
		await route.fulfill({ response: res, body });
	});
	try {
		await ledgerChecked();
		assert.equal(await page.textContent(`#ledger tr.row[data-seq="${d.seq}"] .c-check`), '✘ Not in the log');
		text = await lookup(d.seq);
		assert.match(text, new RegExp(`^ALARM: Entry ${d.seq} could not be verified`), text);
	} finally {
		await page.unroute('**/tlog/tile/0/**');
	}
	await ledgerChecked();
	assert.ok(await page.isVisible('#ledger-check .notice.ok'), 'the tiles as served verify again');
});

t('the ledger pages: 20 rows a page by default, another page size, the page jump', async () => {
	for (let i = 0; i < 45; i++) {
		const r = await request('met-police', `MET-PAGE-${i}`, ['+447700900001'], Date.UTC(2019, 0, 1), Date.UTC(2021, 0, 1));
		assert.equal(r.status, 422, r.text);
	}
	const want = (await api('/v1/disclosures?since=0&limit=1000', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures;
	const newest = want.map((d) => d.seq).sort((a, b) => b - a);
	const n = newest.length, pages = Math.ceil(n / 20);
	assert.ok(n > 40, `${n} rows make three pages or more`);
	const shownSeqs = () => page.$$eval('#ledger tbody tr.row', (trs) => trs.map((tr) => Number(tr.dataset.seq)));
	await go('ledger');
	await page.waitForSelector('#ledger-verified');
	assert.equal(await page.textContent('#page-of'), `Page 1 of ${pages}`);
	assert.deepEqual(await shownSeqs(), newest.slice(0, 20));
	// jump to the last page: the oldest rows
	await page.fill('#page-jump', String(pages));
	await page.click('#page-go');
	assert.equal(await page.textContent('#page-of'), `Page ${pages} of ${pages}`);
	assert.deepEqual(await shownSeqs(), newest.slice((pages - 1) * 20));
	assert.ok(await page.isDisabled('#ledger-pager button:has-text("Older")'));
	// a page beyond the last goes to the last; 2 is the second
	await page.fill('#page-jump', '2');
	await page.click('#page-go');
	assert.deepEqual(await shownSeqs(), newest.slice(20, 40));
	await page.fill('#page-jump', '999');
	await page.click('#page-go');
	assert.equal(await page.textContent('#page-of'), `Page ${pages} of ${pages}`);
	// 50 rows a page: back to page 1, fewer pages
	await page.selectOption('#f-size', '50');
	assert.deepEqual(await shownSeqs(), newest.slice(0, 50));
	if (n > 50) assert.equal(await page.textContent('#page-of'), `Page 1 of ${Math.ceil(n / 50)}`);
	await page.selectOption('#f-size', '100');
	assert.deepEqual(await shownSeqs(), newest.slice(0, 100));
	assert.equal(await page.locator('#page-of').count(), n > 100 ? 1 : 0, 'one page: no pager');
	assert.match(await page.textContent('#ledger-verified'), new RegExp(`^${n} of ${n} entries verified`));
	await page.selectOption('#f-size', '20');
});

t('a retention purge beside the running server shows in the console, verified', async () => {
	// the first batch was committed before the horizon, the second after
	const horizon = HORIZON;
	const out = cli(['purge', '--db', DB, '--key', KEY, '--before', horizon]);
	assert.match(out, /^purged 12 events through seq 11; purge entry seq \d+;/);
	const pseq = Number(/purge entry seq (\d+)/.exec(out)[1]);
	// the log after the purge extends the log before it
	const hh = await health();
	assert.ok(hh.ok, hh.text);
	assert.match(hh.text, /extends the log of \d+ entries this browser saw before/);
	const want = (await api('/v1/disclosures?kinds=purge', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures;
	assert.equal(want.length, 1);
	const p = want[0];
	assert.equal(p.seq, pseq);
	assert.equal(p.entry.before, Date.parse(horizon));
	assert.equal(p.entry.events, 12);
	// the default listing, as before, holds no purge
	const plain = (await api('/v1/disclosures', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures;
	assert.ok(plain.every((d) => d.kind !== 'purge'));
	await go('ledger');
	await page.waitForSelector('#retention tbody tr.row');
	await page.waitForSelector('#ledger-verified');
	const rows = await page.$$eval('#retention tbody tr.row', (trs) => trs.map((tr) => ({
		seq: Number(tr.dataset.seq), kind: tr.dataset.kind,
		cells: Object.fromEntries([...tr.cells].map((td) => [td.dataset.label, td.textContent])),
	})));
	const when = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
	assert.deepEqual(rows, [{ seq: p.seq, kind: 'purge', cells: {
		Seq: String(p.seq), Time: when(p.entry.ts), Horizon: `committed before ${when(p.entry.before)}`,
		'Through seq': String(p.entry.through_seq), 'Events purged': '12', Check: '✔ Verified', Proof: `Verify entry ${p.seq}`,
	} }]);
	assert.match(await page.textContent('#retention-status'), new RegExp(`1 purge, 12 events' metadata deleted in all.*no metadata of events committed before ${when(p.entry.before)}`));
	// the ledger of requests is unchanged: its first page of rows, no purge among them
	const requests = (await api('/v1/disclosures?since=0&limit=1000', { headers: { Authorization: `Bearer ${AUDITOR}` } })).json.disclosures.length;
	assert.equal(await page.locator('#ledger tbody tr.row').count(), Math.min(20, requests));
	assert.equal(await page.locator('#ledger tbody tr.row.purge').count(), 0);
	await verifiedEndToEnd(p);
	assert.match(await page.textContent(`#ledger-detail-${p.seq}`), /"kind":"purge"/);
	await page.locator('#h-retention').scrollIntoViewIfNeeded();
	await shot('ledger-retention');
	// a request whose window reaches below the horizon: its row says so
	const r = await request('uk-nca', 'NCA-2026-000003', ['+447700900456'], NOW - 86400000, NOW + 3600000);
	assert.equal(r.status, 200, r.text);
	const de = r.json.disclosure.entry;
	assert.equal(de.partly_purged, 1);
	assert.equal(de.records, r.json.records.length);
	await go('ledger');
	const cell = await page.waitForSelector(`#ledger tr.row[data-seq="${r.json.disclosure.seq}"] .c-records`);
	assert.equal((await cell.textContent()).replace(/,/g, ''), `${de.records} (partly purged)`);
	// the log still verifies offline, the purged metadata gone
	assert.match(execFileSync(CLI, ['verify', '--quiet', '--db', DB], { encoding: 'utf8' }), /^ok: \d+ entries \(12 purged\)/);
});

t('pinning the wrong log key gives the red alarm', async () => {
	// the same name as the log, another key: a server's key swap looks like this
	const other = cli(['warrant', 'keygen', ORIGIN, '--out', path.join(T, 'other.key')]);
	assert.notEqual(other, VKEY);
	await pinKey(other);
	const h = await health();
	assert.ok(h.alarm, h.text);
	assert.match(h.text, /ALARM/);
	assert.match(h.text, /signature check failed/);
	assert.match(h.text, /not with the pinned key/);
	assert.ok((await page.textContent('#evidence-new')).startsWith(`${ORIGIN}\n`));
	await shot('alarm-wrong-key');
	// a key that differs only in its key bytes (its id then fails to parse)
	await pinKey(VKEY.slice(0, -6) + 'AAAAA=');
	assert.match(await page.textContent('#key-status'), /not pinned/);
	// back to the right key: verified again, consistent with what it saw
	await pinKey(VKEY);
	const ok = await health();
	assert.ok(ok.ok, ok.text);
	assert.match(ok.text, /has not grown since/);
});

t('a server restarted on a forked database gives the red alarm', async () => {
	const seen = JSON.parse(await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('envelog.seen.')))));
	await stopServer();
	// envelogd refuses to sign on a database behind the last checkpoint it
	// signed (kept in <key>.state); an operator forking on purpose deletes
	// that file, and then the console must see the fork
	await assert.rejects(startServer(FORK), /does not hold the last checkpoint this log signed/);
	rmSync(`${KEY}.state`);
	await startServer(FORK);
	// the fork grows past what the browser saw, validly signed by the same key
	const forkSize = Number((await api('/v1/checkpoint')).text.split('\n')[1]);
	assert.ok(forkSize < seen.size);
	await ingest(seen.size - forkSize + 5, 'fork');
	const cp = (await api('/v1/checkpoint')).text;
	assert.ok(Number(cp.split('\n')[1]) > seen.size);
	const h = await health();
	assert.ok(h.alarm, h.text);
	assert.match(h.text, /consistency check failed/);
	assert.match(h.text, /rewritten|does not lead|does not reproduce/);
	assert.match(h.text, /signature of the checkpoint verifies/, 'the signature itself was fine');
	assert.equal(await page.textContent('#evidence-old'), seen.note);
	assert.equal(await page.textContent('#evidence-new'), cp);
	await shot('alarm-inconsistent');
	// the alarm holds: the remembered checkpoint did not move on
	const h2 = await health(true);
	assert.ok(h2.alarm, h2.text);
	const still = JSON.parse(await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('envelog.seen.')))));
	assert.equal(still.note, seen.note);
});

t('a proven fork stays an alarm: after the good log comes back and after a later alarm', async () => {
	const forkNote = (await api('/v1/checkpoint')).text;
	await stopServer();
	// the good log comes back (its operator again removes the signer's state)
	rmSync(`${KEY}.state`);
	await startServer(DB);
	const h = await health();
	assert.ok(h.alarm && !h.ok, `never green after a proven fork: ${h.text}`);
	assert.match(h.text, /ALARM: this log was proven forked/);
	assert.match(h.text, /The log has not grown since this browser last saw it/, 'the checks themselves pass');
	// the red banner on every screen links to the evidence
	for (const screen of ['ledger', 'report', 'lookup', 'settings']) {
		await go(screen);
		assert.ok(await page.isVisible('#alarm-banner'), screen);
		assert.match(await page.textContent('#alarm-banner'), /This log was proven forked/);
	}
	await page.click('#alarm-banner a');
	await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'h-alarms');
	// a later, different alarm (a wrong key pinned) is added, not put in its place
	const other = cli(['warrant', 'keygen', ORIGIN, '--out', path.join(T, 'other2.key')]);
	await pinKey(other);
	assert.ok((await health()).alarm);
	await pinKey(VKEY);
	const again = await health();
	assert.ok(again.alarm, again.text);
	assert.match(again.text, /proven forked/);
	const kept = JSON.parse(await page.evaluate(() => localStorage.getItem('envelog.alarms')));
	const steps = kept.map((a) => `${a.step}${a.proven ? ' proven' : ''}`);
	assert.deepEqual(steps, ['signature', 'consistency proven', 'signature'], 'the wrong key, the fork, the later wrong key');
	const fork = kept[1];
	assert.equal(fork.key, VKEY);
	assert.equal(fork.newCheckpoint, forkNote);
	assert.ok(fork.oldCheckpoint.startsWith(`${ORIGIN}\n`) && fork.oldCheckpoint !== forkNote);
	assert.equal(fork.consistencyProof.new, Number(forkNote.split('\n')[1]));
	assert.ok(Array.isArray(fork.consistencyProof.proof) && fork.consistencyProof.proof.length > 0, 'the proof is kept');
	assert.ok(Number.isFinite(fork.at) && Number.isFinite(fork.oldFirstSeen));
	assert.equal(await page.locator('#alarm-history ol.alarms > li').count(), 3);
	assert.equal(await page.locator('#alarm-history ol.alarms > li.proven').count(), 1);
	const [download] = await Promise.all([page.waitForEvent('download'), page.click('#alarms-download')]);
	const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
	assert.equal(exported.format, 'envelog-console-alarms/v1');
	assert.deepEqual(exported.alarms, kept);
	await shot('health-forked');
});

t('axe-core: no violation on any screen, wide or on a phone', () => {
	assert.deepEqual(axeFound, []);
});

t('the page fetched nothing from outside the server and threw no errors', () => {
	const outside = requested.filter((u) => !u.startsWith(URL_ + '/') && !/^(blob|data|about):/.test(u));
	assert.deepEqual(outside, []);
	assert.ok(requested.some((u) => u.endsWith('/app.js')));
	assert.deepEqual(pageErrors, []);
});
