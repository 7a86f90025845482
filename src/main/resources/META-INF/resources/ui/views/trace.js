// Trace detail: span tree with timeline, the selected span's inputs/outputs and attributes,
// trace tags and metadata, assessments, and a thumbs up/down form.
import { getTrace, logFeedback } from '../api.js';
import { empty, errorBox, fact, h, kvTable, loading, replace } from '../dom.js';
import {
  durationMs, feedbackSummary, feedbackValue, fmtDuration, prettyJson, stateBadge, summarizeAssessments, timeEl, toMs,
  userFilter,
} from '../format.js';
import { buildTree, decoded, visibleSpans } from '../spans.js';
import { jsonBlock } from '../json.js';
import { tracesHref } from './traces.js';

const SOURCE_KEY = 'tracebridge.feedbackSource';
const IO_KEYS = new Set(['mlflow.spanInputs', 'mlflow.spanOutputs']);

export async function renderTrace(ctx) {
  const { el, path, params, href, setParams, signal } = ctx;
  const traceId = path[1];
  if (!traceId) {
    replace(el, empty('No trace given', 'Open a trace from the trace list.'));
    return;
  }
  replace(el, loading('Loading trace…'));
  let trace;
  try {
    trace = await getTrace(traceId, { signal });
  } catch (e) {
    if (e.name === 'AbortError') return;
    replace(el, h('div', { class: 'crumbs' }, h('a', { href: tracesHref(href) }, '← Traces')), errorBox(e));
    return;
  }
  const info = trace.trace_info || {};
  const tree = buildTree(trace.spans);
  const meta = info.trace_metadata || {};
  const tags = info.tags || {};
  const name = tags['mlflow.traceName'] || (tree.roots[0] && tree.roots[0].name) || '(unnamed trace)';
  const user = meta['mlflow.trace.user'];
  const session = meta['mlflow.trace.session'];
  const assessments = [...(info.assessments || [])];

  const summarySlot = h('span', null, feedbackSummary(summarizeAssessments(assessments)));
  const header = h('div', { class: 'trace-head', 'data-testid': 'trace-header' },
    h('div', { class: 'crumbs' }, h('a', { href: tracesHref(href), 'data-testid': 'back-to-traces' }, '← Traces')),
    h('div', { class: 'title-row' },
      h('h1', { 'data-testid': 'trace-name' }, name), stateBadge(info.state),
      h('code', { class: 'trace-id', 'data-testid': 'trace-id', title: 'Trace ID' }, info.trace_id || traceId)),
    h('dl', { class: 'facts' },
      fact('Started', timeEl(info.request_time)),
      fact('Duration', fmtDuration(durationMs(info.execution_duration))),
      fact('Spans', String(tree.spans.length)),
      fact('User', user ? h('a', { href: href('traces', { filter: userFilter(user) }), 'data-testid': 'trace-user' }, user) : '—'),
      fact('Session', session ? h('a', { href: href(['session', session]), 'data-testid': 'trace-session' }, session) : '—'),
      fact('Client request ID', info.client_request_id ? h('code', { 'data-testid': 'trace-client-request-id' }, info.client_request_id) : '—'),
      fact('Feedback', summarySlot)));

  // ---- Spans ----
  const collapsed = new Set();
  let selected = tree.byId.get(params.get('span')) || tree.roots[0] || null;
  const treeBody = h('div', { class: 'wf-rows', role: 'tree', 'aria-label': 'Spans', tabindex: '0', onkeydown: onTreeKey });
  const detail = h('aside', { class: 'span-detail', 'data-testid': 'span-detail' });

  function renderRows() {
    const rows = visibleSpans(tree.roots, collapsed).map((s) => spanRow(s, tree.totalMs, s === selected, collapsed.has(s.id),
      () => select(s), () => toggle(s)));
    replace(treeBody, rows.length ? rows : h('div', { class: 'muted small pad' }, 'This trace has no spans.'));
  }
  function select(s) {
    selected = s;
    setParams({ span: s.id });
    renderRows();
    replace(detail, spanDetail(s, tree));
  }
  function toggle(s) {
    if (collapsed.has(s.id)) collapsed.delete(s.id);
    else collapsed.add(s.id);
    renderRows();
  }
  function setAll(collapse) {
    collapsed.clear();
    if (collapse) for (const s of tree.spans) if (s.children.length) collapsed.add(s.id);
    renderRows();
  }
  function onTreeKey(ev) {
    const list = visibleSpans(tree.roots, collapsed);
    const i = list.indexOf(selected);
    if (ev.key === 'ArrowDown' && i < list.length - 1) select(list[i + 1]);
    else if (ev.key === 'ArrowUp' && i > 0) select(list[i - 1]);
    else if (ev.key === 'ArrowLeft' && selected && selected.children.length && !collapsed.has(selected.id)) toggle(selected);
    else if (ev.key === 'ArrowRight' && selected && collapsed.has(selected.id)) toggle(selected);
    else return;
    ev.preventDefault();
  }

  const waterfall = h('div', { class: 'panel waterfall', 'data-testid': 'span-tree' },
    h('div', { class: 'wf-head' },
      h('div', { class: 'wf-label' }, 'Span',
        h('span', { class: 'wf-tools' },
          h('button', { type: 'button', class: 'link-btn', 'data-testid': 'expand-all', onclick: () => setAll(false) }, 'Expand all'),
          h('button', { type: 'button', class: 'link-btn', 'data-testid': 'collapse-all', onclick: () => setAll(true) }, 'Collapse all'))),
      h('div', { class: 'wf-axis', 'data-testid': 'timeline-axis' },
        [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: `left:${f * 100}%`, class: f === 1 ? 'last' : undefined },
          fmtDuration(tree.totalMs * f))))),
    treeBody);

  // ---- Assessments ----
  const list = h('ul', { class: 'assessments', 'data-testid': 'assessment-list' });
  function renderAssessments() {
    const sorted = [...assessments].sort((a, b) => toMs(b.create_time) - toMs(a.create_time));
    replace(list, sorted.length ? sorted.map(assessmentItem) : h('li', { class: 'muted small', 'data-testid': 'no-assessments' }, 'No assessments yet.'));
    replace(summarySlot, feedbackSummary(summarizeAssessments(assessments)));
  }
  const form = feedbackForm(info.trace_id || traceId, (a) => {
    assessments.push(a);
    renderAssessments();
  });

  replace(el,
    header,
    h('div', { class: 'split' }, waterfall, detail),
    h('div', { class: 'cards' },
      h('div', { class: 'panel card', 'data-testid': 'assessments' },
        h('h2', null, 'Feedback & assessments'), form, list),
      h('div', { class: 'panel card' }, h('h2', null, 'Tags'),
        kvTable(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)), { testid: 'trace-tags', emptyText: 'No tags.' })),
      h('div', { class: 'panel card' }, h('h2', null, 'Metadata'),
        kvTable(Object.entries(meta).sort(([a], [b]) => a.localeCompare(b)), { testid: 'trace-metadata', emptyText: 'No metadata.' }))));
  renderRows();
  renderAssessments();
  replace(detail, selected ? spanDetail(selected, tree) : empty('No span selected'));
}

