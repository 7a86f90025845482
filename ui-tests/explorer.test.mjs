// Browser tests of the trace explorer: Debian's headless Chromium driven by playwright-core,
// against a running Tracebridge whose experiment holds the seeded conversation.
//
// Environment (ExplorerBrowserIT sets it; dev-seed.mjs prints a TB_SEED for a development service):
//   TB_BASE_URL        the service, e.g. http://127.0.0.1:5000
//   TB_SEED            JSON: experimentId, experimentName, userId, sessionId, clientRequestId (of the
//                      second turn), traceName, turns, appVersion, feedbackName, questions[]
//   TB_TOKEN           a write token when the service has auth on (the sign-in dialog is tested then)
//   TB_SCREENSHOT_DIR  where the screenshots of the main views go (default: ./screenshots)
//   TB_CHROMIUM        the browser (default /usr/bin/chromium)
//
// The steps run in order in one page, as a user would go: sign in, pick the experiment, filter,
// open a trace, expand spans, give feedback, open the session, the users and the dashboard.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const base = (process.env.TB_BASE_URL || 'http://127.0.0.1:5000').replace(/\/$/, '');
const seed = JSON.parse(process.env.TB_SEED || '{}');
const token = process.env.TB_TOKEN || '';
const shots = resolve(process.env.TB_SCREENSHOT_DIR || 'screenshots');
const userFilter = `metadata.\`mlflow.trace.user\` = '${seed.userId}'`;
const comment = `The link expired again (${Date.now()})`;

let browser;
let page;
const pageErrors = [];
/** Chromium logs every 4xx answer to the console; the steps that expect one check its effect instead. */
const EXPECTED_HTTP_ERROR = /^Failed to load resource: the server responded with a status of 4\d\d/;

before(async () => {
  for (const k of ['experimentId', 'userId', 'sessionId', 'clientRequestId', 'turns', 'appVersion', 'feedbackName', 'questions']) {
    assert.ok(seed[k] !== undefined, `TB_SEED lacks ${k}`);
  }
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.TB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !EXPECTED_HTTP_ERROR.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  // Nothing but the service itself: the UI must not reach for a CDN or any other host.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== new URL(base).origin && url.protocol !== 'data:') {
      pageErrors.push(`request to another origin: ${url.href}`);
      return route.abort();
    }
    return route.continue();
  });
});

after(async () => {
  if (browser) await browser.close();
});

const byTest = (id) => page.getByTestId(id);
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

async function texts(locator) {
  return (await locator.allInnerTexts()).map((t) => t.trim());
}

test('signs in with a token kept in session storage, after refusing a wrong one', async () => {
  await page.goto(`${base}/`);
  if (!token) return; // auth off: nothing to sign in to
  await byTest('token-dialog').waitFor({ state: 'visible' });
  await byTest('token-input').fill('tb_wrong_token_0123456789');
  await byTest('token-submit').click();
  await page.getByText('The stored token was refused').waitFor();
  await byTest('token-input').fill(token);
  await byTest('token-submit').click();
  await byTest('token-dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tracebridge.token')), token);
  assert.equal(await page.evaluate(() => localStorage.getItem('tracebridge.token')), null, 'token is not kept beyond the tab');
});

test('picks the experiment and lists its traces', async () => {
  const select = byTest('experiment-select');
  await select.locator(`option[value="${seed.experimentId}"]`).waitFor({ state: 'attached' });
  await select.selectOption(seed.experimentId);
  await page.waitForURL((u) => u.hash.includes(`exp=${seed.experimentId}`));
  await byTest('trace-row').first().waitFor();
  assert.ok(await byTest('trace-row').count() > seed.turns, 'more traces than the seeded session');
  const header = await texts(page.locator('[data-testid=trace-table] thead th'));
  assert.deepEqual(header, ['Time', 'Name', 'State', 'Duration', 'User', 'Session', 'Client request ID', 'Feedback']);
});

