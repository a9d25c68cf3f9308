#!/usr/bin/env node
// oracle.mjs — the integration tests' independent verifier.  It shares no
// code with libenvelog or web/: written from the specifications alone, on
// Node's built-in SHA-256 and Ed25519, so that a Merkle or signed-note bug
// in the library is not also a bug of the checks run against the server.
//
//   RFC 6962 / RFC 9162 §2.1: leaf hash SHA-256(0x00 ‖ data), node hash
//   SHA-256(0x01 ‖ left ‖ right), inclusion proofs (§2.1.3.2) and
//   consistency proofs (§2.1.4.2); C2SP signed-note and tlog-checkpoint.
//
//   oracle.mjs checkpoint VKEY FILE
//       verify the signed checkpoint note in FILE with the verifier key
//       text VKEY; print "SIZE ROOT" (root in base64).
//   oracle.mjs note VKEY FILE
//       verify any signed note in FILE with VKEY; print its text.
//   oracle.mjs inclusion INDEX SIZE LEAF ROOT [PROOF...]
//   oracle.mjs consistency OLD NEW OLDROOT NEWROOT [PROOF...]
//       verify an RFC 9162 proof (hashes in base64); print "ok".
//   oracle.mjs leaves [FILE [N]]
//       read "LEAF_HASH [CHAIN_HASH]" lines for seq 0, 1, … (the first N
//       lines of FILE, or stdin); check every chain value given
//       (chain(i) = SHA-256(chain(i−1) ‖ leaf(i)), chain(−1) = 32 zero
//       bytes) and print "SIZE ROOT" of the tree over the leaf hashes.
//   oracle.mjs leaf [FILE]
//       print the base64 leaf hash of the bytes of FILE (or stdin).
//   oracle.mjs batch
//       read one command per line on stdin (the words above, without
//       "oracle.mjs", separated by spaces, or a JSON array of strings,
//       which can hold empty ones; files instead of stdin) and print one
//       line per command: its output, or "FAIL: why".  Exits 0 unless the
//       input cannot be read.
//
// Exit status: 0 valid, 1 invalid, 2 usage or I/O error (as proofcheck).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

class Invalid extends Error {}
class Usage extends Error {}

const sha256 = (...parts) => {
	const h = createHash('sha256');
	for (const p of parts) h.update(p);
	return h.digest();
};
const leafHash = (data) => sha256(Buffer.from([0]), data);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);
const b64 = (buf) => buf.toString('base64');

// Standard padded base64, strictly: Buffer.from is lenient, so the text
// must be exactly what encoding its bytes gives back.
function unb64(s, what) {
	if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4)
		throw new Invalid(`${what} is not base64`);
	const buf = Buffer.from(s, 'base64');
	if (b64(buf) !== s) throw new Invalid(`${what} is not canonical base64`);
	return buf;
}
function hash(s, what) {
	const h = unb64(s, what);
	if (h.length !== 32) throw new Invalid(`${what} is not 32 bytes`);
	return h;
}
function size(s, what) {
	if (!/^(0|[1-9][0-9]*)$/.test(s)) throw new Usage(`${what}: not a decimal number: ${s}`);
	return BigInt(s);
}
const lsb = (n) => (n & 1n) === 1n;

