// The dashboard's chart, drawn as inline SVG: positive share per time bucket (one line per
// feedback name) over light bars of the feedback count per bucket.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#2563eb', '#d97706', '#7c3aed', '#059669', '#db2777', '#0891b2'];
const W = 800;
const H = 240;
const M = { left: 44, right: 44, top: 14, bottom: 30 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const title = (text) => s('title', null, text);
const pct = (x) => `${Math.round(x * 1000) / 10}%`;

function bucketLabel(ms, intervalMs) {
  const d = new Date(ms);
  const day = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return intervalMs < 86_400_000 ? `${day} ${String(d.getHours()).padStart(2, '0')}:00` : day;
}

/** Colour of each feedback name, in the order the names first appear. */
export function seriesColors(names) {
  return new Map(names.map((n, i) => [n, COLORS[i % COLORS.length]]));
}

/**
 * points: [{name, bucket_start_ms, count, positive, negative, positive_share}]
 * Returns a figure with the SVG and a legend.
 */
export function shareChart(points, intervalMs) {
  const names = [...new Set(points.map((p) => p.name))];
  const colors = seriesColors(names);
  const buckets = [...new Set(points.map((p) => p.bucket_start_ms))].sort((a, b) => a - b);
  const x0 = buckets[0];
  const x1 = Math.max(buckets[buckets.length - 1] + intervalMs, x0 + intervalMs);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (ms) => M.left + ((ms - x0) / (x1 - x0)) * pw;
  const mid = (ms) => x(ms + intervalMs / 2);
  const y = (share) => M.top + (1 - share) * ph;

  const counts = new Map();
  for (const p of points) counts.set(p.bucket_start_ms, (counts.get(p.bucket_start_ms) || 0) + (p.count || 0));
  const maxCount = Math.max(1, ...counts.values());
  const barW = Math.max(2, Math.min(40, (pw / ((x1 - x0) / intervalMs)) * 0.7));

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => s('g', { class: 'grid' },
    s('line', { x1: M.left, x2: W - M.right, y1: y(f), y2: y(f) }),
    s('text', { x: M.left - 6, y: y(f) + 4, 'text-anchor': 'end' }, pct(f))));
  const countAxis = [0, 0.5, 1].map((f) => s('text', { class: 'axis-count', x: W - M.right + 6, y: y(f * 0.4) + 4 },
    String(Math.round(maxCount * f))));
  const bars = [...counts.entries()].map(([b, c]) => {
    const bh = (c / maxCount) * ph * 0.4;
    return s('rect', { class: 'count-bar', x: mid(b) - barW / 2, y: M.top + ph - bh, width: barW, height: Math.max(bh, 1) },
      title(`${bucketLabel(b, intervalMs)}: ${c} feedback`));
  });
  const step = Math.max(1, Math.ceil(buckets.length / 8));
  const ticks = buckets.filter((_, i) => i % step === 0).map((b) => s('text', {
    class: 'tick', x: mid(b), y: H - M.bottom + 16, 'text-anchor': 'middle' }, bucketLabel(b, intervalMs)));

  const series = names.map((name) => {
    const pts = points.filter((p) => p.name === name && p.positive_share !== null && p.positive_share !== undefined)
      .sort((a, b) => a.bucket_start_ms - b.bucket_start_ms);
    const color = colors.get(name);
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${mid(p.bucket_start_ms).toFixed(1)},${y(p.positive_share).toFixed(1)}`).join(' ');
    return s('g', { class: 'series', 'data-name': name },
      pts.length > 1 && s('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }),
      pts.map((p) => s('circle', { class: 'point', 'data-testid': 'chart-point', cx: mid(p.bucket_start_ms), cy: y(p.positive_share), r: 3.5, fill: color },
        title(`${name} · ${bucketLabel(p.bucket_start_ms, intervalMs)}: ${pct(p.positive_share)} positive `
          + `(👍 ${p.positive}, 👎 ${p.negative} of ${p.count})`))));
  });

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'data-testid': 'feedback-chart-svg',
    'aria-label': 'Positive feedback share over time' },
  grid, countAxis, bars, ticks, series,
  s('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: M.top + ph, y2: M.top + ph }));

  const legend = h('div', { class: 'legend' },
    names.map((n) => h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${colors.get(n)}` }), n)),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-bar' }), 'feedback count (right axis)'));
  return h('figure', { class: 'chart-figure' }, svg, legend);
}
