// monitor.js — the log-health check, without DOM or storage: verify the
// latest checkpoint against the pinned key and prove it consistent with the
// last checkpoint this browser saw.  The caller passes the fetchers and the
// remembered checkpoint, and decides what to keep.

import { VerifyError, verifyCheckpoint, verifyConsistency, decodeProof, b64decode } from './verify.js';

/**
 * Resolves to one of
 *   {ok: true, cp, checks: [sentence…], seen: {note, size, rootB64, firstSeen}}
 *   {ok: false, failed: sentence, step, oldNote, newNote, checks, cp, proof}
 * proof is the consistency proof as served ({old, new, proof}) where one was
 * asked for; cp (the new checkpoint) is there when its signature verified, so
 * that a consistency alarm with cp is proof of a fork: two checkpoints signed
 * by the pinned key that no append-only log can both have.
 * Errors of the network or the API (ApiError) are thrown, not turned into
 * alarms: a server that cannot be reached is not evidence of tampering.
 *
 * vkey: from parseVerifierKey.  seen: the remembered {note, size, rootB64,
 * firstSeen} or null.  io.checkpoint(): the note text.  io.consistency(old,
 * new): the proof JSON.  now: ms.
 */
export async function checkLog(vkey, seen, io, now = Date.now()) {
	const checks = [];
	const note = await io.checkpoint();
	let cp;
	try {
		cp = await verifyCheckpoint(note, vkey);
	} catch (e) {
		if (!(e instanceof VerifyError)) throw e;
		return { ok: false, step: 'signature', failed: e.message, oldNote: seen ? seen.note : null, newNote: note, checks };
	}
	checks.push(`The Ed25519 signature of the checkpoint verifies against the pinned log key ${vkey.name}+${vkey.keyIdHex} (checked with ${cp.engine}).`);
	const alarm = (step, failed, proof = null) => ({ ok: false, step, failed, oldNote: seen.note, newNote: note, checks, cp, proof });
	let firstSeen = now;
	if (!seen) {
		checks.push('This is the first checkpoint this browser has seen for this log; later visits will prove the log consistent with it.');
	} else if (cp.size < seen.size) {
		return alarm('consistency', `The log shrank: this browser saw ${seen.size} entries, but the server now signs a checkpoint of ${cp.size}.`);
	} else if (cp.size === seen.size) {
		if (cp.rootB64 !== seen.rootB64)
			return alarm('consistency', `The log signed two different roots for the same size ${cp.size}: the log was forked or rewritten.`);
		firstSeen = seen.firstSeen || now;
		checks.push(`The log has not grown since this browser last saw it: same size ${cp.size} and same root.`);
	} else if (seen.size === 0) {
		checks.push('The last checkpoint this browser saw was of the empty log, which every log extends.');
	} else {
		let proof;
		const res = await io.consistency(seen.size, cp.size);
		try {
			if (!res || res.old !== seen.size || res.new !== cp.size)
				throw new VerifyError(`The server answered a consistency proof for other sizes than ${seen.size} and ${cp.size}.`);
			proof = decodeProof(res.proof, 'consistency proof');
			await verifyConsistency(seen.size, cp.size, b64decode(seen.rootB64, 'old root'), cp.root, proof);
		} catch (e) {
			if (!(e instanceof VerifyError)) throw e;
			return alarm('consistency', e.message, res === undefined ? null : res);
		}
		checks.push(`The log of ${cp.size} entries extends the log of ${seen.size} entries this browser saw before: a consistency proof of ${proof.length} hashes leads from the old root to the new one.`);
	}
	return { ok: true, cp, checks, seen: { note, size: cp.size, rootB64: cp.rootB64, firstSeen } };
}
