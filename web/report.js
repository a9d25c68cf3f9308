// report.js — the transparency report: totals, CSV and the SVG charts.
// The pure parts (totals, byMonth, toCSV) have no DOM and are unit-tested.

import { s } from './dom.js';

export const COLUMNS = ['authority', 'month', 'answered', 'refused', 'subjects', 'records'];
const NUMERIC = ['answered', 'refused', 'subjects', 'records'];

/** Check the shape of /v1/report rows; throws an Error with a sentence. */
export function checkRows(rows) {
	if (!Array.isArray(rows)) throw new Error('The server sent a report in an unexpected shape.');
	for (const r of rows) {
		if (typeof r.authority !== 'string' || !/^\d{4}-\d{2}$/.test(r.month))
			throw new Error('The server sent a report row without an authority or a month.');
		for (const k of NUMERIC)
			if (!Number.isSafeInteger(r[k]) || r[k] < 0) throw new Error(`The server sent a report row whose ${k} is not a count.`);
	}
	return rows;
}

export function totals(rows) {
	const t = { answered: 0, refused: 0, subjects: 0, records: 0 };
	for (const r of rows) for (const k of NUMERIC) t[k] += r[k];
	return t;
}

/** Sum rows by key ('month' or 'authority'), sorted by that key. */
export function sumBy(rows, key) {
	const m = new Map();
	for (const r of rows) {
		const acc = m.get(r[key]) || { [key]: r[key], answered: 0, refused: 0, subjects: 0, records: 0 };
		for (const k of NUMERIC) acc[k] += r[k];
		m.set(r[key], acc);
	}
	return [...m.values()].sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0));
}

function csvField(v) {
	const t = String(v);
	// Quote what needs it; a leading = + - @ would be a formula in a spreadsheet.
	if (/[",\r\n]/.test(t) || /^[=+\-@\t]/.test(t)) return '"' + (/^[=+\-@\t]/.test(t) ? "'" : '') + t.replace(/"/g, '""') + '"';
	return t;
}

const CP_COLUMNS = ['checkpoint_origin', 'checkpoint_size', 'checkpoint_root_hex'];

/**
 * RFC 4180 CSV with a header line, CRLF line ends.  With cp ({origin, size,
 * rootHex}), every row also names the checkpoint its entries were verified
 * against, so that a copy of the CSV says what it was checked against.
 */
export function toCSV(rows, cp) {
	const cols = cp ? [...COLUMNS, ...CP_COLUMNS] : COLUMNS;
	const lines = [cols.join(',')];
	for (const r of rows) {
		const v = cp ? { ...r, checkpoint_origin: cp.origin, checkpoint_size: cp.size, checkpoint_root_hex: cp.rootHex } : r;
		lines.push(cols.map((c) => csvField(v[c])).join(','));
	}
	return lines.join('\r\n') + '\r\n';
}

/**
 * The report recomputed from ledger entries ({kind, entry}), as envelogd
 * computes /v1/report: disclosures and refusals whose ts is in [from, to)
 * (ms), per authority and UTC month; a disclosure adds its subjects and
 * records.  Rows sorted by authority, then month.
 */
export function reportFromEntries(list, from = -Infinity, to = Infinity) {
	const m = new Map();
	for (const d of list) {
		if (d.kind !== 'disclosure' && d.kind !== 'refusal') continue;
		const e = d.entry;
		if (!Number.isSafeInteger(e.ts) || typeof e.authority !== 'string' || e.ts < from || e.ts >= to) continue;
		const month = new Date(e.ts).toISOString().slice(0, 7);
		const k = `${e.authority}\n${month}`;
		const r = m.get(k) || { authority: e.authority, month, answered: 0, refused: 0, subjects: 0, records: 0 };
		if (d.kind === 'disclosure') {
			r.answered++;
			r.subjects += Number.isSafeInteger(e.subjects) && e.subjects > 0 ? e.subjects : 0;
			r.records += Number.isSafeInteger(e.records) && e.records > 0 ? e.records : 0;
		} else {
			r.refused++;
		}
		m.set(k, r);
	}
	const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
	return [...m.values()].sort((a, b) => cmp(a.authority, b.authority) || cmp(a.month, b.month));
}

/**
 * Where the server's report rows differ from the recomputed ones: a list of
 * {authority, month, column, server, verified}, a missing row counting as
 * zeros.
 */
export function diffReports(server, verified) {
	const key = (r) => `${r.authority}\n${r.month}`;
	const zero = { answered: 0, refused: 0, subjects: 0, records: 0 };
	const a = new Map(server.map((r) => [key(r), r])), b = new Map(verified.map((r) => [key(r), r]));
	const out = [];
	for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
		const x = a.get(k) || { ...zero, ...(b.get(k) && { authority: b.get(k).authority, month: b.get(k).month }) };
		const y = b.get(k) || { ...zero, authority: x.authority, month: x.month };
		for (const c of NUMERIC)
			if (x[c] !== y[c]) out.push({ authority: y.authority, month: y.month, column: c, server: x[c], verified: y[c] });
	}
	return out;
}

function niceMax(n) {
	if (n <= 5) return 5;
	const p = 10 ** Math.floor(Math.log10(n));
	for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
	return 10 * p;
}

/**
 * A grouped bar chart: one group per category, one bar per series.
 * series: [{key, label, cls}].  Returns an <svg> with a title and a legend.
 */
export function barChart({ id, title, categories, series, values }) {
	const W = 640, H = 300, left = 48, right = 12, top = 36, bottom = 56;
	const max = niceMax(Math.max(1, ...categories.flatMap((c, i) => series.map((sr) => values[i][sr.key]))));
	const plotW = W - left - right, plotH = H - top - bottom;
	const groupW = plotW / Math.max(1, categories.length);
	const barW = Math.min(36, (groupW * 0.8) / series.length);
	const y = (v) => top + plotH - (v / max) * plotH;
	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `${id}-title`, id },
		s('title', { id: `${id}-title` }, title));
	for (let i = 0; i <= 5; i++) {
		const v = (max / 5) * i;
		svg.append(s('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'grid' }),
			s('text', { x: left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, Number.isInteger(v) ? v : v.toFixed(1)));
	}
	categories.forEach((c, i) => {
		const gx = left + i * groupW + (groupW - barW * series.length) / 2;
		series.forEach((sr, j) => {
			const v = values[i][sr.key];
			const bar = s('rect', { x: gx + j * barW, y: y(v), width: Math.max(1, barW - 2), height: Math.max(0, top + plotH - y(v)), class: `bar ${sr.cls}` },
				s('title', null, `${c}, ${sr.label}: ${v}`));
			svg.append(bar);
			if (v > 0 && barW >= 14)
				svg.append(s('text', { x: gx + j * barW + (barW - 2) / 2, y: y(v) - 4, class: 'value', 'text-anchor': 'middle' }, v));
		});
		const label = c.length > 14 ? c.slice(0, 13) + '…' : c;
		svg.append(s('text', { x: left + i * groupW + groupW / 2, y: top + plotH + 18, class: 'tick', 'text-anchor': 'middle' }, label));
	});
	svg.append(s('line', { x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, class: 'axis' }));
	let lx = left;
	for (const sr of series) {
		svg.append(s('rect', { x: lx, y: 10, width: 14, height: 14, class: `bar ${sr.cls}` }),
			s('text', { x: lx + 20, y: 22, class: 'legend' }, sr.label));
		lx += 30 + sr.label.length * 8;
	}
	return svg;
}
