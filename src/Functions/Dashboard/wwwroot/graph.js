// The dependency graph of one task: upstream (what it waits for) to the left, downstream (what waits for it) to the
// right, drawn as inline SVG. Each node is a link to its task, coloured by status and labelled with it too.
import { api, withQuery } from './api.js';
import { h, s } from './dom.js';

const MAX_DEPTH = 3;
const MAX_NODES = 60;
const NODE_W = 200;
const NODE_H = 48;
const COL_GAP = 70;
const ROW_GAP = 16;

async function fetchTask(id, signal) {
  try {
    return (await api(`tasks/${encodeURIComponent(id)}`, { signal })).data;
  } catch (error) {
    if (error.status === 404) return { id, name: '(deleted)', status: 'deleted', dependencies: [] };
    throw error;
  }
}

/** Walks up to MAX_DEPTH levels each way from the task; returns {nodes: Map(id -> {task, level}), edges: [[from, to]]}. */
export async function loadGraph(root, signal) {
  const nodes = new Map([[root.id, { task: root, level: 0 }]]);
  const edges = new Set();
  let truncated = false;

  let frontier = [root];
  for (let level = -1; level >= -MAX_DEPTH && frontier.length; level--) {
    const next = [];
    for (const task of frontier) {
      for (const dep of task.dependencies ?? []) {
        edges.add(`${dep}\u0000${task.id}`);
        if (nodes.has(dep)) continue;
        if (nodes.size >= MAX_NODES) { truncated = true; continue; }
        nodes.set(dep, { task: null, level });
        next.push(dep);
      }
    }
    const fetched = await Promise.all(next.map(id => fetchTask(id, signal)));
    fetched.forEach(t => { nodes.get(t.id).task = t; });
    frontier = fetched;
  }

  frontier = [root];
  for (let level = 1; level <= MAX_DEPTH && frontier.length; level++) {
    const pages = await Promise.all(frontier.map(task =>
      api(withQuery(`tasks/${encodeURIComponent(task.id)}/dependents`, { limit: 100 }), { signal })));
    const next = [];
    pages.forEach((page, i) => {
      if (page.meta && page.meta.total > page.data.length) truncated = true;
      for (const dependent of page.data) {
        edges.add(`${frontier[i].id}\u0000${dependent.id}`);
        if (nodes.has(dependent.id)) continue;
        if (nodes.size >= MAX_NODES) { truncated = true; continue; }
        nodes.set(dependent.id, { task: dependent, level });
        next.push(dependent);
      }
    });
    frontier = next;
  }

  return { nodes, edges: [...edges].map(e => e.split('\u0000')).filter(([a, b]) => nodes.has(a) && nodes.has(b)), truncated };
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function drawGraph({ nodes, edges, truncated }, rootId) {
  const levels = [...new Set([...nodes.values()].map(n => n.level))].sort((a, b) => a - b);
  const columns = new Map(levels.map(l => [l, [...nodes.entries()].filter(([, n]) => n.level === l).map(([id]) => id)]));
  const rows = Math.max(...[...columns.values()].map(c => c.length));
  const width = levels.length * NODE_W + (levels.length - 1) * COL_GAP + 20;
  const height = rows * NODE_H + (rows - 1) * ROW_GAP + 20;
  const position = new Map();
  levels.forEach((level, col) => {
    const ids = columns.get(level);
    const offset = ((rows - ids.length) * (NODE_H + ROW_GAP)) / 2;
    ids.forEach((id, row) => position.set(id, { x: 10 + col * (NODE_W + COL_GAP), y: 10 + offset + row * (NODE_H + ROW_GAP) }));
  });

  const lines = edges.map(([from, to]) => {
    const a = position.get(from);
    const b = position.get(to);
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x - 4;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    return s('path', { class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' });
  });
  const boxes = [...nodes.entries()].map(([id, { task }]) => {
    const p = position.get(id);
    const status = task?.status ?? 'unknown';
    const name = task?.name ?? id;
    return s('a', { href: `#/tasks/${encodeURIComponent(id)}`, class: `node status-${status}${id === rootId ? ' root' : ''}`, 'data-task-id': id, 'data-status': status },
      s('title', {}, `${name} (${status}) ${id}`),
      s('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6 }),
      s('text', { x: p.x + 10, y: p.y + 20, class: 'name' }, shorten(name, 26)),
      s('text', { x: p.x + 10, y: p.y + 38, class: 'status' }, status));
  });

  return h('div', { class: 'graph', id: 'dependency-graph', 'data-nodes': nodes.size, 'data-edges': edges.length },
    s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': `Dependency graph: ${nodes.size} tasks, ${edges.length} dependencies` },
      s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))),
      lines,
      boxes),
    h('p', { class: 'hint' }, 'Upstream (what this task waits for) on the left, downstream (what waits for it) on the right; arrows point from a dependency to its dependent.'),
    truncated ? h('p', { class: 'hint' }, `Only the nearest ${MAX_NODES} tasks, up to ${MAX_DEPTH} levels each way, are drawn.`) : null);
}
