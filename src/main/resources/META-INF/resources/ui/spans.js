// OTel spans as GetTrace / batchGet return them (proto3 JSON, snake_case, base64 IDs, 64-bit
// times as strings), normalised for the trace view. camelCase and hex IDs are accepted too.

const HEX_ID = /^[0-9a-f]{16}$|^[0-9a-f]{32}$/;

/** A span or trace ID as lowercase hex (proto JSON carries base64). */
export function idHex(id) {
  if (!id) return '';
  if (HEX_ID.test(id)) return id;
  try {
    return [...atob(id)].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } catch {
    return String(id);
  }
}

/** OTLP AnyValue → plain value. */
export function anyValue(v) {
  if (v === null || typeof v !== 'object') return v;
  const get = (snake, camel) => (snake in v ? v[snake] : v[camel]);
  if ('string_value' in v || 'stringValue' in v) return get('string_value', 'stringValue');
  if ('bool_value' in v || 'boolValue' in v) return get('bool_value', 'boolValue');
  if ('int_value' in v || 'intValue' in v) {
    const n = Number(get('int_value', 'intValue'));
    return Number.isSafeInteger(n) ? n : String(get('int_value', 'intValue'));
  }
  if ('double_value' in v || 'doubleValue' in v) return Number(get('double_value', 'doubleValue'));
  if ('array_value' in v || 'arrayValue' in v) return (get('array_value', 'arrayValue').values || []).map(anyValue);
  if ('kvlist_value' in v || 'kvlistValue' in v) return attributeMap(get('kvlist_value', 'kvlistValue').values);
  if ('bytes_value' in v || 'bytesValue' in v) return `base64:${get('bytes_value', 'bytesValue')}`;
  return null;
}

/** `[{key, value: AnyValue}]` (OTLP) or a plain object (MLflow span dict) → object. */
export function attributeMap(attrs) {
  if (!attrs) return {};
  if (!Array.isArray(attrs)) return { ...attrs };
  const out = {};
  for (const kv of attrs) out[kv.key] = anyValue(kv.value);
  return out;
}

/**
 * An attribute value as the MLflow SDK means it: the SDK JSON-encodes every value, so a string
 * that parses as JSON is decoded ("\"LLM\"" → "LLM", "{…}" → object); other values stay as they are.
 */
export function decoded(value) {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!t || !'"{[0123456789-tfn'.includes(t[0])) return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

function nanos(v) {
  if (v === null || v === undefined || v === '') return null;
  try {
    return BigInt(typeof v === 'number' ? Math.round(v) : String(v).split('.')[0]);
  } catch {
    return null;
  }
}

function statusCode(status) {
  const c = status && status.code;
  if (c === 2 || c === 'STATUS_CODE_ERROR' || c === 'ERROR') return 'ERROR';
  if (c === 1 || c === 'STATUS_CODE_OK' || c === 'OK') return 'OK';
  return 'UNSET';
}

const pick = (s, snake, camel) => (s[snake] !== undefined ? s[snake] : s[camel]);

function normalize(s) {
  const attributes = attributeMap(s.attributes);
  const type = decoded(attributes['mlflow.spanType']);
  return {
    id: idHex(pick(s, 'span_id', 'spanId')),
    parentId: idHex(pick(s, 'parent_span_id', 'parentSpanId')) || null,
    name: s.name || '(unnamed span)',
    kind: typeof s.kind === 'string' ? s.kind.replace(/^SPAN_KIND_/, '') : s.kind,
    start: nanos(pick(s, 'start_time_unix_nano', 'startTimeUnixNano')),
    end: nanos(pick(s, 'end_time_unix_nano', 'endTimeUnixNano')),
    status: statusCode(s.status),
    statusMessage: (s.status && s.status.message) || '',
    type: typeof type === 'string' && type ? type.toUpperCase() : null,
    attributes,
    events: (s.events || []).map((e) => ({
      name: e.name || '(event)', time: nanos(pick(e, 'time_unix_nano', 'timeUnixNano')), attributes: attributeMap(e.attributes),
    })),
    children: [],
    depth: 0,
  };
}

/**
 * Builds the span tree from parent_span_id. Spans whose parent is missing are shown as roots
 * (`orphan: true`). Children are ordered by start time. Times are ns BigInts; `offsetMs` and
 * `durationMs` of each span are relative to the earliest start.
 */
export function buildTree(rawSpans) {
  const spans = (rawSpans || []).map(normalize);
  const byId = new Map(spans.map((s) => [s.id, s]));
  const starts = spans.map((s) => s.start).filter((x) => x !== null);
  const ends = spans.map((s) => s.end ?? s.start).filter((x) => x !== null);
  const t0 = starts.length ? starts.reduce((a, b) => (b < a ? b : a)) : 0n;
  const t1 = ends.length ? ends.reduce((a, b) => (b > a ? b : a)) : t0;
  const roots = [];
  for (const s of spans) {
    const parent = s.parentId && byId.get(s.parentId);
    if (parent && parent !== s) parent.children.push(s);
    else {
      s.orphan = Boolean(s.parentId);
      roots.push(s);
    }
    s.offsetMs = s.start === null ? 0 : Number(s.start - t0) / 1e6;
    s.durationMs = s.start === null || s.end === null ? null : Number(s.end - s.start) / 1e6;
  }
  const byStart = (a, b) => (a.start === b.start ? 0 : a.start === null ? 1 : b.start === null ? -1 : a.start < b.start ? -1 : 1);
  const order = (list, depth, seen) => {
    list.sort(byStart);
    for (const s of list) {
      if (seen.has(s)) continue; // a cycle in bad data
      seen.add(s);
      s.depth = depth;
      order(s.children, depth + 1, seen);
    }
  };
  const seen = new Set();
  order(roots, 0, seen);
  for (const s of spans) {
    if (!seen.has(s)) { // part of a parent cycle: show it at the top level rather than lose it
      s.orphan = true;
      s.children = [];
      roots.push(s);
    }
  }
  return { spans, roots, byId, totalMs: Number(t1 - t0) / 1e6 };
}

/** Depth-first list of the spans whose ancestors are all expanded. */
export function visibleSpans(roots, collapsed) {
  const out = [];
  const walk = (list, seen) => {
    for (const s of list) {
      if (seen.has(s)) continue;
      seen.add(s);
      out.push(s);
      if (!collapsed.has(s.id)) walk(s.children, seen);
    }
  };
  walk(roots, new Set());
  return out;
}
