// Development helper: creates an experiment on a running Tracebridge and fills it with
// OTLP/JSON traces shaped like the ones the Java build seeds for the browser test, plus some
// background traffic (other users, errors, older days) so every view has something to show.
// Prints the matching TB_SEED JSON on stdout (see explorer.test.mjs), so the browser tests and the
// README's screenshots can run against a development service:
//   TB_SEED=$(node dev-seed.mjs) TB_BASE_URL=http://127.0.0.1:5000 bash run.sh
//
//   TB_BASE_URL=http://127.0.0.1:5000 node dev-seed.mjs > /tmp/seed.json
//
// Node built-ins only.
import { randomBytes } from 'node:crypto';

const base = (process.env.TB_BASE_URL || 'http://127.0.0.1:5000').replace(/\/$/, '');
const token = process.env.TB_TOKEN || '';
const headers = { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };

async function call(method, path, body, extra = {}) {
  const res = await fetch(base + path, { method, headers: { ...headers, ...extra }, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

const hex = (bytes) => randomBytes(bytes).toString('hex');
const ns = (ms) => `${BigInt(Math.round(ms)) * 1000000n}`;
const str = (v) => ({ stringValue: v });
const attrs = (o) => Object.entries(o).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : str(value) }));

/** One trace: a root span with inputs/outputs and a few children laid out in time. */
function traceSpans({ name, startMs, durationMs, user, session, clientRequestId, question, answer, meta, error }) {
  const traceId = hex(16);
  const rootId = hex(8);
  const root = {
    traceId, spanId: rootId, name, kind: 1,
    startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(startMs + durationMs),
    attributes: attrs({
      'mlflow.spanType': '"CHAIN"',
      'mlflow.spanInputs': JSON.stringify({ question }),
      'mlflow.spanOutputs': JSON.stringify(error ? null : { answer }),
      ...(user ? { 'mlflow.trace.user': user } : {}),
      ...(session ? { 'mlflow.trace.session': session } : {}),
      ...(clientRequestId ? { 'mlflow.trace.client_request_id': clientRequestId } : {}),
      ...Object.fromEntries(Object.entries(meta).map(([k, v]) => [`mlflow.traceMetadata.${k}`, v])),
    }),
    status: { code: error ? 2 : 1, ...(error ? { message: 'upstream model timed out' } : {}) },
  };
  const retrieveId = hex(8);
  const llmId = hex(8);
  const spans = [
    root,
    {
      traceId, spanId: retrieveId, parentSpanId: rootId, name: 'retrieve_documents', kind: 1,
      startTimeUnixNano: ns(startMs + durationMs * 0.05), endTimeUnixNano: ns(startMs + durationMs * 0.3),
      attributes: attrs({
        'mlflow.spanType': '"RETRIEVER"',
        'mlflow.spanInputs': JSON.stringify({ query: question, top_k: 3 }),
        'mlflow.spanOutputs': JSON.stringify([{ id: 'doc-7', score: 0.82 }, { id: 'doc-2', score: 0.71 }]),
      }),
      status: { code: 1 },
    },
    {
      traceId, spanId: llmId, parentSpanId: rootId, name: 'llm_call', kind: 3,
      startTimeUnixNano: ns(startMs + durationMs * 0.32), endTimeUnixNano: ns(startMs + durationMs * 0.95),
      attributes: attrs({
        'mlflow.spanType': '"LLM"',
        'mlflow.spanInputs': JSON.stringify({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }] }),
        'mlflow.spanOutputs': JSON.stringify(error ? null : { choices: [{ message: { role: 'assistant', content: answer } }] }),
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 48,
      }),
      status: error ? { code: 2, message: 'upstream model timed out' } : { code: 1 },
      ...(error ? { events: [{ name: 'exception', timeUnixNano: ns(startMs + durationMs * 0.9), attributes: attrs({ 'exception.type': 'TimeoutError', 'exception.message': 'upstream model timed out' }) }] } : {}),
    },
    {
      traceId, spanId: hex(8), parentSpanId: llmId, name: 'format_answer', kind: 1,
      startTimeUnixNano: ns(startMs + durationMs * 0.8), endTimeUnixNano: ns(startMs + durationMs * 0.93),
      attributes: attrs({ 'mlflow.spanType': '"PARSER"' }),
      status: { code: 1 },
    },
  ];
  return { traceId: `tr-${traceId}`, spans };
}

