// api.js — talking to envelogd.  Every failure becomes an ApiError whose
// message is a sentence for people: the server's own message where it sent
// one ({"error":{"code","message","detail"}}), else what went wrong.

export class ApiError extends Error {
	constructor(message, status = 0, code = '', detail = null) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.detail = detail; // the error's "detail" object, as the server sent it
	}
}

const TOKEN_KEY = 'envelog.auditorToken';
const URL_KEY = 'envelog.logUrl';

/**
 * The log server's base URL ("https://log.example", no trailing slash), as
 * set under Settings; '' for the server this page came from.
 */
export const logUrl = () => localStorage.getItem(URL_KEY) || '';

/** Set the log server's URL; '' for this page's own server.  Throws ApiError on a URL that is not http(s). */
export function setLogUrl(text) {
	const t = String(text || '').trim();
	if (!t) {
		localStorage.removeItem(URL_KEY);
		return '';
	}
	let u;
	try {
		u = new URL(t);
	} catch (e) {
		throw new ApiError('The log server URL is not a URL: give it as https://log.example (or http:// for a server on this machine).');
	}
	if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash)
		throw new ApiError('The log server URL must be an http or https URL with no user, query or fragment.');
	const base = (u.origin + u.pathname).replace(/\/+$/, '');
	localStorage.setItem(URL_KEY, base);
	return base;
}

/** The origin of the log server the console talks to. */
export function logOrigin() {
	const u = logUrl();
	return u ? new URL(u).origin : location.origin;
}

/** Whether this page was served by the log server it checks. */
export const servedByLog = () => /^https?:$/.test(location.protocol) && logOrigin() === location.origin;

export const auditorToken = () => sessionStorage.getItem(TOKEN_KEY) || '';
export function setAuditorToken(t) {
	if (t) sessionStorage.setItem(TOKEN_KEY, t);
	else sessionStorage.removeItem(TOKEN_KEY);
}

function sentence(s) {
	s = String(s).trim();
	if (!s) return '';
	s = s[0].toUpperCase() + s.slice(1);
	return /[.!?]$/.test(s) ? s : s + '.';
}

const STATUS_TEXT = {
	401: 'The server did not accept the auditor token',
	403: 'The auditor token does not allow this',
	404: 'The server does not offer this',
	429: 'The server is busy; try again in a moment',
	500: 'The server failed to answer',
	503: 'The server is shutting down or not ready',
};

/**
 * GET path from the log server (logUrl(), else the server this page came
 * from).  opts.auth: send the auditor token; opts.text: resolve to the body
 * text instead of JSON; opts.bytes: to its bytes (a Uint8Array); opts.cache:
 * the fetch cache mode (default 'no-store'; 'default' for what never changes,
 * such as full tiles).
 */
export async function get(path, opts = {}) {
	const headers = { Accept: opts.bytes ? 'application/octet-stream' : opts.text ? 'text/plain' : 'application/json' };
	if (opts.auth) {
		const t = auditorToken();
		if (!t) throw new ApiError('No auditor token is set: enter it under Settings to see the ledger and the report.', 401, 'no_token');
		headers.Authorization = `Bearer ${t}`;
	}
	const base = logUrl();
	if (!base && !/^https?:$/.test(location.protocol))
		throw new ApiError('No log server is set: this console was opened from a file, so enter the log server\'s URL under Settings.', 0, 'no_url');
	let res;
	try {
		res = await fetch(base + path, { headers, cache: opts.cache || 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
	} catch (e) {
		throw new ApiError(`The log server${base ? ' ' + base : ''} could not be reached. Check the URL, that envelogd is running and answers CORS, and that the network is up.`);
	}
	if (opts.bytes && res.ok) {
		try {
			return new Uint8Array(await res.arrayBuffer());
		} catch (e) {
			throw new ApiError(`The log server${base ? ' ' + base : ''} broke off its answer.`);
		}
	}
	const body = await res.text().catch(() => '');
	if (!res.ok) {
		let msg = '', code = '', detail = null;
		try {
			const err = JSON.parse(body).error;
			msg = err.message;
			code = err.code;
			detail = err.detail && typeof err.detail === 'object' ? err.detail : null;
		} catch (e) {
			/* not our JSON error: fall back on the status */
		}
		const lead = STATUS_TEXT[res.status] || `The server answered with status ${res.status}`;
		throw new ApiError(msg ? `${lead}: ${sentence(msg)}` : `${lead}.`, res.status, code, detail);
	}
	if (opts.text) return body;
	try {
		return JSON.parse(body);
	} catch (e) {
		throw new ApiError('The server sent an answer that is not valid JSON.', res.status, 'bad_json');
	}
}

/**
 * All pages of /v1/disclosures, at most max entries.  kinds: the server's
 * comma-separated subset of disclosure, refusal, purge (its default when
 * empty: disclosures and refusals).
 */
export async function allDisclosures({ kinds = '', max = 100000 } = {}) {
	const out = [];
	const k = kinds ? `&kinds=${encodeURIComponent(kinds)}` : '';
	let since = 0;
	for (;;) {
		const page = await get(`/v1/disclosures?since=${since}&limit=500${k}`, { auth: true });
		if (!page || !Array.isArray(page.disclosures)) throw new ApiError('The server sent a disclosure list in an unexpected shape.');
		out.push(...page.disclosures);
		if (page.next === null || page.next === undefined || out.length >= max || page.disclosures.length === 0) break;
		if (!(page.next > since)) throw new ApiError('The server sent a disclosure list whose pages do not advance.');
		since = page.next;
	}
	return out;
}
