// Tiny DOM helpers: element creation and the shared empty / loading / error states.

/**
 * Creates an element. `props`: `class`, `data-*` / `aria-*` / other attributes, `on<event>`
 * listeners, and the properties `value`, `checked`, `disabled`, `selected`, `hidden`.
 * Children: nodes, strings, numbers; null, undefined and false are skipped; arrays are flattened.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'style') {
      // Through the CSSOM: the page's Content-Security-Policy (style-src 'self') blocks style attributes.
      el.style.cssText = value;
    } else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected' || key === 'hidden') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'state state-loading', 'data-testid': 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(title, hint) {
  return h('div', { class: 'state state-empty', 'data-testid': 'empty' },
    h('div', { class: 'state-title' }, title), hint && h('div', { class: 'state-hint' }, hint));
}

/** An API or network error: the service's `message`, with its `error_code` as a small label. */
export function errorBox(err) {
  const code = err && err.code;
  return h('div', { class: 'state state-error', 'data-testid': 'error', role: 'alert' },
    h('div', { class: 'state-title' }, code === 'UNAUTHENTICATED' ? 'Sign-in required' : 'Request failed'),
    h('div', { class: 'error-message', 'data-testid': 'error-message' }, (err && err.message) || String(err)),
    code && h('div', { class: 'error-code' }, code));
}

/** One labelled value of a facts list (<dl class="facts">). */
export function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', null, label), h('dd', null, value));
}

/** A key/value table (trace tags, metadata, span attributes). */
export function kvTable(entries, { testid, emptyText = 'None', valueCell } = {}) {
  if (!entries.length) return h('div', { class: 'muted small', 'data-testid': testid }, emptyText);
  return h('table', { class: 'kv', 'data-testid': testid },
    h('tbody', null, entries.map(([k, v]) => h('tr', { 'data-key': k },
      h('th', { scope: 'row' }, k),
      h('td', null, valueCell ? valueCell(v, k) : String(v))))));
}

/** Pager: Previous / Next buttons around a page label. */
export function pager({ page, count, hasPrev, hasNext, onPrev, onNext, noun }) {
  return h('div', { class: 'pager', 'data-testid': 'pager' },
    h('button', { type: 'button', class: 'btn', 'data-testid': 'pager-prev', disabled: !hasPrev, onclick: onPrev }, '← Previous'),
    h('span', { class: 'pager-label', 'data-testid': 'pager-label' },
      `Page ${page}`, count !== undefined && ` · ${count} ${noun}${count === 1 ? '' : 's'}`),
    h('button', { type: 'button', class: 'btn', 'data-testid': 'pager-next', disabled: !hasNext, onclick: onNext }, 'Next →'));
}
