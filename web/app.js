// app.js — the auditor console: screens, settings, and the glue between the
// API (api.js), the checks (verify.js, monitor.js) and the page (dom.js).

import { h, fill, $, utc, utcDay, ago, fmtInt, notice } from './dom.js';
import { get, allDisclosures, auditorToken, setAuditorToken, ApiError, logUrl, setLogUrl, logOrigin, servedByLog } from './api.js';
import {
	VerifyError, parseVerifierKey, verifyInclusion, entryLeafHash, checkEntry,
	canonicalJSON, b64decode, b64encode, bytesEqual, decodeProof, hex, parseWitnessKey, verifyCosignatures,
	verifyShardStatement, ROOT_KINDS,
} from './verify.js';
import { readRoot, replayRoot, compareShards, refusalEvidence, checkNamed } from './shards.js';
import { checkLog } from './monitor.js';
import { offersTiles, TileLog } from './tiles.js';
import { checkRows, totals, sumBy, toCSV, barChart, reportFromEntries, diffReports, COLUMNS } from './report.js';

const KEY_STORE = 'envelog.logKey';
const POLICY_STORE = 'envelog.policy'; // {witnesses: [key text], min: N, staleHours: H}
const seenStore = (vkey) => `envelog.seen.${vkey.name}+${vkey.keyIdHex}`;

/** A VerifyError that is no evidence against the log (shown amber, not red). */
const soft = (msg) => Object.assign(new VerifyError(msg), { soft: true });
const failKind = (e) => (e instanceof VerifyError && !e.soft ? 'alarm' : 'warn');

/** A sentence for any error: ours carry one; anything else is a bug here. */
function say(e) {
	if (e instanceof ApiError || e instanceof VerifyError) return e.message;
	console.error(e);
	return 'The console hit an unexpected problem while checking; the details are in the browser console.';
}

function loadJSON(store, key) {
	try {
		return JSON.parse(store.getItem(key) || 'null');
	} catch (e) {
		return null;
	}
}

// ---- screens -------------------------------------------------------------------

const SCREENS = ['health', 'ledger', 'report', 'shards', 'lookup', 'settings'];
const entered = new Set();

