// Sessions list and one session as a conversation (analytics API, docs/analytics-api.md).
import { session as getSession, sessions as listSessions } from '../api.js';
import { empty, errorBox, fact, h, loading, replace } from '../dom.js';
import {
  feedbackSummary, feedbackValue, fmtDuration, fmtNumber, fmtTime, messageText, prettyJson, quote, stateBadge,
  summarizeAssessments, timeEl, usageCells, userFilter,
} from '../format.js';
import { jsonBlock } from '../json.js';
import { pagedList } from '../paging.js';
import { rangeKey, rangeSelect, rangeStart } from '../range.js';
import { sortableHead, sortParam } from '../sort.js';

export async function renderSessions(ctx) {
  const { el, exp, params, href, go, signal } = ctx;
  const range = rangeKey(params);
  const user = params.get('user') || '';
  const sort = sortParam(params);
  const body = h('div', { class: 'panel-body' });
  replace(el,
    h('div', { class: 'page-head' }, h('h1', null, 'Sessions'), h('span', { class: 'muted' }, ctx.experiment.name)),
    h('div', { class: 'toolbar' },
      rangeSelect(range, (r) => go('sessions', { range: r, user, sort })),
      user && h('span', { class: 'chip chip-active', 'data-testid': 'user-filter' }, `User: ${user}`,
        h('a', { href: href('sessions', { range }), class: 'chip-x', title: 'Show all users', 'aria-label': 'Show all users' }, '×'))),
    h('div', { class: 'panel' }, body));
  const start = rangeStart(range);
  await pagedList({
    body, key: `sessions\n${exp}\n${range}\n${user}\n${sort}`, noun: 'session', loadingText: 'Loading sessions…',
    fetchPage: async (token) => {
      const r = await listSessions(exp, { startTimeMs: start, pageToken: token, userId: user || undefined,
        orderBy: sort || undefined, signal });
      return { items: r.sessions || [], next: r.next_page_token };
    },
    table: (items) => sessionsTable(items, ctx, sort, (order) => go('sessions', { range, user, sort: order })),
    emptyView: (first) => (first
      ? empty('No sessions in this range', 'Traces join a session through the span attribute mlflow.trace.session (or session.id).')
      : empty('No more sessions')),
  });
}

function sessionsTable(items, { href }, sort, onSort) {
  const columns = [{ label: 'Session' }, { label: 'First turn' }, { label: 'Last turn', key: 'last_activity' },
    { label: 'Turns', key: 'traces', num: true }, { label: 'Users' }, { label: 'Errors', key: 'error_count', num: true },
    { label: 'Tokens', key: 'total_tokens', num: true }, { label: 'Cost', key: 'cost', num: true },
    { label: 'p95 latency', key: 'p95_latency_ms', num: true }, { label: 'Feedback' }];
  return h('table', { class: 'grid', 'data-testid': 'sessions-table' },
    sortableHead(columns, sort, onSort),
    h('tbody', null, items.map((s) => {
      const open = href(['session', s.session_id]);
      return h('tr', { class: 'clickable', 'data-testid': 'session-row', 'data-session-id': s.session_id,
        onclick: (ev) => { if (!ev.target.closest('a')) location.hash = open; } },
      h('td', { class: 'nowrap' }, h('a', { href: open, 'data-testid': 'session-link' }, s.session_id)),
      h('td', { class: 'nowrap' }, timeEl(s.first_time_ms)),
      h('td', { class: 'nowrap' }, timeEl(s.last_time_ms)),
      h('td', { class: 'num', 'data-testid': 'cell-turns' }, fmtNumber(s.turns)),
      h('td', { class: 'users-cell' }, userLinks(s.users || [], href)),
      h('td', { class: ['num', s.error_count > 0 && 'text-err'], 'data-testid': 'cell-errors' }, fmtNumber(s.error_count)),
      usageCells(s),
      h('td', { class: 'nowrap' }, feedbackSummary(s.feedback)));
    })));
}

function userLinks(users, href) {
  if (!users.length) return h('span', { class: 'muted' }, '—');
  const shown = users.slice(0, 3);
  return [
    shown.map((u, i) => [i > 0 && ', ', h('a', { href: href('traces', { filter: userFilter(u) }), 'data-testid': 'user-link' }, u)]),
    users.length > 3 && h('span', { class: 'muted', title: users.slice(3).join(', ') }, ` +${users.length - 3}`),
  ];
}

/** Turn feedback ({name, value, …}) in the shape summarizeAssessments reads. */
const asAssessments = (feedback) => (feedback || []).map((f) => ({ assessment_name: f.name, feedback: { value: f.value }, valid: true }));

