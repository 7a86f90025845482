// Pretty-printed JSON with light syntax highlighting (the text content stays the plain JSON).
import { h } from './dom.js';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/** A <pre> showing `text`; highlighted when it is JSON. */
export function jsonBlock(text, testid) {
  const pre = h('pre', { class: 'json', 'data-testid': testid });
  let isJson = true;
  try {
    JSON.parse(text);
  } catch {
    isJson = false;
  }
  if (!isJson || text.length > 200_000) {
    pre.textContent = text;
    return pre;
  }
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index > last) pre.append(text.slice(last, m.index));
    if (m[1] !== undefined) {
      pre.append(h('span', { class: m[2] ? 'j-key' : 'j-str' }, m[1]));
      if (m[2]) pre.append(m[2]);
    } else if (m[3] !== undefined) {
      pre.append(h('span', { class: 'j-lit' }, m[3]));
    } else {
      pre.append(h('span', { class: 'j-num' }, m[4]));
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) pre.append(text.slice(last));
  return pre;
}
