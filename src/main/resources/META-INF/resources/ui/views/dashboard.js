// Feedback dashboard: positive share and counts per group (a metadata or tag value), and the
// positive share over time (analytics API, docs/analytics-api.md).
import { feedback, feedbackTimeline } from '../api.js';
import { empty, errorBox, h, loading, replace } from '../dom.js';
import { fmtNumber, fmtPercent } from '../format.js';
import { shareChart, seriesColors } from '../chart.js';
import { rangeKey, rangeSelect, rangeStart } from '../range.js';

export const DEFAULT_GROUP = 'metadata.app_version';
const SUGGESTIONS = ['metadata.app_version', 'metadata.environment', 'metadata.region', 'tag.environment'];
/** Feedback names seen per experiment, for the name selector (a filtered answer has only one). */
const knownNames = new Map();

export async function renderDashboard(ctx) {
  const { el, exp, params, go, signal } = ctx;
  const range = rangeKey(params);
  // `group=none` in the URL: no grouping (one row per feedback name).
  const groupParam = params.get('group');
  const group = groupParam === null ? DEFAULT_GROUP : groupParam === 'none' ? '' : groupParam.trim();
  const interval = params.get('interval') === 'hour' || params.get('interval') === 'day'
    ? params.get('interval') : range === '24h' ? 'hour' : 'day';
  const name = params.get('name') || '';
  const current = { range, group, interval, name };
  const update = (changes) => go('dashboard', { ...current, ...changes, group: (changes.group ?? group) || 'none' });
  const names = knownNames.get(exp) || new Set();
  knownNames.set(exp, names);

  const groupInput = h('input', { type: 'text', class: 'mono', list: 'group-by-suggestions', value: group, 'data-testid': 'group-by-input',
    placeholder: 'metadata.<key> or tag.<key>', 'aria-label': 'Group by', spellcheck: 'false', autocomplete: 'off' });
  const nameSelect = h('select', { 'data-testid': 'feedback-name-select', onchange: (ev) => update({ name: ev.target.value }) });
  const fillNames = () => replace(nameSelect, h('option', { value: '' }, 'All feedback'),
    [...new Set([...names, ...(name ? [name] : [])])].sort().map((n) => h('option', { value: n, selected: n === name }, n)));
  fillNames();

  const kpis = h('div', { class: 'kpis', 'data-testid': 'feedback-kpis' });
  const chartBody = h('div', { class: 'panel-body', 'data-testid': 'feedback-chart' }, loading('Loading timeline…'));
  const tableBody = h('div', { class: 'panel-body' }, loading('Loading feedback…'));
  replace(el,
    h('div', { class: 'page-head' }, h('h1', null, 'Feedback'), h('span', { class: 'muted' }, ctx.experiment.name)),
    h('div', { class: 'toolbar' },
      rangeSelect(range, (r) => update({ range: r, interval: undefined })),
      h('form', { class: 'field group-form', 'data-testid': 'group-by-form',
        onsubmit: (ev) => { ev.preventDefault(); update({ group: groupInput.value.trim() }); } },
      h('span', null, 'Group by'), groupInput,
      h('datalist', { id: 'group-by-suggestions' }, SUGGESTIONS.map((v) => h('option', { value: v }))),
      h('button', { type: 'submit', class: 'btn', 'data-testid': 'group-by-apply' }, 'Apply')),
      h('label', { class: 'field' }, h('span', null, 'Feedback'), nameSelect),
      h('label', { class: 'field' }, h('span', null, 'Interval'),
        h('select', { 'data-testid': 'interval-select', onchange: (ev) => update({ interval: ev.target.value }) },
          [['hour', 'Hourly'], ['day', 'Daily']].map(([v, l]) => h('option', { value: v, selected: v === interval }, l))))),
    kpis,
    h('div', { class: 'panel' }, h('div', { class: 'panel-title' }, h('h2', null, 'Positive share over time')), chartBody),
    h('div', { class: 'panel' }, h('div', { class: 'panel-title' },
      h('h2', null, group ? `By ${group}` : 'By feedback name')), tableBody));

  const start = rangeStart(range);
  const groups = feedback(exp, { startTimeMs: start, groupBy: group || undefined, name: name || undefined, signal });
  const timeline = feedbackTimeline(exp, { startTimeMs: start, interval, name: name || undefined, signal });
  await Promise.all([
    groups.then((r) => {
      const rows = r.feedback || [];
      rows.forEach((row) => names.add(row.name));
      fillNames();
      replace(kpis, kpiCards(rows));
      replace(tableBody, rows.length
        ? groupTable(rows, group)
        : empty('No feedback in this range', 'Feedback is logged with POST /api/3.0/mlflow/traces/<id>/assessments or the thumbs on a trace.'));
    }, (e) => {
      if (e.name === 'AbortError') return;
      replace(kpis);
      replace(tableBody, errorBox(e));
    }),
    timeline.then((r) => {
      const points = r.points || [];
      replace(chartBody, points.length
        ? shareChart(points, r.interval_ms || (interval === 'hour' ? 3_600_000 : 86_400_000))
        : empty('No feedback in this range'));
    }, (e) => {
      if (e.name === 'AbortError') return;
      replace(chartBody, errorBox(e));
    }),
  ]);
}

