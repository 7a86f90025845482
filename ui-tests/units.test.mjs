// Unit tests of the explorer's pure modules (no browser): span tree building, message text,
// feedback polarity (against the SQL function of migration V5), filter quoting, durations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const UI = new URL('../src/main/resources/META-INF/resources/ui/', import.meta.url);
const { buildTree, visibleSpans, idHex, anyValue, decoded } = await import(new URL('spans.js', UI));
const { messageText, polarity, POSITIVE, NEGATIVE, quote, durationMs, fmtDuration, summarizeAssessments } =
  await import(new URL('format.js', UI));

const span = (id, parent, start, end, extra = {}) => ({
  span_id: Buffer.from(id, 'hex').toString('base64'),
  parent_span_id: parent ? Buffer.from(parent, 'hex').toString('base64') : '',
  name: `s-${id.slice(-2)}`, start_time_unix_nano: String(start), end_time_unix_nano: String(end), ...extra,
});

test('builds the span tree from base64 IDs, children by start time, offsets from the earliest start', () => {
  const t = buildTree([
    span('00000000000000c2', '00000000000000a1', 3_000_000, 4_000_000),
    span('00000000000000a1', null, 1_000_000, 9_000_000),
    span('00000000000000b1', '00000000000000a1', 2_000_000, 2_500_000),
    span('00000000000000d1', '00000000000000c2', 3_500_000, 3_600_000),
  ]);
  assert.equal(t.roots.length, 1);
  assert.equal(t.roots[0].id, '00000000000000a1');
  assert.deepEqual(t.roots[0].children.map((s) => s.id), ['00000000000000b1', '00000000000000c2']);
  assert.equal(t.totalMs, 8);
  assert.equal(t.byId.get('00000000000000c2').offsetMs, 2);
  assert.equal(t.byId.get('00000000000000d1').depth, 2);
  const all = visibleSpans(t.roots, new Set());
  assert.deepEqual(all.map((s) => s.id.slice(-2)), ['a1', 'b1', 'c2', 'd1']);
  assert.deepEqual(visibleSpans(t.roots, new Set(['00000000000000c2'])).map((s) => s.id.slice(-2)), ['a1', 'b1', 'c2']);
});

test('a span whose parent is missing is a root marked orphan; a parent cycle loses no span', () => {
  const orphan = buildTree([span('00000000000000a1', '00000000000000ff', 0, 1)]);
  assert.equal(orphan.roots.length, 1);
  assert.equal(orphan.roots[0].orphan, true);
  const cycle = buildTree([span('00000000000000a1', '00000000000000b1', 0, 1), span('00000000000000b1', '00000000000000a1', 0, 1)]);
  assert.equal(visibleSpans(cycle.roots, new Set()).length, 2);
});

test('IDs, OTLP values and SDK-encoded attribute values', () => {
  assert.equal(idHex('AAAAAAAAAKE='), '00000000000000a1');
  assert.equal(idHex('00000000000000a1'), '00000000000000a1');
  assert.equal(anyValue({ int_value: '42' }), 42);
  assert.equal(anyValue({ int_value: '9007199254740993' }), '9007199254740993');
  assert.deepEqual(anyValue({ array_value: { values: [{ string_value: 'a' }, { bool_value: true }] } }), ['a', true]);
  assert.equal(decoded('"LLM"'), 'LLM');
  assert.deepEqual(decoded('{"a": 1}'), { a: 1 });
  assert.equal(decoded('plain text'), 'plain text');
});

test('the readable text of request and response previews', () => {
  assert.equal(messageText('{"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "Hi?"}]}'), 'Hi?');
  assert.equal(messageText('{"choices": [{"message": {"role": "assistant", "content": "Hello"}}]}'), 'Hello');
  assert.equal(messageText('{"question": "Why?"}'), 'Why?');
  assert.equal(messageText('"just a string"'), 'just a string');
  assert.equal(messageText('{"messages": [{"role": "us'), '{"messages": [{"role": "us', 'truncated JSON stays as text');
  assert.equal(messageText('{"a": 1, "b": 2}'), null);
  assert.equal(messageText(''), null);
});

test('feedback polarity uses the same lists as tb_feedback_sign in migration V5', () => {
  const sql = readFileSync(new URL('../src/main/resources/db/migration/V5__feedback_rollup.sql', import.meta.url), 'utf8');
  const list = (sign) => {
    const m = new RegExp(`WHEN lower\\(value_text\\) IN \\(([^)]*)\\) THEN ${sign}`).exec(sql);
    assert.ok(m, `the ${sign} list in V5`);
    return new Set([...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]));
  };
  assert.deepEqual(POSITIVE, list('1'));
  assert.deepEqual(NEGATIVE, list('-1'));
  assert.equal(polarity(true), 'positive');
  assert.equal(polarity(false), 'negative');
  assert.equal(polarity(' Thumbs_Up '), 'positive');
  assert.equal(polarity(0.5), 'numeric');
  assert.equal(polarity('maybe'), 'other');
  const s = summarizeAssessments([
    { assessment_name: 'r', feedback: { value: true } },
    { assessment_name: 'r', feedback: { value: 'no' } },
    { assessment_name: 'r', feedback: { value: true }, valid: false },
    { assessment_name: 'score', feedback: { value: 0.5 } },
    { assessment_name: 'score', feedback: { value: 1 } },
    { assessment_name: 'e', expectation: { value: 'x' } },
  ]);
  assert.deepEqual(s.map((x) => [x.name, x.count, x.positive, x.negative, x.positive_share, x.mean]),
    [['r', 2, 1, 1, 0.5, null], ['score', 2, 0, 0, null, 0.75]]);
});

test('filter quoting doubles quotes; durations parse and format', () => {
  assert.equal(quote("o'neil"), "'o''neil'");
  assert.equal(durationMs('1.840s'), 1840);
  assert.equal(durationMs(12), 12);
  assert.equal(durationMs('soon'), null);
  assert.equal(fmtDuration(812), '812 ms');
  assert.equal(fmtDuration(1840), '1.84 s');
  assert.equal(fmtDuration(125_000), '2m 5s');
  assert.equal(fmtDuration(null), '—');
});
