// tiles.js — the log read as C2SP tlog-tiles (https://c2sp.org/tlog-tiles),
// as envelogd serves it under /tlog/ and `envelog tiles export` writes it:
// hash tiles /tlog/tile/<L>/<N>[.p/<W>] (256 hashes of Merkle level 8L)
// and entry bundles /tlog/tile/entries/<N>[.p/<W>] (each leaf's public
// data behind a big-endian uint16 length).  Full tiles never change, so
// the browser may cache them; every proof is computed here from the tiles
// and verified as one from /v1/ would be.  A log that answers 404 on
// /tlog/checkpoint offers no tiles: the console then uses /v1/.

import { get, logUrl } from './api.js';
import { VerifyError, nodeHash, leafHash } from './verify.js';

const TILE_WIDTH = 256;
const TILE_HEIGHT = 8;
const HASH = 32;

/** The path of tile (level, or 'entries'; index) of width w (256: full). */
export function tilePath(level, index, w) {
	let digits = String(index);
	digits = '0'.repeat((3 - (digits.length % 3)) % 3) + digits;
	const groups = digits.match(/.{3}/g).map((g, i, all) => (i < all.length - 1 ? `x${g}` : g));
	return `/tlog/tile/${level}/${groups.join('/')}${w < TILE_WIDTH ? `.p/${w}` : ''}`;
}

/** The width of tile (level, index) in the tree of size leaves: 0 when the tree does not reach it. */
export function tileWidth(level, index, size) {
	const nodes = Math.floor(size / 2 ** (TILE_HEIGHT * (level === 'entries' ? 0 : level)));
	return Math.max(0, Math.min(TILE_WIDTH, nodes - index * TILE_WIDTH));
}

const largestPow2Below = (n) => {
	let k = 1;
	while (k * 2 < n) k *= 2;
	return k;
};

const offered = new Map(); // log URL -> promise of whether it offers tiles

/** Whether the log offers tiles (asked once per page load and log): a 404 on /tlog/checkpoint says no. */
export function offersTiles() {
	const base = logUrl();
	if (!offered.has(base))
		offered.set(base, get('/tlog/checkpoint', { text: true }).then(() => true, (e) => {
			offered.delete(base);
			if (e.status === 404) {
				offered.set(base, Promise.resolve(false));
				return false;
			}
			throw e;
		}));
	return offered.get(base);
}

/**
 * The tiles of the tree of size leaves (a verified checkpoint's), fetched
 * once each.  Every hash is only the server's word until a proof built
 * from it reaches the checkpoint's root.
 */
export class TileLog {
	constructor(size) {
		this.size = size;
		this.tiles = new Map(); // path -> promise of bytes
		this.requests = 0;
	}

	/** The bytes of tile (level, index) at this size; a partial tile gone since is read from its full tile. */
	tile(level, index) {
		const w = tileWidth(level, index, this.size);
		if (w === 0) throw new VerifyError(`The tree of size ${this.size} has no tile ${level}/${index}.`);
		const p = tilePath(level, index, w);
		if (!this.tiles.has(p)) {
			const fetchOne = (path, full) => {
				this.requests++;
				return get(path, { bytes: true, cache: full ? 'default' : 'no-store' });
			};
			this.tiles.set(p, fetchOne(p, w === TILE_WIDTH).catch((e) => {
				if (w === TILE_WIDTH || e.status !== 404) throw e;
				return fetchOne(tilePath(level, index, TILE_WIDTH), true).then((b) => ({ full: b }));
			}).then((b) => ({ bytes: b.full || b, width: b.full ? TILE_WIDTH : w, want: w })));
			this.tiles.get(p).catch(() => this.tiles.delete(p));
		}
		return this.tiles.get(p);
	}

	/** The hash of the complete subtree (Merkle level h, index i), folded from its hash tile. */
	async node(h, i) {
		const level = Math.floor(h / TILE_HEIGHT), up = h % TILE_HEIGHT;
		const first = i * 2 ** up, count = 2 ** up;
		const index = Math.floor(first / TILE_WIDTH), off = first % TILE_WIDTH;
		const t = await this.tile(level, index);
		if (t.bytes.length !== t.width * HASH)
			throw new VerifyError(`The log's hash tile ${level}/${index} is ${t.bytes.length} bytes long, not ${t.width * HASH}.`);
		if (off + count > t.want) throw new VerifyError(`The log's hash tile ${level}/${index} does not reach node ${h}/${i}.`);
		let row = [];
		for (let k = 0; k < count; k++) row.push(t.bytes.slice((off + k) * HASH, (off + k + 1) * HASH));
		while (row.length > 1) {
			const next = [];
			for (let k = 0; k < row.length; k += 2) next.push(await nodeHash(row[k], row[k + 1]));
			row = next;
		}
		return row[0];
	}

	/** The Merkle tree hash of the leaves [a, b). */
	async subtree(a, b) {
		const n = b - a;
		if (n >= 1 && 2 ** Math.round(Math.log2(n)) === n && a % n === 0) return this.node(Math.log2(n), a / n);
		const k = largestPow2Below(n);
		return nodeHash(await this.subtree(a, a + k), await this.subtree(a + k, b));
	}

	/** RFC 6962 §2.1.1 audit path of leaf m in the tree of this size. */
	async inclusionProof(m) {
		const path = async (a, b) => {
			if (b - a === 1) return [];
			const k = largestPow2Below(b - a);
			return m < a + k ? [...(await path(a, a + k)), await this.subtree(a + k, b)]
				: [...(await path(a + k, b)), await this.subtree(a, a + k)];
		};
		return path(0, this.size);
	}

	/** RFC 6962 §2.1.2 consistency proof from the tree of m leaves to this one. */
	async consistencyProof(m) {
		const sub = async (mm, a, b, whole) => {
			if (mm === b - a) return whole ? [] : [await this.subtree(a, b)];
			const k = largestPow2Below(b - a);
			return mm <= k ? [...(await sub(mm, a, a + k, whole)), await this.subtree(a + k, b)]
				: [...(await sub(mm - k, a + k, b, false)), await this.subtree(a, a + k)];
		};
		return sub(m, 0, this.size, true);
	}

	/**
	 * Leaf seq: its public data (bytes, from its entry bundle) and the leaf
	 * hash the log holds for it (its level-0 hash tile), which the data must
	 * give.  Throws VerifyError when they disagree.
	 */
	async leaf(seq) {
		const index = Math.floor(seq / TILE_WIDTH), at = seq % TILE_WIDTH;
		const [t, hash] = await Promise.all([this.tile('entries', index), this.node(0, seq)]);
		const b = t.bytes;
		let off = 0, data = null;
		for (let k = 0; k < t.width; k++) {
			if (off + 2 > b.length) break;
			const len = (b[off] << 8) | b[off + 1];
			if (off + 2 + len > b.length) break;
			if (k === at) data = b.slice(off + 2, off + 2 + len);
			off += 2 + len;
		}
		if (!data || off !== b.length) throw new VerifyError(`The log's entry bundle ${index} (entries ${index * TILE_WIDTH} on) is malformed.`);
		const mine = await leafHash(data);
		if (mine.some((x, i) => x !== hash[i]))
			throw new VerifyError(`The data of entry ${seq} in the log's entry bundle does not give the leaf hash the log's hash tile holds for it: the log serves changed data.`);
		return { data, hash };
	}
}
