// Server-side paging with next_page_token: a stack of the tokens seen gives "Previous".
// The state of each list (by key) survives leaving the view, so coming back shows the same page.
import { errorBox, h, loading, pager, replace } from './dom.js';

const states = new Map();

/** Forgets the position of list `key` (next render starts at page 1). */
export function resetPaging(key) {
  states.delete(key);
}

/**
 * Renders page after page of a list into `body`.
 * - fetchPage(token) → {items, next}
 * - table(items) → element
 * - emptyView(isFirstPage) → element
 * Resolves to { firstPage() }: whether the first page is the one shown.
 */
export async function pagedList({ body, key, noun, fetchPage, table, emptyView, loadingText }) {
  if (states.size > 20) states.clear();
  const state = states.get(key) || { tokens: [null], index: 0 };
  states.set(key, state);

  async function load() {
    replace(body, loading(loadingText));
    let page;
    try {
      page = await fetchPage(state.tokens[state.index]);
    } catch (e) {
      if (e.name === 'AbortError') return;
      replace(body, errorBox(e));
      return;
    }
    state.tokens.length = state.index + 1;
    if (page.next) state.tokens.push(page.next);
    const nav = pager({
      page: state.index + 1, count: page.items.length, noun,
      hasPrev: state.index > 0, hasNext: Boolean(page.next),
      onPrev: () => { state.index--; load(); },
      onNext: () => { state.index++; load(); },
    });
    if (!page.items.length) {
      replace(body, emptyView(state.index === 0), state.index > 0 && nav);
      return;
    }
    replace(body, h('div', { class: 'table-wrap' }, table(page.items)), nav);
  }
  await load();
  return { firstPage: () => state.index === 0 };
}
