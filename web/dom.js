// dom.js — building elements without HTML strings.  Data from the server
// only ever reaches the page as text nodes (textContent), never as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

/** h('p', {class: 'x'}, 'text', child…): an HTML element. */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** s('rect', {x: 1}): an SVG element. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** Replace el's children. */
export function fill(el, ...children) {
	el.replaceChildren();
	return build(el, null, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** "2026-03-01 12:00:00 UTC" for milliseconds since the epoch. */
export function utc(ms) {
	if (!Number.isFinite(ms)) return '—';
	return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** "2026-03-01" (UTC) for milliseconds since the epoch. */
export function utcDay(ms) {
	return new Date(ms).toISOString().slice(0, 10);
}

/** "3 minutes ago" and the like. */
export function ago(ms, now = Date.now()) {
	const d = Math.max(0, Math.round((now - ms) / 1000));
	const unit = (n, w) => `${n} ${w}${n === 1 ? '' : 's'} ago`;
	if (d < 60) return d < 5 ? 'just now' : unit(d, 'second');
	if (d < 3600) return unit(Math.floor(d / 60), 'minute');
	if (d < 86400) return unit(Math.floor(d / 3600), 'hour');
	return unit(Math.floor(d / 86400), 'day');
}

export const fmtInt = (n) => (Number.isFinite(n) ? n.toLocaleString('en-GB') : '—');

/** A status box: kind is 'ok', 'alarm', 'warn' or 'info'. */
export function notice(kind, title, ...body) {
	const role = kind === 'alarm' || kind === 'warn' ? 'alert' : 'status';
	return h('div', { class: `notice ${kind}`, role }, h('p', { class: 'notice-title' }, title), ...body);
}