const TYPE_CLASS = {
  LLM: 'llm', CHAT_MODEL: 'llm', CHAIN: 'chain', AGENT: 'agent', TOOL: 'tool', RETRIEVER: 'retriever',
  EMBEDDING: 'embedding', RERANKER: 'retriever', PARSER: 'parser',
};

function typeChip(type) {
  return type ? h('span', { class: `type type-${TYPE_CLASS[type] || 'other'}`, 'data-testid': 'span-type' }, type) : null;
}

function spanRow(s, totalMs, isSelected, isCollapsed, onSelect, onToggle) {
  const hasChildren = s.children.length > 0;
  const left = totalMs > 0 ? (s.offsetMs / totalMs) * 100 : 0;
  const width = totalMs > 0 && s.durationMs !== null ? (s.durationMs / totalMs) * 100 : 100;
  return h('div', {
    class: ['wf-row', isSelected && 'selected', s.status === 'ERROR' && 'error'],
    role: 'treeitem', 'aria-level': s.depth + 1, 'aria-selected': String(isSelected),
    'aria-expanded': hasChildren ? String(!isCollapsed) : undefined,
    'data-testid': 'span-row', 'data-span-id': s.id, 'data-depth': s.depth, 'data-name': s.name,
    onclick: (ev) => { if (!ev.target.closest('.toggle')) onSelect(); },
  },
  h('div', { class: 'wf-label', style: `padding-left:${6 + s.depth * 16}px` },
    hasChildren
      ? h('button', { type: 'button', class: 'toggle', 'data-testid': 'span-toggle', 'aria-label': isCollapsed ? 'Expand' : 'Collapse',
        title: isCollapsed ? `Expand (${s.children.length} children)` : 'Collapse', onclick: onToggle }, isCollapsed ? '▸' : '▾')
      : h('span', { class: 'toggle-spacer' }),
    typeChip(s.type),
    h('span', { class: 'span-name', 'data-testid': 'span-name', title: s.name }, s.name),
    isCollapsed && h('span', { class: 'muted small' }, ` +${s.children.length}`),
    s.status === 'ERROR' && h('span', { class: 'err-dot', title: s.statusMessage || 'Error' }, '!')),
  h('div', { class: 'wf-track' },
    h('div', { class: `wf-bar bar-${TYPE_CLASS[s.type] || 'other'}`, 'data-testid': 'span-bar',
      style: `left:${left.toFixed(3)}%;width:${Math.max(width, 0).toFixed(3)}%`,
      title: `${s.name}: ${fmtDuration(s.durationMs)} at +${fmtDuration(s.offsetMs)}` }),
    h('span', { class: 'wf-dur', style: left + width > 80 ? `right:${(100 - left).toFixed(3)}%` : `left:${(left + width).toFixed(3)}%`,
      'data-side': left + width > 80 ? 'left' : 'right' }, fmtDuration(s.durationMs))));
}

