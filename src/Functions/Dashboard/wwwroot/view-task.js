// Task detail: every field, the attempts (read from the scheduler's own log lines), the log following live with a
// level filter, the checkpoint, the dependency graph, and cancel/retry/delete that show the API's reason on refusal.
import { api, withQuery } from './api.js';
import { h, replace, formatTime, statusBadge, TERMINAL } from './dom.js';
import { drawGraph, loadGraph } from './graph.js';
import { flash, navigate } from './app.js';

const PAGE = 1000;
const KEEP = 5000;
const LEVELS = ['debug', 'info', 'warn', 'error'];

/** Follows a task's log from its tail: the first read finds the total, later reads ask only for what is new. */
class LogStream {
  constructor(taskId, level) {
    this.taskId = taskId;
    this.level = level;
    this.lines = [];
    this.skipped = 0;
    this.started = false;
  }

  get next() {
    return this.skipped + this.lines.length;
  }

  async poll(signal) {
    let added = 0;
    for (;;) {
      const page = await api(withQuery(`tasks/${encodeURIComponent(this.taskId)}/logs`, { limit: PAGE, offset: this.next, level: this.level }), { signal });
      const total = page.meta?.total ?? 0;
      if (!this.started && total > PAGE) {
        this.started = true;
        this.skipped = total - PAGE;
        continue;
      }
      this.started = true;
      this.lines.push(...page.data);
      added += page.data.length;
      if (this.lines.length > KEEP) {
        this.skipped += this.lines.length - KEEP;
        this.lines.splice(0, this.lines.length - KEEP);
      }
      if (page.data.length < PAGE) return added;
    }
  }
}

/** Attempts as the scheduler logged them: queued, started on a worker, and how each ended. */
function attemptsFrom(lines, task) {
  const attempts = new Map();
  const get = n => {
    if (!attempts.has(n)) attempts.set(n, { attempt: n, worker: null, queued: null, started: null, ended: null, outcome: null });
    return attempts.get(n);
  };
  for (const line of lines) {
    let m;
    if ((m = /^Attempt (\d+) queued/.exec(line.message))) get(Number(m[1])).queued = line.timestamp;
    else if ((m = /^Attempt (\d+) started on worker (.+)\.$/.exec(line.message))) Object.assign(get(Number(m[1])), { worker: m[2], started: line.timestamp });
    else if ((m = /^Attempt (\d+) completed\./.exec(line.message))) Object.assign(get(Number(m[1])), { ended: line.timestamp, outcome: 'completed' });
    else if ((m = /^Attempt (\d+) failed: (.*)$/s.exec(line.message))) Object.assign(get(Number(m[1])), { ended: line.timestamp, outcome: `failed: ${m[2]}` });
    else if (line.message === 'Cancelled by request.' && line.attempt > 0) Object.assign(get(line.attempt), { ended: line.timestamp, outcome: 'cancelled' });
  }
  const list = [...attempts.values()].sort((a, b) => a.attempt - b.attempt);
  const last = list.at(-1);
  if (last && !last.outcome) last.outcome = task.status === 'running' ? 'running' : task.status;
  return list;
}