function show(name, focus) {
	// #alarms: the alarm history on the health screen
	const anchor = name === 'alarms' ? 'h-alarms' : null;
	if (anchor) name = 'health';
	if (!SCREENS.includes(name)) name = 'health';
	for (const sec of document.querySelectorAll('main > section')) sec.hidden = sec.dataset.screen !== name;
	for (const a of document.querySelectorAll('nav a[data-screen]')) {
		if (a.dataset.screen === name) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	document.title = `${$(`#h-${name}`).textContent} — envelog auditor console`;
	if (focus || anchor) $(`#${anchor || `h-${name}`}`).focus();
	renderBanner();
	const first = !entered.has(name);
	entered.add(name);
	if (name === 'health' && first) runHealth();
	if (name === 'ledger' && first) reloadLedger();
	if (name === 'report' && first) loadReport();
	if (name === 'shards' && first) ensureRoot();
	if (name === 'settings') renderSettings();
}

// ---- the pinned key and the verified checkpoint ------------------------------------

let pinned = null; // parsed verifier key, or null
let verified = null; // the last checkpoint that passed every check, or null
let healthRun = null; // the running health check (a promise)

async function loadPinned() {
	const text = localStorage.getItem(KEY_STORE);
	pinned = null;
	if (!text) return;
	try {
		pinned = await parseVerifierKey(text);
	} catch (e) {
		localStorage.removeItem(KEY_STORE);
	}
}

/** The verified latest checkpoint; runs the health check if none ran yet. */
async function ensureVerified() {
	if (verified) return verified;
	await (healthRun || runHealth());
	if (!verified)
		throw soft('The latest checkpoint did not pass the log-health check, so nothing can be verified against it; see Log health.');
	return verified;
}

function runHealth() {
	healthRun = doHealth().finally(() => {
		healthRun = null;
	});
	return healthRun;
}

// ---- alarms: kept, never overwritten ------------------------------------------------

const ALARMS_STORE = 'envelog.alarms';
let currentAlarm = null; // the alarm of the last health check, or null

/** Every alarm this browser raised, oldest first (each one's evidence). */
function alarms() {
	const list = loadJSON(localStorage, ALARMS_STORE);
	return Array.isArray(list) ? list : [];
}

/**
 * Keep ev in the history.  The same failure seen again (same step, same two
 * checkpoints) is counted on its first record, not added again.
 */
function keepAlarm(ev) {
	const list = alarms();
	const same = list.find((a) => a.key === ev.key && a.step === ev.step && a.oldCheckpoint === ev.oldCheckpoint && a.newCheckpoint === ev.newCheckpoint);
	if (same) {
		same.lastSeen = ev.at;
		same.times = (same.times || 1) + 1;
	} else {
		list.push(ev);
	}
	localStorage.setItem(ALARMS_STORE, JSON.stringify(list));
	return same || ev;
}

/** The proven forks of the log of key vkey: two checkpoints it signed that no append-only log has. */
const forksOf = (vkey) => alarms().filter((a) => a.proven && vkey && a.key === vkey.text);

/** A download link for alarms (a list of evidence). */
function alarmsDownload(list, name, label, id) {
	const blob = new Blob([JSON.stringify({ format: 'envelog-console-alarms/v1', exported: new Date().toISOString(), alarms: list }, null, 2) + '\n'], { type: 'application/json' });
	return h('a', { class: 'button secondary', id, href: URL.createObjectURL(blob), download: name }, label);
}

/** The refusals of shard checkpoints recorded by the root log of key vkey, kept as alarms. */
const shardAlarmsOf = (vkey) => alarms().filter((a) => a.step === 'shard_refusal' && vkey && a.root === vkey.text);

/** The red banner at the top of every screen while there is an alarm to see. */
function renderBanner() {
	const el = $('#alarm-banner');
	const forks = forksOf(pinned);
	const refused = [...new Set(shardAlarmsOf(pinned).map((a) => a.log))];
	if (!currentAlarm && !forks.length && !refused.length) {
		el.hidden = true;
		fill(el);
		return;
	}
	const lines = [];
	if (forks.length || currentAlarm) {
		const what = forks.length
			? `This log was proven forked (${utc(forks[0].at)}): it signed two checkpoints that no append-only log can both have.`
			: `The last check of this log raised an alarm: ${currentAlarm.failed}`;
		lines.push(h('p', null, h('strong', null, 'ALARM. '), what, ' ', h('a', { href: '#alarms' }, 'See the alarm and its evidence'), '.'));
	}
	if (refused.length)
		lines.push(h('p', { id: 'banner-shard-refusal' }, h('strong', null, 'ALARM. '),
			`The root refused checkpoints of ${refused.length === 1 ? 'its shard' : 'its shards'} ${refused.join(', ')}: ${refused.length === 1 ? 'that shard' : 'those shards'} forked or rolled back ${refused.length === 1 ? 'its' : 'their'} log. `,
			h('a', { href: '#shards' }, 'See the shards'), ' and ', h('a', { href: '#alarms' }, 'the evidence'), '.'));
	fill(el, lines);
	el.hidden = false;
}

function policy() {
	const p = loadJSON(localStorage, POLICY_STORE) || {};
	return {
		witnesses: Array.isArray(p.witnesses) ? p.witnesses.filter((w) => typeof w === 'string') : [],
		min: Number.isSafeInteger(p.min) && p.min >= 0 ? p.min : 0,
		staleHours: Number.isFinite(p.staleHours) && p.staleHours > 0 ? p.staleHours : 24,
	};
}

/** The witness policy applied to checkpoint cp: a notice. */
async function witnessNotice(cp) {
	const pol = policy();
	const keys = [];
	for (const t of pol.witnesses) {
		try {
			keys.push(await parseWitnessKey(t));
		} catch (e) {
			/* refused when saved; a stored bad key is skipped */
		}
	}
	if (!keys.length && !pol.min)
		return notice('info', 'No witnesses are set',
			h('p', null, 'Nothing shows that others saw this same checkpoint. Set the witnesses you trust under ', h('a', { href: '#settings' }, 'Settings'), '.'));
	let res;
	try {
		res = await verifyCosignatures(cp.note, keys);
	} catch (e) {
		return notice('warn', 'The cosignatures could not be checked.', h('p', null, say(e)));
	}
	const good = res.filter((r) => r.ok).length;
	const list = h('ul', { class: 'checks', id: 'witness-list' }, res.map((r) => h('li', { class: r.ok ? 'ok' : 'missing' },
		`${r.name}+${r.keyIdHex}: `, r.ok ? `cosigned at ${utc(r.time * 1000)} (Ed25519, cosignature/v1, verified here)` : r.why)));
	const line = `${good} of ${keys.length} witnesses cosigned this checkpoint; your policy requires ${pol.min}.`;
	return good >= pol.min
		? Object.assign(notice('ok', 'Witness policy met', h('p', null, line), list), { id: 'witness-ok' })
		: Object.assign(notice('warn', `Too few witnesses: ${good} of the ${pol.min} required cosigned this checkpoint`, h('p', null, line), list), { id: 'witness-warn' });
}

/** The age of the checkpoint (how long this browser has seen it at this size) against the policy. */
function freshNotice(seen, now = Date.now()) {
	const hours = policy().staleHours;
	const age = now - seen.firstSeen;
	const since = `The log has been at size ${fmtInt(seen.size)} since this browser first saw that size ${ago(seen.firstSeen, now)} (${utc(seen.firstSeen)}).`;
	if (age > hours * 3600000)
		return Object.assign(notice('warn', `The checkpoint has not moved for more than ${hours} ${hours === 1 ? 'hour' : 'hours'}`,
			h('p', null, since),
			h('p', null, 'A log that stops moving may be idle, or may be showing you an old view while it grows for others. Ask the operator, or compare with another auditor.')), { id: 'stale' });
	return Object.assign(notice('ok', 'Checkpoint moving', h('p', null, since, ` You are warned after ${hours} ${hours === 1 ? 'hour' : 'hours'} without growth.`)), { id: 'fresh' });
}

/** What this check can prove, given where the console came from. */
function renderOrigin() {
	const el = $('#health-origin');
	if (servedByLog())
		fill(el, Object.assign(notice('warn', 'This console was served by the log server it checks',
			h('p', null, 'A console served by the log it checks proves nothing against that log: a dishonest server could serve a console that says "verified" whatever it does. For evidence, keep your own copy of the console (one HTML file, built by ', h('code', null, 'make console'), ' and checked by its SHA-256) and open it from a file or from another origin.')), { id: 'served-by-log' }));
	else
		fill(el, Object.assign(notice('info', `Checking the log at ${logOrigin()}`,
			h('p', null, 'This console did not come from the log server it checks.')), { id: 'independent' }));
}

async function doHealth() {
	const status = $('#health-status'), detail = $('#health-detail');
	renderOrigin();
	verified = null;
	currentAlarm = null;
	fill(detail);
	fill($('#health-witnesses'));
	fill($('#health-fresh'));
	if (!pinned) {
		fill(status, notice('warn', 'No log key is pinned yet.',
			h('p', null, 'Pin the log key under ', h('a', { href: '#settings' }, 'Settings'), ' to verify the log in this browser.')));
		renderAlarms();
		return;
	}
	fill(status, notice('info', 'Checking the latest checkpoint…'));
	const seen = loadJSON(localStorage, seenStore(pinned));
	let result;
	try {
		result = await checkLog(pinned, seen, {
			checkpoint: () => get('/v1/checkpoint', { text: true }),
			// from the log's hash tiles where it offers them (computed here), else /v1/
			consistency: async (o, n) => (await offersTiles()
				? { old: o, new: n, proof: (await new TileLog(n).consistencyProof(o)).map(b64encode), from: 'tiles' }
				: get(`/v1/proof/consistency?old=${o}&new=${n}`)),
		});
	} catch (e) {
		fill(status, notice('warn', 'The log could not be checked.', h('p', null, say(e))));
		renderAlarms();
		return;
	}
	const keyLine = `${pinned.name}+${pinned.keyIdHex}`;
	if (!result.ok) {
		const at = Date.now();
		currentAlarm = keepAlarm({
			at, log: pinned.name, key: pinned.text, step: result.step, failed: result.failed,
			// a consistency failure between two checkpoints that both verify is a proven fork
			proven: result.step === 'consistency' && !!result.cp,
			oldCheckpoint: result.oldNote, oldFirstSeen: seen ? seen.firstSeen || null : null,
			newCheckpoint: result.newNote, consistencyProof: result.proof || null,
			checks: result.checks, server: logUrl() || location.origin,
		});
		renderAlarm(status, detail, currentAlarm, result.checks);
		renderAlarms();
		return;
	}
	localStorage.setItem(seenStore(pinned), JSON.stringify(result.seen));
	verified = result.cp;
	rootRun = checkRoot(result.cp);
	const cp = result.cp;
	const forks = forksOf(pinned);
	const checks = h('ul', { class: 'checks' }, result.checks.map((c) => h('li', null, c)));
	if (forks.length)
		// never green again: the log's key signed a fork
		fill(status, h('div', { class: 'notice alarm', role: 'alert', id: 'alarm' },
			h('p', { class: 'notice-title' }, 'ALARM: this log was proven forked'),
			h('p', { class: 'failed' }, `On ${utc(forks[0].at)} this browser saw two checkpoints signed by the pinned key that no append-only log can both have: ${forks[0].failed}`),
			h('p', null, 'The checks below pass now, but the log cannot be trusted: it showed different histories. Its evidence is kept below.'), checks));
	else if (!seen)
		fill(status, Object.assign(notice('info', 'Signature checked; trusting this checkpoint on first use',
			h('p', null, 'Only the signature could be checked: this browser has no earlier checkpoint of this log to prove it consistent with. Later checks prove that the log only grows from this one.'), checks), { id: 'tofu' }));
	else
		fill(status, notice('ok', 'Verified', checks));
	fill($('#health-witnesses'), await witnessNotice(cp));
	fill($('#health-fresh'), freshNotice(result.seen));
	fill(detail,
		h('dl', { class: 'facts', id: 'checkpoint-facts' },
			h('dt', null, 'Log'), h('dd', null, cp.origin),
			h('dt', null, 'Size'), h('dd', { id: 'cp-size' }, `${fmtInt(cp.size)} entries`),
			h('dt', null, 'Age'), h('dd', { id: 'cp-age' }, `at this size since this browser first saw it ${ago(result.seen.firstSeen)} (${utc(result.seen.firstSeen)}); checked ${utc(Date.now())}`),
			h('dt', null, 'Root'), h('dd', null, h('code', { class: 'hash', id: 'cp-root' }, cp.rootB64)),
			h('dt', null, 'Pinned key'), h('dd', null, h('code', { class: 'hash' }, keyLine))),
		h('details', null, h('summary', null, 'The signed checkpoint as served'), h('pre', { class: 'note' }, cp.note)));
	renderAlarms();
}

function evidenceBlock(ev, n) {
	const id = (x) => (n === undefined ? x : `${x}-${n}`);
	const shard = ev.step === 'shard_refusal';
	return h('div', { class: 'evidence' },
		h('dl', { class: 'facts' },
			h('dt', null, 'Detected'), h('dd', null, utc(ev.at), ev.times > 1 ? ` (seen ${ev.times} times, last ${utc(ev.lastSeen)})` : ''),
			h('dt', null, shard ? 'Shard key (its shard_add entry)' : 'Pinned key'), h('dd', null, h('code', { class: 'hash' }, ev.key)),
			shard ? [h('dt', null, 'Root log'), h('dd', null, h('code', { class: 'hash' }, ev.root), ` (entry ${ev.seq})`)]
				: [h('dt', null, 'Old checkpoint first seen'), h('dd', null, ev.oldFirstSeen ? utc(ev.oldFirstSeen) : '—')]),
		h('div', { class: 'two' },
			h('figure', null, h('figcaption', null, shard ? `The shard's checkpoint the root last recorded${ev.lastSeq !== null ? ` (entry ${ev.lastSeq})` : ''}` : 'The checkpoint this browser had verified before'),
				h('pre', { class: 'note', id: id('evidence-old') }, ev.oldCheckpoint || (shard ? '(none: the root had recorded no checkpoint of this shard)' : '(none: this browser had not seen this log before)'))),
			h('figure', null, h('figcaption', null, shard ? `The shard's checkpoint the root refused (entry ${ev.seq}), signed by the shard key` : 'The checkpoint the server served then'),
				h('pre', { class: 'note', id: id('evidence-new') }, ev.newCheckpoint || '(none)'))),
		ev.consistencyProof ? h('details', null, h('summary', null, ev.consistencyProof.from === 'tiles' ? 'The consistency proof, computed from the hash tiles the server sent' : 'The consistency proof the server sent'),
			h('pre', { class: 'note', id: id('evidence-proof') }, JSON.stringify(ev.consistencyProof, null, 1))) : null,
		h('p', null, alarmsDownload([ev], `envelog-alarm-${new Date(ev.at).toISOString().replace(/[:.]/g, '-')}.json`, 'Download this evidence (JSON)')));
}

function renderAlarm(status, detail, ev, checks) {
	const what = ev.step === 'signature' ? 'The checkpoint signature check failed.' : 'The consistency check failed.';
	fill(status, h('div', { class: 'notice alarm', role: 'alert', id: 'alarm' },
		h('p', { class: 'notice-title' }, ev.proven ? 'ALARM: the log is forked' : 'ALARM: the log did not verify'),
		h('p', { class: 'failed' }, what, ' ', ev.failed),
		checks.length ? h('p', null, 'What did hold: ', checks.join(' ')) : null,
		ev.proven ? h('p', null, 'Both checkpoints carry valid signatures of the pinned key: this is proof that the log showed two histories.') : null,
		h('p', null, 'The console keeps the last verified checkpoint and does not move on to the new one. This alarm is kept in the alarm history; keep its evidence and report it to the log operator and other auditors.')));
	fill(detail, h('h2', null, 'Evidence'), evidenceBlock(ev));
}

/** The alarm history on the health screen: every alarm, newest first, and an export of all. */
function renderAlarms() {
	const box = $('#alarm-history');
	const list = alarms();
	renderBanner();
	if (!list.length) return fill(box, h('p', { class: 'empty' }, 'No alarm has been raised in this browser.'));
	fill(box,
		h('p', null, `${fmtInt(list.length)} ${list.length === 1 ? 'alarm' : 'alarms'} kept in this browser. `,
			alarmsDownload(list, `envelog-alarms-${new Date().toISOString().slice(0, 10)}.json`, 'Download all alarms (JSON)', 'alarms-download')),
		h('ol', { class: 'alarms', reversed: true, start: list.length }, list.map((ev, i) => ({ ev, i })).reverse().map(({ ev, i }) =>
			h('li', { class: ev.proven || ev.step === 'shard_refusal' ? 'proven' : null, dataset: { step: ev.step } },
				h('details', { open: ev.proven || ev.step === 'shard_refusal' || i === list.length - 1 },
					h('summary', null, `${utc(ev.at)} — ${ev.step === 'shard_refusal' ? `Shard checkpoint refused by the root (${ev.reason})` : ev.proven ? 'Proven fork'
						: ev.step === 'signature' ? 'Signature check failed' : 'Consistency check failed'} (${ev.log || ''})`),
					h('p', { class: 'failed' }, ev.failed), evidenceBlock(ev, i))))));
}


// ---- a root log: its shards -------------------------------------------------------------

let isRoot = null; // whether the log answers GET /v1/shards: true, false, or null (not known)
let root = null; // the last root check: {cp, answer, audit, diffs, ahead, leaves} or {cp, answer, error}
let rootRead = null; // {key, hashes, leaves, sigs}: the root's entries read and proved (and their signatures checked), read on from there
let rootRun = null; // the running or last root check (a promise)
let rootAttempt = 0;
let rootProbe = null; // {key, yes}: whether the log of that key and server is a root (its first entry never changes)

const KIND_LABEL = {
	shard_add: 'Shard registered', shard: 'Checkpoint recorded', shard_refusal: 'Checkpoint refused',
	shard_retire: 'Shard retired', shard_close: 'Shard closed',
};
const STATE_LABEL = { active: 'Active', retired: 'Retired (read-only)', closed: 'Closed' };
const REFUSAL_LABEL = { fork: 'fork', rollback: 'rollback' };

function setRoot(yes) {
	isRoot = yes;
	$('#nav-shards').hidden = !yes;
}

/** Another log or key: nothing known of its shards. */
function forgetRoot() {
	setRoot(null);
	root = null;
	rootRead = null;
	rootRun = null;
}

/** The root check, run after the health check verified a checkpoint (again after a reload). */
function ensureRoot() {
	if (healthRun) return healthRun.then(() => rootRun);
	if (!verified) return runHealth().then(() => rootRun);
	rootRun = checkRoot(verified);
	return rootRun;
}

/**
 * Whether the log is a root (GET /v1/shards answers), and if so the whole
 * root read and proved against checkpoint cp, replayed, and compared with
 * what /v1/shards states; every refusal kept as an alarm with its evidence.
 */
async function checkRoot(cp) {
	if (!(await looksLikeRoot(cp))) {
		setRoot(false);
		root = null;
		renderRoot();
		return;
	}
	let answer;
	try {
		answer = await get('/v1/shards');
	} catch (e) {
		if (e instanceof ApiError && e.status === 404) {
			setRoot(false);
			root = null;
		} else {
			root = { cp, answer: null, error: e };
		}
		renderRoot();
		return;
	}
	setRoot(true);
	if (!answer || !Number.isSafeInteger(answer.size) || !Array.isArray(answer.shards)) {
		root = { cp, answer: null, error: new VerifyError('The root sent its list of shards in an unexpected shape.') };
		renderRoot();
		return;
	}
	if (answer.size > cp.size && rootAttempt < 3) {
		// the list is newer than the checkpoint: verify a newer checkpoint first
		rootAttempt++;
		await new Promise((r) => setTimeout(r, 300 * rootAttempt));
		const self = rootRun; // this check: the health check starts the next one
		await runHealth();
		if (rootRun !== self) await rootRun;
		return;
	}
	rootAttempt = 0;
	const key = `${pinned.text}\n${logUrl() || location.origin}`;
	let read;
	try {
		read = await readRoot(cp, (a, b) => get(`/v1/leaves?start=${a}&end=${b}`), rootRead && rootRead.key === key ? rootRead : null);
	} catch (e) {
		root = { cp, answer, error: e };
		if (e.tooLarge) {
			// too large to read whole: check, entry by entry, what the list names
			try {
				root.named = await checkNamed(answer, cp, (seq) => proveRootLeaf(seq, cp));
			} catch (e2) {
				root.error = e2;
			}
		}
		renderRoot();
		return;
	}
	rootRead = { key, ...read, sigs: rootRead && rootRead.key === key ? rootRead.sigs : new Map() };
	const audit = await replayRoot(read.leaves, rootRead.sigs);
	const ahead = answer.size > cp.size;
	const diffs = ahead ? [] : compareShards(answer, answer.size === cp.size ? audit : await replayRoot(read.leaves.slice(0, answer.size), rootRead.sigs));
	root = { cp, answer, audit, diffs, ahead, leaves: read.leaves };
	const at = Date.now();
	for (const s of audit.shards.values())
		for (const r of s.refusals) {
			const ev = refusalEvidence(s, r, read.leaves);
			keepAlarm({
				at, log: s.origin, key: s.vkey, root: pinned.text, step: 'shard_refusal', reason: r.reason, failed: ev.what, proven: false,
				shardForkProven: ev.proven, seq: ev.seq, lastSeq: ev.lastSeq, oldCheckpoint: ev.oldNote, oldFirstSeen: null,
				newCheckpoint: ev.newNote, consistencyProof: null, checks: [], server: logUrl() || location.origin,
			});
		}
	renderRoot();
	renderAlarms();
}

/**
 * Whether the log's first entry is a root entry: a root's entries are only
 * those, an ordinary log's never.  Asked first so that an ordinary log is
 * not sent for /v1/shards (its 404 carries no CORS header, which a console
 * from another origin would see as a failed request).  False when it
 * cannot tell (an empty log, an error).
 */
async function looksLikeRoot(cp) {
	if (cp.size === 0) return false;
	const key = `${pinned.text}\n${logUrl() || location.origin}`;
	if (rootProbe && rootProbe.key === key) return rootProbe.yes;
	try {
		const tl = await tilesAt(cp);
		const kind = tl ? JSON.parse(new TextDecoder().decode((await tl.leaf(0)).data)).kind
			: ((await get('/v1/leaves?start=0&end=1')).leaves || [])[0].kind;
		rootProbe = { key, yes: ROOT_KINDS.includes(kind) };
		return rootProbe.yes;
	} catch (e) {
		return false;
	}
}

/** Root entry seq, its leaf hash recomputed from its data and proved included in cp: {kind, entry}. */
async function proveRootLeaf(seq, cp) {
	const { leaf, proof } = await leafAndProof(seq, cp);
	const entry = checkEntry(leaf.kind, leaf.entry);
	const mine = await entryLeafHash(entry);
	if (!bytesEqual(mine, b64decode(leaf.leaf_hash, 'leaf hash')))
		throw new VerifyError(`The leaf hash of root entry ${seq} recomputed from its data is not the one the root sent.`);
	await verifyInclusion(seq, cp.size, mine, proof, cp.root);
	return { kind: leaf.kind, entry };
}

/** The shards' console URL as the root lists it, when it is an http(s) URL. */
function shardUrl(origin) {
	const c = root && root.answer ? root.answer.shards.find((x) => x && x.origin === origin) : null;
	if (!c || typeof c.url !== 'string') return null;
	try {
		const u = new URL(c.url);
		return /^https?:$/.test(u.protocol) && !u.username && !u.password ? c.url.replace(/\/+$/, '') : null;
	} catch (e) {
		return null;
	}
}

/** rows: [{origin, state, size, ts, seq, refusals, listed (refusals as the root lists them), verified, why}]. */
function shardsTable(rows) {
	const head = ['Shard', 'State', 'Recorded size', 'Last recorded', 'Refusals', 'Console', 'Verified'];
	return h('div', { class: 'table-wrap' }, h('table', { class: 'ledger', id: 'shards' },
		h('caption', { class: 'sr-only' }, 'The root\'s shards, in the order it registered them'),
		h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
		h('tbody', null, rows.map((r) => {
			const url = shardUrl(r.origin);
			const cells = [
				h('code', null, r.origin), STATE_LABEL[r.state] || String(r.state),
				Number.isSafeInteger(r.size) ? fmtInt(r.size) : '—',
				Number.isSafeInteger(r.ts) ? [utc(r.ts), h('br'), h('span', { class: 'hint' }, ago(r.ts))] : r.seq !== undefined && r.seq !== null ? `entry ${r.seq}` : '—',
				[r.refusals > 0 ? h('span', { class: 'badge bad' }, `${fmtInt(r.refusals)} refused`) : fmtInt(r.refusals), r.listed ? ' (as listed)' : ''],
				url ? h('a', { href: `${url}/`, rel: 'noopener noreferrer', class: 'shard-console' }, url) : '—',
				r.verified ? h('span', { class: 'badge ok' }, '✔ Verified')
					: h('span', { class: 'badge unchecked', title: r.why || 'As the server states it: not checked against the root\'s log.' }, '? Not verified'),
			];
			return h('tr', { class: `shard ${r.refusals > 0 ? 'refused' : ''}`, dataset: { origin: r.origin } },
				cells.map((c, i) => h('td', { 'data-label': head[i], class: `c-${head[i].toLowerCase().replace(/[^a-z]+/g, '-')}` }, c)));
		}))));
}

/** The root entries d = {seq, kind, entry} as rows (with their Verify detail). */
function rootRows(list, head, cells, id, caption) {
	const tbody = h('tbody');
	for (const d of list) tbody.append(...entryRows(d, head, [...cells(d), h('span', { class: 'badge ok' }, '✔ Verified')]));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'ledger', id },
		h('caption', { class: 'sr-only' }, caption),
		h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))), tbody));
}

