// The service's REST API: MLflow endpoints and Tracebridge's analytics endpoints.
// Every call carries the bearer token kept in sessionStorage; a 401 asks the app for a token.

const TOKEN_KEY = 'tracebridge.token';
const authListeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** `fn()` runs whenever a call is answered 401. */
export function onAuthRequired(fn) {
  authListeners.add(fn);
}

/**
 * Calls the API and returns the parsed JSON. Errors: ApiError with the service's `error_code`
 * and `message` (MLflow error JSON), or code NETWORK when the service cannot be reached.
 */
export async function call(path, { method = 'GET', query, body, signal } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', `Cannot reach the Tracebridge service (${e.message}).`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = null;
  }
  if (res.status === 401) {
    authListeners.forEach((fn) => fn());
    throw new ApiError(401, (data && data.error_code) || 'UNAUTHENTICATED',
      (data && data.message) || 'This service needs an API token.');
  }
  if (!res.ok) {
    throw new ApiError(res.status, data && data.error_code,
      (data && data.message) || `HTTP ${res.status} ${res.statusText}`.trim());
  }
  if (data === null) throw new ApiError(res.status, 'BAD_RESPONSE', 'The service answered with something other than JSON.');
  return data;
}

// ---- MLflow ----------------------------------------------------------------------------------

/**
 * Active experiments for the picker, most recently active first: {experiment_id, name,
 * trace_count, trace_count_capped, last_trace_time_ms}. Deleted experiments are not listed.
 */
export async function experimentActivity({ signal } = {}) {
  const r = await call('/api/tracebridge/v1/analytics/experiments', { signal });
  return r.experiments || [];
}

/**
 * The trace search (filter; newest first) of an experiment as a file: `format` 'jsonl' (one
 * MLflow TraceInfo per line) or 'csv'. The server streams every page; resolves to
 * { blob, filename }.
 */
export async function exportTraces(experimentId, { filter, format = 'jsonl', signal } = {}) {
  const url = new URL('/api/tracebridge/v1/traces/export', location.origin);
  url.searchParams.set('experiment_id', experimentId);
  if (filter) url.searchParams.set('filter', filter);
  url.searchParams.set('format', format);
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(url, { headers, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', `Cannot reach the Tracebridge service (${e.message}).`);
  }
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    if (res.status === 401) authListeners.forEach((fn) => fn());
    throw new ApiError(res.status, data && data.error_code, (data && data.message) || `HTTP ${res.status}`);
  }
  const disposition = res.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]+)"/.exec(disposition);
  return { blob: await res.blob(), filename: match ? match[1] : `traces.${format}` };
}

export const TRACE_PAGE_SIZE = 50;

export function searchTraces(experimentId, { filter, pageToken, signal } = {}) {
  return call('/api/3.0/mlflow/traces/search', { method: 'POST', signal, body: {
    locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
    filter: filter || '',
    max_results: TRACE_PAGE_SIZE,
    order_by: ['timestamp_ms DESC'],
    ...(pageToken ? { page_token: pageToken } : {}),
  } });
}

/** `{trace_info, spans}` of one trace; RESOURCE_DOES_NOT_EXIST when there is none. */
export async function getTrace(traceId, { signal } = {}) {
  const r = await call('/api/3.0/mlflow/traces/batchGet', { query: { trace_ids: traceId }, signal });
  const trace = (r.traces || [])[0];
  if (!trace) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Trace with ID '${traceId}' not found.`);
  return trace;
}

/** Logs a human feedback on a trace; returns the created assessment. */
export async function logFeedback(traceId, { name = 'user_feedback', value, rationale, sourceId }) {
  const r = await call(`/api/3.0/mlflow/traces/${encodeURIComponent(traceId)}/assessments`, { method: 'POST', body: {
    assessment: {
      trace_id: traceId,
      assessment_name: name,
      source: { source_type: 'HUMAN', source_id: sourceId || 'ui' },
      feedback: { value },
      ...(rationale ? { rationale } : {}),
    },
  } });
  return r.assessment;
}

// ---- Tracebridge analytics (docs/analytics-api.md) ---------------------------------------------
const ANALYTICS = '/api/tracebridge/v1/analytics';

export function sessions(experimentId, { startTimeMs, pageToken, userId, orderBy, signal } = {}) {
  return call(`${ANALYTICS}/sessions`, { signal, query: { experiment_id: experimentId, start_time_ms: startTimeMs,
    page_token: pageToken, user_id: userId, order_by: orderBy, max_results: 50 } });
}

export function session(experimentId, sessionId, { signal } = {}) {
  return call(`${ANALYTICS}/sessions/${encodeURIComponent(sessionId)}`, { signal, query: { experiment_id: experimentId } });
}

export function users(experimentId, { startTimeMs, pageToken, orderBy, signal } = {}) {
  return call(`${ANALYTICS}/users`, { signal, query: { experiment_id: experimentId, start_time_ms: startTimeMs,
    page_token: pageToken, order_by: orderBy, max_results: 50 } });
}

export function feedback(experimentId, { startTimeMs, groupBy, name, signal } = {}) {
  return call(`${ANALYTICS}/feedback`, { signal, query: { experiment_id: experimentId, start_time_ms: startTimeMs,
    group_by: groupBy, name } });
}

export function feedbackTimeline(experimentId, { startTimeMs, interval, name, signal } = {}) {
  return call(`${ANALYTICS}/feedback/timeline`, { signal, query: { experiment_id: experimentId,
    start_time_ms: startTimeMs, interval, name } });
}
