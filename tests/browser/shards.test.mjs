// Unit tests of the console's root-log checks (web/shards.js, and the root
// entries in web/verify.js): root entries signed here with Node's Ed25519
// as a shard signs its checkpoints, read back as a root's /v1/leaves pages
// would send them.  Run with plain `node`; prints TAP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, createHash } from 'node:crypto';

import * as v from '../../web/verify.js';
import { readRoot, replayRoot, compareShards, refusalEvidence, checkNamed } from '../../web/shards.js';

const b64 = (b) => Buffer.from(b).toString('base64');

/** A shard: its verifier key text and a signer of its checkpoints as root entries. */
function shard(origin) {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const raw = Buffer.concat([Buffer.of(1), Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')]);
	const id = createHash('sha256').update(Buffer.concat([Buffer.from(origin + '\n'), raw])).digest().subarray(0, 4);
	const statement = (size, root) => b64(Buffer.concat([id, sign(null, Buffer.from(`${origin}\n${size}\n${root}\n`), privateKey)]));
	return { origin, vkey: `${origin}+${id.toString('hex')}+${b64(raw)}`, statement };
}

const rootHash = (n) => b64(createHash('sha256').update(`tree ${n}`).digest());
let ts = 1767225600000;
const add = (s) => ({ kind: 'shard_add', origin: s.origin, ts: ts++, vkey: s.vkey });
const rec = (s, size, registry, root = rootHash(size)) => ({ kind: 'shard', origin: s.origin, registry, root, signature: s.statement(size, root), size, ts: ts++ });
const refuse = (s, size, reason, root = rootHash(size)) => ({ kind: 'shard_refusal', origin: s.origin, reason, root, signature: s.statement(size, root), size, ts: ts++ });
const retire = (s, size) => ({ kind: 'shard_retire', origin: s.origin, root: rootHash(size), size, ts: ts++ });
const close = (s, size) => ({ kind: 'shard_close', origin: s.origin, root: rootHash(size), size, ts: ts++ });

/** A root of these entries: its checkpoint (size, root) and its /v1/leaves, paged. */
async function rootOf(entries) {
	const leaves = [];
	for (const [seq, e] of entries.entries())
		leaves.push({ seq, kind: e.kind, leaf_hash: b64(await v.entryLeafHash(e)), entry: e });
	const root = await v.rootOfLeaves(leaves.map((l) => v.b64decode(l.leaf_hash)));
	const cp = { size: leaves.length, root, rootB64: b64(root) };
	const calls = [];
	const get = async (a, b) => {
		calls.push([a, b]);
		return { leaves: structuredClone(leaves.slice(a, Math.min(b, a + 1000))) };
	};
	return { cp, leaves, get, calls };
}

const A = shard('a.example/shard-1'), Bs = shard('b.example/shard-2');

test('the root of leaf hashes is RFC 9162\'s, for every size to 70', async () => {
	const enc = new TextEncoder();
	const ls = [];
	for (let n = 0; n <= 70; n++) {
		assert.ok(v.bytesEqual(await v.rootOfLeaves(ls), await v.treeHash(ls)), `size ${n}`);
		ls.push(await v.leafHash(enc.encode(`leaf ${n}`)));
	}
});

test('root entries: exactly the fields of their kind', () => {
	const e = rec(A, 5, 1);
	assert.equal(v.checkEntry('shard', e), e);
	assert.equal(v.checkEntry('shard_add', add(A)).kind, 'shard_add');
	assert.throws(() => v.checkEntry('shard', { ...e, extra: 1 }), /does not have exactly the fields of one/);
	assert.throws(() => v.checkEntry('shard', { ...e, root: 'AAAA' }), /does not have exactly the fields of one/);
	assert.throws(() => v.checkEntry('shard', { ...e, signature: b64(Buffer.alloc(64)) }), /does not have exactly the fields of one/);
	assert.throws(() => v.checkEntry('shard_refusal', { ...refuse(A, 3, 'fork'), reason: 'other' }), /does not have exactly the fields of one/);
	assert.throws(() => v.checkEntry('disclosure', e), /says it is a shard entry/);
});

test('a shard statement verifies with its shard key only, over origin, size and root', async () => {
	const e = rec(A, 7, 1);
	const { vkey } = await v.verifyShardStatement(e, A.vkey);
	assert.equal(vkey.name, A.origin);
	assert.equal(v.shardNote(e), `${A.origin}\n7\n${e.root}\n\n\u2014 ${A.origin} ${e.signature}\n`);
	await assert.rejects(v.verifyShardStatement({ ...e, size: 8 }, A.vkey), /not the shard's/);
	await assert.rejects(v.verifyShardStatement({ ...e, root: rootHash(99) }, A.vkey), /not the shard's/);
	await assert.rejects(v.verifyShardStatement(e, Bs.vkey), /named "b.example\/shard-2", not after the shard's origin/);
});

test('a root is read in pages, proved against its checkpoint, and read on from where it was', async () => {
	const entries = [add(A), add(Bs)];
	for (let i = 1; i <= 1200; i++) entries.push(rec(i % 2 ? A : Bs, 10 + i, 2));
	const r = await rootOf(entries);
	const first = await readRoot({ ...r.cp, size: 1100, root: (await rootOf(entries.slice(0, 1100))).cp.root }, r.get);
	assert.deepEqual(r.calls, [[0, 1000], [1000, 1100]]);
	const all = await readRoot(r.cp, r.get, first);
	assert.deepEqual(r.calls.slice(2), [[1100, 1202]], 'only the new entries are asked for');
	assert.equal(all.leaves.length, 1202);
	const audit = await replayRoot(all.leaves);
	assert.deepEqual(audit.problems, []);
	assert.equal(audit.shards.get(A.origin).latest.size, 10 + 1199);
	assert.equal(audit.shards.get(Bs.origin).latest.size, 10 + 1200);
	assert.equal(audit.shards.get(Bs.origin).recorded, 600);
});

test('a root whose entries are not its checkpoint\'s tree is refused', async () => {
	const r = await rootOf([add(A), rec(A, 3, 1), rec(A, 4, 1)]);
	// an entry changed after the checkpoint: the leaf hash it sends no longer matches
	await assert.rejects(readRoot(r.cp, async (a, b) => {
		const p = await r.get(a, b);
		p.leaves[1].entry.size = 5;
		return p;
	}), /leaf hash of root entry 1/);
	// data and hash changed together: not the checkpoint's tree
	const other = await rootOf([add(A), rec(A, 3, 1), rec(A, 5, 1)]);
	await assert.rejects(readRoot(r.cp, other.get), /do not make up the tree of its verified checkpoint/);
	// a non-root entry in a root
	const ev = { commitment: b64(Buffer.alloc(32)), kind: 'event' };
	const mixed = await rootOf([add(A), ev]);
	await assert.rejects(readRoot(mixed.cp, mixed.get), /Entry 1 of the root is a event entry/);
	await assert.rejects(readRoot({ ...r.cp, size: 2 }, async () => ({ leaves: [] })), /did not send its entries from 0/);
});

test('replay: refusals, retirement, closure, and what a root must not record', async () => {
	const good = rec(A, 10, 2);
	const entries = [add(A), add(Bs), good, rec(Bs, 4, 2), refuse(A, 10, 'fork', rootHash(1000)), refuse(A, 6, 'rollback'), rec(A, 12, 2),
		retire(Bs, 4), close(Bs, 4), rec(A, 13, 1)];
	const r = await rootOf(entries);
	const audit = await replayRoot((await readRoot(r.cp, r.get)).leaves);
	assert.deepEqual(audit.problems, []);
	const a = audit.shards.get(A.origin);
	assert.equal(a.refusals.length, 2);
	assert.equal(a.latest.size, 13);
	assert.equal(a.latest.seq, 9);
	assert.equal(audit.shards.get(Bs.origin).state, 'closed');
	const fork = refusalEvidence(a, a.refusals[0], entries.map((entry, seq) => ({ seq, kind: entry.kind, entry })));
	assert.ok(fork.proven, 'same size, other root, both signed: a proven fork of the shard');
	assert.equal(fork.oldNote, v.shardNote(good));
	assert.equal(fork.newNote, v.shardNote(entries[4]));
	assert.equal(fork.lastSeq, 2);
	// both notes are the shard's signed checkpoints
	const k = await v.parseVerifierKey(A.vkey);
	for (const n of [fork.oldNote, fork.newNote]) assert.equal((await v.verifyCheckpoint(n, k)).origin, A.origin);
	const rb = refusalEvidence(a, a.refusals[1], entries.map((entry, seq) => ({ seq, kind: entry.kind, entry })));
	assert.ok(!rb.proven);
	assert.match(rb.what, /rolled back/);

	const bad = await replayRoot([add(A), add(A), rec(A, 5, 1), rec(A, 5, 1, rootHash(55)), rec(A, 3, 1), rec(A, 9, 3),
		{ ...rec(A, 10, 1), signature: Bs.statement(10, rootHash(10)) }, rec(Bs, 2, 1), refuse(A, 11, 'fork')]
		.map((entry, seq) => ({ seq, kind: entry.kind, entry })));
	const p = bad.problems.join('\n');
	assert.match(p, /Entry 1 registers a.example\/shard-1 again/);
	assert.match(p, /Entry 3 records .* at size 5 with another root than entry 2: the root recorded a fork/);
	assert.match(p, /Entry 4 records .* at size 3, not larger than the 5/);
	assert.match(p, /Entry 5 counts 3 registered shards; .* register 1 not closed/);
	assert.match(p, /Entry 6 records a checkpoint of a.example\/shard-1 that its shard did not sign/);
	assert.match(p, /Entry 7 \(shard\) is for b.example\/shard-2, which the root never registered/);
	assert.equal(bad.problems.length, 6);
	assert.equal(bad.shards.get(A.origin).refusals.length, 1, 'a refusal of a signed checkpoint is counted');
});

test('what /v1/shards states is compared with the replayed root, field by field', async () => {
	const entries = [add(A), add(Bs), rec(A, 10, 2), refuse(A, 10, 'fork'), rec(Bs, 3, 2)];
	const audit = await replayRoot(entries.map((entry, seq) => ({ seq, kind: entry.kind, entry })));
	const answer = {
		origin: 'root.example/root', size: 5, registry: 2, shards: [
			{ origin: A.origin, url: 'http://a', vkey: A.vkey, state: 'active', registered: { seq: 0 }, latest: { seq: 2, size: 10, root: rootHash(10) }, refusals: 1 },
			{ origin: Bs.origin, url: 'http://b', vkey: Bs.vkey, state: 'active', registered: { seq: 1 }, latest: { seq: 4, size: 3, root: rootHash(3) }, refusals: 0 },
		],
	};
	assert.deepEqual(compareShards(answer, audit), []);
	const lie = structuredClone(answer);
	lie.shards[0].refusals = 0;
	lie.shards[1].latest.size = 30;
	lie.shards[1].state = 'retired';
	lie.registry = 3;
	const d = compareShards(lie, audit).join('\n');
	assert.match(d, /counts 0 refusals of a.example\/shard-1; the log holds 1/);
	assert.match(d, /last checkpoint recorded for b.example\/shard-2 is size 30 at entry 4; the log says size 3 at entry 4/);
	assert.match(d, /says b.example\/shard-2 is retired; the root's log says active/);
	assert.match(d, /counts 3 registered shards/);
	const hidden = structuredClone(answer);
	hidden.shards.pop();
	assert.match(compareShards(hidden, audit).join('\n'), /leaves out b.example\/shard-2/);
	const key = structuredClone(answer);
	key.shards[1].vkey = A.vkey;
	assert.match(compareShards(key, audit).join('\n'), /gives b.example\/shard-2 another key/);
});

test('a root too large to read whole: each shard checked by the two entries the list names', async () => {
	const entries = [add(A), add(Bs), rec(A, 10, 2), rec(Bs, 3, 2), rec(A, 12, 2)];
	const leaves = entries.map((entry, seq) => ({ seq, kind: entry.kind, entry }));
	const cp = { size: entries.length };
	const prove = async (seq) => leaves[seq];
	const answer = {
		origin: 'root.example/root', size: 5, registry: 2, shards: [
			{ origin: A.origin, url: 'http://a', vkey: A.vkey, state: 'active', registered: { seq: 0 }, latest: { seq: 4, size: 12, root: rootHash(12) }, refusals: 0 },
			{ origin: Bs.origin, url: 'http://b', vkey: Bs.vkey, state: 'active', registered: { seq: 1 }, latest: { seq: 3, size: 3, root: rootHash(3) }, refusals: 2 },
		],
	};
	const ok = await checkNamed(answer, cp, prove);
	assert.deepEqual(ok.problems, []);
	assert.deepEqual(ok.rows.map((r) => [r.origin, r.verified, r.size, r.ts, r.refusals]),
		[[A.origin, true, 12, entries[4].ts, 0], [Bs.origin, true, 3, entries[3].ts, 2]]);
	const lie = structuredClone(answer);
	lie.shards[0].latest = { seq: 2, size: 13, root: rootHash(10) };
	lie.shards[1].vkey = A.vkey;
	const bad = await checkNamed(lie, cp, prove);
	assert.deepEqual(bad.rows.map((r) => r.verified), [false, false]);
	assert.match(bad.problems[0], /Entry 2, which the root names as the latest checkpoint of a.example\/shard-1 \(size 13\), is not that shard entry/);
	assert.match(bad.problems[1], /Entry 1, which the root names as the registration of b.example\/shard-2 with its key, is not that shard_add/);
	// a recorded checkpoint the shard did not sign
	const forged = [...leaves];
	forged[4] = { ...leaves[4], entry: { ...leaves[4].entry, signature: Bs.statement(12, rootHash(12)) } };
	const f = await checkNamed(answer, cp, async (seq) => forged[seq]);
	assert.match(f.problems[0], /signature is not the shard's/);
	// named beyond the verified checkpoint: not checked, no alarm
	const ahead = await checkNamed(answer, { size: 4 }, prove);
	assert.equal(ahead.rows[0].verified, false);
	assert.match(ahead.rows[0].why, /not yet in its verified checkpoint/);
	assert.deepEqual(ahead.problems, []);
});
