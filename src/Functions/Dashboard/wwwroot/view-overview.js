// Overview: system status, task counts by status, queue depths per band, and the metrics series as charts.
import { api, withQuery } from './api.js';
import { h, replace, formatNumber, STATUSES, statusBadge } from './dom.js';
import { lineChart } from './charts.js';

const PERIODS = ['hour', 'day', 'week', 'month'];
let period = 'hour';

async function taskCounts(signal) {
  // One page of one task per status: the totals come from the API's counters, never from reading tasks.
  const pages = await Promise.all(STATUSES.map(status => api(withQuery('tasks', { status, limit: 1 }), { signal })));
  return STATUSES.map((status, i) => [status, pages[i].meta?.total ?? 0]);
}

function statusSection(status) {
  const components = Object.entries(status.components ?? {});
  return h('section', { class: 'card', 'aria-labelledby': 'status-title' },
    h('h2', { id: 'status-title' }, 'System ', h('span', { id: 'system-status', class: `health health-${status.status}` }, status.status)),
    h('p', { class: 'muted' }, `Version ${status.version ?? '?'}, up ${formatNumber((status.uptime ?? 0) / 3600, 1)} h`),
    h('table', { class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Component'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Detail'))),
      h('tbody', {}, components.map(([name, c]) => h('tr', {},
        h('th', { scope: 'row' }, name.replace('_', ' ')),
        h('td', {}, h('span', { class: `health health-${c.status}` }, c.status)),
        h('td', {}, name === 'workers'
          ? `${c.active_count} active, ${c.idle_count} idle, ${c.offline_count} offline`
          : c.latency_ms !== undefined ? `${formatNumber(c.latency_ms, 1)} ms` : (c.details?.error ?? '')))))));
}

function countsSection(counts, stats) {
  return h('section', { class: 'card', 'aria-labelledby': 'counts-title' },
    h('h2', { id: 'counts-title' }, 'Tasks by status'),
    h('ul', { class: 'counts', id: 'task-counts' }, counts.map(([status, total]) =>
      h('li', {}, h('a', { href: `#/tasks?status=${status}`, 'data-status': status }, statusBadge(status), h('strong', {}, formatNumber(total)))))),
    h('p', { class: 'muted' }, `Today (UTC): ${formatNumber(stats.completed_today)} completed, ${formatNumber(stats.failed_today)} failed.`));
}

function queuesSection(depths) {
  const bands = [['high', 'High (8-10)', depths.high_priority], ['normal', 'Normal (4-7)', depths.normal_priority], ['low', 'Low (1-3)', depths.low_priority]];
  const max = Math.max(1, ...bands.map(b => b[2] ?? 0));
  return h('section', { class: 'card', 'aria-labelledby': 'queues-title' },
    h('h2', { id: 'queues-title' }, 'Queue depths'),
    h('dl', { class: 'bars', id: 'queue-depths' }, bands.map(([band, label, depth]) => [
      h('dt', {}, label),
      h('dd', { 'data-band': band }, h('meter', { min: 0, max, value: depth ?? 0, 'aria-label': `${label} queue depth` }), ` ${formatNumber(depth)}`),
    ])));
}

async function metricsSection(signal) {
  const metrics = await api(withQuery('system/metrics', { period }), { signal });
  const data = metrics.data ?? {};
  const switcher = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Period' }, PERIODS.map(p =>
    h('button', { type: 'button', 'aria-pressed': String(p === period), 'data-period': p, onclick: () => { period = p; refreshMetrics(); } }, p)));
  const charts = h('div', { class: 'charts' },
    lineChart({ id: 'chart-completion', title: 'Completed tasks per bucket', points: data.task_completion_rate ?? [], period, format: v => formatNumber(v, 1) }),
    lineChart({ id: 'chart-errors', title: 'Error rate (failed / finished)', points: data.error_rate ?? [], period, format: v => `${formatNumber(v * 100, 1)}%` }),
    lineChart({ id: 'chart-duration', title: 'Average execution time', points: data.average_execution_time ?? [], period, format: v => formatNumber(v, 1), unit: ' s' }));
  const section = h('section', { class: 'card wide', 'aria-labelledby': 'metrics-title', id: 'metrics' },
    h('div', { class: 'row' }, h('h2', { id: 'metrics-title' }, 'Metrics'), switcher),
    charts);
  let refreshMetrics = async () => {
    const fresh = await metricsSection(signal);
    section.replaceWith(fresh);
    fresh.querySelector(`[data-period="${period}"]`)?.focus();
  };
  return section;
}

export async function renderOverview(main, ctx) {
  const draw = async () => {
    const [status, counts, metrics] = await Promise.all([
      api('system/status', { signal: ctx.signal }),
      taskCounts(ctx.signal),
      metricsSection(ctx.signal),
    ]);
    const s = status.data;
    const focusedPeriod = document.activeElement?.dataset?.period;
    replace(main,
      h('h1', {}, 'Overview'),
      h('div', { class: 'grid' },
        statusSection(s),
        countsSection(counts, s.task_stats ?? {}),
        queuesSection(s.queue_depths ?? {}),
        metrics),
      h('p', { class: 'muted' }, `Refreshed ${new Date().toLocaleTimeString()}; refreshes every 10 s.`));
    if (focusedPeriod) main.querySelector(`[data-period="${focusedPeriod}"]`)?.focus();
  };
  await draw();
  ctx.every(10_000, draw);
}