function spanDetail(s, tree) {
  const attrs = Object.entries(s.attributes).filter(([k]) => !IO_KEYS.has(k)).sort(([a], [b]) => a.localeCompare(b));
  const parent = s.parentId && tree.byId.get(s.parentId);
  return h('div', { 'data-span-id': s.id },
    h('div', { class: 'sd-head' },
      h('h2', { 'data-testid': 'span-detail-name' }, s.name), typeChip(s.type),
      h('span', { class: `badge badge-${s.status === 'ERROR' ? 'err' : s.status === 'OK' ? 'ok' : 'unk'}` }, s.status)),
    s.statusMessage && h('div', { class: 'status-msg' }, s.statusMessage),
    h('dl', { class: 'facts compact' },
      fact('Span ID', h('code', null, s.id)),
      fact('Parent', parent ? parent.name : s.orphan ? h('code', { title: 'Parent span not stored' }, s.parentId) : '—'),
      fact('Start', `+${fmtDuration(s.offsetMs)}`),
      fact('Duration', fmtDuration(s.durationMs)),
      s.kind && fact('Kind', String(s.kind))),
    section('Inputs', s.attributes['mlflow.spanInputs'], 'span-inputs'),
    section('Outputs', s.attributes['mlflow.spanOutputs'], 'span-outputs'),
    h('h3', null, 'Attributes'),
    kvTable(attrs, { testid: 'span-attributes', emptyText: 'No other attributes.', valueCell: attrValue }),
    s.events.length > 0 && [
      h('h3', null, `Events (${s.events.length})`),
      h('ul', { class: 'events', 'data-testid': 'span-events' }, s.events.map((e) => h('li', null,
        h('div', null, h('b', null, e.name), h('span', { class: 'muted small' },
          e.time !== null && s.start !== null ? `  +${fmtDuration(Number(e.time - s.start) / 1e6)}` : '')),
        kvTable(Object.entries(e.attributes), { emptyText: '', valueCell: attrValue })))),
    ]);
}

function section(title, raw, testid) {
  if (raw === undefined) return null;
  const text = typeof raw === 'string' ? prettyJson(raw) : JSON.stringify(raw, null, 2);
  return [h('h3', null, title), jsonBlock(text, testid)];
}

function attrValue(v) {
  const d = decoded(v);
  if (d !== null && typeof d === 'object') return jsonBlock(JSON.stringify(d, null, 2));
  return h('span', { class: 'mono' }, d === null ? 'null' : String(d));
}

