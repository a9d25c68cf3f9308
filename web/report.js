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

/** RFC 4180 CSV with a header line, CRLF line ends. */
export function toCSV(rows) {
	const lines = [COLUMNS.join(',')];
	for (const r of rows) lines.push(COLUMNS.map((c) => csvField(r[c])).join(','));
	return lines.join('\r\n') + '\r\n';
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
