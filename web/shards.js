// shards.js — a root log, checked: the whole root read against its verified
// checkpoint, its entries replayed (registrations, recorded shard
// checkpoints, refusals, retirements, closures), every shard statement's
// signature checked with the key its shard_add registered, and what
// GET /v1/shards states compared with that.  No DOM: the console (app.js)
// shows the result, the unit tests run it under Node.

import {
	VerifyError, ROOT_KINDS, checkEntry, entryLeafHash, b64decode, b64encode, bytesEqual,
	rootOfLeaves, shardNote, verifyShardStatement,
} from './verify.js';

/** The most root entries the console reads whole (about 0.5 ms each to read, prove and check: bench/console_root.mjs). */
export const ROOT_READ_MAX = 50000;

/**
 * Read the root's leaves [from, cp.size) with get(start, end) (one
 * /v1/leaves page) and check each: its seq, a root kind, exactly the
 * fields of that kind, and its leaf hash recomputed from its data.  prior:
 * {hashes, leaves} already read and proved for [0, from), or null.  Then
 * the root of all the leaf hashes must be the checkpoint's: every entry
 * read is the root's.  Resolves to {hashes, leaves: [{seq, kind, entry}]};
 * throws VerifyError when what the server sends is not its signed log.
 */
export async function readRoot(cp, get, prior = null) {
	if (cp.size > ROOT_READ_MAX)
		throw Object.assign(new VerifyError(`The root holds ${cp.size} entries, more than the ${ROOT_READ_MAX} this console reads whole.`), { soft: true, tooLarge: true });
	const hashes = prior && prior.hashes.length <= cp.size ? prior.hashes.slice() : [];
	const leaves = prior && prior.hashes.length <= cp.size ? prior.leaves.slice() : [];
	while (hashes.length < cp.size) {
		const start = hashes.length, end = Math.min(cp.size, start + 1000);
		const res = await get(start, end);
		const page = res && Array.isArray(res.leaves) ? res.leaves : null;
		if (!page || page.length === 0) throw new VerifyError(`The root did not send its entries from ${start}.`);
		for (const l of page) {
			const seq = hashes.length;
			if (seq >= end) break;
			if (!l || l.seq !== seq) throw new VerifyError(`The root sent its entries out of order: entry ${l && l.seq} where ${seq} was due.`);
			if (!ROOT_KINDS.includes(l.kind))
				throw new VerifyError(`Entry ${seq} of the root is a ${l.kind} entry: a root log records only shard checkpoints (${ROOT_KINDS.join(', ')}).`);
			const entry = checkEntry(l.kind, l.entry);
			const mine = await entryLeafHash(entry);
			if (!bytesEqual(mine, b64decode(l.leaf_hash, 'leaf hash')))
				throw new VerifyError(`The leaf hash of root entry ${seq} recomputed from its data is not the one the root sent.`);
			hashes.push(mine);
			leaves.push({ seq, kind: l.kind, entry });
		}
	}
	const r = await rootOfLeaves(hashes);
	if (!bytesEqual(r, cp.root))
		throw new VerifyError(`The ${cp.size} entries the root sent do not make up the tree of its verified checkpoint (their root is ${b64encode(r)}, the checkpoint's ${cp.rootB64}).`);
	return { hashes, leaves };
}

/**
 * Replay verified root entries in order.  Resolves to
 *   {shards: Map origin -> {origin, vkey, state, registered: {seq, ts},
 *      latest: {seq, size, root, ts, registry} | null, recorded: count,
 *      refusals: [{seq, entry, reason, last (the latest recorded then, or null)}],
 *      retired: {seq, ts, size} | null, closed: {seq, ts, size} | null},
 *    problems: [sentence]}
 * problems: what the root did that a root must not do (a statement its
 * shard did not sign, a recorded checkpoint that rolls back or forks the
 * last recorded one, a registry count that is wrong, an entry for a shard
 * never registered or already closed).  Each shard and shard_refusal
 * statement is checked with the vkey of its shard_add, many at once;
 * sigs (seq -> '' or why not, from an earlier replay of the same root)
 * saves checking them again, and is filled in.
 */