// RFC 9162 §2.1.3.2.
function verifyInclusion(index, treeSize, leaf, proof, root) {
	if (index >= treeSize) throw new Invalid('index is not below the tree size');
	let fn = index, sn = treeSize - 1n, r = leaf;
	for (const p of proof) {
		if (sn === 0n) throw new Invalid('the proof is too long');
		if (lsb(fn) || fn === sn) {
			r = nodeHash(p, r);
			if (!lsb(fn))
				while (!lsb(fn) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
		} else {
			r = nodeHash(r, p);
		}
		fn >>= 1n; sn >>= 1n;
	}
	if (sn !== 0n) throw new Invalid('the proof is too short');
	if (!r.equals(root)) throw new Invalid('the proof does not lead to the root');
}

// RFC 9162 §2.1.4.2; equal sizes need an empty proof and equal roots, and
// size 0 is refused (as the reference verifier does).
function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
	if (first === 0n || first > second) throw new Invalid('the sizes are not 0 < old <= new');
	if (first === second) {
		if (proof.length) throw new Invalid('equal sizes take an empty proof');
		if (!firstRoot.equals(secondRoot)) throw new Invalid('equal sizes with different roots');
		return;
	}
	if (!proof.length) throw new Invalid('the proof is empty');
	const path = (first & (first - 1n)) === 0n ? [firstRoot, ...proof] : proof;
	let fn = first - 1n, sn = second - 1n;
	while (lsb(fn)) { fn >>= 1n; sn >>= 1n; }
	let fr = path[0], sr = path[0];
	for (const c of path.slice(1)) {
		if (sn === 0n) throw new Invalid('the proof is too long');
		if (lsb(fn) || fn === sn) {
			fr = nodeHash(c, fr);
			sr = nodeHash(c, sr);
			if (!lsb(fn))
				while (!lsb(fn) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
		} else {
			sr = nodeHash(sr, c);
		}
		fn >>= 1n; sn >>= 1n;
	}
	if (sn !== 0n) throw new Invalid('the proof is too short');
	if (!fr.equals(firstRoot)) throw new Invalid('the proof does not lead to the old root');
	if (!sr.equals(secondRoot)) throw new Invalid('the proof does not lead to the new root');
}

// RFC 6962 §2.1 Merkle tree hash over a list of leaf hashes.
function treeHash(leaves, lo = 0, hi = leaves.length) {
	const n = hi - lo;
	if (n === 0) return sha256(Buffer.alloc(0));
	if (n === 1) return leaves[lo];
	let k = 1;
	while (k * 2 < n) k *= 2;
	return nodeHash(treeHash(leaves, lo, lo + k), treeHash(leaves, lo + k, hi));
}

// C2SP signed-note verifier key: <name>+<8 hex keyid>+<base64(0x01 ‖ key)>.
function parseVerifierKey(text) {
	const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
	if (!m) throw new Usage('not a verifier key');
	const [, name, hex, key64] = m;
	const key = unb64(key64, 'the verifier key');
	if (key.length !== 33 || key[0] !== 1) throw new Usage('not an Ed25519 verifier key');
	const id = sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a]), key).subarray(0, 4);
	if (id.toString('hex') !== hex) throw new Usage('the verifier key id does not match its key');
	const pub = createPublicKey({
		key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(1).toString('base64url') },
		format: 'jwk',
	});
	return { name, id, pub };
}

// A C2SP signed note: text (non-empty, each line ending in \n), a blank
// line, then signature lines "— <name> <base64(keyid ‖ signature)>\n".
// Returns the text if a signature by vk verifies.
function openNote(note, vk) {
	const sep = note.lastIndexOf('\n\n');
	if (sep < 0 || !note.endsWith('\n')) throw new Invalid('not a signed note');
	const text = note.slice(0, sep + 1);
	const sigs = note.slice(sep + 2, -1).split('\n');
	if (!text.length || text.startsWith('\n')) throw new Invalid('the note has no text');
	let found = false;
	for (const line of sigs) {
		const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
		if (!m) throw new Invalid(`malformed signature line: ${line}`);
		const raw = unb64(m[2], 'a signature');
		if (raw.length < 5) throw new Invalid('a signature is too short');
		if (m[1] !== vk.name || !raw.subarray(0, 4).equals(vk.id)) continue;
		if (raw.length !== 68) throw new Invalid('an Ed25519 signature is 64 bytes');
		if (!verify(null, Buffer.from(text, 'utf8'), vk.pub, raw.subarray(4)))
			throw new Invalid(`the signature by ${vk.name} does not verify`);
		found = true;
	}
	if (!found) throw new Invalid(`no signature by ${vk.name}`);
	return text;
}

