// Schedules: every recurring schedule with its recurrence, status, next and last fire times, and pause, resume and
// run-now buttons; the newest tasks each one made. Refreshed every 2 s.
import { api, withQuery } from './api.js';
import { h, replace, formatTime, formatAge, statusBadge } from './dom.js';

function recurrence(schedule) {
  return schedule.cron
    ? `cron ${schedule.cron} (${schedule.timezone})`
    : `every ${schedule.interval_seconds} s`;
}

function row(schedule, act) {
  const actions = h('td', { class: 'actions' },
    schedule.paused
      ? h('button', { type: 'button', onclick: () => act(schedule, 'resume') }, 'Resume')
      : h('button', { type: 'button', onclick: () => act(schedule, 'pause') }, 'Pause'),
    ' ',
    h('button', { type: 'button', onclick: () => act(schedule, 'trigger') }, 'Run now'));
  return h('tr', { 'data-schedule-id': schedule.id },
    h('td', {}, schedule.name, h('div', { class: 'muted' }, schedule.id)),
    h('td', {}, recurrence(schedule)),
    h('td', {}, h('span', { class: `badge schedule-${schedule.status}` }, schedule.status)),
    h('td', { class: 'next-fire', title: schedule.next_fire_at ?? '' }, formatTime(schedule.next_fire_at)),
    h('td', {}, schedule.last_task_id
      ? [formatAge(schedule.last_fire_at), ' ', h('a', { href: `#/tasks/${encodeURIComponent(schedule.last_task_id)}` }, 'task')]
      : '—'),
    h('td', {}, `${schedule.overlap_policy} / ${schedule.catchup_policy}`),
    actions);
}

export async function renderSchedules(main, ctx, query) {
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const body = h('tbody', { id: 'schedules' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const runs = h('section', { 'aria-label': 'Recent runs' });

  const showRuns = async schedule => {
    const result = await api(withQuery(`schedules/${encodeURIComponent(schedule.id)}/runs`, { limit: 10 }), { signal: ctx.signal });
    replace(runs, h('h2', {}, `Recent runs of ${schedule.name}`),
      result.data.length
        ? h('ul', {}, result.data.map(t => h('li', {}, h('a', { href: `#/tasks/${encodeURIComponent(t.id)}` }, t.id), ' ', statusBadge(t.status))))
        : h('p', { class: 'empty' }, 'No runs yet.'));
  };

  // The schedule acted on last: its runs are shown and refreshed with the list.
  let selected = null;
  const act = async (schedule, action) => {
    await api(`schedules/${encodeURIComponent(schedule.id)}/${action}`, { method: 'POST', signal: ctx.signal });
    selected = schedule;
    await draw();
  };

  const draw = async () => {
    const result = await api(withQuery('schedules', { page, limit: 20 }), { signal: ctx.signal });
    replace(body, result.data.length
      ? result.data.map(s => row(s, act))
      : h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No schedules. Create one with POST /api/schedules.')));
    replace(summary, `${result.meta?.total ?? 0} schedules`);
    if (selected) await showRuns(selected);
  };

  replace(main,
    h('h1', {}, 'Schedules'),
    summary,
    h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Recurrence', 'Status', 'Next fire', 'Last fire', 'Overlap / catch-up', ''].map(t => h('th', { scope: 'col' }, t)))),
      body),
    runs);
  await draw();
  ctx.every(2_000, draw);
}
