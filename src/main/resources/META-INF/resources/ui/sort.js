// Sortable table headers for the server-sorted users and sessions lists (order_by of the
// analytics API). The order lives in the URL (#/…?sort=cost+DESC), so it survives a reload and
// paging keeps it.
import { h } from './dom.js';

/** The order of `params` ("cost DESC"), or '' for the list's default (most recently active first). */
export function sortParam(params) {
  const s = (params.get('sort') || '').trim();
  return /^[a-z0-9_]+ (ASC|DESC)$/.test(s) ? s : '';
}

/**
 * A header row: columns are {label, key?, num?}; a column with a key sorts by it, descending on
 * the first click and reversing on the next. `onSort(order)` gets the new order_by.
 */
export function sortableHead(columns, order, onSort) {
  const [key, dir] = order ? order.split(' ') : ['last_activity', 'DESC'];
  return h('thead', null, h('tr', null, columns.map((c) => {
    if (!c.key) return h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label);
    const active = c.key === key;
    const next = active && dir === 'DESC' ? 'ASC' : 'DESC';
    return h('th', {
      scope: 'col', class: [c.num && 'num', 'sortable', active && 'sorted'],
      'aria-sort': active ? (dir === 'DESC' ? 'descending' : 'ascending') : 'none',
    }, h('button', {
      type: 'button', class: 'sort-btn', 'data-testid': `sort-${c.key}`,
      title: `Sort by ${c.label.toLowerCase()}${next === 'DESC' ? ', largest first' : ', smallest first'}`,
      onclick: () => onSort(`${c.key} ${next}`),
    }, c.label, active && h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'DESC' ? ' ▼' : ' ▲')));
  })));
}