async function ingest(experimentId, spans) {
  const body = {
    resourceSpans: [{
      resource: { attributes: attrs({ 'service.name': 'ui-dev-chatbot' }) },
      scopeSpans: [{ scope: { name: 'dev-seed' }, spans }],
    }],
  };
  await call('POST', '/v1/traces', body, { 'X-MLflow-Experiment-Id': experimentId });
}

async function feedback(traceId, value, sourceId, rationale) {
  await call('POST', `/api/3.0/mlflow/traces/${traceId}/assessments`, {
    assessment: {
      trace_id: traceId, assessment_name: 'user_feedback',
      source: { source_type: 'HUMAN', source_id: sourceId },
      feedback: { value }, ...(rationale ? { rationale } : {}),
    },
  });
}

const stamp = Date.now();
const experimentName = `ui-dev-${stamp}`;
const { experiment_id: experimentId } = await call('POST', '/api/2.0/mlflow/experiments/create', { name: experimentName });

const seed = {
  experimentId,
  traceName: 'chat',
  userId: `ui-user-${stamp % 100000}`,
  otherUserId: `ui-other-${stamp % 100000}`,
  sessionId: `ui-session-${stamp % 100000}`,
  appVersion: '1.4.2',
  environment: 'test',
  turns: [
    { clientRequestId: `ui-req-${stamp}-1`, question: 'How do I reset my password?', answer: 'Open Settings, then Account, then choose "Reset password".' },
    { clientRequestId: `ui-req-${stamp}-2`, question: 'And if I no longer have access to my e-mail?', answer: 'Contact support with your account ID; they verify you by phone.' },
    { clientRequestId: `ui-req-${stamp}-3`, question: 'What is the support phone number?', answer: 'Call +1 555 0100, weekdays 9-17 CET.' },
  ],
};

// The seeded session: consecutive turns a few seconds apart, ending a minute ago.
const now = Date.now();
const turnTraces = [];
for (const [i, turn] of seed.turns.entries()) {
  const t = traceSpans({
    name: seed.traceName, startMs: now - 60_000 - (seed.turns.length - i) * 20_000, durationMs: 800 + 350 * i,
    user: seed.userId, session: seed.sessionId, clientRequestId: turn.clientRequestId,
    question: turn.question, answer: turn.answer, meta: { app_version: seed.appVersion, environment: seed.environment },
  });
  await ingest(experimentId, t.spans);
  turnTraces.push(t.traceId);
}
await feedback(turnTraces[0], true, seed.userId, 'Clear steps');

// Another user in the same experiment, so a user filter has something to exclude.
const other = traceSpans({
  name: seed.traceName, startMs: now - 30_000, durationMs: 2400, user: seed.otherUserId, session: `${seed.sessionId}-b`,
  clientRequestId: `ui-req-${stamp}-other`, question: 'Is the service down?', answer: '', error: true,
  meta: { app_version: '1.5.0', environment: seed.environment },
});
await ingest(experimentId, other.spans);
await feedback(other.traceId, false, seed.otherUserId, 'It failed');

// Background traffic over the last days (for the dashboard's timeline).
if (!process.argv.includes('--minimal')) {
  const questions = ['Where is my order?', 'Can I change the delivery address?', 'Do you ship abroad?', 'How do refunds work?'];
  for (let i = 0; i < 24; i++) {
    const day = i % 6;
    const t = traceSpans({
      name: i % 5 === 0 ? 'search' : seed.traceName,
      startMs: now - day * 86_400_000 - 3_600_000 - i * 611_000, durationMs: 300 + (i * 137) % 2500,
      user: `bg-user-${i % 4}`, session: `bg-session-${i % 7}`, clientRequestId: `bg-req-${stamp}-${i}`,
      question: questions[i % 4], answer: `Answer ${i}`, error: i % 9 === 4,
      meta: { app_version: i % 3 === 0 ? '1.3.0' : '1.4.2', environment: i % 2 ? 'prod' : 'staging' },
    });
    await ingest(experimentId, t.spans);
    if (i % 2 === 0) await feedback(t.traceId, (i + day) % 3 !== 0, `bg-user-${i % 4}`, i % 4 === 0 ? 'Looks right' : undefined);
  }
}

// The same TB_SEED shape as ExplorerBrowserIT's.
console.log(JSON.stringify({
  experimentId, experimentName, userId: seed.userId, sessionId: seed.sessionId,
  clientRequestId: seed.turns[1].clientRequestId, traceName: seed.traceName, turns: seed.turns.length,
  appVersion: seed.appVersion, feedbackName: 'user_feedback', questions: seed.turns.map((t) => t.question),
}));
