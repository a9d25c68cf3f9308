// bench/console_root.mjs — the auditor console's check of a whole root log, in
// Node's WebCrypto: N root entries (one shard_add, then shard entries signed
// with Ed25519 as a shard signs its checkpoints) read and proved against the
// root (readRoot), then replayed with every signature checked (replayRoot).
//
//   node bench/console_root.mjs [N]      (default 20000)
import { generateKeyPairSync, sign, createHash } from 'node:crypto';
const v = await import(new URL('../web/verify.js', import.meta.url));
const { readRoot, replayRoot } = await import(new URL('../web/shards.js', import.meta.url));
const N = Number(process.argv[2] || 20000);
const b64 = (b) => Buffer.from(b).toString('base64');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const origin = 'b.example/shard';
const raw = Buffer.concat([Buffer.of(1), Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')]);
const id = createHash('sha256').update(Buffer.concat([Buffer.from(origin + '\n'), raw])).digest().subarray(0, 4);
const entries = [{ kind: 'shard_add', origin, ts: 1, vkey: `${origin}+${id.toString('hex')}+${b64(raw)}` }];
for (let i = 1; i < N; i++) {
	const root = b64(createHash('sha256').update(`r${i}`).digest());
	entries.push({ kind: 'shard', origin, registry: 1, root, signature: b64(Buffer.concat([id, sign(null, Buffer.from(`${origin}\n${i}\n${root}\n`), privateKey)])), size: i, ts: 1 + i });
}
const leaves = [];
for (const [seq, e] of entries.entries()) leaves.push({ seq, kind: e.kind, leaf_hash: b64(await v.entryLeafHash(e)), entry: e });
const root = await v.rootOfLeaves(leaves.map((l) => v.b64decode(l.leaf_hash)));
const cp = { size: N, root, rootB64: b64(root) };
let t = performance.now();
const read = await readRoot(cp, async (a, b) => ({ leaves: structuredClone(leaves.slice(a, b)) }));
const t1 = performance.now() - t;
t = performance.now();
await replayRoot(read.leaves);
const t2 = performance.now() - t;
console.log(`N=${N}: read+prove ${(t1 / 1000).toFixed(2)} s, replay (one Ed25519 verify per entry) ${(t2 / 1000).toFixed(2)} s`);