test('an invalid filter shows the service error, one matching nothing the empty state', async () => {
  await byTest('filter-input').fill("trace.no_such_field = 'x'");
  await byTest('filter-apply').click();
  await byTest('error').waitFor();
  assert.match(await byTest('error-message').innerText(), /no_such_field|Invalid|invalid/);
  await byTest('filter-input').fill("trace.name = 'no-trace-has-this-name'");
  await byTest('filter-apply').click();
  await page.getByText('No traces match this filter').waitFor();
});

test('filters the trace list by user with the MLflow filter string', async () => {
  await byTest('filter-input').fill(userFilter);
  await byTest('filter-apply').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=trace-row]').length === n
    && !document.querySelector('[data-testid=loading]'), seed.turns);
  assert.deepEqual(new Set(await texts(byTest('cell-user'))), new Set([seed.userId]));
  assert.deepEqual(new Set(await texts(byTest('cell-session'))), new Set([seed.sessionId]));
  const ids = await texts(byTest('cell-client-request-id'));
  assert.ok(ids.includes(seed.clientRequestId), `client request IDs ${ids}`);
  assert.match(await byTest('pager-label').innerText(), new RegExp(`${seed.turns} traces`));
  await shot('trace-list');
});

test('opens a trace: span tree, collapse and expand, pretty-printed inputs', async () => {
  await page.locator('[data-testid=trace-row]', { hasText: seed.clientRequestId }).getByTestId('trace-link').click();
  await byTest('trace-header').waitFor();
  assert.equal(await byTest('trace-client-request-id').innerText(), seed.clientRequestId);
  assert.equal(await byTest('trace-user').innerText(), seed.userId);
  const rows = byTest('span-row');
  const all = await rows.count();
  assert.ok(all >= 2, `the trace has child spans (${all})`);
  assert.equal(await page.locator('[data-testid=span-row][data-depth="0"]').count(), 1);

  await byTest('collapse-all').click();
  assert.equal(await rows.count(), 1, 'collapsed: only the root');
  await page.locator('[data-testid=span-row][data-depth="0"]').getByTestId('span-toggle').click();
  const children = await page.locator('[data-testid=span-row][data-depth="1"]').count();
  assert.ok(children >= 1 && await rows.count() === 1 + children, 'the root expanded: its children');
  await byTest('expand-all').click();
  assert.equal(await rows.count(), all, 'expanded again: every span');
  assert.ok(await byTest('span-bar').count() === all, 'each span has a timeline bar');

  // The root's inputs (JSON from the SDK) are shown indented rather than on one line.
  const inputs = await byTest('span-inputs').innerText();
  assert.match(inputs, /^\{\n {2}"\w+": /);
  assert.ok(inputs.includes(seed.questions[1]), inputs);
  // A child span: its own inputs and attributes.
  const child = page.locator('[data-testid=span-row][data-depth="1"]').last();
  const childName = await child.getAttribute('data-name');
  await child.click();
  assert.equal(await byTest('span-detail-name').innerText(), childName);
  assert.ok((await byTest('span-attributes').innerText()).includes('mlflow.spanType'));
  assert.match(await byTest('span-outputs').innerText(), /\n\s+"/);
  assert.ok(page.url().includes('span='), 'the selected span is in the URL');
  assert.match(await byTest('trace-metadata').innerText(), new RegExp(`app_version\\s+${seed.appVersion.replace('.', '\\.')}`));
});

test('gives a thumbs-down with a comment and sees it appear, also after a reload', async () => {
  const before = await byTest('assessment').count();
  await byTest('feedback-down').click();
  await byTest('feedback-comment').fill(comment);
  await byTest('feedback-source').fill('ui-tester');
  await byTest('feedback-submit').click();
  await page.locator('[data-testid=feedback-status][data-state=ok]').waitFor();
  assert.equal(await byTest('assessment').count(), before + 1);
  const mine = page.locator('[data-testid=assessment]', { hasText: comment });
  assert.equal(await mine.getByTestId('assessment-value').getAttribute('data-polarity'), 'negative');
  assert.equal(await mine.getByTestId('assessment-source').innerText(), 'HUMAN · ui-tester');
  assert.equal(await mine.getByTestId('assessment-name').innerText(), seed.feedbackName);

  await page.reload();
  await page.locator('[data-testid=assessment]', { hasText: comment }).waitFor();
  await shot('trace-detail');
});

test('the trace list shows the new feedback', async () => {
  await byTest('back-to-traces').click();
  const row = page.locator('[data-testid=trace-row]', { hasText: seed.clientRequestId });
  await row.waitFor();
  const summary = row.getByTestId('feedback-summary');
  assert.ok(Number(await summary.getAttribute('data-negative')) >= 1, 'a negative feedback is counted');
});

test('opens the session as a conversation, turns in order, with their feedback', async () => {
  await page.locator('[data-testid=trace-row]', { hasText: seed.clientRequestId }).getByTestId('session-link').click();
  await byTest('conversation').waitFor();
  assert.equal(await byTest('session-id').innerText(), seed.sessionId);
  assert.equal(await byTest('turn').count(), seed.turns);
  const requests = await texts(byTest('turn-request').locator('.msg-text'));
  assert.deepEqual(requests, seed.questions, 'each turn shows its question, first to last');
  const times = await byTest('turn-time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime'))));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  const second = page.locator('[data-testid=turn]').nth(1);
  assert.ok((await second.getByTestId('turn-feedback').innerText()).includes(comment), 'the feedback given above');
  assert.equal(await page.locator('[data-testid=turn]').first().locator('[data-polarity=positive]').count(), 1);
  await shot('session');
});

