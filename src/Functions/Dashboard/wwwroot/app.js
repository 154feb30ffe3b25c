// The dashboard's shell: sign-in, hash routing (#/overview, #/tasks, #/tasks/{id}, #/workers, #/schedules, #/create), the notice
// bar for 401/403/429, and the timers of the current view (cleared on every navigation).
import { api, clearKey, getKey, onApiTrouble, setKey } from './api.js';
import { h, replace } from './dom.js';
import { renderOverview } from './view-overview.js';
import { renderTasks } from './view-tasks.js';
import { renderTask } from './view-task.js';
import { renderWorkers } from './view-workers.js';
import { renderSchedules } from './view-schedules.js';
import { renderCreate } from './view-create.js';

const main = document.getElementById('main');
const notice = document.getElementById('notice');
const signOut = document.getElementById('sign-out');
let current = null;
let keepNotice = false;

export function showNotice(text, kind = 'error') {
  notice.hidden = !text;
  notice.className = kind;
  replace(notice, text ?? '');
}

/** A notice that survives the navigation that follows it (e.g. "deleted", then the list). */
export function flash(text, kind = 'info') {
  showNotice(text, kind);
  keepNotice = true;
}

onApiTrouble(error => {
  if (error.status === 401) {
    clearKey();
    flash(`The API refused the key: ${error.message} Sign in again.`, 'error');
    route();
  } else if (error.status === 403) {
    showNotice(`Not allowed: ${error.message}`);
  } else if (error.status === 429) {
    showNotice(`Rate limited: ${error.message} Retry after ${error.retryAfter ?? '?'} s.`);
  }
});

/** The current view's context: an abort signal and timers that end when the person navigates away. */
function newContext() {
  const controller = new AbortController();
  const timers = [];
  return {
    signal: controller.signal,
    every(ms, fn) {
      let running = false;
      const id = setInterval(async () => {
        if (running || document.hidden) return;
        running = true;
        try { await fn(); } catch (error) { if (error.name !== 'AbortError') showNotice(error.message); } finally { running = false; }
      }, ms);
      timers.push(id);
    },
    dispose() {
      controller.abort();
      timers.forEach(clearInterval);
    },
  };
}

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '/overview';
  const [path, query = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

function renderSignIn() {
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'field-error', id: 'api-key-error', role: 'alert' });
  const form = h('form', { class: 'card sign-in', novalidate: true },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Enter an API key (one with tasks:read; tasks:write to create, cancel, retry or delete). It is kept in this browser tab only, until you sign out or close it.'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    error,
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) { error.textContent = 'Enter a key.'; return; }
    try {
      await api('system/status', { key });
    } catch (failure) {
      if (failure.status !== 403 && failure.status !== 429) {
        error.textContent = failure.status === 401 ? `The API refused this key: ${failure.message}` : failure.message;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
    }
    setKey(key);
    route();
  });
  replace(main, form);
  input.focus();
}

async function route() {
  if (keepNotice) keepNotice = false; else showNotice(null);
  current?.dispose();
  current = newContext();
  const { parts, query } = parseHash();
  const view = parts[0] ?? 'overview';
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }

  signOut.hidden = !getKey();
  if (!getKey()) { renderSignIn(); return; }
  replace(main, h('p', { class: 'loading' }, 'Loading…'));
  const ctx = current;
  try {
    if (view === 'overview') await renderOverview(main, ctx);
    else if (view === 'tasks' && parts[1]) await renderTask(main, ctx, parts[1], parts[2] === 'graph');
    else if (view === 'tasks') await renderTasks(main, ctx, query);
    else if (view === 'workers') await renderWorkers(main, ctx, query);
    else if (view === 'schedules') await renderSchedules(main, ctx, query);
    else if (view === 'create') await renderCreate(main, ctx);
    else replace(main, h('h1', {}, 'Not found'), h('p', {}, 'No such view. ', h('a', { href: '#/overview' }, 'Go to the overview.')));
  } catch (error) {
    if (error.name === 'AbortError' || ctx !== current) return;
    replace(main, h('h1', {}, 'Could not load this view'), h('p', { class: 'error', role: 'alert' }, error.message));
  }

  if (ctx === current && document.activeElement === document.body) {
    main.querySelector('h1')?.setAttribute('tabindex', '-1');
    main.querySelector('h1')?.focus({ preventScroll: true });
  }
}

/** Re-renders the view only if the hash really changed (views that update the hash themselves skip a reload). */
let lastHash = null;
function onHashChange() {
  if (window.location.hash === lastHash) return;
  lastHash = window.location.hash;
  route();
}

/** Updates the hash without rendering the view again (the view has already drawn that state). */
export function replaceHash(hash) {
  lastHash = hash;
  if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
}

export function navigate(hash) {
  window.location.hash = hash;
}

signOut.addEventListener('click', () => {
  clearKey();
  flash('Signed out.');
  route();
});
window.addEventListener('hashchange', onHashChange);
onHashChange();
