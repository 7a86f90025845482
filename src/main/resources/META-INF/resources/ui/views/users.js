// Users of the experiment (analytics API): traces, sessions, last seen, errors, feedback.
import { users as listUsers } from '../api.js';
import { empty, h, replace } from '../dom.js';
import { feedbackSummary, fmtNumber, timeEl, usageCells, userFilter } from '../format.js';
import { pagedList } from '../paging.js';
import { rangeKey, rangeSelect, rangeStart } from '../range.js';
import { sortableHead, sortParam } from '../sort.js';

export async function renderUsers(ctx) {
  const { el, exp, params, go, signal } = ctx;
  const range = rangeKey(params);
  const sort = sortParam(params);
  const body = h('div', { class: 'panel-body' });
  replace(el,
    h('div', { class: 'page-head' }, h('h1', null, 'Users'), h('span', { class: 'muted' }, ctx.experiment.name)),
    h('div', { class: 'toolbar' }, rangeSelect(range, (r) => go('users', { range: r, sort }))),
    h('div', { class: 'panel' }, body));
  const start = rangeStart(range);
  await pagedList({
    body, key: `users\n${exp}\n${range}\n${sort}`, noun: 'user', loadingText: 'Loading users…',
    fetchPage: async (token) => {
      const r = await listUsers(exp, { startTimeMs: start, pageToken: token, orderBy: sort || undefined, signal });
      return { items: r.users || [], next: r.next_page_token };
    },
    table: (items) => usersTable(items, ctx, sort, (order) => go('users', { range, sort: order })),
    emptyView: (first) => (first
      ? empty('No users in this range', 'Traces name their user through the span attribute mlflow.trace.user (or user.id).')
      : empty('No more users')),
  });
}

function usersTable(items, { href }, sort, onSort) {
  const columns = [{ label: 'User' }, { label: 'Traces', key: 'traces', num: true }, { label: 'Sessions', num: true },
    { label: 'First seen' }, { label: 'Last seen', key: 'last_activity' }, { label: 'Errors', key: 'error_count', num: true },
    { label: 'Tokens', key: 'total_tokens', num: true }, { label: 'Cost', key: 'cost', num: true },
    { label: 'p95 latency', key: 'p95_latency_ms', num: true }, { label: 'Feedback' }];
  return h('table', { class: 'grid', 'data-testid': 'users-table' },
    sortableHead(columns, sort, onSort),
    h('tbody', null, items.map((u) => {
      const traces = href('traces', { filter: userFilter(u.user_id) });
      return h('tr', { class: 'clickable', 'data-testid': 'user-row', 'data-user-id': u.user_id,
        onclick: (ev) => { if (!ev.target.closest('a')) location.hash = traces; } },
      h('td', { class: 'nowrap' }, h('a', { href: traces, 'data-testid': 'user-link', title: `Traces of ${u.user_id}` }, u.user_id)),
      h('td', { class: 'num', 'data-testid': 'cell-traces' }, fmtNumber(u.traces)),
      h('td', { class: 'num', 'data-testid': 'cell-sessions' }, u.sessions > 0
        ? h('a', { href: href('sessions', { user: u.user_id }), title: `Sessions of ${u.user_id}` }, fmtNumber(u.sessions))
        : fmtNumber(u.sessions)),
      h('td', { class: 'nowrap' }, timeEl(u.first_time_ms)),
      h('td', { class: 'nowrap' }, timeEl(u.last_seen_ms, 'cell-last-seen')),
      h('td', { class: ['num', u.error_count > 0 && 'text-err'], 'data-testid': 'cell-errors' }, fmtNumber(u.error_count)),
      usageCells(u),
      h('td', { class: 'nowrap' }, feedbackSummary(u.feedback)));
    })));
}
