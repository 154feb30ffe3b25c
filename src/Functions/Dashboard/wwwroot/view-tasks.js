// Tasks: one page of the list with the API's filters, sorting and paging, all kept in the URL (#/tasks?status=...),
// refreshed in place every 5 s so the person keeps their page, filters, scroll position and focus.
import { api, withQuery } from './api.js';
import { h, replace, formatTime, statusBadge, STATUSES } from './dom.js';
import { navigate } from './app.js';

const SORTS = [['created_at', 'Created'], ['updated_at', 'Updated'], ['priority', 'Priority'], ['scheduled_at', 'Scheduled'], ['name', 'Name']];
const LIMITS = ['10', '20', '50', '100'];

function readQuery(query) {
  return {
    status: query.get('status') ?? '',
    tag: query.get('tag') ?? '',
    sort: query.get('sort') ?? 'created_at',
    order: query.get('order') ?? 'desc',
    page: Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1),
    limit: query.get('limit') ?? '20',
  };
}

function hashFor(state) {
  const query = { ...state };
  if (query.sort === 'created_at') delete query.sort;
  if (query.order === 'desc') delete query.order;
  if (query.page === 1) delete query.page;
  if (query.limit === '20') delete query.limit;
  return `#/${withQuery('tasks', query)}`;
}

function select(id, label, value, options) {
  return h('div', { class: 'filter' }, h('label', { for: id }, label), h('select', { id, name: id },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function rows(tasks) {
  if (tasks.length === 0) return [h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No tasks match.'))];
  return tasks.map(t => h('tr', { 'data-task-id': t.id },
    h('td', {}, h('a', { href: `#/tasks/${encodeURIComponent(t.id)}` }, t.name)),
    h('td', {}, statusBadge(t.status)),
    h('td', { class: 'num' }, String(t.priority)),
    h('td', {}, formatTime(t.created_at)),
    h('td', { class: 'opt' }, formatTime(t.scheduled_at)),
    h('td', { class: 'num opt' }, `${t.retry_count}/${t.max_retries}`),
    h('td', { class: 'opt' }, (t.tags ?? []).join(', '))));
}

export async function renderTasks(main, ctx, query) {
  const state = readQuery(query);
  const path = withQuery('tasks', { status: state.status, tag: state.tag, sort: state.sort, order: state.order, page: state.page, limit: state.limit });
  let result;
  try {
    result = await api(path, { signal: ctx.signal });
  } catch (error) {
    if (error.status !== 400) throw error;
    result = { data: [], meta: { page: state.page, pages: 0, total: 0 }, error };
  }

  const form = h('form', { class: 'filters', id: 'task-filters', 'aria-label': 'Filter and sort' },
    select('filter-status', 'Status', state.status, [['', 'Any'], ...STATUSES.map(s => [s, s])]),
    h('div', { class: 'filter' }, h('label', { for: 'filter-tag' }, 'Tag'),
      h('input', { id: 'filter-tag', name: 'tag', value: state.tag, autocomplete: 'off', size: 14 })),
    select('filter-sort', 'Sort by', state.sort, SORTS),
    select('filter-order', 'Order', state.order, [['desc', 'Descending'], ['asc', 'Ascending']]),
    select('filter-limit', 'Per page', state.limit, LIMITS.map(l => [l, l])),
    h('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    navigate(hashFor({
      status: form.querySelector('#filter-status').value,
      tag: form.querySelector('#filter-tag').value.trim(),
      sort: form.querySelector('#filter-sort').value,
      order: form.querySelector('#filter-order').value,
      page: 1,
      limit: form.querySelector('#filter-limit').value,
    }));
  });
  for (const id of ['filter-status', 'filter-sort', 'filter-order', 'filter-limit']) {
    form.querySelector(`#${id}`).addEventListener('change', () => form.requestSubmit());
  }

  const tbody = h('tbody', {}, rows(result.data));
  const summary = h('p', { id: 'task-summary', class: 'muted', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const live = h('input', { type: 'checkbox', id: 'live-refresh', checked: true });

  const drawMeta = meta => {
    const pages = meta.pages ?? 0;
    replace(summary, `${meta.total ?? 0} tasks, page ${state.page} of ${Math.max(pages, 1)}`);
    replace(pager,
      state.page > 1 ? h('a', { href: hashFor({ ...state, page: 1 }), rel: 'first' }, '« First') : null,
      state.page > 1 ? h('a', { href: hashFor({ ...state, page: state.page - 1 }), rel: 'prev' }, '‹ Previous') : null,
      h('span', {}, `Page ${state.page} of ${Math.max(pages, 1)}`),
      state.page < pages ? h('a', { href: hashFor({ ...state, page: state.page + 1 }), rel: 'next' }, 'Next ›') : null,
      state.page < pages ? h('a', { href: hashFor({ ...state, page: pages }), rel: 'last' }, 'Last »') : null);
  };
  drawMeta(result.meta ?? {});

  replace(main,
    h('div', { class: 'row' }, h('h1', {}, 'Tasks'), h('a', { class: 'button', href: '#/create' }, 'New task')),
    form,
    result.error ? h('p', { class: 'error', role: 'alert' }, result.error.message) : null,
    h('div', { class: 'row' }, summary, h('label', { class: 'inline' }, live, ' Live refresh')),
    h('div', { class: 'table-wrap' },
      h('table', { id: 'task-table' },
        h('thead', {}, h('tr', {}, ['Name', 'Status', 'Priority', 'Created', 'Scheduled', 'Retries', 'Tags']
          .map((c, i) => h('th', { scope: 'col', class: i >= 4 ? 'opt' : null }, c)))),
        tbody)),
    pager);

  ctx.every(5_000, async () => {
    if (!live.checked || result.error) return;
    const fresh = await api(path, { signal: ctx.signal });
    // Rows are replaced in place: the page, filters and scroll stay; a focused link keeps its focus.
    const focused = tbody.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    replace(tbody, rows(fresh.data));
    drawMeta(fresh.meta ?? {});
    if (focused) tbody.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus();
  });
}
