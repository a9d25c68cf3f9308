// Unit tests of the console's verification code (web/verify.js and its
// WebCrypto Ed25519) against tests/vectors/ (or $ELOG_VECTORS): RFC 6962 trees and proofs
// computed by Go's sumdb/tlog and by transparency-dev/merkle, and signed
// notes from Go's sumdb/note.  Run with plain `node`; prints TAP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import * as v from '../../web/verify.js';
const ed25519Ok = async (pk, msg, sig) => (await v.ed25519Verify(pk, msg, sig)).ok;

const here = path.dirname(fileURLToPath(import.meta.url));
const VEC = process.env.ELOG_VECTORS || path.resolve(here, '../vectors');
const json = (p) => JSON.parse(readFileSync(path.join(VEC, p), 'utf8'));
const enc = new TextEncoder();
const b64 = (s) => v.b64decode(s);
// The merkle vectors use "" or null for an absent hash: pass what they mean.
const maybe = (s) => (s ? Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) : new Uint8Array(0));

async function rejects(p) {
	try {
		await p;
	} catch (e) {
		assert.ok(e instanceof v.VerifyError, `a VerifyError, got ${e}`);
		return e;
	}
	assert.fail('accepted what must be rejected');
}

const records = json('tlog/tlog-records.json');
const roots = json('tlog/tlog-roots.json');
const notes = json('tlog/notes.json');
// Nothing of the set is remembered: counts, names, key ids and checkpoint
// sizes come from the files.  The set signs checkpoints of sizes 0 and 1,
// at least one between (MID) and all the records (N).
const N = records.length;
const cpSizes = notes.checkpoints.map((c) => c.size).sort((a, b) => a - b);
const MID = cpSizes[cpSizes.length - 2];
const [logName, logKeyId] = notes.log_verifier_key.split('+');
const authorityName = notes.authority_verifier_key.split('+')[0];
const cpNote = (size) => notes.checkpoints.find((c) => c.size === size).signed_note;

test('the vector set has what these tests need', () => {
	assert.ok(N > 2);
	assert.equal(Object.keys(roots).length, N + 1);
	assert.deepEqual(cpSizes.slice(0, 2), [0, 1]);
	assert.ok(MID > 1 && MID + 1 < N);
	assert.equal(cpSizes[cpSizes.length - 1], N);
});

test('leaf hashes of the tlog records', async () => {
	for (const r of records) assert.equal(v.b64encode(await v.leafHash(enc.encode(r.data))), r.leaf_hash, `record ${r.index}`);
});

test('canonical JSON reproduces every record, so entry leaf hashes match', async () => {
	for (const r of records) {
		const entry = JSON.parse(r.data);
		assert.equal(v.canonicalJSON(entry), r.data);
		assert.equal(v.b64encode(await v.entryLeafHash(entry)), r.leaf_hash);
	}
	// keys sort by byte value, only " and \ are escaped, integers plain
	assert.equal(v.canonicalJSON({ b: 1, a: 'x"y\\z', B: [2, 'é'] }), '{"B":[2,"é"],"a":"x\\"y\\\\z","b":1}');
	assert.equal(v.canonicalJSON({ '\uff01': 1, '\u{1f600}': 2 }), '{"\uff01":1,"\u{1f600}":2}');
	assert.throws(() => v.canonicalJSON({ a: 1.5 }), v.VerifyError);
	assert.throws(() => v.canonicalJSON({ a: -1 }), v.VerifyError);
	assert.throws(() => v.canonicalJSON({ a: true }), v.VerifyError);
	assert.throws(() => v.canonicalJSON({ a: 'x\ny' }), v.VerifyError);
});

test('tree roots for every size 0..N', async () => {
	const leaves = records.map((r) => b64(r.leaf_hash));
	for (let n = 0; n <= N; n++) assert.equal(v.b64encode(await v.treeHash(leaves.slice(0, n))), roots[String(n)], `size ${n}`);
});

