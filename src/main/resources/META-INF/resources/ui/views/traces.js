// Trace list: MLflow filter string, server-side paging (next_page_token plus a stack of the
// tokens seen, for Previous).
import { exportTraces, searchTraces } from '../api.js';
import { empty, h, replace } from '../dom.js';
import { pagedList, resetPaging } from '../paging.js';
import {
  durationMs, feedbackSummary, fmtDuration, messageText, stateBadge, summarizeAssessments, timeEl, toMs, userFilter,
} from '../format.js';

/** How often live mode asks for new traces, and how far back (a trace's time is its start). */
export const LIVE_POLL_MS = 3000;
const LIVE_LOOKBACK_MS = 60_000;

const EXAMPLES = [
  "trace.status = 'ERROR'",
  "metadata.`mlflow.trace.user` = 'user-1'",
  "feedback.user_feedback = 'false'",
  'trace.execution_time_ms > 1000',
  "trace.name = 'chat'",
];

let lastFilter = '';

/** The link back to the trace list as last shown (same filter). */
export function tracesHref(href) {
  return href('traces', { filter: lastFilter });
}

export async function renderTraces(ctx) {
  const { el, exp, params, href, go, setParams } = ctx;
  const filter = params.get('filter') || '';
  const live = params.get('live') === '1';
  const key = `traces\n${exp}\n${filter}`;
  lastFilter = filter;

  const input = h('input', { type: 'search', class: 'filter-input mono', 'data-testid': 'filter-input', value: filter,
    placeholder: "Filter, e.g. trace.status = 'ERROR' AND metadata.`mlflow.trace.user` = 'user-1'",
    'aria-label': 'MLflow filter string', spellcheck: 'false', autocomplete: 'off' });
  const apply = (ev) => {
    ev.preventDefault();
    const next = input.value.trim();
    resetPaging(`traces\n${exp}\n${next}`);
    go('traces', { filter: next });
  };
  const body = h('div', { class: 'panel-body' });
  replace(el,
    h('div', { class: 'page-head' },
      h('h1', null, 'Traces'),
      h('span', { class: 'muted' }, ctx.experiment.name)),
    h('form', { class: 'filter-bar', 'data-testid': 'filter-form', onsubmit: apply },
      input,
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'filter-apply' }, 'Apply'),
      filter && h('a', { class: 'btn btn-ghost', href: href('traces'), 'data-testid': 'filter-clear' }, 'Clear'),
      h('label', { class: 'live-toggle', title: 'Show new traces at the top as they arrive' },
        h('input', { type: 'checkbox', 'data-testid': 'live-toggle', checked: live,
          onchange: (ev) => { setParams({ live: ev.target.checked ? '1' : null }); window.dispatchEvent(new HashChangeEvent('hashchange')); } }),
        ' Live'),
      exportButton(exp, filter, 'jsonl', 'Export JSON Lines'),
      exportButton(exp, filter, 'csv', 'Export CSV')),
    h('div', { class: 'examples' }, h('span', { class: 'muted' }, 'Examples:'),
      EXAMPLES.map((x) => h('button', { type: 'button', class: 'chip mono', onclick: () => { input.value = x; input.focus(); } }, x))),
    h('div', { class: 'panel' }, body));

  const shown = new Set();
  let newestMs = null;
  const list = await pagedList({
    body, key, noun: 'trace', loadingText: 'Searching traces…',
    fetchPage: async (token) => {
      const page = await searchTraces(exp, { filter, pageToken: token, signal: ctx.signal });
      const items = page.traces || [];
      shown.clear();
      for (const t of items) {
        shown.add(t.trace_id);
        newestMs = Math.max(newestMs ?? -Infinity, toMs(t.request_time));
      }
      return { items, next: page.next_page_token };
    },
    table: (traces) => traceTable(traces, ctx),
    emptyView: (first) => (!first ? empty('No more traces', 'The previous page was the last one.')
      : filter ? empty('No traces match this filter', 'Change or clear the filter.')
        : empty('No traces in this experiment yet', 'Send OpenTelemetry spans to /v1/traces with the header X-MLflow-Experiment-Id.')),
  });
  if (live) followLive(ctx, { body, filter, shown, list, newest: () => newestMs, seen: (ms) => { newestMs = Math.max(newestMs ?? -Infinity, ms); } });
}