/** The health screen's line about the root, and the Shards screen. */
function renderRoot() {
	const note = $('#health-root');
	const status = $('#shards-status');
	renderBanner();
	if (!isRoot || !root) {
		fill(note);
		fill(status, isRoot === false ? notice('info', 'This log is not a root: it answers no list of shards.')
			: pinned ? notice('info', 'Checking whether this log is a root…')
				: notice('warn', 'No log key is pinned yet.', h('p', null, 'Pin the root\'s key under ', h('a', { href: '#settings' }, 'Settings'), '.')));
		fill($('#shards-table'));
		fill($('#root-events'));
		fill($('#root-recorded'));
		return;
	}
	const link = h('a', { href: '#shards' }, 'See the shards');
	if (root.error) {
		const bad = root.error instanceof VerifyError && !root.error.soft;
		if (root.named) return renderNamed(root);
		const box = () => bad
			? h('div', { class: 'notice alarm', role: 'alert', id: 'root-alarm' },
				h('p', { class: 'notice-title' }, 'ALARM: the root\'s entries are not its signed log'), h('p', null, say(root.error)))
			: notice('warn', 'The root\'s shards could not be checked.', h('p', null, say(root.error)));
		fill(note, box(), h('p', null, link));
		fill(status, box());
		// what the server states, never shown as verified
		fill($('#shards-table'), root.answer ? [
			h('p', null, 'What the root lists, as it states it (not checked against its log):'),
			shardsTable(root.answer.shards.filter((c) => c && typeof c.origin === 'string').map((c) => ({
				origin: c.origin, state: c.state, size: c.latest ? c.latest.size : null, ts: null, seq: c.latest ? c.latest.seq : null,
				refusals: Number.isSafeInteger(c.refusals) ? c.refusals : 0, listed: true, verified: false,
			})))] : null);
		fill($('#root-events'));
		fill($('#root-recorded'));
		return;
	}
	const { audit, diffs, cp, leaves } = root;
	const shards = [...audit.shards.values()];
	const refused = shards.flatMap((sh) => sh.refusals.map((r) => ({ sh, r, ev: refusalEvidence(sh, r, leaves) })));
	const recorded = shards.reduce((n, sh) => n + sh.recorded, 0);
	const boxes = [];
	if (refused.length)
		boxes.push(h('div', { class: 'notice alarm', role: 'alert', id: 'shard-alarm' },
			h('p', { class: 'notice-title' }, `ALARM: the root refused ${refused.length === 1 ? 'a checkpoint' : `${refused.length} checkpoints`} of ${[...new Set(refused.map((x) => x.sh.origin))].join(', ')}`),
			h('ul', { id: 'shard-refusals' }, refused.map(({ r, ev }) => h('li', { dataset: { seq: String(r.seq), reason: r.reason } },
				`Entry ${r.seq} (${utc(r.entry.ts)}, ${REFUSAL_LABEL[r.reason] || r.reason}): ${ev.what}`))),
			h('p', null, 'Each refused checkpoint carries the shard\'s own valid signature (checked here with the key of its shard_add entry), so the shard signed a history that its earlier checkpoint excludes. The root kept recording the shard only from its last good checkpoint. Keep the evidence (', h('a', { href: '#alarms' }, 'alarm history'), ') and report it to the shard\'s operator and other auditors.')));
	if (audit.problems.length)
		boxes.push(h('div', { class: 'notice alarm', role: 'alert', id: 'root-problems' },
			h('p', { class: 'notice-title' }, 'ALARM: the root recorded what a root must not'),
			h('ul', null, audit.problems.slice(0, 20).map((p) => h('li', null, p)))));
	if (diffs.length)
		boxes.push(h('div', { class: 'notice alarm', role: 'alert', id: 'shards-differ' },
			h('p', { class: 'notice-title' }, 'ALARM: the server\'s list of shards does not agree with the root\'s log'),
			h('ul', null, diffs.slice(0, 20).map((p) => h('li', null, p))),
			h('p', null, 'The table shows the shards as the root\'s verified entries record them.')));
	if (root.ahead)
		boxes.push(notice('warn', 'The server\'s list of shards is newer than the verified checkpoint.',
			h('p', null, `It describes ${fmtInt(root.answer.size)} entries, the checkpoint ${fmtInt(cp.size)}; it was not compared. Check again in a moment.`)));
	const summary = h('p', { id: 'shards-verified' },
		`All ${fmtInt(cp.size)} entries of the root were read and proved to make up the tree of its verified checkpoint (size ${cp.size}, root `,
		h('code', { class: 'hash' }, cp.rootB64), `); the ${fmtInt(recorded)} recorded shard checkpoints${refused.length ? ` and the ${fmtInt(refused.length)} refused ${refused.length === 1 ? 'one' : 'ones'}` : ''} carry their shard's signature, checked with the key of its shard_add entry.`);
	if (!boxes.length) boxes.push(Object.assign(notice('ok', 'Every shard entry verified', summary,
		h('p', null, 'The server\'s list of shards (GET /v1/shards) matches what the root\'s entries record.')), { id: 'shards-ok' }));
	else boxes.push(summary);
	fill(status, boxes);
	const active = shards.filter((sh) => sh.state === 'active').length;
	fill(note, refused.length || audit.problems.length || diffs.length
		? h('div', { class: 'notice alarm', role: 'alert', id: 'health-shard-alarm' },
			h('p', { class: 'notice-title' }, refused.length ? 'ALARM: the root refused checkpoints of its shards' : 'ALARM: the root does not check out'),
			h('ul', null, [...refused.map(({ ev }) => ev.what), ...audit.problems.slice(0, 5), ...diffs.slice(0, 5)].map((t) => h('li', null, t))),
			h('p', null, link, '.'))
		: notice('info', `This log is a root of ${shards.length} ${shards.length === 1 ? 'shard' : 'shards'} (${active} active)`,
			h('p', null, 'Its entries are the shards\' signed checkpoints, all verified. ', link, '.')));
	fill($('#shards-table'), shards.length
		? shardsTable(shards.map((sh) => ({
			origin: sh.origin, state: sh.state, size: sh.latest ? sh.latest.size : null, ts: sh.latest ? sh.latest.ts : null, refusals: sh.refusals.length, verified: true,
		})))
		: h('p', { class: 'empty' }, 'The root has registered no shard yet.'));
	const events = leaves.filter((d) => d.kind !== 'shard').slice().reverse();
	fill($('#root-events'), rootRows(events, ['Seq', 'Time', 'Kind', 'Shard', 'Size', 'Detail', 'Verified', 'Proof'], (d) => [
		d.seq, utc(d.entry.ts), KIND_LABEL[d.kind], h('code', null, d.entry.origin),
		Number.isSafeInteger(d.entry.size) ? fmtInt(d.entry.size) : '—',
		d.kind === 'shard_refusal' ? h('strong', { class: 'refused' }, `Refused: ${REFUSAL_LABEL[d.entry.reason] || d.entry.reason}`)
			: d.kind === 'shard_add' ? h('code', { class: 'hash' }, d.entry.vkey) : '—',
	], 'root-events-table', 'Registrations, refusals, retirements and closures, newest first'));
	const last = leaves.filter((d) => d.kind === 'shard').slice(-PAGE).reverse();
	fill($('#root-recorded'), last.length
		? rootRows(last, ['Seq', 'Time', 'Shard', 'Size', 'Root', 'Registered shards', 'Verified', 'Proof'], (d) => [
			d.seq, utc(d.entry.ts), h('code', null, d.entry.origin), fmtInt(d.entry.size), h('code', { class: 'hash' }, d.entry.root), fmtInt(d.entry.registry),
		], 'root-recorded-table', 'The latest shard checkpoints the root recorded, newest first')
		: h('p', { class: 'empty' }, 'The root has recorded no shard checkpoint yet.'));
}