export async function renderSession(ctx) {
  const { el, exp, path, href, signal } = ctx;
  const sessionId = path[1];
  const back = h('div', { class: 'crumbs' }, h('a', { href: href('sessions'), 'data-testid': 'back-to-sessions' }, '← Sessions'));
  if (!sessionId) {
    replace(el, back, empty('No session given'));
    return;
  }
  replace(el, back, loading('Loading conversation…'));
  let data;
  try {
    data = await getSession(exp, sessionId, { signal });
  } catch (e) {
    if (e.name === 'AbortError') return;
    replace(el, back, errorBox(e));
    return;
  }
  const turns = data.traces || [];
  const users = [...new Set(turns.map((t) => t.user_id).filter(Boolean))];
  const errors = turns.filter((t) => t.state === 'ERROR').length;
  const allFeedback = turns.flatMap((t) => t.feedback || []);
  replace(el,
    back,
    h('div', { class: 'trace-head' },
      h('div', { class: 'title-row' }, h('h1', null, 'Session'), h('code', { class: 'trace-id', 'data-testid': 'session-id' }, data.session_id || sessionId)),
      h('dl', { class: 'facts' },
        fact('Turns', h('span', { 'data-testid': 'session-turn-count' }, `${turns.length}${data.truncated ? '+' : ''}`)),
        fact('Users', users.length ? users.map((u, i) => [i > 0 && ', ', h('a', { href: href('traces', { filter: userFilter(u) }) }, u)]) : '—'),
        fact('First turn', turns.length ? timeEl(turns[0].request_time_ms) : '—'),
        fact('Last turn', turns.length ? timeEl(turns[turns.length - 1].request_time_ms) : '—'),
        fact('Errors', h('span', { class: errors ? 'text-err' : undefined }, String(errors))),
        fact('Feedback', feedbackSummary(summarizeAssessments(asAssessments(allFeedback)))),
        fact('Traces', h('a', { href: href('traces', { filter: `metadata.\`mlflow.trace.session\` = ${quote(sessionId)}` }) }, 'Show in trace list')))),
    data.truncated && h('div', { class: 'notice' }, 'This session has more than 1,000 turns; only the first 1,000 are shown.'),
    turns.length
      ? h('ol', { class: 'conversation', 'data-testid': 'conversation' }, turns.map((t, i) => turn(t, i, href)))
      : empty('No turns', 'No trace of this session lies in this experiment.'));
}

function message(role, preview, testid) {
  const text = messageText(preview);
  let content;
  if (preview === null || preview === undefined || preview === '') content = h('span', { class: 'muted' }, role === 'user' ? 'No request recorded.' : 'No response recorded.');
  else if (text !== null) content = text;
  else content = jsonBlock(prettyJson(preview));
  return h('div', { class: `msg msg-${role}`, 'data-testid': testid },
    h('div', { class: 'msg-role' }, role === 'user' ? 'User' : 'Assistant'),
    h('div', { class: 'msg-text' }, content));
}

function turn(t, index, href) {
  const openTrace = href(['trace', t.trace_id]);
  return h('li', { class: ['turn', t.state === 'ERROR' && 'turn-error'], 'data-testid': 'turn', 'data-trace-id': t.trace_id },
    h('div', { class: 'turn-meta' },
      h('span', { class: 'turn-no' }, `#${index + 1}`),
      timeEl(t.request_time_ms, 'turn-time'),
      stateBadge(t.state),
      h('span', { class: 'muted' }, fmtDuration(t.execution_duration_ms)),
      t.user_id && h('a', { href: href('traces', { filter: userFilter(t.user_id) }), class: 'muted' }, t.user_id),
      t.client_request_id && h('code', { class: 'muted small', title: 'Client request ID' }, t.client_request_id),
      h('span', { class: 'spacer' }),
      h('a', { href: openTrace, class: 'btn btn-small', 'data-testid': 'turn-open' }, 'Open trace →')),
    message('user', t.request_preview, 'turn-request'),
    message('assistant', t.response_preview, 'turn-response'),
    (t.feedback || []).length > 0 && h('ul', { class: 'turn-feedback', 'data-testid': 'turn-feedback' }, t.feedback.map((f) => h('li', null,
      feedbackValue(f.value),
      h('span', { class: 'muted small' }, ` ${f.name} · ${f.source_type || ''}${f.source_id ? ` ${f.source_id}` : ''} · ${fmtTime(f.create_time_ms)}`),
      f.rationale && h('div', { class: 'a-rationale' }, f.rationale)))));
}
