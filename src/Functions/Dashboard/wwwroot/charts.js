// Line charts of the metrics series as inline SVG: no library, nothing fetched from elsewhere.
import { h, s, formatNumber } from './dom.js';

const WIDTH = 600;
const HEIGHT = 220;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };

function label(timestamp, period) {
  const d = new Date(timestamp);
  if (period === 'hour') return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (period === 'month') return d.toLocaleDateString(undefined, { year: '2-digit', month: 'short' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/**
 * A figure with the chart and, for screen readers and exact values, the same points as a table.
 * @param points [{timestamp, value}]
 */
export function lineChart({ id, title, points, period, format = v => formatNumber(v, 2), unit = '' }) {
  const values = points.map(p => Number(p.value) || 0);
  const max = Math.max(...values, 0);
  const top = max === 0 ? 1 : max * 1.1;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = i => PAD.left + (points.length <= 1 ? innerW / 2 : (i * innerW) / (points.length - 1));
  const y = v => PAD.top + innerH - (v / top) * innerH;

  const grid = [0, 0.5, 1].map(f => {
    const v = top * f;
    return s('g', { class: 'grid' },
      s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
      s('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  });
  const ticks = points.length === 0 ? [] : [0, Math.floor((points.length - 1) / 2), points.length - 1]
    .filter((v, i, all) => all.indexOf(v) === i)
    .map(i => s('text', { class: 'tick', x: x(i), y: HEIGHT - 10, 'text-anchor': i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle' },
      label(points[i].timestamp, period)));
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(values[i]).toFixed(1)}`).join(' ');
  const dots = points.map((p, i) => s('circle', { cx: x(i), cy: y(values[i]), r: 3 },
    s('title', {}, `${label(p.timestamp, period)}: ${format(values[i])}${unit}`)));

  const total = values.reduce((a, b) => a + b, 0);
  const summary = `${title}: ${points.length} buckets, highest ${format(max)}${unit}, latest ${format(values.at(-1) ?? 0)}${unit}`;
  return h('figure', { class: 'chart', id, 'data-points': points.length, 'data-total': total },
    h('figcaption', {}, title),
    s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary },
      grid,
      s('path', { class: 'line', d: path }),
      dots,
      ticks),
    h('details', {},
      h('summary', {}, 'Values'),
      h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Bucket start'), h('th', { scope: 'col' }, 'Value'))),
        h('tbody', {}, points.map((p, i) => h('tr', {}, h('td', {}, label(p.timestamp, period)), h('td', {}, `${format(values[i])}${unit}`)))))));
}