/**
 * The Shards screen of a root too large to read whole: each shard's
 * registration and latest recorded checkpoint checked entry by entry (what
 * /v1/shards names), its state and refusals as the root lists them.
 */
function renderNamed({ cp, answer, named, error }) {
	const listedRefusals = named.rows.filter((r) => r.refusals > 0);
	const boxes = [];
	if (listedRefusals.length)
		boxes.push(h('div', { class: 'notice alarm', role: 'alert', id: 'shard-alarm' },
			h('p', { class: 'notice-title' }, `ALARM: the root lists refused checkpoints of ${listedRefusals.map((r) => r.origin).join(', ')}`),
			h('ul', null, listedRefusals.map((r) => h('li', null, `${r.origin}: ${fmtInt(r.refusals)} refused, as the root lists it.`))),
			h('p', null, 'The root refused checkpoints its shards signed: they forked or rolled back. The refusal entries were not read here (the root is too large); find them with Entry lookup.')));
	if (named.problems.length)
		boxes.push(h('div', { class: 'notice alarm', role: 'alert', id: 'root-problems' },
			h('p', { class: 'notice-title' }, 'ALARM: the root\'s list of shards does not match its entries'),
			h('ul', null, named.problems.slice(0, 20).map((p) => h('li', null, p)))));
	const ok = named.rows.filter((r) => r.verified).length;
	boxes.push(notice('warn', `${say(error)} Each shard was checked by the entries the root names for it.`,
		h('p', { id: 'shards-named' }, `${ok} of ${named.rows.length} shards: their shard_add entry and their latest recorded checkpoint (signed with that key) proved included in the verified checkpoint of size ${cp.size}. Their states and refusal counts are as the root lists them: no entry was read to count them, and a root that omitted an entry from its list would not be caught here.`)));
	fill($('#shards-status'), boxes);
	fill($('#health-root'), listedRefusals.length || named.problems.length
		? h('div', { class: 'notice alarm', role: 'alert', id: 'health-shard-alarm' },
			h('p', { class: 'notice-title' }, listedRefusals.length ? 'ALARM: the root lists refused checkpoints of its shards' : 'ALARM: the root does not check out'),
			h('ul', null, [...listedRefusals.map((r) => `${r.origin}: ${r.refusals} refused`), ...named.problems.slice(0, 5)].map((t) => h('li', null, t))),
			h('p', null, h('a', { href: '#shards' }, 'See the shards'), '.'))
		: notice('info', `This log is a root of ${named.rows.length} shards`, h('p', null, 'Too large to read whole here; each shard checked by its entries. ', h('a', { href: '#shards' }, 'See the shards'), '.')));
	fill($('#shards-table'), shardsTable(named.rows.map((r) => ({ ...r, listed: true }))));
	fill($('#root-events'), h('p', { class: 'empty' }, `Not read: the root holds ${fmtInt(answer.size)} entries. Use Entry lookup for any of them.`));
	fill($('#root-recorded'));
}

// ---- settings --------------------------------------------------------------------------

function renderSettings() {
	if (!$('#url-form').dataset.loaded) {
		$('#url-input').value = logUrl();
		$('#url-form').dataset.loaded = '1';
	}
	fill($('#url-status'), logUrl()
		? notice('info', 'Checking the log server', h('p', null, h('code', { id: 'log-url' }, logUrl())))
		: notice(/^https?:$/.test(location.protocol) ? 'info' : 'warn', /^https?:$/.test(location.protocol) ? 'Checking the server this page came from.' : 'No log server is set.'));
	fill($('#key-status'), pinned
		? notice('info', 'Pinned log key', h('p', null, h('code', { class: 'hash', id: 'pinned-key' }, pinned.text)))
		: notice('warn', 'No log key is pinned.'));
	if (pinned && !$('#key-input').value) $('#key-input').value = pinned.text;
	fill($('#token-status'), auditorToken()
		? notice('info', 'An auditor token is set for this session.')
		: notice('info', 'No auditor token is set.'));
	const pol = policy();
	if (!$('#policy-form').dataset.loaded) {
		$('#witness-input').value = pol.witnesses.join('\n');
		$('#witness-min').value = String(pol.min);
		$('#stale-hours').value = String(pol.staleHours);
		$('#policy-form').dataset.loaded = '1';
	}
	const seen = pinned ? loadJSON(localStorage, seenStore(pinned)) : null;
	fill($('#seen-status'), seen
		? h('p', null, `Remembered: size ${fmtInt(seen.size)}, root `, h('code', { class: 'hash' }, seen.rootB64), '.')
		: h('p', null, 'No checkpoint is remembered for the pinned key.'));
}

function setupSettings() {
	$('#url-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		try {
			const u = setLogUrl($('#url-input').value);
			$('#url-input').value = u;
			verified = null;
			ledgerLoad = null;
			forgetRoot();
			entered.clear();
			renderSettings();
			fill($('#url-status'), Object.assign(notice('ok', u ? 'Log server set.' : 'Checking the server this page came from.',
				u ? h('p', null, h('code', { id: 'log-url' }, u)) : null), { id: 'url-saved' }));
		} catch (e) {
			fill($('#url-status'), Object.assign(notice('warn', 'That URL was not set.', h('p', null, say(e))), { id: 'url-refused' }));
		}
	});
	$('#key-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const text = $('#key-input').value.trim();
		try {
			const k = await parseVerifierKey(text);
			localStorage.setItem(KEY_STORE, k.text);
			await loadPinned();
			entered.clear();
			verified = null;
			ledgerLoad = null;
			forgetRoot();
			fill($('#key-offer'));
			renderSettings();
			fill($('#key-status'), notice('ok', 'Log key pinned.', h('p', null, h('code', { class: 'hash', id: 'pinned-key' }, k.text)),
				h('p', null, h('a', { href: '#health' }, 'Check the log now'))));
		} catch (e) {
			fill($('#key-status'), notice('warn', 'That key was not pinned.', h('p', null, say(e))));
		}
	});
	$('#key-offered').addEventListener('click', async () => {
		const box = $('#key-offer');
		try {
			const text = (await get('/v1/key', { text: true })).trim();
			const k = await parseVerifierKey(text);
			fill(box, notice('warn', 'The server offers this key. It is not trusted until you pin it.',
				h('p', null, h('code', { class: 'hash', id: 'offered-key' }, k.text)),
				h('p', null, 'Compare it character by character with the key the log operator gave you through another channel. A server that was taken over would offer its own key.'),
				h('p', null, h('button', { type: 'button', class: 'secondary', onclick: () => { $('#key-input').value = k.text; $('#key-input').focus(); } }, 'Copy into the key field'))));
		} catch (e) {
			fill(box, notice('warn', 'The server did not offer a usable key.', h('p', null, say(e))));
		}
	});
	$('#key-unpin').addEventListener('click', () => {
		localStorage.removeItem(KEY_STORE);
		pinned = null;
		verified = null;
		ledgerLoad = null;
		forgetRoot();
		entered.clear();
		$('#key-input').value = '';
		renderSettings();
	});
	$('#policy-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const lines = $('#witness-input').value.split('\n').map((l) => l.trim()).filter(Boolean);
		const min = Number($('#witness-min').value), staleHours = Number($('#stale-hours').value);
		try {
			const keys = [];
			for (const l of lines) {
				try {
					keys.push((await parseWitnessKey(l)).text);
				} catch (e) {
					throw new VerifyError(`The witness key "${l.slice(0, 40)}" was not accepted: ${e.message}`);
				}
			}
			if (new Set(keys.map((k) => k.split('+')[0])).size !== keys.length) throw new VerifyError('Two witness keys have the same name: a witness counts once.');
			if (!Number.isSafeInteger(min) || min < 0) throw new VerifyError('The number of cosignatures required is a whole number from 0 up.');
			if (min > keys.length) throw new VerifyError(`The policy requires ${min} cosignatures but names only ${keys.length} witnesses.`);
			if (!Number.isFinite(staleHours) || staleHours <= 0) throw new VerifyError('The hours before a warning are a number above 0.');
			localStorage.setItem(POLICY_STORE, JSON.stringify({ witnesses: keys, min, staleHours }));
			entered.delete('health');
			fill($('#policy-status'), Object.assign(notice('ok', 'Policy saved.', h('p', null, `${keys.length} witnesses, ${min} required; warn after ${staleHours} hours without growth. `, h('a', { href: '#health' }, 'Check the log now'))), { id: 'policy-saved' }));
		} catch (e) {
			fill($('#policy-status'), Object.assign(notice('warn', 'The policy was not saved.', h('p', null, say(e))), { id: 'policy-refused' }));
		}
	});
	$('#token-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const t = $('#token-input').value.trim();
		setAuditorToken(t);
		$('#token-input').value = '';
		entered.delete('ledger');
		entered.delete('report');
		ledgerLoad = null;
		renderSettings();
		fill($('#token-status'), t
			? notice('ok', 'Auditor token set for this session.', h('p', null, 'Open the ', h('a', { href: '#ledger' }, 'disclosure ledger'), ' or the ', h('a', { href: '#report' }, 'transparency report'), '.'))
			: notice('info', 'No auditor token is set.'));
	});
	$('#token-clear').addEventListener('click', () => {
		setAuditorToken('');
		entered.delete('ledger');
		entered.delete('report');
		ledgerLoad = null;
		renderSettings();
	});
	$('#seen-forget').addEventListener('click', () => {
		if (!pinned) return;
		if (!confirm('Forget the remembered checkpoint? The next check starts afresh and cannot prove the log consistent with what this browser saw before. The alarm history is kept.')) return;
		localStorage.removeItem(seenStore(pinned));
		entered.delete('health');
		renderSettings();
	});
}

