// Formatting of times, durations, values and feedback, shared by the views.
import { h } from './dom.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Epoch ms or RFC 3339 text → epoch ms (NaN when unparseable). */
export function toMs(t) {
  if (t === null || t === undefined || t === '') return NaN;
  return typeof t === 'number' ? t : Date.parse(t);
}

/** "Nov 24, 19:28:58" in local time (the year too when it is not this year). */
export function fmtTime(t) {
  const ms = toMs(t);
  if (Number.isNaN(ms)) return '—';
  const d = new Date(ms);
  const year = d.getFullYear() === new Date().getFullYear() ? '' : ` ${d.getFullYear()}`;
  return `${MONTHS[d.getMonth()]} ${d.getDate()}${year}, ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A <time> element with the local time as text and the exact instant as tooltip. */
export function timeEl(t, testid) {
  const ms = toMs(t);
  return h('time', { 'data-testid': testid, datetime: Number.isNaN(ms) ? undefined : new Date(ms).toISOString(),
    title: Number.isNaN(ms) ? undefined : new Date(ms).toISOString() }, fmtTime(ms));
}

/** "1.840s" (protobuf Duration) or a number of ms → ms. */
export function durationMs(d) {
  if (d === null || d === undefined || d === '') return null;
  if (typeof d === 'number') return d;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(String(d).trim());
  return m ? Math.round(parseFloat(m[1]) * 1000) : null;
}

/** 812 → "812 ms", 1840 → "1.84 s", 125000 → "2m 5s". */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m}m ${Math.round((ms % 60_000) / 1000)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function fmtPercent(share) {
  return share === null || share === undefined ? '—' : `${Math.round(share * 1000) / 10}%`;
}

/** US dollars: 4 decimals below a cent ("$0.0084"), else 2 ("$12.40"); "—" for no cost. */
export function fmtCost(cost) {
  if (cost === null || cost === undefined) return '—';
  return `$${cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2)}`;
}

/**
 * A cost cell of a users or sessions row: the cost, with what it leaves out in its title
 * (tokens of models without a price in TRACEBRIDGE_MODEL_PRICES).
 */
function costTitle(row) {
  if (!row.unpriced_tokens) return row.cost === null ? 'No tokens' : 'All tokens priced';
  return `${fmtNumber(row.unpriced_tokens)} tokens of models without a price (TRACEBRIDGE_MODEL_PRICES) not included`;
}

/** Tokens, cost and p95 latency cells of a users or sessions row. */
export function usageCells(row) {
  return [
    h('td', { class: 'num', 'data-testid': 'cell-tokens',
      title: `${fmtNumber(row.input_tokens)} input, ${fmtNumber(row.output_tokens)} output` }, fmtNumber(row.total_tokens)),
    h('td', { class: 'num', 'data-testid': 'cell-cost', title: costTitle(row) },
      fmtCost(row.cost), row.unpriced_tokens > 0 && row.cost !== null && h('span', { class: 'muted' }, '+')),
    h('td', { class: 'num nowrap', 'data-testid': 'cell-p95', title: `median ${fmtDuration(row.p50_latency_ms)}` },
      fmtDuration(row.p95_latency_ms)),
  ];
}

export function fmtNumber(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

/** A JSON string pretty-printed when it parses; other text as it is. */
export function prettyJson(text) {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Quotes a value for an MLflow filter string (a quote inside is doubled). */
export function quote(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}

export const userFilter = (user) => `metadata.\`mlflow.trace.user\` = ${quote(user)}`;

// ---- Feedback ------------------------------------------------------------------------------
// Polarity follows docs/analytics-api.md and the SQL function tb_feedback_sign (migration V5), so
// the trace list and the analytics views agree (ExplorerBrowserIT compares the lists).
export const POSITIVE = new Set(['yes', 'true', 'positive', 'good', 'pass', 'thumbs_up', 'thumbsup', 'up', '👍']);
export const NEGATIVE = new Set(['no', 'false', 'negative', 'bad', 'fail', 'thumbs_down', 'thumbsdown', 'down', '👎']);

/** 'positive', 'negative', 'numeric' or 'other'. */
export function polarity(value) {
  if (value === true) return 'positive';
  if (value === false) return 'negative';
  if (typeof value === 'number') return 'numeric';
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (POSITIVE.has(v)) return 'positive';
    if (NEGATIVE.has(v)) return 'negative';
  }
  return 'other';
}

/** Summaries per feedback name from a trace's assessments (valid feedback only). */
export function summarizeAssessments(assessments) {
  const byName = new Map();
  for (const a of assessments || []) {
    if (!a.feedback || a.valid === false || a.feedback.value === undefined) continue;
    const s = byName.get(a.assessment_name) || { name: a.assessment_name, count: 0, positive: 0, negative: 0, sum: 0, numeric: 0 };
    s.count++;
    const p = polarity(a.feedback.value);
    if (p === 'positive') s.positive++;
    else if (p === 'negative') s.negative++;
    else if (p === 'numeric') { s.numeric++; s.sum += a.feedback.value; }
    byName.set(s.name, s);
  }
  return [...byName.values()].map((s) => ({
    name: s.name, count: s.count, positive: s.positive, negative: s.negative,
    positive_share: s.positive + s.negative ? s.positive / (s.positive + s.negative) : null,
    mean: s.numeric ? s.sum / s.numeric : null,
  }));
}

