// Tracebridge trace explorer: hash router, experiment picker and sign-in.
// Routes (the experiment is the `exp` parameter of every route):
//   #/traces?exp=1&filter=…        trace list            #/trace/<trace id>?exp=1&span=…  trace detail
//   #/sessions?exp=1&range=7d      sessions list         #/session/<session id>?exp=1     conversation
//   #/users?exp=1&range=7d         users                 #/dashboard?exp=1&group=…        feedback
import { ApiError, clearToken, experimentActivity, getToken, onAuthRequired, setToken } from './api.js';
import { experimentLabel } from './format.js';
import { empty, errorBox, h, loading, replace } from './dom.js';
import { renderTraces } from './views/traces.js';
import { renderTrace } from './views/trace.js';
import { renderSessions, renderSession } from './views/sessions.js';
import { renderUsers } from './views/users.js';
import { renderDashboard } from './views/dashboard.js';

const EXP_KEY = 'tracebridge.experiment';
const ROUTES = {
  traces: renderTraces,
  trace: renderTrace,
  sessions: renderSessions,
  session: renderSession,
  users: renderUsers,
  dashboard: renderDashboard,
};
/** Parameters that navigation links carry from view to view. */
const STICKY = ['exp', 'range'];

const main = document.getElementById('view');
const select = document.getElementById('experiment-select');
const signOut = document.getElementById('sign-out');
const authDialog = document.getElementById('auth');
const authForm = document.getElementById('auth-form');
const authInput = document.getElementById('auth-token');
const authError = document.getElementById('auth-error');

let experiments = null; // null: not loaded yet
let experimentsError = null;
let current = null; // {controller}

/** `#/a/b?x=1` → {path: ['a', 'b'], params} */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  return { path, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** `#/path?…` with the sticky parameters of the current route unless `params` sets them. */
export function href(path, params = {}) {
  const cur = parseHash().params;
  const out = new URLSearchParams();
  for (const k of STICKY) if (cur.get(k) && !(k in params)) out.set(k, cur.get(k));
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out.set(k, v);
  const p = (Array.isArray(path) ? path : [path]).map(encodeURIComponent).join('/');
  const qs = out.toString();
  return `#/${p}${qs ? `?${qs}` : ''}`;
}

/** Navigates; re-renders even when the hash does not change (e.g. Apply on the same filter). */
export function go(path, params, { replace: replaceEntry = false } = {}) {
  const target = href(path, params);
  if (target === location.hash) {
    render();
  } else if (replaceEntry) {
    history.replaceState(null, '', target);
    render();
  } else {
    location.hash = target;
  }
}

/** Updates parameters of the current route without rendering it again. */
export function setParams(updates) {
  const { path, params } = parseHash();
  for (const [k, v] of Object.entries(updates)) {
    if (v === undefined || v === null || v === '') params.delete(k);
    else params.set(k, v);
  }
  const qs = params.toString();
  history.replaceState(null, '', `#/${path.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`);
  updateNav();
}

function updateNav() {
  const { path } = parseHash();
  const view = path[0] || 'traces';
  const section = { trace: 'traces', session: 'sessions' }[view] || view;
  for (const a of document.querySelectorAll('[data-route]')) {
    a.href = href(a.dataset.route);
    a.classList.toggle('active', a.dataset.route === section);
    if (a.dataset.route === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  signOut.hidden = !getToken();
}

function fillExperimentSelect(exp) {
  const options = [h('option', { value: '', disabled: true, selected: !exp }, experiments ? 'Choose an experiment…' : 'Loading…')];
  for (const e of experiments || []) {
    options.push(h('option', { value: e.experiment_id, selected: e.experiment_id === exp }, experimentLabel(e)));
  }
  if (exp && experiments && !experiments.some((e) => e.experiment_id === exp)) {
    options.push(h('option', { value: exp, selected: true }, `Experiment ${exp}`));
  }
  replace(select, options);
}

async function loadExperiments() {
  experimentsError = null;
  try {
    experiments = await experimentActivity();
  } catch (e) {
    experiments = null;
    experimentsError = e;
  }
}

/** Renders the current route into a fresh section; a previous render's late results go nowhere. */
async function render() {
  if (current) current.controller.abort();
  const controller = new AbortController();
  current = { controller };
  updateNav();
  const { path, params } = parseHash();
  let exp = params.get('exp');
  if (!exp) {
    // No choice in the URL: the last one made in this browser, else the traffic (the experiment
    // whose newest trace is the most recent; the list comes in that order), else Default.
    const remembered = localStorage.getItem(EXP_KEY);
    const known = (id) => id && experiments && experiments.some((e) => e.experiment_id === id);
    const busiest = experiments && experiments.find((e) => e.last_trace_time_ms != null);
    const chosen = known(remembered) ? remembered
      : busiest ? busiest.experiment_id
      : known('0') ? '0' : null;
    if (chosen) {
      setParams({ exp: chosen }); // not remembered: only a choice made is
      exp = chosen;
    }
  } else {
    localStorage.setItem(EXP_KEY, exp);
  }
  fillExperimentSelect(exp);
  const el = h('section', { class: 'view', 'data-view': path[0] || 'traces' });
  replace(main, el);
  if (experimentsError) {
    replace(el, errorBox(experimentsError));
    return;
  }
  if (!exp) {
    replace(el, experiments
      ? empty('Choose an experiment', experiments.length
        ? 'Pick the experiment whose traces you want to explore in the selector at the top.'
        : 'This service has no experiments yet. Traces sent to /v1/traces create them.')
      : loading('Loading experiments…'));
    return;
  }
  const view = ROUTES[path[0] || 'traces'];
  if (!view) {
    replace(el, empty('Page not found', `There is no view called "${path[0]}".`));
    return;
  }
  const experiment = (experiments || []).find((e) => e.experiment_id === exp) || { experiment_id: exp, name: `Experiment ${exp}` };
  const ctx = { el, exp, experiment, path, params, signal: controller.signal, href, go, setParams };
  try {
    await view(ctx);
  } catch (e) {
    if (e.name === 'AbortError' || controller.signal.aborted) return;
    replace(el, errorBox(e instanceof ApiError ? e : new ApiError(0, 'UI_ERROR', e.message)));
    console.error(e);
  }
}

// ---- Sign-in -----------------------------------------------------------------------------------
function showAuth() {
  if (!authDialog.hidden) return;
  authError.textContent = getToken() ? 'The stored token was refused; enter another one.' : '';
  authDialog.hidden = false;
  authInput.value = '';
  authInput.focus();
}

onAuthRequired(showAuth);

authForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const token = authInput.value.trim();
  if (!token) {
    authError.textContent = 'Enter a token.';
    return;
  }
  setToken(token);
  authDialog.hidden = true;
  await start();
});

signOut.addEventListener('click', async () => {
  clearToken();
  experiments = null;
  await start();
});

select.addEventListener('change', () => {
  const exp = select.value;
  localStorage.setItem(EXP_KEY, exp);
  const { path, params } = parseHash();
  const view = path[0] || 'traces';
  // Details belong to one experiment: switching goes to the matching list; lists keep their view.
  const target = { trace: 'traces', session: 'sessions' }[view] || (ROUTES[view] ? view : 'traces');
  const keep = target === view ? Object.fromEntries(params) : {};
  go(target, { ...keep, exp });
});

window.addEventListener('hashchange', render);

async function start() {
  fillExperimentSelect(parseHash().params.get('exp'));
  replace(main, loading('Loading experiments…'));
  await loadExperiments();
  await render();
}

start();
