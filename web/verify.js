// verify.js — everything the console checks, with no DOM: base64, SHA-256
// (WebCrypto), RFC 9162 Merkle proofs, canonical JSON and leaf hashes, the
// hash chain, C2SP signed notes and checkpoints, Ed25519 signatures (the
// browser's WebCrypto: no cryptography is written here).
// Runs unchanged in the browser and under Node (the unit tests).
//
// Failures throw VerifyError, whose message is a sentence fit to show.

export class VerifyError extends Error {
	constructor(message) {
		super(message);
		this.name = 'VerifyError';
	}
}

const subtle = () => globalThis.crypto.subtle;
const enc = new TextEncoder();

// ---- bytes -----------------------------------------------------------------

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard padded base64 to bytes; throws VerifyError naming what on bad input. */
export function b64decode(s, what = 'value') {
	if (typeof s !== 'string' || !B64.test(s))
		throw new VerifyError(`The ${what} is not valid base64.`);
	const bin = atob(s);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}

export function b64encode(bytes) {
	let bin = '';
	for (const b of bytes) bin += String.fromCharCode(b);
	return btoa(bin);
}

export function hex(bytes) {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function bytesEqual(a, b) {
	if (a.length !== b.length) return false;
	let d = 0;
	for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
	return d === 0;
}

export function concat(...parts) {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let off = 0;
	for (const p of parts) {
		out.set(p, off);
		off += p.length;
	}
	return out;
}

export async function sha256(bytes) {
	return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

// ---- tree hashing (RFC 9162 §2.1) -------------------------------------------

export const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
export const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

/** The Merkle tree hash of a list of leaf hashes (for tests and small trees). */
export async function treeHash(leaves) {
	if (leaves.length === 0) return sha256(new Uint8Array(0));
	if (leaves.length === 1) return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length) k *= 2;
	return nodeHash(await treeHash(leaves.slice(0, k)), await treeHash(leaves.slice(k)));
}

// Sizes reach 2^53, past the 32 bits of JavaScript's bit operators.
const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);
function powerOfTwo(n) {
	while (n > 1 && !odd(n)) n = half(n);
	return n === 1;
}

function checkHashes(list, what) {
	for (const h of list)
		if (!(h instanceof Uint8Array) || h.length !== 32)
			throw new VerifyError(`The ${what} contains a hash that is not 32 bytes long.`);
}

function checkSize(n, what) {
	if (!Number.isSafeInteger(n) || n < 0) throw new VerifyError(`The ${what} is not a valid tree size.`);
}

/**
 * Verify an RFC 9162 §2.1.3.2 inclusion proof that leaf (hash) sits at index
 * in the tree of the given size whose root is root.  Resolves, or throws
 * VerifyError saying why not.
 */
export async function verifyInclusion(index, size, leaf, proof, root) {
	checkSize(index, 'index');
	checkSize(size, 'tree size');
	if (index >= size) throw new VerifyError(`Entry ${index} is not in a tree of size ${size}.`);
	checkHashes([leaf], 'leaf hash');
	checkHashes([root], 'root');
	checkHashes(proof, 'inclusion proof');
	let fn = index, sn = size - 1;
	let r = leaf;
	for (const p of proof) {
		if (sn === 0) throw new VerifyError('The inclusion proof is longer than the tree is deep.');
		if (odd(fn) || fn === sn) {
			r = await nodeHash(p, r);
			if (!odd(fn))
				while (!odd(fn) && fn !== 0) {
					fn = half(fn);
					sn = half(sn);
				}
		} else {
			r = await nodeHash(r, p);
		}
		fn = half(fn);
		sn = half(sn);
	}
	if (sn !== 0) throw new VerifyError('The inclusion proof is too short for the tree size.');
	if (!bytesEqual(r, root))
		throw new VerifyError(`The inclusion proof of entry ${index} does not lead to the root of the tree of size ${size}.`);
}