/**
 * Compact feedback cell: 👍/👎 counts over all names (plus a numeric mean when there is one);
 * the tooltip has one line per feedback name.
 */
export function feedbackSummary(summaries) {
  const list = summaries || [];
  const positive = list.reduce((n, s) => n + (s.positive || 0), 0);
  const negative = list.reduce((n, s) => n + (s.negative || 0), 0);
  const count = list.reduce((n, s) => n + (s.count || 0), 0);
  const means = list.filter((s) => s.mean !== null && s.mean !== undefined);
  const other = count - positive - negative;
  const title = list.map((s) => `${s.name}: ${s.count} (👍 ${s.positive}, 👎 ${s.negative}`
    + `${s.mean !== null && s.mean !== undefined ? `, mean ${round(s.mean)}` : ''})`).join('\n');
  return h('span', { class: 'fb-summary', 'data-testid': 'feedback-summary', 'data-positive': positive,
    'data-negative': negative, 'data-count': count, title: title || 'No feedback' },
    count === 0 ? h('span', { class: 'muted' }, '—') : [
      positive > 0 && h('span', { class: 'fb fb-pos' }, `👍 ${positive}`),
      negative > 0 && h('span', { class: 'fb fb-neg' }, `👎 ${negative}`),
      means.length > 0 && h('span', { class: 'fb fb-num' }, `⌀ ${round(means[0].mean)}`),
      other > 0 && means.length === 0 && h('span', { class: 'fb fb-other' }, `${other} other`),
    ]);
}

/** A feedback value as shown in assessment lists: 👍 / 👎 for booleans, else JSON. */
export function feedbackValue(value) {
  const p = polarity(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (p === 'positive') return h('span', { class: 'fb fb-pos', 'data-testid': 'assessment-value', 'data-polarity': p }, `👍 ${text}`);
  if (p === 'negative') return h('span', { class: 'fb fb-neg', 'data-testid': 'assessment-value', 'data-polarity': p }, `👎 ${text}`);
  return h('span', { class: 'fb fb-other', 'data-testid': 'assessment-value', 'data-polarity': p }, text);
}

const round = (x) => Math.round(x * 100) / 100;

export function stateBadge(state) {
  const s = state || 'STATE_UNSPECIFIED';
  const cls = { OK: 'ok', ERROR: 'err', IN_PROGRESS: 'run' }[s] || 'unk';
  return h('span', { class: `badge badge-${cls}`, 'data-testid': 'state' }, s === 'STATE_UNSPECIFIED' ? 'UNSPECIFIED' : s);
}

// ---- Message text ----------------------------------------------------------------------------
const TEXT_KEYS = ['question', 'query', 'input', 'prompt', 'message', 'text', 'content', 'answer', 'output',
  'response', 'result', 'completion'];

/**
 * The readable text of a request or response preview (JSON written by the SDK): a plain string,
 * the last chat message's content, an OpenAI-style choice, or a well-known field such as
 * `question` / `answer`. Returns null when there is no such text (the caller shows the JSON).
 */
export function messageText(preview) {
  if (preview === null || preview === undefined || preview === '') return null;
  let v = preview;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return preview; // plain text (or truncated JSON that no longer parses)
    }
  }
  return textOf(v, 0);
}

function textOf(v, depth) {
  if (depth > 4 || v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    for (let i = v.length - 1; i >= 0; i--) {
      const t = textOf(v[i], depth + 1);
      if (t) return t;
    }
    return null;
  }
  if (typeof v === 'object') {
    if (Array.isArray(v.messages)) {
      const user = [...v.messages].reverse().find((m) => m && m.role === 'user');
      const t = textOf(user ? user.content : v.messages, depth + 1);
      if (t) return t;
    }
    if (Array.isArray(v.choices) && v.choices[0]) {
      const c = v.choices[0];
      const t = textOf(c.message ? c.message.content : c.text, depth + 1);
      if (t) return t;
    }
    for (const k of TEXT_KEYS) {
      if (k in v) {
        const t = textOf(v[k], depth + 1);
        if (t) return t;
      }
    }
    const keys = Object.keys(v);
    if (keys.length === 1) return textOf(v[keys[0]], depth + 1);
  }
  return null;
}

/** "5 min ago", "3 h ago", "2 d ago" for an epoch-ms time before `nowMs`; "just now" under a minute. */
export function ago(ms, nowMs = Date.now()) {
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** The picker's label of an experiment: name, ID, trace count and last activity. */
export function experimentLabel(e, nowMs = Date.now()) {
  const n = e.trace_count ?? 0;
  const count = `${n.toLocaleString('en-US')}${e.trace_count_capped ? '+' : ''} trace${n === 1 && !e.trace_count_capped ? '' : 's'}`;
  const last = e.last_trace_time_ms == null ? 'no traces yet' : `last ${ago(e.last_trace_time_ms, nowMs)}`;
  return n === 0 ? `${e.name} (${e.experiment_id}) · ${last}` : `${e.name} (${e.experiment_id}) · ${count} · ${last}`;
}