function fields(task) {
  const rows = [
    ['ID', task.id], ['Status', statusBadge(task.status)], ['Description', task.description ?? '—'],
    ['Command', h('code', {}, task.command)], ['Priority', String(task.priority)],
    ['Retries', `${task.retry_count} of ${task.max_retries}`], ['Timeout', `${task.timeout_seconds} s`],
    ['Created', formatTime(task.created_at)], ['Updated', formatTime(task.updated_at)],
    ['Scheduled', formatTime(task.scheduled_at)], ['Started', formatTime(task.started_at)],
    ['Completed', formatTime(task.completed_at)],
    ['Worker', task.worker_id ? h('a', { href: `#/workers?highlight=${encodeURIComponent(task.worker_id)}` }, task.worker_id) : '—'],
    ['Tags', (task.tags ?? []).join(', ') || '—'],
    ['Dependencies', (task.dependencies ?? []).length ? task.dependencies.map((d, i) => [i ? ', ' : '', h('a', { href: `#/tasks/${encodeURIComponent(d)}` }, d)]) : '—'],
    ['Checkpointing', task.checkpoint_enabled ? 'enabled' : 'off'],
    ['Result', task.result === null || task.result === undefined ? '—' : h('pre', { class: 'output', id: 'task-result' }, task.result)],
    ['Error', task.error ? h('pre', { class: 'output error', id: 'task-error' }, task.error) : '—'],
  ];
  return h('dl', { class: 'fields', id: 'task-fields' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function attemptsTable(attempts) {
  if (attempts.length === 0) return h('p', { class: 'muted', id: 'attempts' }, 'No attempt yet.');
  return h('div', { class: 'table-wrap' }, h('table', { id: 'attempts' },
    h('thead', {}, h('tr', {}, ['#', 'Worker', 'Queued', 'Started', 'Ended', 'Outcome'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, attempts.map(a => h('tr', {},
      h('td', { class: 'num' }, String(a.attempt)), h('td', {}, a.worker ?? '—'), h('td', {}, formatTime(a.queued)),
      h('td', {}, formatTime(a.started)), h('td', {}, formatTime(a.ended)), h('td', {}, a.outcome ?? '—'))))));
}

function logItems(lines) {
  return lines.map(l => h('li', { class: `log-${l.level}` },
    h('time', { datetime: l.timestamp }, formatTime(l.timestamp)), ' ',
    h('span', { class: 'level' }, l.level), ' ',
    h('span', { class: 'attempt', title: 'attempt' }, `#${l.attempt ?? '-'}`), ' ',
    h('span', { class: 'message' }, l.message)));
}

export async function renderTask(main, ctx, id, graphOnly) {
  let task = (await api(`tasks/${encodeURIComponent(id)}`, { signal: ctx.signal })).data;
  const title = h('h1', {}, task.name);
  const status = h('span', { id: 'task-status' }, statusBadge(task.status));
  const actionResult = h('p', { id: 'action-result', role: 'status', 'aria-live': 'polite' });
  const fieldsBox = h('div', {}, fields(task));
  const attemptsBox = h('div', {});
  const checkpoint = h('pre', { class: 'output', id: 'checkpoint' });
  const graphBox = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading the graph…'));

  const drawGraphNow = async () => replace(graphBox, drawGraph(await loadGraph(task, ctx.signal), task.id));

  if (graphOnly) {
    replace(main, h('h1', {}, `Dependencies of ${task.name}`),
      h('p', {}, h('a', { href: `#/tasks/${encodeURIComponent(id)}` }, '← Back to the task')), graphBox);
    await drawGraphNow();
    ctx.every(10_000, drawGraphNow);
    return;
  }

  const act = async (label, method, path) => {
    actionResult.className = '';
    replace(actionResult, `${label}…`);
    try {
      const reply = await api(path, { method, signal: ctx.signal });
      actionResult.className = 'ok';
      replace(actionResult, `${label}: done.`);
      return reply;
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      actionResult.className = 'error';
      replace(actionResult, `${label} refused (${error.status} ${error.code}): ${error.message}`);
      return null;
    }
  };

  const confirmBox = h('span', { class: 'confirm', hidden: true },
    'Delete this task and its logs? ',
    h('button', { type: 'button', class: 'danger', id: 'confirm-delete', onclick: async () => {
      confirmBox.hidden = true;
      if (await act('Delete', 'DELETE', `tasks/${encodeURIComponent(id)}`)) {
        flash(`Task ${task.name} deleted.`);
        navigate('#/tasks');
      }
    } }, 'Yes, delete'), ' ',
    h('button', { type: 'button', onclick: () => { confirmBox.hidden = true; } }, 'Keep it'));
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' },
    h('button', { type: 'button', id: 'cancel-task', onclick: async () => { if (await act('Cancel', 'POST', `tasks/${encodeURIComponent(id)}/cancel`)) await refresh(); } }, 'Cancel'),
    h('button', { type: 'button', id: 'retry-task', onclick: async () => { if (await act('Retry', 'POST', `tasks/${encodeURIComponent(id)}/retry`)) await refresh(); } }, 'Retry'),
    h('button', { type: 'button', id: 'delete-task', class: 'danger', onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } }, 'Delete'),
    confirmBox);

  // The whole log (for the attempts) and, when a level is chosen, that level's lines for display.
  const all = new LogStream(id, undefined);
  let shown = all;
  const logList = h('ol', { class: 'log', id: 'log-lines', 'aria-live': 'off' });
  const logInfo = h('p', { class: 'muted', id: 'log-info' });
  const follow = h('input', { type: 'checkbox', id: 'follow-log', checked: true });
  const levelSelect = h('select', { id: 'log-level' }, h('option', { value: '' }, 'all'), LEVELS.map(l => h('option', { value: l }, l)));
  const drawLogs = () => {
    replace(logList, logItems(shown.lines));
    replace(logInfo, `${shown.lines.length} lines${shown.skipped ? ` (the first ${shown.skipped} are not shown)` : ''}` +
      (TERMINAL.has(task.status) ? '; the task has ended.' : '; following while the task runs.'));
    if (follow.checked) logList.scrollTop = logList.scrollHeight;
    replace(attemptsBox, attemptsTable(attemptsFrom(all.lines, task)));
  };
  levelSelect.addEventListener('change', async () => {
    shown = levelSelect.value ? new LogStream(id, levelSelect.value) : all;
    if (shown !== all) await shown.poll(ctx.signal);
    drawLogs();
  });

  const drawCheckpoint = () => replace(checkpoint, task.checkpoint_data ? JSON.stringify(task.checkpoint_data, null, 2) : 'No checkpoint.');

  replace(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, '← Tasks')),
    h('div', { class: 'row' }, title, status),
    actions, actionResult,
    h('section', { class: 'card wide', 'aria-labelledby': 'fields-title' }, h('h2', { id: 'fields-title' }, 'Fields'), fieldsBox),
    h('section', { class: 'card wide', 'aria-labelledby': 'attempts-title' }, h('h2', { id: 'attempts-title' }, 'Attempts'), attemptsBox),
    h('section', { class: 'card wide', 'aria-labelledby': 'logs-title' },
      h('div', { class: 'row' }, h('h2', { id: 'logs-title' }, 'Log'),
        h('span', {}, h('label', { for: 'log-level' }, 'Level '), levelSelect, ' ', h('label', { class: 'inline' }, follow, ' Follow'))),
      logInfo, logList),
    h('section', { class: 'card wide', 'aria-labelledby': 'checkpoint-title' }, h('h2', { id: 'checkpoint-title' }, 'Checkpoint'), checkpoint),
    h('section', { class: 'card wide', 'aria-labelledby': 'graph-title' },
      h('div', { class: 'row' }, h('h2', { id: 'graph-title' }, 'Dependencies'), h('a', { href: `#/tasks/${encodeURIComponent(id)}/graph` }, 'Open on its own')),
      graphBox));

  let lastStatus = task.status;
  const refresh = async () => {
    task = (await api(`tasks/${encodeURIComponent(id)}`, { signal: ctx.signal })).data;
    replace(status, statusBadge(task.status));
    replace(fieldsBox, fields(task));
    drawCheckpoint();
    await all.poll(ctx.signal);
    if (shown !== all) await shown.poll(ctx.signal);
    drawLogs();
    if (task.status !== lastStatus) {
      lastStatus = task.status;
      await drawGraphNow();
    }
  };

  drawCheckpoint();
  await all.poll(ctx.signal);
  drawLogs();
  await drawGraphNow();
  let ended = TERMINAL.has(task.status);
  ctx.every(1_500, async () => {
    // While the task runs the log follows every 1.5 s; once it has ended, one more read catches the last lines.
    if (ended && TERMINAL.has(task.status)) return;
    ended = TERMINAL.has(task.status);
    await refresh();
  });
  ctx.every(10_000, async () => { if (TERMINAL.has(task.status)) await refresh(); });
}