/**
 * Verify an RFC 9162 §2.1.4.2 consistency proof between the tree of size1
 * with root1 and the tree of size2 with root2.  Resolves, or throws
 * VerifyError.  size1 = 0 is refused, as by the reference verifier: every
 * tree extends the empty one, and there is nothing to prove.
 */
export async function verifyConsistency(size1, size2, root1, root2, proof) {
	checkSize(size1, 'old tree size');
	checkSize(size2, 'new tree size');
	checkHashes([root1, root2], 'root');
	checkHashes(proof, 'consistency proof');
	if (size2 < size1)
		throw new VerifyError(`The log shrank from ${size1} to ${size2} entries.`);
	if (size1 === size2) {
		if (proof.length !== 0) throw new VerifyError('A consistency proof between equal sizes must be empty.');
		if (!bytesEqual(root1, root2))
			throw new VerifyError(`Two different roots were signed for the same size ${size1}.`);
		return;
	}
	if (size1 === 0) throw new VerifyError('There is no consistency proof from the empty tree.');
	if (proof.length === 0) throw new VerifyError('The consistency proof is empty.');
	let path = proof;
	let fn = size1 - 1, sn = size2 - 1;
	// size1 a power of two: the old root is itself a node of the new tree.
	if (powerOfTwo(size1)) path = [root1, ...proof];
	while (odd(fn)) {
		fn = half(fn);
		sn = half(sn);
	}
	let fr = path[0], sr = path[0];
	for (const c of path.slice(1)) {
		if (sn === 0) throw new VerifyError('The consistency proof is longer than the tree is deep.');
		if (odd(fn) || fn === sn) {
			fr = await nodeHash(c, fr);
			sr = await nodeHash(c, sr);
			if (!odd(fn))
				while (!odd(fn) && fn !== 0) {
					fn = half(fn);
					sn = half(sn);
				}
		} else {
			sr = await nodeHash(sr, c);
		}
		fn = half(fn);
		sn = half(sn);
	}
	if (sn !== 0) throw new VerifyError('The consistency proof is too short for the tree sizes.');
	if (!bytesEqual(fr, root1))
		throw new VerifyError(`The consistency proof does not reproduce the old root of size ${size1}: the log was rewritten.`);
	if (!bytesEqual(sr, root2))
		throw new VerifyError(`The consistency proof does not lead to the new root of size ${size2}.`);
}

// ---- entries ----------------------------------------------------------------

function compareUtf8(a, b) {
	const x = enc.encode(a), y = enc.encode(b);
	const n = Math.min(x.length, y.length);
	for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
	return x.length - y.length;
}

/**
 * The canonical JSON of docs/PROTOCOL.md: objects, arrays, strings and integers in
 * [0, 2^53); keys sorted by UTF-8 bytes; only '"' and '\' escaped.  Throws
 * VerifyError on any other value.
 */