// ---- inclusion: shared by the ledger and the lookup --------------------------------------

let tileLog = null; // the TileLog of the last verified checkpoint read over tiles

/** The log's tiles at checkpoint cp, or null when the log offers none (then /v1/ is used). */
async function tilesAt(cp) {
	if (!(await offersTiles())) return null;
	if (!tileLog || tileLog.size !== cp.size || tileLog.rootB64 !== cp.rootB64)
		tileLog = Object.assign(new TileLog(cp.size), { rootB64: cp.rootB64 });
	return tileLog;
}

/**
 * Leaf seq of the tree of checkpoint cp and an inclusion proof for it, as
 * {leaf: {seq, kind, leaf_hash, entry}, proof: [bytes], tiles}: from the
 * log's tiles where it offers them (the data from the entry bundle, which
 * must give the leaf hash of the hash tile; the proof computed here), else
 * from /v1/leaves and /v1/proof/inclusion.  Throws VerifyError when what
 * the server sends cannot be the log's.
 */
async function leafAndProof(seq, cp) {
	const tl = await tilesAt(cp);
	if (tl) {
		const { data, hash } = await tl.leaf(seq);
		const text = new TextDecoder().decode(data);
		let entry;
		try {
			entry = JSON.parse(text);
		} catch (e) {
			throw new VerifyError(`The data of entry ${seq} in the log's entry bundle is not JSON.`);
		}
		if (!entry || typeof entry !== 'object' || canonicalJSON(entry) !== text)
			throw new VerifyError(`The data of entry ${seq} in the log's entry bundle is not canonical JSON.`);
		const proof = await tl.inclusionProof(seq);
		return { leaf: { seq, kind: entry.kind, leaf_hash: b64encode(hash), entry }, proof, tiles: true };
	}
	const res = await get(`/v1/leaves?start=${seq}&end=${seq + 1}`);
	const leaves = res && Array.isArray(res.leaves) ? res.leaves : [];
	const leaf = leaves.find((l) => l.seq === seq);
	if (!leaf) throw new VerifyError(`The server did not send entry ${seq}.`);
	const pr = await get(`/v1/proof/inclusion?index=${seq}&size=${cp.size}`);
	if (!pr || pr.index !== seq || pr.size !== cp.size) throw new VerifyError('The server answered an inclusion proof for another entry or tree size.');
	return { leaf, proof: decodeProof(pr.proof, 'inclusion proof'), tiles: false };
}

/**
 * Verify entry seq against the verified checkpoint: the leaf from
 * /v1/leaves, the leaf hash recomputed from its public data (every
 * leaf's, R2: an event's is its commitment, and nothing else passes for an
 * event), the inclusion proof.  Resolves to {leaf, checks, proof}; throws with a
 * sentence when anything fails.
 */
async function verifyEntry(seq, entryFromLedger) {
	const cp = await ensureVerified();
	if (seq >= cp.size)
		throw soft(cp.size === 0 ? 'The verified checkpoint is of the empty log: there is no entry yet.'
			: `Entry ${seq} is not yet covered by the verified checkpoint, which holds ${cp.size} entries (0 to ${cp.size - 1}).`);
	const { leaf, proof, tiles } = await leafAndProof(seq, cp);
	const checks = [];
	const leafHash = b64decode(leaf.leaf_hash, 'leaf hash');
	if (entryFromLedger && leaf.kind !== entryFromLedger.kind)
		throw new VerifyError(`The ledger lists entry ${seq} as a ${entryFromLedger.kind} entry, but the log's leaf is of kind ${leaf.kind}.`);
	const entry = checkEntry(leaf.kind, entryFromLedger || leaf.entry);
	const mine = await entryLeafHash(entry);
	if (!bytesEqual(mine, leafHash))
		throw new VerifyError(`The leaf hash of entry ${seq} recomputed from its data (${b64encode(mine)}) is not the one the log holds (${leaf.leaf_hash}).`);
	if (entryFromLedger && leaf.entry && canonicalJSON(leaf.entry) !== canonicalJSON(entryFromLedger))
		throw new VerifyError(`The ledger and the log's leaves disagree about the data of entry ${seq}.`);
	checks.push('The leaf hash recomputed from the entry data (SHA-256 of 0x00 and its canonical JSON) matches the log.');
	if (leaf.kind === 'event')
		checks.push('This is an event: its public data is only a salted commitment to its metadata, which stays private.');
	await verifyInclusion(seq, cp.size, leafHash, proof, cp.root);
	checks.push(`The inclusion proof of ${proof.length} hashes leads from this leaf to the root of the verified checkpoint of size ${cp.size}.`);
	checks.push(tiles ? 'Read from the log\'s tiles (C2SP tlog-tiles): the entry from its entry bundle, the proof computed in this browser from its hash tiles.'
		: 'Read from the log\'s /v1/ API (it offers no tiles): the entry from /v1/leaves, the proof from /v1/proof/inclusion.');
	if (leaf.kind === 'shard' || leaf.kind === 'shard_refusal') checks.push(await shardStatementCheck(entry, cp));
	return { leaf, checks, proof: proof.map(b64encode), cp };
}

/**
 * A root's shard or shard_refusal entry is its shard's signed statement:
 * check its signature with the key of the shard's shard_add entry, itself
 * proved included in checkpoint cp (or read with the whole root, proved
 * against a checkpoint cp extends).  Resolves to a sentence; throws
 * VerifyError when the signature is not the shard's.
 */
async function shardStatementCheck(entry, cp) {
	let reg = root && root.audit && root.cp.size <= cp.size ? root.audit.shards.get(entry.origin) : null;
	let how = 'read with the whole root';
	if (!reg) {
		const answer = await get('/v1/shards');
		const c = answer && Array.isArray(answer.shards) ? answer.shards.find((x) => x && x.origin === entry.origin) : null;
		if (!c || !c.registered || !Number.isSafeInteger(c.registered.seq))
			throw new VerifyError(`The root names no shard_add entry for ${entry.origin}, so the signature of this entry cannot be checked.`);
		const seq = c.registered.seq;
		if (seq >= cp.size) throw soft(`The shard_add entry of ${entry.origin} is not yet covered by the verified checkpoint.`);
		const { leaf, proof } = await leafAndProof(seq, cp);
		const add = checkEntry('shard_add', leaf.entry);
		if (add.origin !== entry.origin) throw new VerifyError(`Entry ${seq}, which the root names as the registration of ${entry.origin}, registers ${add.origin}.`);
		const mine = await entryLeafHash(add);
		await verifyInclusion(seq, cp.size, mine, proof, cp.root);
		reg = { vkey: add.vkey, registered: { seq } };
		how = 'proved included in the verified checkpoint';
	}
	const { vkey, engine } = await verifyShardStatement(entry, reg.vkey);
	return `The shard's signature over its checkpoint (${entry.origin}, size ${entry.size}) verifies with ${vkey.name}+${vkey.keyIdHex}, the key of its shard_add entry ${reg.registered.seq} (${how}; checked with ${engine}).`;
}

function proofView(r) {
	return [
		h('dl', { class: 'facts' },
			h('dt', null, 'Leaf hash'), h('dd', null, h('code', { class: 'hash' }, r.leaf.leaf_hash)),
			h('dt', null, 'Checkpoint root'), h('dd', null, h('code', { class: 'hash' }, r.cp.rootB64), ` (size ${fmtInt(r.cp.size)})`)),
		h('details', null, h('summary', null, `Inclusion proof (${r.proof.length} hashes)`),
			h('ol', { class: 'proof', start: 1 }, r.proof.map((p) => h('li', null, h('code', { class: 'hash' }, p))))),
	];
}

// ---- disclosure ledger ---------------------------------------------------------------------

const PAGE = 20;
let ledger = []; // the disclosures and refusals from /v1/disclosures
let purges = []; // the retention purges from /v1/disclosures
let ledgerPage = 0;
let purgesAll = false; // show every purge, not only the latest PAGE
let ledgerLoad = null; // the running or last ledger load (a promise)
let ledgerCp = null; // the checkpoint the listed entries were checked against
const verdicts = new Map(); // seq -> {state: 'ok'|'bad'|'unchecked', why}
const proven = new Map(); // root:seq:leaf data -> verdict, so a reload asks again only for what changed