function assessmentItem(a) {
  const source = a.source || {};
  const isFeedback = Boolean(a.feedback);
  let value;
  if (isFeedback) {
    value = a.feedback.value !== undefined ? feedbackValue(a.feedback.value)
      : h('span', { class: 'fb fb-neg' }, `error: ${(a.feedback.error && (a.feedback.error.error_message || a.feedback.error.error_code)) || 'unknown'}`);
  } else {
    const e = a.expectation || {};
    const v = e.value !== undefined ? e.value : e.serialized_value && e.serialized_value.value;
    value = h('span', { class: 'fb fb-other', 'data-testid': 'assessment-value' }, `expected: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return h('li', { class: ['assessment', a.valid === false && 'invalid'], 'data-testid': 'assessment', 'data-assessment-id': a.assessment_id },
    h('div', { class: 'a-head' },
      h('b', { 'data-testid': 'assessment-name' }, a.assessment_name),
      h('span', { class: 'muted small' }, isFeedback ? 'feedback' : 'expectation'),
      value,
      a.valid === false && h('span', { class: 'badge badge-unk', title: a.overrides ? '' : 'Overridden by a newer assessment' }, 'overridden'),
      a.span_id && h('span', { class: 'muted small' }, `span ${a.span_id}`)),
    a.rationale && h('div', { class: 'a-rationale', 'data-testid': 'assessment-rationale' }, a.rationale),
    h('div', { class: 'a-meta muted small' },
      h('span', { 'data-testid': 'assessment-source' }, `${source.source_type || 'SOURCE_TYPE_UNSPECIFIED'}${source.source_id ? ` · ${source.source_id}` : ''}`),
      ' · ', timeEl(a.create_time)));
}

function feedbackForm(traceId, onCreated) {
  let value = null;
  const up = h('button', { type: 'button', class: 'thumb', 'data-testid': 'feedback-up', 'aria-pressed': 'false', title: 'Good answer', onclick: () => choose(true) }, '👍');
  const down = h('button', { type: 'button', class: 'thumb', 'data-testid': 'feedback-down', 'aria-pressed': 'false', title: 'Bad answer', onclick: () => choose(false) }, '👎');
  const comment = h('textarea', { rows: 2, placeholder: 'Comment (optional): what was good or wrong?', 'data-testid': 'feedback-comment', 'aria-label': 'Comment' });
  const source = h('input', { type: 'text', placeholder: 'Your name', value: localStorage.getItem(SOURCE_KEY) || '', 'data-testid': 'feedback-source', 'aria-label': 'Your name', maxlength: 250 });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'feedback-submit', disabled: true }, 'Send feedback');
  const status = h('div', { class: 'form-status', 'data-testid': 'feedback-status', role: 'status' });
  function choose(v) {
    value = v;
    up.setAttribute('aria-pressed', String(v === true));
    down.setAttribute('aria-pressed', String(v === false));
    submit.disabled = false;
  }
  async function onSubmit(ev) {
    ev.preventDefault();
    if (value === null) return;
    submit.disabled = true;
    status.dataset.state = 'busy';
    status.textContent = 'Sending…';
    const sourceId = source.value.trim();
    if (sourceId) localStorage.setItem(SOURCE_KEY, sourceId);
    try {
      const created = await logFeedback(traceId, { value, rationale: comment.value.trim(), sourceId: sourceId || 'ui' });
      onCreated(created);
      value = null;
      comment.value = '';
      up.setAttribute('aria-pressed', 'false');
      down.setAttribute('aria-pressed', 'false');
      status.dataset.state = 'ok';
      status.textContent = 'Thanks, your feedback was saved.';
    } catch (e) {
      status.dataset.state = 'error';
      status.textContent = e.message;
      submit.disabled = false;
    }
  }
  return h('form', { class: 'feedback-form', 'data-testid': 'feedback-form', onsubmit: onSubmit },
    h('div', { class: 'thumbs' }, h('span', { class: 'muted small' }, 'Was this answer good?'), up, down),
    comment,
    h('div', { class: 'form-row' }, source, submit),
    status);
}