export async function replayRoot(leaves, sigs = new Map()) {
	const shards = new Map();
	const problems = [];
	// the statements' signatures first, in parallel, with the key of the first shard_add of each origin
	const keys = new Map();
	const todo = [];
	for (const { seq, kind, entry: e } of leaves) {
		if (kind === 'shard_add' && !keys.has(e.origin)) keys.set(e.origin, e.vkey);
		else if ((kind === 'shard' || kind === 'shard_refusal') && keys.has(e.origin) && !sigs.has(seq)) todo.push({ seq, e, vkey: keys.get(e.origin) });
	}
	for (let i = 0; i < todo.length; i += 64)
		await Promise.all(todo.slice(i, i + 64).map(async ({ seq, e, vkey }) => {
			try {
				await verifyShardStatement(e, vkey);
				sigs.set(seq, '');
			} catch (err) {
				if (!(err instanceof VerifyError)) throw err;
				sigs.set(seq, err.message);
			}
		}));
	const open = () => [...shards.values()].filter((x) => !x.closed).length;
	for (const { seq, kind, entry: e } of leaves) {
		const s = shards.get(e.origin);
		if (kind === 'shard_add') {
			if (s) {
				problems.push(`Entry ${seq} registers ${e.origin} again (first registered at entry ${s.registered.seq}).`);
				continue;
			}
			shards.set(e.origin, {
				origin: e.origin, vkey: e.vkey, state: 'active', registered: { seq, ts: e.ts }, latest: null, recorded: 0,
				refusals: [], retired: null, closed: null,
			});
			continue;
		}
		if (!s) {
			problems.push(`Entry ${seq} (${kind}) is for ${e.origin}, which the root never registered.`);
			continue;
		}
		if (s.closed) {
			problems.push(`Entry ${seq} (${kind}) is for ${e.origin}, closed at entry ${s.closed.seq}.`);
			continue;
		}
		if ((kind === 'shard' || kind === 'shard_refusal') && sigs.get(seq) !== '') {
			const why = sigs.get(seq) || 'it was not checked.';
			problems.push(kind === 'shard'
				? `Entry ${seq} records a checkpoint of ${e.origin} that its shard did not sign: ${why}`
				: `Entry ${seq} records a refusal of a checkpoint of ${e.origin} that its shard did not sign (an unsigned checkpoint is no evidence and is never an entry): ${why}`);
			continue;
		}
		if (kind === 'shard') {
			const l = s.latest;
			if (l && e.size <= l.size)
				problems.push(e.size === l.size && e.root !== l.root
					? `Entry ${seq} records a checkpoint of ${e.origin} at size ${e.size} with another root than entry ${l.seq}: the root recorded a fork.`
					: `Entry ${seq} records ${e.origin} at size ${e.size}, not larger than the ${l.size} it recorded at entry ${l.seq}.`);
			if (e.registry !== open())
				problems.push(`Entry ${seq} counts ${e.registry} registered shards; the root's entries before it register ${open()} not closed.`);
			s.latest = { seq, size: e.size, root: e.root, ts: e.ts, registry: e.registry };
			s.recorded++;
		} else if (kind === 'shard_refusal') {
			s.refusals.push({ seq, entry: e, reason: e.reason, last: s.latest });
		} else if (kind === 'shard_retire') {
			s.state = 'retired';
			s.retired = { seq, ts: e.ts, size: e.size };
		} else if (kind === 'shard_close') {
			s.state = 'closed';
			s.closed = { seq, ts: e.ts, size: e.size };
		}
	}
	return { shards, problems };
}

/**
 * Where the server's /v1/shards (answer) differs from the replayed root
 * (audit, from replayRoot over the entries [0, answer.size)): a list of
 * sentences, empty when every field it states matches.  The url is the
 * one thing no entry records, so it is not compared.
 */
export function compareShards(answer, audit) {
	const out = [];
	if (!answer || !Array.isArray(answer.shards)) return ['The root sent its list of shards in an unexpected shape.'];
	const seen = new Set();
	for (const c of answer.shards) {
		const o = c && typeof c.origin === 'string' ? c.origin : '';
		const s = audit.shards.get(o);
		if (seen.has(o)) out.push(`It lists ${o} twice.`);
		seen.add(o);
		if (!s) {
			out.push(`It lists ${o || 'a shard without an origin'}, which the root's log never registered.`);
			continue;
		}
		if (c.vkey !== s.vkey) out.push(`It gives ${o} another key than its shard_add entry ${s.registered.seq}.`);
		if (c.state !== s.state) out.push(`It says ${o} is ${c.state}; the root's log says ${s.state}.`);
		if (!c.registered || c.registered.seq !== s.registered.seq) out.push(`It says ${o} was registered at entry ${c.registered && c.registered.seq}; the log at entry ${s.registered.seq}.`);
		const l = c.latest, m = s.latest;
		if (!l !== !m || (l && (l.seq !== m.seq || l.size !== m.size || l.root !== m.root)))
			out.push(`It says the last checkpoint recorded for ${o} is ${l ? `size ${l.size} at entry ${l.seq}` : 'none'}; the log says ${m ? `size ${m.size} at entry ${m.seq}` : 'none'}.`);
		if (c.refusals !== s.refusals.length) out.push(`It counts ${c.refusals} refusals of ${o}; the log holds ${s.refusals.length}.`);
	}
	for (const o of audit.shards.keys()) if (!seen.has(o)) out.push(`It leaves out ${o}, which the root's log registers.`);
	const open = [...audit.shards.values()].filter((x) => !x.closed).length;
	if (answer.registry !== open) out.push(`It counts ${answer.registry} registered shards; the log registers ${open} not closed.`);
	return out;
}