test('tlog inclusion proofs verify, and altered ones fail', async () => {
	const cases = json('tlog/tlog-inclusion.json');
	assert.ok(cases.length > 10);
	for (const c of cases) {
		const proof = c.proof.map(b64);
		await v.verifyInclusion(c.index, c.size, b64(c.leaf_hash), proof, b64(c.root));
		if (c.size > 1) {
			await rejects(v.verifyInclusion(c.index ^ 1, c.size, b64(c.leaf_hash), proof, b64(c.root)));
			const bad = proof.map((h) => h.slice());
			if (bad.length) {
				bad[bad.length - 1][0] ^= 1;
				await rejects(v.verifyInclusion(c.index, c.size, b64(c.leaf_hash), bad, b64(c.root)));
				await rejects(v.verifyInclusion(c.index, c.size, b64(c.leaf_hash), proof.slice(1), b64(c.root)));
			}
		}
		await rejects(v.verifyInclusion(c.size, c.size, b64(c.leaf_hash), proof, b64(c.root)));
	}
});

test('tlog consistency proofs verify, and altered ones fail', async () => {
	const cases = json('tlog/tlog-consistency.json');
	assert.ok(cases.length > 10);
	for (const c of cases) {
		const proof = c.proof.map(b64);
		await v.verifyConsistency(c.old, c.new, b64(c.old_root), b64(c.new_root), proof);
		if (c.old !== c.new) {
			const wrongOld = b64(roots[String(c.old === 1 ? 2 : c.old - 1)]);
			await rejects(v.verifyConsistency(c.old, c.new, wrongOld, b64(c.new_root), proof));
			const bad = proof.map((h) => h.slice());
			bad[0][5] ^= 0x80;
			await rejects(v.verifyConsistency(c.old, c.new, b64(c.old_root), b64(c.new_root), bad));
			await rejects(v.verifyConsistency(c.new, c.old, b64(c.new_root), b64(c.old_root), proof));
		}
	}
});