/** Run fn on each item, at most n at a time. */
async function pool(items, n, fn) {
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			await fn(items[i], i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/**
 * Check listed entry d against the verified checkpoint cp: its leaf hash,
 * recomputed here from the data as listed, must sit at d.seq in the tree
 * whose root cp signs (an inclusion proof).  Resolves to a verdict
 * {state: 'ok'} or {state: 'bad', why} (the data as listed is not the log's)
 * or {state: 'unchecked', why} (no evidence either way: not yet covered, or
 * the server could not be asked).
 */
async function checkListed(d, cp) {
	if (d.seq >= cp.size)
		return { state: 'unchecked', why: `Entry ${d.seq} is newer than the verified checkpoint (${cp.size} entries); check the log again to cover it.` };
	let data;
	try {
		data = canonicalJSON(checkEntry(d.kind, d.entry));
	} catch (e) {
		return { state: 'bad', why: say(e) };
	}
	const key = `${cp.rootB64}:${d.seq}:${data}`;
	if (proven.has(key)) return proven.get(key);
	let v;
	try {
		const mine = await entryLeafHash(d.entry);
		const tl = await tilesAt(cp);
		let proof;
		if (tl) {
			// the entry bundle's data must be the data listed, and give the leaf hash
			const { data } = await tl.leaf(d.seq);
			if (new TextDecoder().decode(data) !== canonicalJSON(d.entry))
				throw new VerifyError(`The log's entry bundle holds other data for entry ${d.seq}.`);
			proof = await tl.inclusionProof(d.seq);
		} else {
			const pr = await get(`/v1/proof/inclusion?index=${d.seq}&size=${cp.size}`);
			if (!pr || pr.index !== d.seq || pr.size !== cp.size) throw new VerifyError('The server answered an inclusion proof for another entry or tree size.');
			proof = decodeProof(pr.proof, 'inclusion proof');
		}
		await verifyInclusion(d.seq, cp.size, mine, proof, cp.root);
		v = { state: 'ok' };
	} catch (e) {
		if (!(e instanceof VerifyError)) return { state: 'unchecked', why: say(e) };
		v = { state: 'bad', why: `The data listed for entry ${d.seq} is not what the log holds: its leaf hash, recomputed here, is not in the verified checkpoint. ${e.message}` };
	}
	proven.set(key, v);
	return v;
}

const BADGE = {
	ok: ['ok', '✔ Verified'],
	bad: ['bad', '✘ Not in the log'],
	unchecked: ['unchecked', '? Not checked'],
	pending: ['pending', '… Checking'],
};

function badge(seq) {
	const v = verdicts.get(seq) || { state: 'pending' };
	const [cls, text] = BADGE[v.state];
	return h('span', { class: `badge ${cls}`, title: v.why || null }, text);
}

function refreshBadges() {
	for (const td of document.querySelectorAll('tr.row td.c-check')) fill(td, badge(Number(td.parentNode.dataset.seq)));
}

/** The summary above the ledger: how many of the listed entries verified, against which checkpoint. */
function renderLedgerCheck() {
	const box = $('#ledger-check');
	const all = [...ledger, ...purges];
	const count = (st) => all.filter((d) => (verdicts.get(d.seq) || { state: 'pending' }).state === st).length;
	const ok = count('ok'), bad = all.filter((d) => (verdicts.get(d.seq) || {}).state === 'bad');
	const pending = count('pending'), unchecked = all.filter((d) => (verdicts.get(d.seq) || {}).state === 'unchecked');
	if (!all.length) return fill(box);
	if (pending) return fill(box, notice('info', `Checking every listed entry against the verified checkpoint: ${fmtInt(ok)} of ${fmtInt(all.length)} verified so far…`));
	const against = ledgerCp ? [' against the checkpoint of size ', h('span', { id: 'ledger-cp-size' }, String(ledgerCp.size)), ', root ', h('code', { class: 'hash', id: 'ledger-cp-root' }, ledgerCp.rootB64)] : [];
	const counted = h('p', { id: 'ledger-verified' }, `${fmtInt(ok)} of ${fmtInt(all.length)} entries verified`, ...against, '.');
	if (bad.length)
		return fill(box, h('div', { class: 'notice alarm', role: 'alert', id: 'ledger-alarm' },
			h('p', { class: 'notice-title' }, `ALARM: ${fmtInt(bad.length)} listed ${bad.length === 1 ? 'entry does' : 'entries do'} not match the log`), counted,
			h('ul', null, bad.slice(0, 20).map((d) => h('li', null, (verdicts.get(d.seq) || {}).why))),
			h('p', null, 'The server lists data that is not what its signed log holds. The numbers of these entries, and any report built on them, cannot be trusted.')));
	if (unchecked.length)
		return fill(box, notice('warn', `${fmtInt(unchecked.length)} of ${fmtInt(all.length)} entries could not be checked`, counted,
			h('p', null, (verdicts.get(unchecked[0].seq) || {}).why)));
	fill(box, notice('ok', 'Every listed entry verified', counted,
		h('p', null, 'Each row\'s leaf hash was recomputed in this browser from the data shown and proved included in the verified checkpoint.')));
}

/** The ledger, loaded and checked once (again after a reload); resolves when every entry is checked. */
function ensureLedger() {
	if (!ledgerLoad) ledgerLoad = loadLedger();
	return ledgerLoad;
}

function reloadLedger() {
	ledgerLoad = loadLedger();
	return ledgerLoad;
}

/** What each refusal reason of the log means (SPEC: the lawful request's policy). */
const REASONS = {
	expired: 'Warrant expired',
	window_reversed: 'Window ends before it starts',
	window_too_long: 'Window too long',
	no_subjects: 'No subject named',
	too_many_subjects: 'Too many subjects',
	other_log: 'Warrant names another log',
	id_reused: 'Warrant id reused with other text',
	too_many_records: 'Too many records',
	fork: 'The shard forked: not consistent with its last recorded checkpoint',
	rollback: 'The shard rolled back: smaller than its last recorded checkpoint',
};
const reasonLabel = (r) => h('span', null, REASONS[r] || 'Other reason', ' ', h('code', { class: 'reason-code' }, `(${r})`));

/** A UTC day "YYYY-MM-DD" as ms, or null (and the field marked) when it is not one. */
function dayField(el, end) {
	const v = el.value.trim();
	el.removeAttribute('aria-invalid');
	if (!v) return end ? Infinity : -Infinity;
	const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(v + 'T00:00:00Z') : NaN;
	if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== v) {
		el.setAttribute('aria-invalid', 'true');
		return null;
	}
	return end ? ms + 86400000 : ms;
}

function window_(e) {
	if (!Number.isFinite(e.from) || !Number.isFinite(e.to)) return '—';
	return `${utc(e.from).slice(0, 16)} to ${utc(e.to).slice(0, 16)} UTC`;
}

async function loadLedger() {
	const status = $('#ledger-status');
	ledger = [];
	purges = [];
	verdicts.clear();
	ledgerCp = null;
	fill($('#ledger-check'));
	fill($('#ledger-table'));
	fill($('#ledger-pager'));
	fill($('#retention-status'));
	fill($('#retention-table'));
	if (!auditorToken()) {
		fill(status, notice('warn', 'The ledger needs an auditor token.', h('p', null, 'Enter it under ', h('a', { href: '#settings' }, 'Settings'), '.')));
		return;
	}
	fill(status, notice('info', 'Loading the ledger…'));
	let all;
	try {
		// Nothing listed is dropped unseen: a row whose kind is not its
		// entry's own (which its leaf hash covers) is shown, and flagged
		// by its check.
		all = (await allDisclosures({ kinds: 'disclosure,refusal,purge' }))
			.filter((d) => d && Number.isSafeInteger(d.seq) && ['disclosure', 'refusal', 'purge'].includes(d.kind) &&
				d.entry && typeof d.entry === 'object' && !Array.isArray(d.entry));
	} catch (e) {
		fill(status, notice('warn', 'The ledger could not be loaded.', h('p', null, say(e))));
		return false;
	}
	ledger = all.filter((d) => d.kind === 'disclosure' || d.kind === 'refusal');
	purges = all.filter((d) => d.kind === 'purge');
	purgesAll = false;
	renderRetention();
	const sel = $('#f-authority');
	const keep = sel.value;
	fill(sel, h('option', { value: '' }, 'All authorities'),
		[...new Set(ledger.map((d) => String(d.entry.authority)))].sort().map((a) => h('option', { value: a }, a)));
	sel.value = keep;
	ledgerPage = 0;
	renderLedger();
	renderLedgerCheck();
	let cp;
	try {
		cp = await ensureVerified();
	} catch (e) {
		for (const d of all) verdicts.set(d.seq, { state: 'unchecked', why: say(e) });
		refreshBadges();
		renderLedgerCheck();
		return false;
	}
	ledgerCp = cp;
	let shown = 0;
	await pool(all, 4, async (d) => {
		verdicts.set(d.seq, await checkListed(d, cp));
		if (++shown % 25 === 0) {
			refreshBadges();
			renderLedgerCheck();
		}
	});
	refreshBadges();
	renderLedgerCheck();
	return true;
}

/** The ledger rows the filter and the search keep, newest first; null when a day is malformed. */
function ledgerFiltered() {
	const f = new FormData($('#ledger-filter'));
	const authority = f.get('authority'), kind = f.get('kind');
	const q = String(f.get('q') || '').trim().toLowerCase();
	const from = dayField($('#f-from'), false), to = dayField($('#f-to'), true);
	if (from === null || to === null) return null;
	const hit = (d) => !q || String(d.seq) === q || String(d.entry.warrant_id || '').toLowerCase().includes(q) ||
		String(d.entry.authority || '').toLowerCase().includes(q);
	return ledger.filter((d) => (!authority || d.entry.authority === authority) && (!kind || d.kind === kind) &&
		d.entry.ts >= from && d.entry.ts < to && hit(d)).reverse();
}

function renderLedger() {
	const rows = ledgerFiltered();
	if (!rows) {
		fill($('#ledger-status'), notice('warn', 'Give days as YYYY-MM-DD, for example 2026-03-01.'));
		return;
	}
	const size = Number($('#f-size').value) || PAGE;
	const pages = Math.max(1, Math.ceil(rows.length / size));
	ledgerPage = Math.max(0, Math.min(ledgerPage, pages - 1));
	const shown = rows.slice(ledgerPage * size, (ledgerPage + 1) * size);
	const answered = rows.filter((d) => d.kind === 'disclosure').length;
	fill($('#ledger-status'), h('p', { class: 'count' },
		`${fmtInt(rows.length)} of ${fmtInt(ledger.length)} entries shown by the filter: ${fmtInt(answered)} disclosures, ${fmtInt(rows.length - answered)} refusals.`));
	const head = ['Seq', 'Time', 'Kind', 'Authority', 'Warrant', 'Window', 'Subjects', 'Records', 'Reason', 'Check', 'Proof'];
	const tbody = h('tbody');
	for (const d of shown) {
		const e = d.entry;
		tbody.append(...entryRows(d, head, [
			d.seq, utc(e.ts), d.kind === 'disclosure' ? 'Disclosure' : 'Refusal', e.authority, e.warrant_id, d.kind === 'disclosure' ? window_(e) : '—',
			d.kind === 'disclosure' ? fmtInt(e.subjects) : '—', d.kind === 'disclosure' ? fmtInt(e.records) + (e.partly_purged ? ' (partly purged)' : '') : '—',
			d.kind === 'refusal' ? reasonLabel(e.reason) : '—', badge(d.seq),
		]));
	}
	fill($('#ledger-table'), rows.length === 0
		? h('p', { class: 'empty' }, ledger.length ? 'No entries match the filter.' : isRoot
			? ['This log is a root: it answers no requests. Each shard\'s ledger is on that shard\'s console (see ', h('a', { href: '#shards' }, 'Shards'), ').']
			: 'The ledger is empty: no request has been answered or refused.')
		: h('div', { class: 'table-wrap' }, h('table', { class: 'ledger', id: 'ledger' },
			h('caption', { class: 'sr-only' }, 'Disclosures and refusals, newest first'),
			h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))), tbody)));
	const pager = $('#ledger-pager');
	const to = (n) => () => {
		ledgerPage = n;
		renderLedger();
	};
	const jump = h('input', { type: 'number', id: 'page-jump', min: 1, max: pages, value: ledgerPage + 1, inputmode: 'numeric' });
	fill(pager, pages > 1 ? [
		h('button', { type: 'button', class: 'secondary', disabled: ledgerPage === 0, onclick: to(0) }, '« Newest'),
		h('button', { type: 'button', class: 'secondary', disabled: ledgerPage === 0, onclick: to(ledgerPage - 1) }, '← Newer'),
		h('span', { class: 'page-of', id: 'page-of' }, `Page ${ledgerPage + 1} of ${pages}`),
		h('button', { type: 'button', class: 'secondary', disabled: ledgerPage >= pages - 1, onclick: to(ledgerPage + 1) }, 'Older →'),
		h('button', { type: 'button', class: 'secondary', disabled: ledgerPage >= pages - 1, onclick: to(pages - 1) }, 'Oldest »'),
		h('span', { class: 'jump' }, h('label', { for: 'page-jump' }, 'Go to page'), jump,
			h('button', { type: 'button', class: 'secondary', id: 'page-go', onclick: () => to(Math.max(1, Math.min(pages, Math.floor(Number(jump.value)) || 1)) - 1)() }, 'Go')),
	] : null);
}