function kpiCards(rows) {
  const sum = (k) => rows.reduce((n, r) => n + (r[k] || 0), 0);
  const count = sum('count');
  const positive = sum('positive');
  const negative = sum('negative');
  const kpi = (label, value, testid, cls) => h('div', { class: 'kpi', 'data-testid': testid },
    h('div', { class: 'kpi-label' }, label), h('div', { class: ['kpi-value', cls] }, value));
  return [
    kpi('Feedback', fmtNumber(count), 'kpi-count'),
    kpi('Positive share', fmtPercent(positive + negative ? positive / (positive + negative) : null), 'kpi-share'),
    kpi('👍 Positive', fmtNumber(positive), 'kpi-positive', 'text-ok'),
    kpi('👎 Negative', fmtNumber(negative), 'kpi-negative', 'text-err'),
  ];
}

function shareBar(row) {
  const rated = (row.positive || 0) + (row.negative || 0);
  if (!rated) return h('span', { class: 'muted' }, '—');
  return h('div', { class: 'share', title: `${row.positive} positive, ${row.negative} negative` },
    h('div', { class: 'share-bar' },
      h('span', { class: 'share-pos', style: `width:${(row.positive / rated) * 100}%` }),
      h('span', { class: 'share-neg', style: `width:${(row.negative / rated) * 100}%` })),
    h('span', { class: 'share-label', 'data-testid': 'cell-share' }, fmtPercent(row.positive_share)));
}

function groupTable(rows, group) {
  const colors = seriesColors([...new Set(rows.map((r) => r.name))]);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'feedback-table' },
    h('thead', null, h('tr', null, ['Feedback', group ? 'Group' : '', 'Count', '👍', '👎', 'Positive share', 'Mean']
      .map((c, i) => h('th', { scope: 'col', class: [2, 3, 4, 6].includes(i) ? 'num' : i === 5 ? 'share-col' : undefined }, c)))),
    h('tbody', null, rows.map((r) => h('tr', { 'data-testid': 'feedback-row', 'data-name': r.name, 'data-group': r.group ?? '' },
      h('td', { class: 'nowrap' }, h('span', { class: 'swatch', style: `background:${colors.get(r.name)}` }), r.name),
      h('td', { 'data-testid': 'cell-group' }, r.group === null || r.group === undefined
        ? h('span', { class: 'muted' }, group ? '(not set)' : '') : h('code', null, r.group)),
      h('td', { class: 'num', 'data-testid': 'cell-count' }, fmtNumber(r.count)),
      h('td', { class: 'num', 'data-testid': 'cell-positive' }, fmtNumber(r.positive)),
      h('td', { class: 'num', 'data-testid': 'cell-negative' }, fmtNumber(r.negative)),
      h('td', { class: 'share-col' }, shareBar(r)),
      h('td', { class: 'num' }, r.mean === null || r.mean === undefined ? '—' : String(Math.round(r.mean * 100) / 100)))))));
}
