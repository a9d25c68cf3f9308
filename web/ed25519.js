// ed25519.js — Ed25519 signature verification (RFC 8032 §5.1.7) in plain
// JavaScript with BigInt, for browsers whose WebCrypto lacks Ed25519.
// Verification only: nothing here handles secrets, so constant time does not
// matter.  The check is cofactorless and compares encodings, as Go's
// crypto/ed25519 does: encode([S]B - [k]A) must equal R byte for byte.

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function mod(a, m = P) {
	const r = a % m;
	return r >= 0n ? r : r + m;
}

function pow(base, exp) {
	let r = 1n;
	let b = mod(base);
	while (exp > 0n) {
		if (exp & 1n) r = (r * b) % P;
		b = (b * b) % P;
		exp >>= 1n;
	}
	return r;
}

const inv = (a) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

// Points in extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z.
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;
const BASE = [BX, BY, 1n, mod(BX * BY)];
const ZERO = [0n, 1n, 1n, 0n];

// The unified addition of Hisil et al. for a = -1; also right for doubling.
function add(p, q) {
	const [x1, y1, z1, t1] = p;
	const [x2, y2, z2, t2] = q;
	const a = mod((y1 - x1) * (y2 - x2));
	const b = mod((y1 + x1) * (y2 + x2));
	const c = mod(t1 * D2 * t2);
	const d = mod(2n * z1 * z2);
	const e = b - a, f = d - c, g = d + c, h = b + a;
	return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function mul(point, scalar) {
	let r = ZERO;
	let q = point;
	while (scalar > 0n) {
		if (scalar & 1n) r = add(r, q);
		q = add(q, q);
		scalar >>= 1n;
	}
	return r;
}

const negate = ([x, y, z, t]) => [mod(-x), y, z, mod(-t)];

function bytesToBigLE(b) {
	let n = 0n;
	for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
	return n;
}

function encode([x, y, z]) {
	const zi = inv(z);
	const ax = mod(x * zi), ay = mod(y * zi);
	const out = new Uint8Array(32);
	let v = ay;
	for (let i = 0; i < 32; i++) {
		out[i] = Number(v & 0xffn);
		v >>= 8n;
	}
	if (ax & 1n) out[31] |= 0x80;
	return out;
}

// The point encoded in 32 bytes, or null if they encode none (RFC 8032 §5.1.3).
function decode(bytes) {
	const b = Uint8Array.from(bytes);
	const sign = (b[31] & 0x80) !== 0;
	b[31] &= 0x7f;
	const y = bytesToBigLE(b);
	if (y >= P) return null;
	const u = mod(y * y - 1n);
	const v = mod(D * y * y + 1n);
	const v3 = mod(v * v * v);
	const v7 = mod(v3 * v3 * v);
	let x = mod(u * v3 * pow(u * v7, (P - 5n) / 8n));
	const vx2 = mod(v * x * x);
	if (vx2 !== u) {
		if (vx2 !== mod(-u)) return null;
		x = mod(x * SQRT_M1);
	}
	if (x === 0n && sign) return null;
	if ((x & 1n) !== BigInt(sign)) x = mod(-x);
	return [x, y, 1n, mod(x * y)];
}

async function sha512(...parts) {
	const len = parts.reduce((n, p) => n + p.length, 0);
	const buf = new Uint8Array(len);
	let off = 0;
	for (const p of parts) {
		buf.set(p, off);
		off += p.length;
	}
	return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-512', buf));
}

/**
 * Whether sig (64 bytes) is publicKey's (32 bytes) Ed25519 signature of
 * message (bytes).  Resolves to true or false; never throws on bad input.
 */
export async function ed25519VerifyJS(publicKey, message, sig) {
	if (publicKey.length !== 32 || sig.length !== 64) return false;
	const a = decode(publicKey);
	if (!a) return false;
	const s = bytesToBigLE(sig.subarray(32));
	if (s >= L) return false;
	const r = sig.subarray(0, 32);
	const k = mod(bytesToBigLE(await sha512(r, publicKey, message)), L);
	const check = encode(add(mul(BASE, s), mul(negate(a), k)));
	for (let i = 0; i < 32; i++) if (check[i] !== r[i]) return false;
	return true;
}