/**
 * A table row of entry d (cells under head, the last column the Verify
 * button) and the hidden row below it that expands to the entry's leaf data
 * and its inclusion proof, verified here.
 */
function entryRows(d, head, cells) {
	const detailId = `ledger-detail-${d.seq}`;
	const btn = h('button', { type: 'button', class: 'secondary small', 'aria-expanded': 'false', 'aria-controls': detailId }, 'Verify', h('span', { class: 'sr-only' }, ` entry ${d.seq}`));
	const tr = h('tr', { class: `row ${d.kind}`, dataset: { seq: String(d.seq), kind: d.kind } },
		cells.map((c, i) => h('td', { 'data-label': head[i], class: `c-${head[i].toLowerCase().replace(/[^a-z]+/g, '-')}` }, c)),
		h('td', { 'data-label': head[head.length - 1], class: 'c-proof' }, btn));
	const detail = h('tr', { class: 'detail', id: detailId, hidden: true }, h('td', { colspan: head.length }));
	btn.addEventListener('click', () => toggleDetail(btn, detail, d));
	return [tr, detail];
}

/** The retention purges: when, up to which time, through which entry, how many events. */
function renderRetention() {
	const status = $('#retention-status');
	if (purges.length === 0) {
		fill(status);
		fill($('#retention-table'), h('p', { class: 'empty' }, 'No retention purge has been recorded: the log still holds the metadata of every event.'));
		return;
	}
	const last = purges[purges.length - 1].entry;
	const total = purges.reduce((n, d) => n + (Number.isSafeInteger(d.entry.events) ? d.entry.events : 0), 0);
	fill(status, h('p', { class: 'count' },
		`${fmtInt(purges.length)} ${purges.length === 1 ? 'purge' : 'purges'}, ${fmtInt(total)} events' metadata deleted in all. ` +
		`The log now keeps no metadata of events committed before ${utc(last.before)}; their leaf hashes stay, so the log still verifies.`));
	const head = ['Seq', 'Time', 'Horizon', 'Through seq', 'Events purged', 'Check', 'Proof'];
	const shown = (purgesAll ? purges : purges.slice(-PAGE)).slice().reverse();
	const tbody = h('tbody');
	for (const d of shown) {
		const e = d.entry;
		tbody.append(...entryRows(d, head, [d.seq, utc(e.ts), `committed before ${utc(e.before)}`, fmtInt(e.through_seq), fmtInt(e.events), badge(d.seq)]));
	}
	fill($('#retention-table'),
		h('div', { class: 'table-wrap' }, h('table', { class: 'ledger', id: 'retention' },
			h('caption', { class: 'sr-only' }, 'Retention purges, newest first'),
			h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))), tbody)),
		shown.length < purges.length
			? h('p', null, h('button', { type: 'button', class: 'secondary', id: 'retention-all', onclick: () => { purgesAll = true; renderRetention(); } },
				`Show all ${fmtInt(purges.length)} purges`))
			: null);
}

async function toggleDetail(btn, detail, d) {
	const open = btn.getAttribute('aria-expanded') === 'true';
	btn.setAttribute('aria-expanded', String(!open));
	btn.firstChild.textContent = open ? 'Verify' : 'Hide';
	detail.hidden = open;
	if (open || detail.dataset.done) return;
	const cell = detail.firstChild;
	fill(cell, notice('info', `Verifying entry ${d.seq}…`));
	let leafData;
	try {
		leafData = canonicalJSON(d.entry);
	} catch (e) {
		leafData = JSON.stringify(d.entry);
	}
	const dataView = h('details', { open: true }, h('summary', null, 'Leaf data (canonical JSON)'), h('pre', { class: 'leafdata' }, leafData));
	try {
		const r = await verifyEntry(d.seq, d.entry);
		fill(cell, notice('ok', `Entry ${d.seq} verified`, h('ul', { class: 'checks' }, r.checks.map((c) => h('li', null, c)))), dataView, proofView(r));
		detail.dataset.done = '1';
	} catch (e) {
		fill(cell, notice(failKind(e), `Entry ${d.seq} did not verify.`, h('p', null, say(e))), dataView);
	}
}

function setupLedger() {
	$('#ledger-filter').addEventListener('submit', (ev) => {
		ev.preventDefault();
		ledgerPage = 0;
		renderLedger();
	});
	$('#ledger-filter').addEventListener('change', () => {
		ledgerPage = 0;
		renderLedger();
	});
	$('#f-search').addEventListener('input', () => {
		ledgerPage = 0;
		renderLedger();
	});
	$('#ledger-reload').addEventListener('click', reloadLedger);
}

// ---- transparency report -------------------------------------------------------------------------

let csvUrl = null;