// Every case file below merkle/KIND, in folders nested to any depth.
function merkleFiles(kind) {
	const out = [];
	const walk = (rel) => {
		for (const e of readdirSync(path.join(VEC, 'merkle', kind, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
			const r = rel ? `${rel}/${e.name}` : e.name;
			if (e.isDirectory()) walk(r);
			else if (e.name.endsWith('.json')) out.push([r, JSON.parse(readFileSync(path.join(VEC, 'merkle', kind, r), 'utf8'))]);
		}
	};
	walk('');
	return out;
}

test('transparency-dev inclusion vectors: accept the good, reject the mangled', async () => {
	const files = merkleFiles('inclusion');
	let good = 0, bad = 0;
	for (const [name, c] of files) {
		const run = v.verifyInclusion(c.leafIdx, c.treeSize, maybe(c.leafHash), (c.proof || []).map(maybe), maybe(c.root));
		if (c.wantErr) {
			await rejects(run);
			bad++;
		} else {
			await run.catch((e) => assert.fail(`${name}: ${e.message}`));
			good++;
		}
	}
	assert.ok(good > 0 && bad > 0, `${good} good, ${bad} bad`);
});

test('transparency-dev consistency vectors: accept the good, reject the mangled', async () => {
	const files = merkleFiles('consistency');
	let good = 0, bad = 0;
	for (const [name, c] of files) {
		const run = v.verifyConsistency(c.size1, c.size2, maybe(c.root1), maybe(c.root2), (c.proof || []).map(maybe));
		if (c.wantErr) {
			await rejects(run);
			bad++;
		} else {
			await run.catch((e) => assert.fail(`${name}: ${e.message}`));
			good++;
		}
	}
	assert.ok(good > 0 && bad > 0, `${good} good, ${bad} bad`);
});

test('verifier key text parses and its key id is checked', async () => {
	const k = await v.parseVerifierKey(notes.log_verifier_key);
	assert.equal(k.name, logName);
	assert.equal(k.keyIdHex, logKeyId);
	assert.equal(k.publicKey.length, 32);
	const otherId = logKeyId.slice(0, 7) + (logKeyId[7] === '0' ? '1' : '0');
	await rejects(v.parseVerifierKey(notes.log_verifier_key.replace(`+${logKeyId}+`, `+${otherId}+`)));
	await rejects(v.parseVerifierKey(`x${notes.log_verifier_key}`));
	await rejects(v.parseVerifierKey('no plus signs'));
	await rejects(v.parseVerifierKey(notes.log_verifier_key.slice(0, -4)));
});

test('signed checkpoints verify with the log key, through WebCrypto', async () => {
	const k = await v.parseVerifierKey(notes.log_verifier_key);
	for (const c of notes.checkpoints) {
		const cp = await v.verifyCheckpoint(c.signed_note, k);
		assert.equal(cp.size, c.size);
		assert.equal(cp.rootB64, roots[String(c.size)]);
		assert.equal(cp.origin, k.name);
		assert.equal(cp.engine, 'WebCrypto');
	}
});

test('checkpoints are refused on a wrong key, altered text or signature', async () => {
	const k = await v.parseVerifierKey(notes.log_verifier_key);
	const other = await v.parseVerifierKey(notes.authority_verifier_key);
	const note = cpNote(MID);
	let e = await rejects(v.verifyCheckpoint(note, other));
	assert.ok(e.message.includes(`no signature by "${authorityName}"`), e.message);
	e = await rejects(v.verifyCheckpoint(note.replace(`\n${MID}\n`, `\n${MID + 1}\n`), k));
	assert.match(e.message, /does not verify/);
	const [body, sigline] = note.split('\n\n');
	const raw = b64(sigline.split(' ')[2].trim());
	raw[10] ^= 1;
	e = await rejects(v.verifyCheckpoint(`${body}\n\n— ${k.name} ${v.b64encode(raw)}\n`, k));
	assert.match(e.message, /does not verify/);
	// the pinned key's name, another key id: refused before any signature check
	const sameName = { ...k, keyId: Uint8Array.of(1, 2, 3, 4), keyIdHex: '01020304' };
	e = await rejects(v.verifyCheckpoint(note, sameName));
	assert.match(e.message, /not with the pinned key 01020304/);
});

test('a witness cosignature line is ignored, a malformed note refused', async () => {
	const k = await v.parseVerifierKey(notes.log_verifier_key);
	const note = cpNote(N) + '— witness.example/w1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n';
	assert.equal((await v.verifyCheckpoint(note, k)).size, N);
	await rejects(v.verifyCheckpoint(note.replace('\n\n', '\n'), k));
	await rejects(v.verifyCheckpoint(note.slice(0, -1), k));
	await rejects(v.verifyCheckpoint(note.replace('— witness', '- witness'), k));
});

test('warrants: the signed one verifies, forged and tampered ones do not', async () => {
	const k = await v.parseVerifierKey(notes.authority_verifier_key);
	const { text } = await v.openNote(notes.warrant_signed, k);
	assert.equal(text, notes.warrant_text);
	await rejects(v.openNote(notes.warrant_forged_same_name_other_key, k));
	await rejects(v.openNote(notes.warrant_tampered_after_signing, k));
});

test('Ed25519 (WebCrypto): every vector signature, and what must fail', async () => {
	const cases = [];
	for (const c of notes.checkpoints) cases.push([notes.log_verifier_key, c.signed_note]);
	cases.push([notes.authority_verifier_key, notes.warrant_signed]);
	for (const [key, note] of cases) {
		const k = await v.parseVerifierKey(key);
		const { text, signatures } = v.parseNote(note);
		const sig = signatures[0].sig;
		const msg = enc.encode(text);
		assert.equal(await ed25519Ok(k.publicKey, msg, sig), true);
		const flipped = sig.slice();
		flipped[3] ^= 4;
		assert.equal(await ed25519Ok(k.publicKey, msg, flipped), false);
		assert.equal(await ed25519Ok(k.publicKey, enc.encode(text + ' '), sig), false);
		const s = sig.slice();
		s[63] |= 0x80; // S >= L: must be refused, not reduced
		assert.equal(await ed25519Ok(k.publicKey, msg, s), false);
	}
	// RFC 8032 §7.1 test 1: the empty message
	const pk = Uint8Array.from(Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex'));
	const sig = Uint8Array.from(Buffer.from('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b', 'hex'));
	assert.equal(await ed25519Ok(pk, new Uint8Array(0), sig), true);
	assert.equal(await ed25519Ok(pk, Uint8Array.of(0), sig), false);
});

test('the hash chain: chain(i) = SHA-256(chain(i-1) || leafhash(i))', async () => {
	let c = new Uint8Array(32);
	c = await v.chainNext(c, b64(records[0].leaf_hash));
	const want = await v.sha256(v.concat(new Uint8Array(32), b64(records[0].leaf_hash)));
	assert.ok(v.bytesEqual(c, want));
	assert.equal(c.length, 32);
});

test('base64 is strict', () => {
	assert.throws(() => v.b64decode('abc'), v.VerifyError);
	assert.throws(() => v.b64decode('ab=c'), v.VerifyError);
	assert.throws(() => v.b64decode('a b='), v.VerifyError);
	assert.deepEqual(v.b64decode('AAEC'), Uint8Array.of(0, 1, 2));
	assert.deepEqual(v.decodeProof(null), []);
});

// ---- the log-health check (monitor.js) with the vector checkpoints ----------

const { checkLog } = await import('../../web/monitor.js');
const leafHashes = records.map((r) => b64(r.leaf_hash));

// RFC 9162 §2.1.4.1 SUBPROOF, to make proofs the vectors do not hold.
async function consistencyProof(m, leaves, complete = true) {
	const n = leaves.length;
	if (m === n) return complete ? [] : [await v.treeHash(leaves)];
	let k = 1;
	while (k * 2 < n) k *= 2;
	if (m <= k) return [...(await consistencyProof(m, leaves.slice(0, k), complete)), await v.treeHash(leaves.slice(k))];
	return [...(await consistencyProof(m - k, leaves.slice(k), false)), await v.treeHash(leaves.slice(0, k))];
}

const seenOf = (size) => ({ note: cpNote(size), size, rootB64: roots[String(size)], firstSeen: 1 });
const io = (size, proofFor = (o, n) => consistencyProof(o, leafHashes.slice(0, n))) => ({
	checkpoint: async () => cpNote(size),
	consistency: async (o, n) => ({ old: o, new: n, proof: (await proofFor(o, n)).map(v.b64encode) }),
});

test('log health: first sight, growth with a consistency proof, no growth', async () => {
	const k = await v.parseVerifierKey(notes.log_verifier_key);
	let r = await checkLog(k, null, io(MID), 1000);
	assert.equal(r.ok, true);
	assert.equal(r.seen.size, MID);
	assert.equal(r.seen.firstSeen, 1000);
	assert.match(r.checks[1], /first checkpoint this browser has seen/);
	r = await checkLog(k, seenOf(MID), io(N), 2000);
	assert.equal(r.ok, true, r.failed);
	assert.match(r.checks[1], new RegExp(`log of ${N} entries extends the log of ${MID} entries .* consistency proof of \\d+ hashes`));
	assert.equal(r.seen.firstSeen, 2000);
	r = await checkLog(k, seenOf(N), io(N), 3000);
	assert.equal(r.ok, true);
	assert.equal(r.seen.firstSeen, 1, 'the age counts from when the size was first seen');
	r = await checkLog(k, seenOf(0), io(MID));
	assert.equal(r.ok, true);
	r = await checkLog(k, seenOf(1), io(N));
	assert.equal(r.ok, true, r.failed);
});

test('log health: alarms for a wrong key, a fork, a rewrite, a shrink', async () => {
	const k = await v.parseVerifierKey(notes.log_verifier_key);
	const other = await v.parseVerifierKey(notes.authority_verifier_key);
	let r = await checkLog(other, seenOf(MID), io(N));
	assert.equal(r.ok, false);
	assert.equal(r.step, 'signature');
	assert.equal(r.oldNote, cpNote(MID));
	assert.equal(r.newNote, cpNote(N));
	// the browser saw size MID with another root: the log forked
	const forked = { ...seenOf(MID), rootB64: roots[String(MID + 1)] };
	r = await checkLog(k, forked, io(MID));
	assert.equal(r.ok, false);
	assert.match(r.failed, new RegExp(`two different roots for the same size ${MID}`));
	r = await checkLog(k, forked, io(N));
	assert.equal(r.ok, false);
	assert.equal(r.step, 'consistency');
	assert.match(r.failed, /old root/);
	r = await checkLog(k, seenOf(N), io(MID));
	assert.equal(r.ok, false);
	assert.match(r.failed, new RegExp(`shrank: this browser saw ${N} entries.* ${MID}`));
	// a proof for other sizes, or a mangled one
	r = await checkLog(k, seenOf(MID), { ...io(N), consistency: async () => ({ old: MID - 1, new: N, proof: [] }) });
	assert.equal(r.ok, false);
	assert.match(r.failed, /other sizes/);
	r = await checkLog(k, seenOf(MID), io(N, async (o, n) => (await consistencyProof(o, leafHashes.slice(0, n))).slice(1)));
	assert.equal(r.ok, false);
	assert.equal(r.step, 'consistency');
	// API failures are thrown, not alarms
	await assert.rejects(checkLog(k, null, { checkpoint: async () => { throw new Error('down'); } }), /down/);
});

// ---- the transparency report (report.js) ----------------------------------------

const report = await import('../../web/report.js');

test('report: totals, sums per month and authority, CSV', () => {
	const rows = [
		{ authority: 'uk-nca', month: '2026-03', answered: 2, refused: 1, subjects: 3, records: 40 },
		{ authority: 'met,police', month: '2026-03', answered: 1, refused: 0, subjects: 1, records: 5 },
		{ authority: '=cmd', month: '2026-04', answered: 0, refused: 2, subjects: 0, records: 0 },
	];
	assert.equal(report.checkRows(rows), rows);
	assert.deepEqual(report.totals(rows), { answered: 3, refused: 3, subjects: 4, records: 45 });
	assert.deepEqual(report.sumBy(rows, 'month').map((m) => [m.month, m.answered, m.refused]), [['2026-03', 3, 1], ['2026-04', 0, 2]]);
	assert.deepEqual(report.sumBy(rows, 'authority').map((a) => a.authority), ['=cmd', 'met,police', 'uk-nca']);
	assert.equal(report.toCSV(rows), 'authority,month,answered,refused,subjects,records\r\n' +
		'uk-nca,2026-03,2,1,3,40\r\n"met,police",2026-03,1,0,1,5\r\n"\'=cmd",2026-04,0,2,0,0\r\n');
	assert.throws(() => report.checkRows([{ ...rows[0], records: -1 }]), /records is not a count/);
	assert.throws(() => report.checkRows([{ ...rows[0], month: 'March' }]), /month/);
	assert.throws(() => report.checkRows({}), /unexpected shape/);
});

test('report: recomputed from entries as envelogd computes it; differences; CSV with the checkpoint', () => {
	const at = (iso) => Date.parse(iso);
	const list = [
		{ kind: 'disclosure', entry: { kind: 'disclosure', ts: at('2026-03-31T23:59:59.999Z'), authority: 'uk-nca', subjects: 2, records: 13 } },
		{ kind: 'disclosure', entry: { kind: 'disclosure', ts: at('2026-04-01T00:00:00Z'), authority: 'uk-nca', subjects: 1, records: 0 } },
		{ kind: 'refusal', entry: { kind: 'refusal', ts: at('2026-03-02T00:00:00Z'), authority: 'met', reason: 'window_too_long' } },
		{ kind: 'purge', entry: { kind: 'purge', ts: at('2026-03-03T00:00:00Z'), before: 1, through_seq: 1, events: 1 } },
	];
	const all = report.reportFromEntries(list);
	assert.deepEqual(all, [
		{ authority: 'met', month: '2026-03', answered: 0, refused: 1, subjects: 0, records: 0 },
		{ authority: 'uk-nca', month: '2026-03', answered: 1, refused: 0, subjects: 2, records: 13 },
		{ authority: 'uk-nca', month: '2026-04', answered: 1, refused: 0, subjects: 1, records: 0 },
	]);
	// [from, to): the first millisecond of April is out of March's window
	assert.deepEqual(report.reportFromEntries(list, at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z')).map((r) => r.month), ['2026-03', '2026-03']);
	assert.deepEqual(report.diffReports(all, all), []);
	const served = [{ ...all[1], records: 1 }, all[2], { authority: 'x', month: '2026-05', answered: 1, refused: 0, subjects: 0, records: 0 }];
	assert.deepEqual(report.diffReports(served, all), [
		{ authority: 'met', month: '2026-03', column: 'refused', server: 0, verified: 1 },
		{ authority: 'uk-nca', month: '2026-03', column: 'records', server: 1, verified: 13 },
		{ authority: 'x', month: '2026-05', column: 'answered', server: 1, verified: 0 },
	]);
	assert.equal(report.toCSV(all.slice(0, 1), { origin: 'log.example/a', size: 7, rootHex: 'ab'.repeat(32) }),
		'authority,month,answered,refused,subjects,records,checkpoint_origin,checkpoint_size,checkpoint_root_hex\r\n' +
		`met,2026-03,0,1,0,0,log.example/a,7,${'ab'.repeat(32)}\r\n`);
});

// ---- R2 formats (v2/) ----

const v2events = json('v2/events.json');
const v2commitments = json('v2/records-commitments.json');

test('v2 events: record -> commitment -> leaf data -> leaf hash, byte for byte', async () => {
	assert.ok(v2events.length > 0);
	for (const e of v2events) {
		const leaf = await v.eventLeafData(JSON.parse(e.record));
		assert.equal(leaf.commitment, e.commitment, `seq ${e.seq}`);
		assert.equal(v.canonicalJSON(leaf), e.leaf_data, `seq ${e.seq}`);
		assert.equal(v.b64encode(await v.entryLeafHash(leaf)), e.leaf_hash, `seq ${e.seq}`);
		assert.equal(v.checkEntry('event', JSON.parse(e.leaf_data)).commitment, e.commitment);
	}
});

test('v2 records commitments: root over the events in seq order, salted', async () => {
	assert.ok(v2commitments.length > 0);
	for (const c of v2commitments) {
		const leaves = c.seqs.map((s) => b64(v2events.find((e) => e.seq === s).leaf_hash));
		const root = await v.treeHash(leaves);
		assert.equal(v.b64encode(root), c.records_root);
		assert.equal(v.b64encode(await v.recordsCommitment(b64(c.records_salt), root)), c.records_commitment);
	}
});

test('nothing passes for an event unless it is exactly a commitment', () => {
	const good = JSON.parse(v2events[0].leaf_data);
	assert.deepEqual(v.checkEntry('event', good), good);
	const record = JSON.parse(v2events[0].record);
	for (const [kind, entry] of [
		['event', record], // the private record is no public leaf data
		['event', { kind: 'event' }],
		['event', { ...good, ts: 1 }],
		['event', { commitment: 'AAAA', kind: 'event' }],
		['event', { kind: 'disclosure', ts: 1, records: 0 }], // a disclosure listed as an event
		['disclosure', good], // a commitment listed as a disclosure
		['refusal', { kind: 'refusal' }], // no ts
		['purge', null],
		['event', undefined],
	])
		assert.throws(() => v.checkEntry(kind, entry), v.VerifyError, JSON.stringify(entry));
	assert.equal(v.checkEntry('purge', { kind: 'purge', ts: 5, before: 4, through_seq: 3, events: 2 }).kind, 'purge');
});

test('a root entry must have exactly the fields of its kind', () => {
	const root = 'A'.repeat(43) + '=', signature = 'A'.repeat(91) + '=';
	const shard = { kind: 'shard', origin: 's1', registry: 3, root, signature, size: 7, ts: 5 };
	assert.deepEqual(v.checkEntry('shard', shard), shard);
	assert.equal(v.checkEntry('shard_close', { kind: 'shard_close', origin: 's1', root, size: 7, ts: 5 }).kind, 'shard_close');
	for (const entry of [
		{ ...shard, extra: 1 },
		{ ...shard, registry: '3' },
		{ ...shard, root: 'AAAA' },
		{ ...shard, signature: root },
		{ ...shard, kind: 'shard_refusal', reason: 'other' },
	])
		assert.throws(() => v.checkEntry(entry.kind, entry), v.VerifyError, JSON.stringify(entry));
});

// tiles.js: the tiles of an in-memory tree of 700 leaves (three level-0
// tiles, a partial level-1 tile), served by overriding TileLog.tile.
const { TileLog, tilePath, tileWidth } = await import('../../web/tiles.js');
async function memoryTiles(n) {
	const leaves = [], data = [];
	for (let i = 0; i < n; i++) {
		data.push(enc.encode(`{"kind":"event","n":${i}}`));
		leaves.push(await v.leafHash(data[i]));
	}
	// level-8 nodes: the roots of each run of 256 leaves
	const level8 = [];
	for (let i = 0; i + 256 <= n; i += 256) level8.push(await v.treeHash(leaves.slice(i, i + 256)));
	const tiles = new Map();
	const cat = (list) => v.concat(...list);
	for (let t = 0; t * 256 < n; t++) {
		const w = tileWidth(0, t, n);
		tiles.set(`0/${t}`, cat(leaves.slice(t * 256, t * 256 + w)));
		tiles.set(`entries/${t}`, cat(data.slice(t * 256, t * 256 + w).map((d) => v.concat(Uint8Array.of(d.length >> 8, d.length & 255), d))));
	}
	if (level8.length) tiles.set('1/0', cat(level8));
	return { leaves, data, tiles };
}
class MemoryTileLog extends TileLog {
	constructor(size, tiles, change) {
		super(size);
		this.mem = tiles;
		this.change = change || ((k, b) => b);
	}
	async tile(level, index) {
		const w = tileWidth(level, index, this.size), k = `${level}/${index}`;
		const all = this.mem.get(k);
		const bytes = level === 'entries' ? all : all.slice(0, w * 32);
		return { bytes: this.change(k, bytes), width: w, want: w };
	}
}

test('tiles: paths as C2SP tlog-tiles writes them, widths at a tree size', () => {
	assert.equal(tilePath(0, 0, 256), '/tlog/tile/0/000');
	assert.equal(tilePath(2, 1234067, 256), '/tlog/tile/2/x001/x234/067');
	assert.equal(tilePath('entries', 5, 17), '/tlog/tile/entries/005.p/17');
	assert.deepEqual([tileWidth(0, 2, 700), tileWidth(0, 3, 700), tileWidth(1, 0, 700), tileWidth('entries', 0, 700)], [188, 0, 2, 256]);
});

test('tiles: inclusion and consistency proofs computed from tiles verify; a changed tile fails', async () => {
	const n = 700;
	const { leaves, tiles } = await memoryTiles(n);
	for (const size of [1, 255, 256, 257, 512, 600, 700]) {
		const root = await v.treeHash(leaves.slice(0, size));
		const tl = new MemoryTileLog(size, tiles);
		for (const m of [0, 1, size >> 1, size - 1].filter((x) => x < size)) {
			await v.verifyInclusion(m, size, leaves[m], await tl.inclusionProof(m), root);
			if (m > 0) await v.verifyConsistency(m, size, await v.treeHash(leaves.slice(0, m)), root, await tl.consistencyProof(m));
		}
	}
	const root = await v.treeHash(leaves);
	// one hash of the level-0 tile 1 changed: proofs through it fail
	const bad = new MemoryTileLog(n, tiles, (k, b) => (k === '0/1' ? Object.assign(b.slice(), { [40 * 32]: b[40 * 32] ^ 1 }) : b));
	await rejects((async () => v.verifyInclusion(297, n, leaves[297], await bad.inclusionProof(297), root))());
});

test('tiles: a leaf is its entry bundle data, which must give the hash tile\'s leaf hash', async () => {
	const n = 700;
	const { data, tiles } = await memoryTiles(n);
	const tl = new MemoryTileLog(n, tiles);
	for (const seq of [0, 255, 256, 699]) assert.deepEqual((await tl.leaf(seq)).data, data[seq]);
	const changed = new MemoryTileLog(n, tiles, (k, b) => {
		if (k !== 'entries/2') return b;
		const c = b.slice();
		c[c.length - 3] ^= 1; // inside the last entry's data
		return c;
	});
	const e = await rejects(changed.leaf(699));
	assert.match(e.message, /does not give the leaf hash/);
	assert.deepEqual((await changed.leaf(600)).data, data[600]);
});
