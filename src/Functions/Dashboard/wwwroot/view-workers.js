// Workers: each worker's status, heartbeat age (ticking), current tasks and resource usage; refreshed every 5 s.
import { api, withQuery } from './api.js';
import { h, replace, formatAge, formatNumber } from './dom.js';
import { navigate } from './app.js';

function usage(label, value) {
  const known = typeof value === 'number';
  return h('div', { class: 'usage' },
    h('span', { class: 'usage-label' }, label),
    h('meter', { min: 0, max: 1, low: 0.7, high: 0.9, optimum: 0, value: known ? value : 0, 'aria-label': `${label} usage` }),
    h('span', {}, known ? `${formatNumber(value * 100, 0)}%` : '—'));
}

function card(worker, highlight) {
  const r = worker.resources ?? {};
  return h('article', { class: `card worker${worker.id === highlight ? ' highlight' : ''}`, 'data-worker-id': worker.id, 'aria-labelledby': `w-${worker.id}` },
    h('h2', { id: `w-${worker.id}` }, worker.hostname, ' ', h('span', { class: `badge worker-${worker.status}` }, worker.status)),
    h('dl', { class: 'fields' },
      h('dt', {}, 'ID'), h('dd', {}, worker.id),
      h('dt', {}, 'Heartbeat'), h('dd', {}, h('span', { class: 'heartbeat', 'data-at': worker.last_heartbeat }, formatAge(worker.last_heartbeat))),
      h('dt', {}, 'Current tasks'), h('dd', { class: 'current-tasks' }, (worker.current_task_ids ?? []).length
        ? worker.current_task_ids.map((id, i) => [i ? ', ' : '', h('a', { href: `#/tasks/${encodeURIComponent(id)}` }, id)])
        : 'none'),
      h('dt', {}, 'Completed / failed'), h('dd', {}, `${formatNumber(worker.tasks_completed)} / ${formatNumber(worker.tasks_failed)}`),
      h('dt', {}, 'Version'), h('dd', {}, worker.version),
      h('dt', {}, 'Tags'), h('dd', {}, (worker.tags ?? []).join(', ') || '—'),
      h('dt', {}, 'Registered'), h('dd', {}, formatAge(worker.registered_at))),
    h('div', { class: 'resources' }, usage('CPU', r.cpu_usage), usage('Memory', r.memory_usage), usage('Disk', r.disk_usage)));
}

export async function renderWorkers(main, ctx, query) {
  const status = query.get('status') ?? '';
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const highlight = query.get('highlight');
  const list = h('div', { class: 'grid', id: 'workers' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const filter = h('select', { id: 'worker-status' }, ['', 'active', 'idle', 'offline'].map(s => h('option', { value: s, selected: s === status }, s || 'any')));
  filter.addEventListener('change', () => navigate(`#/${withQuery('workers', { status: filter.value })}`));

  const draw = async () => {
    const result = await api(withQuery('workers', { status, page, limit: 20 }), { signal: ctx.signal });
    // The list has no resources or task ids: one detail read per worker on this page (at most 20).
    const details = await Promise.all(result.data.map(w =>
      api(`workers/${encodeURIComponent(w.id)}`, { signal: ctx.signal }).then(d => d.data, () => w)));
    replace(list, details.length ? details.map(w => card(w, highlight)) : h('p', { class: 'empty' }, 'No workers. Start one with scripts/agent.sh.'));
    const pages = result.meta?.pages ?? 0;
    replace(summary, `${result.meta?.total ?? 0} workers`);
    replace(pager,
      page > 1 ? h('a', { href: `#/${withQuery('workers', { status, page: page - 1 })}`, rel: 'prev' }, '‹ Previous') : null,
      h('span', {}, `Page ${page} of ${Math.max(pages, 1)}`),
      page < pages ? h('a', { href: `#/${withQuery('workers', { status, page: page + 1 })}`, rel: 'next' }, 'Next ›') : null);
  };

  replace(main,
    h('h1', {}, 'Workers'),
    h('div', { class: 'row' }, summary, h('span', {}, h('label', { for: 'worker-status' }, 'Status '), filter)),
    list, pager);
  await draw();
  ctx.every(5_000, draw);
  ctx.every(1_000, async () => {
    for (const el of list.querySelectorAll('.heartbeat')) el.textContent = formatAge(el.dataset.at);
  });
}