/**
 * The evidence of refusal r of shard s (from replayRoot): the checkpoint the
 * root last recorded for it and the one it refused, both as the shard signed
 * them, and a sentence.  proven: the two are signed by the same shard key for
 * the same size with different roots, which no append-only log can both have.
 */
export function refusalEvidence(s, r, leaves) {
	const last = r.last ? leaves[r.last.seq].entry : null;
	const proven = !!last && last.size === r.entry.size && last.root !== r.entry.root;
	const what = r.reason === 'rollback'
		? `The root refused a checkpoint of ${s.origin} at size ${r.entry.size}, below the ${last ? last.size : '?'} it had recorded: the shard rolled back.`
		: proven
			? `The root refused a checkpoint of ${s.origin} at size ${r.entry.size} whose root differs from the one it recorded at that size: the shard is forked.`
			: `The root refused a checkpoint of ${s.origin} at size ${r.entry.size}: it is not consistent with the ${last ? last.size : '?'} entries it recorded (the shard's consistency proof failed), so the shard forked or rewrote its log.`;
	return { what, proven, oldNote: last ? shardNote(last) : null, newNote: shardNote(r.entry), seq: r.seq, lastSeq: r.last ? r.last.seq : null };
}


/**
 * For a root too large to read whole here: check what GET /v1/shards
 * (answer) names for each shard against checkpoint cp, entry by entry.
 * proveLeaf(seq) resolves to {kind, entry} of root entry seq once its leaf
 * hash, recomputed from its data, is proved included in cp (the caller's
 * inclusion check).  Each shard's registration must be the shard_add of
 * its origin with the listed key, and its latest recorded checkpoint a
 * shard entry of its origin with the listed size and root, signed with that
 * key.  Resolves to {rows: [{origin, state, size, ts, refusals, verified,
 * why}], problems: [sentence]}; a row is verified only when both entries
 * are; state and refusals stay as listed (no entry was read to count them).
 */
export async function checkNamed(answer, cp, proveLeaf) {
	const rows = [], problems = [];
	for (const c of answer.shards) {
		if (!c || typeof c.origin !== 'string') continue;
		const row = {
			origin: c.origin, state: c.state, size: c.latest ? c.latest.size : null, ts: null,
			refusals: Number.isSafeInteger(c.refusals) ? c.refusals : 0, verified: false, why: '',
		};
		rows.push(row);
		try {
			const reg = c.registered && Number.isSafeInteger(c.registered.seq) ? c.registered.seq : -1;
			if (reg < 0 || reg >= cp.size) throw Object.assign(new VerifyError(`The registration of ${c.origin} the root names is not in its verified checkpoint.`), { soft: true });
			const add = await proveLeaf(reg);
			if (add.kind !== 'shard_add' || add.entry.origin !== c.origin || add.entry.vkey !== c.vkey)
				throw new VerifyError(`Entry ${reg}, which the root names as the registration of ${c.origin} with its key, is not that shard_add.`);
			if (c.latest) {
				const l = c.latest;
				if (!Number.isSafeInteger(l.seq) || l.seq >= cp.size)
					throw Object.assign(new VerifyError(`The latest checkpoint of ${c.origin} the root names is not yet in its verified checkpoint.`), { soft: true });
				const rec = await proveLeaf(l.seq);
				if (rec.kind !== 'shard' || rec.entry.origin !== c.origin || rec.entry.size !== l.size || rec.entry.root !== l.root)
					throw new VerifyError(`Entry ${l.seq}, which the root names as the latest checkpoint of ${c.origin} (size ${l.size}), is not that shard entry.`);
				await verifyShardStatement(rec.entry, add.entry.vkey);
				row.ts = rec.entry.ts;
			}
			row.verified = true;
		} catch (e) {
			if (!(e instanceof VerifyError)) throw e;
			row.why = e.message;
			if (!e.soft) problems.push(e.message);
		}
	}
	return { rows, problems };
}