// C2SP tlog-checkpoint: origin (the key's name), decimal size, base64 root,
// then extension lines if any.
function openCheckpoint(note, vk) {
	const lines = openNote(note, vk).split('\n');
	if (lines.length < 4) throw new Invalid('a checkpoint has origin, size and root');
	if (lines[0] !== vk.name) throw new Invalid('the origin is not the key name');
	if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Invalid('the size is not decimal');
	return `${BigInt(lines[1])} ${b64(hash(lines[2], 'the root'))}`;
}

function readLeaves(text, n) {
	let lines = text.split('\n').filter((l) => l.length);
	if (n !== undefined) {
		if (n > lines.length) throw new Usage(`fewer than ${n} leaf lines`);
		lines = lines.slice(0, n);
	}
	let chain = Buffer.alloc(32);
	const leaves = lines.map((line, i) => {
		const w = line.split(' ');
		if (w.length < 1 || w.length > 2) throw new Usage(`line ${i + 1}: LEAF [CHAIN]`);
		const leaf = hash(w[0], `leaf ${i}`);
		chain = sha256(chain, leaf);
		if (w.length === 2 && !chain.equals(hash(w[1], `chain ${i}`)))
			throw new Invalid(`the chain value of seq ${i} does not recompute`);
		return leaf;
	});
	return `${leaves.length} ${b64(treeHash(leaves))}`;
}

const read = (f) => {
	try {
		return readFileSync(f);
	} catch (e) {
		throw new Usage(`cannot read ${f}: ${e.code || e.message}`);
	}
};

// One command; returns its output line.  stdin is given for the commands
// that read it when no file is named.
function run(args, stdin) {
	const [cmd, ...a] = args;
	const want = (lo, hi = lo) => {
		if (a.length < lo || a.length > hi) throw new Usage(`${cmd}: wrong number of arguments`);
	};
	switch (cmd) {
	case 'checkpoint':
		want(2);
		return openCheckpoint(read(a[1]).toString('utf8'), parseVerifierKey(a[0]));
	case 'note':
		want(2);
		return openNote(read(a[1]).toString('utf8'), parseVerifierKey(a[0])).replace(/\n$/, '');
	case 'inclusion':
		want(4, Infinity);
		verifyInclusion(size(a[0], 'INDEX'), size(a[1], 'SIZE'), hash(a[2], 'the leaf'),
			a.slice(4).map((p, i) => hash(p, `proof[${i}]`)), hash(a[3], 'the root'));
		return 'ok';
	case 'consistency':
		want(4, Infinity);
		verifyConsistency(size(a[0], 'OLD'), size(a[1], 'NEW'), hash(a[2], 'the old root'),
			hash(a[3], 'the new root'), a.slice(4).map((p, i) => hash(p, `proof[${i}]`)));
		return 'ok';
	case 'leaves':
		want(0, 2);
		return readLeaves((a.length ? read(a[0]) : stdin()).toString('utf8'),
			a.length > 1 ? Number(size(a[1], 'N')) : undefined);
	case 'leaf':
		want(0, 1);
		return b64(leafHash(a.length ? read(a[0]) : stdin()));
	default:
		throw new Usage(`unknown command ${cmd}`);
	}
}

const stdin = () => readFileSync(0);
const argv = process.argv.slice(2);
try {
	if (argv[0] === 'batch') {
		const out = [];
		for (const line of stdin().toString('utf8').split('\n')) {
			if (!line.trim()) continue;
			try {
				const args = line.startsWith('[') ? JSON.parse(line) : line.trim().split(/\s+/);
				if (!Array.isArray(args) || !args.every((x) => typeof x === 'string'))
					throw new Usage('a JSON command is an array of strings');
				out.push(run(args, () => Buffer.alloc(0)));
			} catch (e) {
				if (!(e instanceof Invalid) && !(e instanceof Usage) && !(e instanceof SyntaxError)) throw e;
				out.push(`FAIL: ${e.message}`);
			}
		}
		process.stdout.write(out.map((l) => `${l}\n`).join(''));
	} else {
		process.stdout.write(`${run(argv, stdin)}\n`);
	}
} catch (e) {
	process.stderr.write(`oracle: ${e.message}\n`);
	process.exitCode = e instanceof Invalid ? 1 : 2;
}
