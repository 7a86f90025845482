// Time range of the analytics views (sent as start_time_ms), kept in the `range` URL parameter.
import { h } from './dom.js';

const DAY = 86_400_000;
export const RANGES = [
  ['24h', 'Last 24 hours', DAY],
  ['7d', 'Last 7 days', 7 * DAY],
  ['30d', 'Last 30 days', 30 * DAY],
  ['all', 'All time', null],
];
export const DEFAULT_RANGE = '7d';

export function rangeKey(params) {
  const r = params.get('range');
  return RANGES.some(([k]) => k === r) ? r : DEFAULT_RANGE;
}

/** start_time_ms for the range, or undefined for all time. */
export function rangeStart(key) {
  const r = RANGES.find(([k]) => k === key);
  return r && r[2] !== null ? Date.now() - r[2] : undefined;
}

export function rangeSelect(current, onChange) {
  return h('label', { class: 'field' }, h('span', null, 'Time range'),
    h('select', { 'data-testid': 'range-select', onchange: (ev) => onChange(ev.target.value) },
      RANGES.map(([k, label]) => h('option', { value: k, selected: k === current }, label))));
}