export function canonicalJSON(v) {
	if (typeof v === 'string') {
		if (/[\u0000-\u001f\u007f]/.test(v)) throw new VerifyError('A string holds a control character.');
		return '"' + v.replace(/[\\"]/g, (c) => '\\' + c) + '"';
	}
	if (typeof v === 'number') {
		if (!Number.isSafeInteger(v) || v < 0) throw new VerifyError(`The number ${v} is not an integer in [0, 2^53).`);
		return String(v);
	}
	if (Array.isArray(v)) return '[' + v.map(canonicalJSON).join(',') + ']';
	if (v !== null && typeof v === 'object') {
		const keys = Object.keys(v).sort(compareUtf8);
		return '{' + keys.map((k) => canonicalJSON(k) + ':' + canonicalJSON(v[k])).join(',') + '}';
	}
	throw new VerifyError(`An entry holds a value of type ${v === null ? 'null' : typeof v}, which the log never writes.`);
}

/** The leaf hash of an entry given as a parsed JSON object. */
export const entryLeafHash = (entry) => leafHash(enc.encode(canonicalJSON(entry)));

// The fields of each kind of a root log's entries (docs/PROTOCOL.md).
const ROOT_FIELDS = {
	shard_add: ['kind', 'origin', 'ts', 'vkey'],
	shard: ['kind', 'origin', 'registry', 'root', 'signature', 'size', 'ts'],
	shard_refusal: ['kind', 'origin', 'reason', 'root', 'signature', 'size', 'ts'],
	shard_retire: ['kind', 'origin', 'root', 'size', 'ts'],
	shard_close: ['kind', 'origin', 'root', 'size', 'ts'],
};
const KINDS = ['event', 'disclosure', 'refusal', 'purge', ...Object.keys(ROOT_FIELDS)];

/** Throw unless entry has exactly the fields of root kind, of their types. */
function checkRootEntry(kind, entry) {
	const want = ROOT_FIELDS[kind];
	const keys = Object.keys(entry).sort();
	const b64 = (v, n) => typeof v === 'string' && B64.test(v) && b64decode(v, kind).length === n;
	const ok = keys.length === want.length && keys.every((k, i) => k === want[i]) &&
		keys.every((k) => ['registry', 'size', 'ts'].includes(k) ? Number.isSafeInteger(entry[k]) && entry[k] >= 0 : typeof entry[k] === 'string') &&
		(!('root' in entry) || b64(entry.root, 32)) && (!('signature' in entry) || b64(entry.signature, 68)) &&
		(!('reason' in entry) || ['rollback', 'fork'].includes(entry.reason));
	if (!ok) throw new VerifyError(`The ${kind} entry does not have exactly the fields of one.`);
}

/**
 * R2: every leaf's data is public.  Check that entry (parsed JSON) is the
 * leaf data of an entry of this kind: an object whose own kind is kind, and
 * for an event exactly its commitment {"commitment": 32 bytes of base64,
 * "kind": "event"}, so that nothing passes for an event unless it is one;
 * the other kinds carry an integer ts.  Throws VerifyError saying what it is
 * instead.
 */
export function checkEntry(kind, entry) {
	if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
		throw new VerifyError(`The ${kind} leaf is served without its public leaf data.`);
	if (!KINDS.includes(entry.kind))
		throw new VerifyError(`The leaf data names no kind of entry the log writes (${JSON.stringify(entry.kind)}).`);
	if (entry.kind !== kind)
		throw new VerifyError(`The leaf is listed as a ${kind} entry, but its data says it is a ${entry.kind} entry.`);
	if (kind === 'event') {
		const keys = Object.keys(entry).sort();
		if (keys.length !== 2 || keys[0] !== 'commitment' || keys[1] !== 'kind' || typeof entry.commitment !== 'string' ||
			!/^[A-Za-z0-9+/]{43}=$/.test(entry.commitment) || b64decode(entry.commitment, 'commitment').length !== 32)
			throw new VerifyError('The leaf data of an event must be exactly its commitment; this one is something else.');
	} else if (!Number.isSafeInteger(entry.ts) || entry.ts < 0) {
		throw new VerifyError(`The ${kind} entry has no time (ts).`);
	} else if (kind in ROOT_FIELDS) {
		checkRootEntry(kind, entry);
	}
	return entry;
}

/** The public leaf data of an event's private record (parsed JSON with its
 * nonce): {"commitment": base64 SHA-256(canonical record), "kind": "event"}. */
export async function eventLeafData(record) {
	if (record === null || typeof record !== 'object' || record.kind !== 'event' || typeof record.nonce !== 'string')
		throw new VerifyError('A record is an event with a nonce.');
	return { commitment: b64encode(await sha256(enc.encode(canonicalJSON(record)))), kind: 'event' };
}

/** records_commitment = SHA-256(salt || records_root), both bytes. */
export const recordsCommitment = (salt, recordsRoot) => sha256(concat(salt, recordsRoot));

/** chain(i) from chain(i-1) and leafhash(i); chain(-1) is 32 zero bytes. */
export const chainNext = (prev, leaf) => sha256(concat(prev, leaf));

// ---- signed notes and checkpoints ---------------------------------------------

const KEY_NAME = /^[^\s+]+$/u;

async function keyId(name, keyBytes) { // keyBytes: the type byte and the key
	return (await sha256(concat(enc.encode(name + '\n'), keyBytes))).subarray(0, 4);
}

/**
 * Parse verifier-key text "<name>+<8 hex keyid>+<base64(0x01 || key)>".
 * Resolves to {name, keyId, keyIdHex, publicKey, text}; throws VerifyError if
 * the text is malformed or its key id does not match its key.
 */
export async function parseVerifierKey(text, type = 1) {
	const t = String(text).trim();
	const m = /^([^+]*)\+([^+]*)\+(.*)$/su.exec(t);
	if (!m) throw new VerifyError('A log key has the form name+keyid+key.');
	const [, name, idHex, b64] = m;
	if (!name || !KEY_NAME.test(name)) throw new VerifyError('The log key has no valid name before its first "+".');
	if (!/^[0-9a-f]{8}$/.test(idHex)) throw new VerifyError('The key id of the log key must be 8 lower-case hex digits.');
	const raw = b64decode(b64, 'log key');
	if (raw.length !== 33 || raw[0] !== type)
		throw new VerifyError(type === 1 ? 'The log key is not an Ed25519 key (type byte 0x01 and 32 bytes).'
			: 'The witness key is not a cosignature/v1 key (type byte 0x04 and 32 bytes).');
	const id = await keyId(name, raw);
	if (hex(id) !== idHex)
		throw new VerifyError(`The log key's id ${idHex} does not match its key (it should be ${hex(id)}); the key text was mistyped.`);
	return { name, keyId: id, keyIdHex: idHex, publicKey: raw.subarray(1), text: t };
}

/**
 * Whether sig is publicKey's Ed25519 signature of message, by the browser's
 * WebCrypto (current Chromium, Firefox and Safari have Ed25519).  Resolves
 * to {ok, engine}; throws VerifyError (soft: no evidence against the log)
 * where the browser has no Ed25519, rather than verify with code of our own.
 */
export async function ed25519Verify(publicKey, message, sig) {
	let key;
	try {
		key = await subtle().importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
	} catch (e) {
		if (e && e.name === 'NotSupportedError')
			throw Object.assign(new VerifyError('This browser has no Ed25519 in WebCrypto, so it cannot check signatures: use a current Chromium, Firefox or Safari.'), { soft: true });
		return { ok: false, engine: 'WebCrypto' }; // not a valid public key
	}
	try {
		return { ok: await subtle().verify({ name: 'Ed25519' }, key, sig, message), engine: 'WebCrypto' };
	} catch (e) {
		return { ok: false, engine: 'WebCrypto' };
	}
}

/** A witness's verifier key text "<name>+<keyid>+<base64(0x04 || key)>" (C2SP tlog-cosignature). */
export const parseWitnessKey = (text) => parseVerifierKey(text, 4);

/**
 * The witness cosignatures (C2SP tlog-cosignature, cosignature/v1) on signed
 * checkpoint note: for each witness key (from parseWitnessKey), {name,
 * keyIdHex, ok, time (seconds since the epoch, when ok), why (when not)}.  A
 * cosignature is Ed25519 by the witness over "cosignature/v1\ntime <t>\n"
 * followed by the checkpoint text; its line carries key id, t (8 bytes, big
 * endian) and signature.  A witness counts once, however many lines it has.
 */
export async function verifyCosignatures(note, witnesses) {
	const { text, signatures } = parseNote(note);
	const out = [];
	for (const w of witnesses) {
		const r = { name: w.name, keyIdHex: w.keyIdHex, ok: false, time: null, why: 'This checkpoint carries no cosignature by this witness.' };
		for (const sg of signatures.filter((x) => x.name === w.name && bytesEqual(x.keyId, w.keyId))) {
			if (sg.sig.length !== 72) {
				r.why = 'The cosignature is not 8 bytes of time and 64 of signature.';
				continue;
			}
			let t = 0n;
			for (const b of sg.sig.subarray(0, 8)) t = (t << 8n) | BigInt(b);
			if (t >= 1n << 63n) {
				r.why = 'The cosignature\'s time is out of range.';
				continue;
			}
			const msg = enc.encode(`cosignature/v1\ntime ${t}\n${text}`);
			if ((await ed25519Verify(w.publicKey, msg, sg.sig.subarray(8))).ok) {
				Object.assign(r, { ok: true, time: Number(t), why: null });
				break;
			}
			r.why = 'The cosignature does not verify against this witness key.';
		}
		out.push(r);
	}
	return out;
}

/**
 * Split a signed note into its text and signature lines.  Resolves to
 * {text, signatures: [{name, keyId, sig}]}; throws VerifyError if malformed.
 */
export function parseNote(note) {
	if (typeof note !== 'string' || !note.endsWith('\n')) throw new VerifyError('The signed note does not end with a newline.');
	if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw new VerifyError('The signed note contains control characters.');
	const i = note.lastIndexOf('\n\n');
	if (i < 0) throw new VerifyError('The signed note has no blank line before its signatures.');
	const text = note.slice(0, i + 1);
	const lines = note.slice(i + 2, -1).split('\n');
	const signatures = [];
	for (const line of lines) {
		const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
		if (!m) throw new VerifyError('A signature line of the signed note is malformed.');
		const raw = b64decode(m[2], 'signature');
		if (raw.length < 5) throw new VerifyError('A signature of the signed note is too short.');
		signatures.push({ name: m[1], keyId: raw.subarray(0, 4), sig: raw.subarray(4) });
	}
	return { text, signatures };
}

/**
 * Open a signed note with a verifier key (as from parseVerifierKey): the
 * note must carry a signature by that key's name and id, and it must verify.
 * Other signatures (witness cosignatures) are ignored.  Resolves to
 * {text, engine}; throws VerifyError saying what failed.
 */
export async function openNote(note, vkey) {
	const { text, signatures } = parseNote(note);
	const mine = signatures.filter((s) => s.name === vkey.name);
	if (mine.length === 0)
		throw new VerifyError(`The checkpoint carries no signature by "${vkey.name}", the name of the pinned log key.`);
	const byId = mine.filter((s) => bytesEqual(s.keyId, vkey.keyId));
	if (byId.length === 0)
		throw new VerifyError(`The checkpoint is signed by "${vkey.name}" with key id ${hex(mine[0].keyId)}, not with the pinned key ${vkey.keyIdHex}.`);
	for (const s of byId) {
		if (s.sig.length !== 64) throw new VerifyError('The log signature is not 64 bytes long.');
		const r = await ed25519Verify(vkey.publicKey, enc.encode(text), s.sig);
		if (!r.ok)
			throw new VerifyError(`The Ed25519 signature on the checkpoint does not verify against the pinned log key ${vkey.name}+${vkey.keyIdHex}.`);
		return { text, engine: r.engine };
	}
}

/**
 * Parse checkpoint text (C2SP tlog-checkpoint): origin, decimal size, base64
 * root, each line ending in "\n", extension lines allowed.
 */
export function parseCheckpointText(text) {
	const lines = text.split('\n');
	if (lines.length < 4 || lines[lines.length - 1] !== '')
		throw new VerifyError('The checkpoint does not have an origin, a size and a root line.');
	const [origin, sizeText, rootB64] = lines;
	if (!origin) throw new VerifyError('The checkpoint has an empty origin line.');
	if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
		throw new VerifyError('The checkpoint size is not a decimal number.');
	const root = b64decode(rootB64, 'checkpoint root');
	if (root.length !== 32) throw new VerifyError('The checkpoint root is not 32 bytes long.');
	return { origin, size: Number(sizeText), root, rootB64 };
}

/**
 * Verify a signed checkpoint note against the pinned key: signature, then
 * that the origin is the key's name.  Resolves to
 * {origin, size, root, rootB64, note, engine}.
 */
export async function verifyCheckpoint(note, vkey) {
	const { text, engine } = await openNote(note, vkey);
	const cp = parseCheckpointText(text);
	if (cp.origin !== vkey.name)
		throw new VerifyError(`The checkpoint's origin "${cp.origin}" is not the pinned log's name "${vkey.name}".`);
	return { ...cp, note, engine };
}

/** Decode a JSON array of base64 proof hashes. */
export function decodeProof(list, what = 'proof') {
	if (list === null || list === undefined) return [];
	if (!Array.isArray(list)) throw new VerifyError(`The ${what} is not a list of hashes.`);
	return list.map((h) => b64decode(h, `${what} hash`));
}

// ---- root logs: the shard checkpoints they record ---------------------------------

/** The kinds of a root log's entries (docs/PROTOCOL.md, "Root logs"). */
export const ROOT_KINDS = Object.keys(ROOT_FIELDS);

/**
 * The signed note of the shard checkpoint that a shard or shard_refusal
 * entry records: "<origin>\n<size>\n<root>\n", a blank line and the
 * shard's signature line (its key name is the origin), as the shard served it.
 */
export function shardNote(entry) {
	return `${entry.origin}\n${entry.size}\n${entry.root}\n\n\u2014 ${entry.origin} ${entry.signature}\n`;
}

/**
 * Verify that a shard or shard_refusal entry of a root log is the shard's
 * own signed statement: its signature (key id and Ed25519) by vkeyText, the
 * verifier key of the shard's shard_add entry, over the checkpoint body
 * "<origin>\n<size>\n<root>\n".  The key must be named as the entry's
 * origin.  Resolves to {vkey, engine}; throws VerifyError saying what failed.
 */
export async function verifyShardStatement(entry, vkeyText) {
	let vkey;
	try {
		vkey = await parseVerifierKey(vkeyText);
	} catch (e) {
		throw new VerifyError(`The shard key registered for ${entry.origin} is not a valid Ed25519 verifier key: ${e.message}`);
	}
	if (vkey.name !== entry.origin)
		throw new VerifyError(`The shard key registered for ${entry.origin} is named "${vkey.name}", not after the shard's origin.`);
	let cp;
	try {
		cp = await verifyCheckpoint(shardNote(entry), vkey);
	} catch (e) {
		throw new VerifyError(`The ${entry.kind} entry's signature is not the shard's: ${e.message.replace('pinned log key', 'shard key')}`);
	}
	return { vkey, engine: cp.engine };
}

/**
 * The RFC 9162 root of the tree whose leaf hashes are leaves, in order: a
 * stack of complete subtrees, one SHA-256 per node (for a whole log read
 * in one pass).
 */
export async function rootOfLeaves(leaves) {
	checkHashes(leaves, 'list of leaf hashes');
	if (leaves.length === 0) return sha256(new Uint8Array(0));
	const stack = []; // [{h, n}] complete subtrees, sizes decreasing
	for (const l of leaves) {
		let top = { h: l, n: 1 };
		while (stack.length && stack[stack.length - 1].n === top.n) {
			const left = stack.pop();
			top = { h: await nodeHash(left.h, top.h), n: left.n * 2 };
		}
		stack.push(top);
	}
	let r = stack.pop().h;
	while (stack.length) r = await nodeHash(stack.pop().h, r);
	return r;
}