/**
 * Live mode: every LIVE_POLL_MS, the traces of the last minute before the newest one shown (the
 * same filter, plus `timestamp_ms >=`, one index range per poll however large the experiment),
 * and the ones not shown yet go on top of the first page. Other pages stay as they are. Stops
 * when the view is left.
 */
function followLive(ctx, { body, filter, shown, list, newest, seen }) {
  const poll = async () => {
    if (ctx.signal.aborted || !list.firstPage()) return;
    const since = newest() == null ? Date.now() - LIVE_LOOKBACK_MS : newest() - LIVE_LOOKBACK_MS;
    const liveFilter = `${filter ? `${filter} AND ` : ''}timestamp_ms >= ${Math.floor(since)}`;
    let page;
    try {
      page = await searchTraces(ctx.exp, { filter: liveFilter, signal: ctx.signal });
    } catch {
      return; // the next poll tries again
    }
    const fresh = (page.traces || []).filter((t) => !shown.has(t.trace_id));
    if (!fresh.length || ctx.signal.aborted) return;
    const tbody = body.querySelector('[data-testid="trace-table"] tbody');
    if (!tbody) {
      // The list was empty: render it again, now with the new traces.
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      return;
    }
    const rows = traceTable(fresh, ctx).querySelectorAll('tbody tr');
    for (const row of [...rows].reverse()) {
      row.classList.add('row-new');
      tbody.prepend(row);
    }
    for (const t of fresh) {
      shown.add(t.trace_id);
      seen(toMs(t.request_time));
    }
  };
  const timer = setInterval(poll, LIVE_POLL_MS);
  ctx.signal.addEventListener('abort', () => clearInterval(timer));
}

/** Downloads the applied filter's traces, every page (the server streams them). */
function exportButton(exp, filter, format, label) {
  const button = h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': `export-${format}`,
    title: 'Download every trace this filter finds' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    const text = button.textContent;
    button.textContent = 'Exporting…';
    try {
      const { blob, filename } = await exportTraces(exp, { filter, format });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: filename, 'data-testid': 'export-link' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      window.alert(`Export failed: ${e.message}`);
    } finally {
      button.disabled = false;
      button.textContent = text;
    }
  });
  return button;
}

function traceTable(traces, { href }) {
  const rows = traces.map((t) => {
    const meta = t.trace_metadata || {};
    const tags = t.tags || {};
    const user = meta['mlflow.trace.user'];
    const session = meta['mlflow.trace.session'];
    const name = tags['mlflow.traceName'] || '(unnamed)';
    const request = messageText(t.request_preview);
    const open = href(['trace', t.trace_id]);
    return h('tr', { class: ['clickable', t.state === 'ERROR' && 'row-error'], 'data-testid': 'trace-row', 'data-trace-id': t.trace_id,
      onclick: (ev) => { if (!ev.target.closest('a, button') && !window.getSelection().toString()) location.hash = open; } },
    h('td', { class: 'nowrap' }, timeEl(t.request_time, 'cell-time')),
    h('td', { class: 'cell-name', 'data-testid': 'cell-name' },
      h('a', { href: open, class: 'trace-link', 'data-testid': 'trace-link' }, name),
      request && h('span', { class: 'preview', title: request }, request)),
    h('td', null, stateBadge(t.state)),
    h('td', { class: 'num nowrap', 'data-testid': 'cell-duration' }, fmtDuration(durationMs(t.execution_duration))),
    h('td', { class: 'nowrap', 'data-testid': 'cell-user' }, user
      ? h('a', { href: href('traces', { filter: userFilter(user) }), title: `Traces of ${user}`, 'data-testid': 'user-link' }, user)
      : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'nowrap', 'data-testid': 'cell-session' }, session
      ? h('a', { href: href(['session', session]), title: 'Open the conversation', 'data-testid': 'session-link' }, session)
      : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'mono small nowrap clip', 'data-testid': 'cell-client-request-id', title: t.client_request_id || '' },
      t.client_request_id || h('span', { class: 'muted' }, '—')),
    h('td', { class: 'nowrap', 'data-testid': 'cell-feedback' }, feedbackSummary(summarizeAssessments(t.assessments))));
  });
  return h('table', { class: 'grid', 'data-testid': 'trace-table' },
    h('thead', null, h('tr', null, ['Time', 'Name', 'State', 'Duration', 'User', 'Session', 'Client request ID', 'Feedback']
      .map((c, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : undefined }, c)))),
    h('tbody', null, rows));
}