async function loadReport() {
	const status = $('#report-status');
	const csv = $('#report-csv');
	csv.hidden = true;
	fill($('#report-table'));
	fill($('#report-charts'));
	if (!auditorToken()) {
		fill(status, notice('warn', 'The report needs an auditor token.', h('p', null, 'Enter it under ', h('a', { href: '#settings' }, 'Settings'), '.')));
		return;
	}
	const from = $('#r-from').value.trim(), to = $('#r-to').value.trim();
	if (dayField($('#r-from'), false) === null || dayField($('#r-to'), true) === null) {
		fill(status, notice('warn', 'Give days as YYYY-MM-DD, for example 2026-03-01.'));
		return;
	}
	const q = new URLSearchParams();
	if (from) q.set('from', from);
	// the server's window is [from, to): the day the auditor picked is included
	if (to) q.set('to', utcDay(Date.parse(to + 'T00:00:00Z') + 86400000));
	fill(status, notice('info', 'Loading the report…'));
	fill($('#report-check'));
	// The report shown is recomputed here from the ledger entries that
	// verified against the checkpoint; the server's is only compared.  The
	// log may grow between the two reads, so a difference is checked once
	// more, against a fresh checkpoint and ledger, before it is an alarm.
	let served, checked, rows, diffs = [], cp = null, aggregated = null;
	for (let attempt = 0; attempt < 2; attempt++) {
		if (attempt) verified = null;
		try {
			const qs = q.toString();
			const res = await get(`/v1/report${qs ? '?' + qs : ''}`, { auth: true });
			served = checkRows(res && res.rows);
			if (res && res.shards !== undefined) {
				if (!Array.isArray(res.shards) || res.shards.some((o) => typeof o !== 'string'))
					throw new ApiError('The root sent an aggregated report whose list of shards is not a list of origins.');
				aggregated = res.shards;
			}
		} catch (e) {
			if (e instanceof ApiError && e.code === 'shard_unavailable') {
				// never a partial sum: no table at all; the Shards screen shows the shard
				ensureRoot().catch(() => {});
				const d = e.detail || {};
				const which = typeof d.origin === 'string' ? d.origin : typeof d.shard === 'string' ? d.shard : '';
				fill(status, h('div', { class: 'notice alarm', role: 'alert', id: 'report-shard-unavailable' },
					h('p', { class: 'notice-title' }, `The report could not be aggregated: shard ${which || '(unnamed)'} could not be read`),
					h('p', null, say(e)),
					h('p', null, 'No table is shown: a sum over only the shards that answered would understate the requests. Check that shard (', h('a', { href: '#shards' }, 'Shards'), ') and try again.')));
				return;
			}
			fill(status, notice('warn', 'The report could not be loaded.', h('p', null, say(e))));
			return;
		}
		if (aggregated) {
			rows = served;
			break;
		}
		fill(status, notice('info', 'Checking the report against the verified ledger…'));
		checked = await reloadLedger();
		rows = served;
		diffs = [];
		cp = null;
		if (checked && ledgerCp) {
			cp = ledgerCp;
			const fromMs = from ? Date.parse(from + 'T00:00:00Z') : -Infinity;
			const toMs = to ? Date.parse(to + 'T00:00:00Z') + 86400000 : Infinity;
			rows = reportFromEntries(ledger.filter((d) => verdicts.get(d.seq).state === 'ok'), fromMs, toMs);
			diffs = diffReports(served, rows);
		}
		if (!diffs.length) break;
	}
	const all = [...ledger, ...purges];
	const bad = all.filter((d) => (verdicts.get(d.seq) || {}).state === 'bad');
	const unchecked = all.filter((d) => (verdicts.get(d.seq) || {}).state !== 'ok' && (verdicts.get(d.seq) || {}).state !== 'bad');
	const nOk = all.length - bad.length - unchecked.length;
	if (aggregated) {
		if (!(await aggregatedNotice(aggregated))) return;
	} else if (!cp)
		fill($('#report-check'), notice('warn', 'This report is the server\'s, not verified.',
			h('p', null, 'The ledger could not be checked against a verified checkpoint (see the ', h('a', { href: '#ledger' }, 'ledger'), ' and ', h('a', { href: '#health' }, 'Log health'), '), so these numbers are shown as the server states them.')));
	else if (diffs.length || bad.length)
		fill($('#report-check'), h('div', { class: 'notice alarm', role: 'alert', id: 'report-alarm' },
			h('p', { class: 'notice-title' }, 'ALARM: the server\'s report does not agree with the log'),
			h('p', null, `The report below is recomputed in this browser from the ${fmtInt(nOk)} ledger entries that verified against the checkpoint of size ${cp.size}.` +
				(bad.length ? ` ${fmtInt(bad.length)} listed ${bad.length === 1 ? 'entry does' : 'entries do'} not match the log and ${bad.length === 1 ? 'is' : 'are'} left out.` : '')),
			diffs.length ? h('ul', { id: 'report-diffs' }, diffs.map((x) => h('li', null,
				`${x.authority}, ${x.month}, ${x.column}: the server reports ${fmtInt(x.server)}, the verified entries give ${fmtInt(x.verified)}.`))) : null));
	else
		fill($('#report-check'), notice('ok', 'Report verified',
			h('p', null, `Recomputed in this browser from the ${fmtInt(nOk)} ledger entries verified against the checkpoint of size ${cp.size}; it matches the server's report.`)));
	const differs = new Set(diffs.map((x) => `${x.authority}\n${x.month}\n${x.column}`));
	const servedBy = new Map(served.map((r) => [`${r.authority}\n${r.month}`, r]));
	const t = totals(rows);
	const span = from || to ? ` from ${from || 'the start'} to ${to || 'now'}` : '';
	fill(status, h('p', { class: 'count' },
		`${fmtInt(t.answered)} requests answered and ${fmtInt(t.refused)} refused${span}; ${fmtInt(t.subjects)} subjects and ${fmtInt(t.records)} records disclosed.`));
	if (rows.length === 0) {
		fill($('#report-table'), h('p', { class: 'empty' }, 'No requests in this period.'));
		return;
	}
	const head = ['Authority', 'Month', 'Answered', 'Refused', 'Subjects', 'Records'];
	fill($('#report-table'), h('div', { class: 'table-wrap' }, h('table', { class: 'report', id: 'report' },
		h('caption', null, 'Requests per authority and month'),
		h('thead', null, h('tr', null, head.map((c, i) => h('th', { scope: 'col', class: `c-${COLUMNS[i]}` }, c)))),
		h('tbody', null, rows.map((r) => h('tr', { dataset: { authority: r.authority, month: r.month } },
			COLUMNS.map((c, i) => {
				const off = differs.has(`${r.authority}\n${r.month}\n${c}`);
				const theirs = (servedBy.get(`${r.authority}\n${r.month}`) || {})[c] || 0;
				return h(i === 0 ? 'th' : 'td', { 'data-label': head[i], class: `c-${c}${off ? ' differs' : ''}`, scope: i === 0 ? 'row' : undefined },
					i < 2 ? r[c] : fmtInt(r[c]), off ? h('span', { class: 'server-says' }, ` (server: ${fmtInt(theirs)})`) : null);
			})))),
		h('tfoot', null, h('tr', null, h('th', { scope: 'row', class: 'c-total' }, 'Total'), h('td', { class: 'c-month' }, ''),
			['answered', 'refused', 'subjects', 'records'].map((c) => h('td', { 'data-label': head[COLUMNS.indexOf(c)], class: `c-${c}` }, fmtInt(t[c]))))))));
	const months = sumBy(rows, 'month');
	const auths = sumBy(rows, 'authority');
	const chart = (id, title, caption, categories, values, series) =>
		h('figure', { tabindex: '0' }, barChart({ id, title, categories, values, series }), h('figcaption', null, caption));
	const requests = [{ key: 'answered', label: 'Answered', cls: 's-answered' }, { key: 'refused', label: 'Refused', cls: 's-refused' }];
	fill($('#report-charts'),
		chart('chart-months', 'Requests answered and refused per month', 'Requests answered and refused per month, all authorities.',
			months.map((m) => m.month), months, requests),
		chart('chart-authorities', 'Requests answered and refused per authority', 'Requests answered and refused per authority over the period.',
			auths.map((a) => a.authority), auths, requests),
		chart('chart-records', 'Records disclosed per authority', 'Records (events) disclosed per authority over the period.',
			auths.map((a) => a.authority), auths, [{ key: 'records', label: 'Records', cls: 's-records' }]),
		chart('chart-subjects', 'Subjects named per authority', 'Subjects whose records were disclosed, per authority over the period.',
			auths.map((a) => a.authority), auths, [{ key: 'subjects', label: 'Subjects', cls: 's-subjects' }]));
	if (csvUrl) URL.revokeObjectURL(csvUrl);
	const csvCp = cp ? { origin: cp.origin, size: cp.size, rootHex: hex(cp.root) } : null;
	csvUrl = URL.createObjectURL(new Blob([toCSV(rows, csvCp)], { type: 'text/csv;charset=utf-8' }));
	csv.href = csvUrl;
	csv.download = `envelog-report${from ? '-from-' + from : ''}${to ? '-to-' + to : ''}.csv`;
	csv.hidden = false;
}

/**
 * The notice above a root's report, aggregated from its shards' reports:
 * which shards it sums, compared with the shards the root's verified
 * entries register and have not closed.  Resolves to false (and shows an
 * alarm, no table) when the sum leaves out a registered shard.
 */
async function aggregatedNotice(origins) {
	const box = $('#report-check');
	await ensureRoot().catch(() => {});
	const names = origins.join(', ') || 'none';
	if (!root || !root.audit) {
		fill(box, Object.assign(notice('warn', `Aggregated by the root from ${origins.length} ${origins.length === 1 ? 'shard' : 'shards'}; not verified here`,
			h('p', null, `The root sums the reports of its shards: ${names}. Its own log holds no disclosures, and its shards could not be checked (see `, h('a', { href: '#shards' }, 'Shards'), '), so these numbers are shown as the root states them.')), { id: 'report-aggregated' }));
		return true;
	}
	const open = [...root.audit.shards.values()].filter((sh) => !sh.closed).map((sh) => sh.origin);
	const missing = open.filter((o) => !origins.includes(o));
	const unknown = origins.filter((o) => !root.audit.shards.has(o));
	if (missing.length || unknown.length) {
		fill($('#report-status'), h('div', { class: 'notice alarm', role: 'alert', id: 'report-partial' },
			h('p', { class: 'notice-title' }, 'ALARM: the root\'s report does not sum its registered shards'),
			missing.length ? h('p', null, `It leaves out ${missing.join(', ')}, which the root's verified entries register and have not closed.`) : null,
			unknown.length ? h('p', null, `It sums ${unknown.join(', ')}, which the root's verified entries never registered.`) : null,
			h('p', null, 'No table is shown: it would not be the report of this root\'s shards.')));
		fill(box);
		return false;
	}
	fill(box, Object.assign(notice('warn', `Aggregated by the root from its ${origins.length} ${origins.length === 1 ? 'shard' : 'shards'}; the numbers are not recomputed here`,
		h('p', { id: 'report-shards' }, `The root sums the reports of ${names}: every shard its verified entries register and have not closed.`),
		h('p', null, 'The root\'s own log holds only shard checkpoints, so this browser cannot recompute the numbers from it. Each shard\'s console recomputes its part from that shard\'s own log: open them from ', h('a', { href: '#shards' }, 'Shards'), '.')), { id: 'report-aggregated' }));
	return true;
}

function setupReport() {
	$('#report-filter').addEventListener('submit', (ev) => {
		ev.preventDefault();
		loadReport();
	});
}

/** An entry's public fields for people: named, times as UTC, reasons labelled. */
const FIELD = {
	kind: 'Kind', ts: 'Time', authority: 'Authority', warrant_id: 'Warrant id', warrant_sha256: 'Warrant SHA-256',
	from: 'Window from', to: 'Window to', subjects: 'Subjects', records: 'Records', records_commitment: 'Records commitment',
	partly_purged: 'Partly purged', reason: 'Refusal reason', before: 'Purge horizon', through_seq: 'Purged through seq',
	events: 'Events purged', commitment: 'Commitment',
	origin: 'Shard', size: 'Shard size', root: 'Shard root', signature: 'Shard signature', vkey: 'Shard key', registry: 'Shards registered',
};
const TIMES = new Set(['ts', 'from', 'to', 'before']);
function entryFields(entry) {
	const order = Object.keys(FIELD);
	const keys = Object.keys(entry).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
	return h('dl', { class: 'fields', id: 'lookup-fields' }, keys.map((k) => {
		const v = entry[k];
		const shown = TIMES.has(k) ? utc(v) : k === 'reason' ? reasonLabel(v) : k === 'partly_purged' ? (v ? 'yes' : 'no')
			: /sha256|commitment|^(root|signature|vkey|origin)$/.test(k) ? h('code', { class: 'hash' }, String(v)) : Number.isSafeInteger(v) ? fmtInt(v) : String(v);
		return [h('dt', null, FIELD[k] || k), h('dd', { dataset: { field: k } }, shown)];
	}));
}

// ---- entry lookup ------------------------------------------------------------------------------------

function setupLookup() {
	$('#lookup-form').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const out = $('#lookup-result');
		const text = $('#lookup-seq').value.trim();
		if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
			fill(out, notice('warn', 'Enter a sequence number: a whole number from 0 up.'));
			$('#lookup-seq').setAttribute('aria-invalid', 'true');
			return;
		}
		$('#lookup-seq').removeAttribute('aria-invalid');
		const seq = Number(text);
		fill(out, notice('info', `Verifying entry ${seq}…`));
		try {
			const r = await verifyEntry(seq, null);
			fill(out, notice('ok', `Entry ${seq} verified`, h('ul', { class: 'checks' }, r.checks.map((c) => h('li', null, c)))),
				h('dl', { class: 'facts' }, h('dt', null, 'Kind'), h('dd', { id: 'lookup-kind' }, r.leaf.kind, KIND_LABEL[r.leaf.kind] ? ` (${KIND_LABEL[r.leaf.kind]})` : '')),
				entryFields(r.leaf.entry),
				h('details', null, h('summary', null, r.leaf.kind === 'event' ? 'Leaf data as hashed (the event\'s commitment, canonical JSON)' : 'Leaf data as hashed (canonical JSON)'),
					h('pre', { class: 'leafdata' }, canonicalJSON(r.leaf.entry))),
				proofView(r));
		} catch (e) {
			fill(out, notice(failKind(e), `Entry ${seq} could not be verified.`, h('p', null, say(e))));
		}
	});
}

// ---- start ------------------------------------------------------------------------------------------------

async function start() {
	await loadPinned();
	setupSettings();
	setupLedger();
	setupReport();
	setupLookup();
	$('#health-recheck').addEventListener('click', () => runHealth());
	$('#shards-reload').addEventListener('click', () => runHealth());
	window.addEventListener('hashchange', () => show(location.hash.slice(1), true));
	show(location.hash.slice(1) || (pinned ? 'health' : 'settings'), false);
	document.body.dataset.ready = '1';
}

start();