test('lists the users with their traces and sessions', async () => {
  await byTest('nav-users').click();
  const row = page.locator(`[data-testid=user-row][data-user-id="${seed.userId}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId('cell-traces').innerText(), String(seed.turns));
  assert.equal(await row.getByTestId('cell-sessions').innerText(), '1');
  assert.ok(await byTest('user-row').count() >= 2);
  await shot('users');
  // A user's link opens the trace list filtered to them.
  await row.getByTestId('user-link').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-row]').length > 0
    && !document.querySelector('[data-testid=loading]'));
  assert.equal(await byTest('filter-input').inputValue(), userFilter);
  assert.deepEqual(new Set(await texts(byTest('cell-user'))), new Set([seed.userId]));
});

test('reads the feedback dashboard grouped by app version, with the chart', async () => {
  await byTest('nav-dashboard').click();
  const row = page.locator(`[data-testid=feedback-row][data-name="${seed.feedbackName}"][data-group="${seed.appVersion}"]`);
  await row.waitFor();
  assert.ok(Number(await row.getByTestId('cell-negative').innerText()) >= 1, 'the thumbs-down given above');
  assert.ok(Number(await row.getByTestId('cell-positive').innerText()) >= 1, 'the seeded thumbs-up');
  assert.match(await row.getByTestId('cell-share').innerText(), /^\d+(\.\d)?%$/);
  assert.equal(await byTest('group-by-input').inputValue(), 'metadata.app_version');
  await byTest('feedback-chart-svg').waitFor();
  assert.ok(await byTest('chart-point').count() >= 1, 'the chart has a point per bucket');
  assert.ok(Number((await byTest('kpi-count').innerText()).replace(/\D/g, '')) >= 2);
  await shot('dashboard');

  // Another grouping key: by user, through the form.
  await byTest('group-by-input').fill('metadata.`mlflow.trace.user`');
  await byTest('group-by-apply').click();
  await page.locator(`[data-testid=feedback-row][data-group="${seed.userId}"]`).waitFor();
});

test('signing out asks for the token again', async () => {
  if (!token) return;
  await byTest('sign-out').click();
  await byTest('token-dialog').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tracebridge.token')), null);
});

test('no script errors and no requests beyond the service', () => {
  assert.deepEqual(pageErrors, []);
});
