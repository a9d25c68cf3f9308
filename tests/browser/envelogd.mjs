// envelogd for the browser tests: a free loopback port, a server started
// and waited for (its /healthz), and stopped (SIGTERM, then SIGKILL after
// 10 s) before the next one takes its port.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
		s.on('error', reject);
	});
}

/**
 * Start the envelogd at server with args, serving url; resolves to its
 * process once url/healthz answers, or throws with the end of its stderr
 * (what makes it refuse to start).
 */
export async function startEnvelogd(server, args, url) {
	const proc = spawn(server, args, { stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	proc.stderr.on('data', (d) => { log += d; });
	// 'exit' may come before the last of stderr is read; 'close' after it
	const closed = new Promise((r) => proc.once('close', r));
	for (let i = 0; i < 200; i++) {
		try {
			if ((await fetch(`${url}/healthz`)).ok) return proc;
		} catch (e) { /* not up yet */ }
		if (proc.exitCode !== null || proc.signalCode !== null) {
			await closed;
			break;
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
	throw new Error(`envelogd did not come up: ${log.slice(-500)}`);
}

/** Stop a started envelogd (null or an exited one: nothing to do); resolves when it is gone. */
export async function stopEnvelogd(p) {
	if (!p || p.exitCode !== null || p.signalCode !== null) return;
	const done = new Promise((r) => p.once('exit', r));
	p.kill('SIGTERM');
	await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
	if (p.exitCode === null && p.signalCode === null) {
		p.kill('SIGKILL');
		await done;
	}
}
