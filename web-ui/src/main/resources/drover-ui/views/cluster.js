// Cluster: totals, the GPU heatmap of every node, and charts of queue depth, running jobs and utilization.

import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { TimeChart } from '../charts.js';
import { Heatmap, LEGEND, cellState, CellState } from '../heatmap.js';
import { store, subscribe } from '../store.js';
import { bytes, pct } from '../util.js';

function Totals({ sample }) {
  const s = sample || {};
  const items = [
    ['Nodes ready', s.nodes == null ? '–' : s.nodesReady + ' / ' + s.nodes],
    ['GPUs allocated', s.gpus == null ? '–' : s.gpusAllocated + ' / ' + s.gpus],
    ['GPUs free', s.gpusFree ?? '–'],
    ['GPUs unhealthy', s.gpusUnhealthy ?? '–'],
    ['GPUs cordoned / not ready', s.gpusUnavailable ?? '–'],
    ['Mean GPU utilization', pct(s.utilizationPercent)],
    ['Jobs pending', s.jobsPending ?? '–'],
    ['Jobs running', s.jobsRunning == null ? '–' : s.jobsRunning + (s.jobsStarting ? ' (+' + s.jobsStarting + ' starting)' : '')],
  ];
  return h('dl', { class: 'totals', 'aria-label': 'Cluster totals' },
    items.map(([k, v]) => h('div', { class: 'total' }, h('dt', null, k), h('dd', null, String(v)))));
}

const STATE_NAMES = {
  [CellState.FREE]: 'free',
  [CellState.ALLOCATED]: 'allocated',
  [CellState.UNHEALTHY]: 'unhealthy',
  [CellState.UNAVAILABLE]: 'cordoned or draining',
  [CellState.NOT_READY]: 'node not ready',
  [CellState.DEGRADED]: 'degraded',
};

/** The text of a cell, for the tooltip and the details panel alike. */
export function cellText(cell) {
  const { node, gpu } = cell;
  const rows = [
    ['Node', node.name + ' (' + node.status + (node.cordoned ? ', cordoned' : '') + (node.draining ? ', draining' : '') + ')'],
    ['GPU', gpu.index + (gpu.name ? ' · ' + gpu.name : '')],
    ['State', STATE_NAMES[cellState(node, gpu)] + (gpu.health && gpu.health !== 'Healthy' ? ' · ' + gpu.health : '')],
  ];
  if (gpu.allocatedTo) rows.push(['Job', gpu.allocatedTo]);
  if (gpu.healthReason) rows.push(['Health', gpu.healthReason]);
  rows.push(['Utilization', pct(gpu.utilizationPercent)]);
  rows.push(['Memory', gpu.memoryUsedBytes == null ? '–' : bytes(gpu.memoryUsedBytes) + ' / ' + bytes(gpu.memoryBytes)]);
  rows.push(['Temperature', gpu.temperatureC == null ? '–' : gpu.temperatureC + ' °C']);
  rows.push(['Power', gpu.powerWatts == null ? '–' : Math.round(gpu.powerWatts) + ' W']);
  return rows;
}

function CellDetails({ cell }) {
  if (!cell) {
    return h('p', { class: 'muted' }, 'Select a GPU: hover or click it, or focus the map and use the arrow keys.');
  }
  const rows = cellText(cell);
  const job = cell.gpu.allocatedTo ? cell.gpu.allocatedTo.split('/')[0] : null;
  return h('div', null,
    h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('p', { class: 'links' },
      h('a', { href: '#/nodes/' + encodeURIComponent(cell.node.name) }, 'Node ' + cell.node.name),
      job && store.jobs.has(job) ? [' · ', h('a', { href: '#/jobs/' + job }, 'Job ' + job)] : null));
}

function HeatmapPanel() {
  const canvasRef = useRef(null);
  const mapRef = useRef(null);
  const [selected, setSelected] = useState(null);
  const [tip, setTip] = useState(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    const map = new Heatmap(canvas, { onSelect: setSelected });
    mapRef.current = map;
    // for the benchmark and tests: the live instance that draws this page
    window.droverHeatmap = map;
    const redraw = () => {
      map.setNodes(store.nodes.values());
      map.draw();
      if (map.selected >= 0) setSelected(map.describe(map.selected));
    };
    redraw();
    const unsub = subscribe(({ nodes }) => {
      if (nodes.size) redraw();
    });
    const ro = new ResizeObserver(() => {
      map.layout(canvas.parentElement.clientWidth);
      map.draw();
    });
    ro.observe(canvas.parentElement);
    return () => {
      unsub();
      ro.disconnect();
      if (window.droverHeatmap === map) delete window.droverHeatmap;
    };
  }, []);

  const point = e => {
    const r = canvasRef.current.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const onMove = e => {
    const [x, y] = point(e);
    const c = mapRef.current.cellAt(x, y);
    setTip(c < 0 ? null : { cell: mapRef.current.describe(c), x, y });
  };
  const onClick = e => {
    const [x, y] = point(e);
    const c = mapRef.current.cellAt(x, y);
    if (c >= 0) mapRef.current.select(c);
  };
  const onKey = e => {
    const map = mapRef.current;
    if ((e.key === 'Enter' || e.key === ' ') && map.selected >= 0) {
      e.preventDefault();
      location.hash = '#/nodes/' + encodeURIComponent(map.describe(map.selected).node.name);
      return;
    }
    if (map.key(e)) e.preventDefault();
  };
  const onFocus = () => {
    const map = mapRef.current;
    if (map.selected < 0 && map.cells) map.select(0);
  };

  const n = store.nodes.size;
  return h('section', { class: 'panel heatmap-panel', 'aria-labelledby': 'heatmap-title' },
    h('h2', { id: 'heatmap-title' }, 'GPUs by node'),
    h('ul', { class: 'legend', 'aria-label': 'Legend' }, LEGEND.map(l =>
      h('li', null, h('span', { class: 'swatch', 'data-color': l.color, ref: el => el && (el.style.background = l.color) }), l.label))),
    h('div', { class: 'heatmap-layout' },
      h('div', { class: 'heatmap-wrap', onMouseLeave: () => setTip(null) },
        h('canvas', {
          ref: canvasRef, id: 'heatmap', tabIndex: 0, role: 'img',
          'aria-label': 'Heatmap of ' + n + ' nodes\' GPUs. Arrow keys select a GPU, Enter opens its node.',
          'aria-describedby': 'heatmap-details', onMouseMove: onMove, onClick, onKeyDown: onKey, onFocus,
        }),
        tip ? h('div', { class: 'tooltip', role: 'tooltip', ref: el => el && place(el, tip) },
          cellText(tip.cell).map(([k, v]) => h('div', null, h('b', null, k + ': '), v))) : null,
        n === 0 ? h('p', { class: 'muted' }, 'No node has registered yet.') : null),
      h('aside', { id: 'heatmap-details', class: 'cell-details', 'aria-live': 'polite', 'aria-label': 'Selected GPU' },
        h('h3', null, 'Selected GPU'), h(CellDetails, { cell: selected }))));
}

function place(el, tip) {
  const w = el.parentElement.clientWidth;
  el.style.left = Math.min(tip.x + 14, Math.max(0, w - el.offsetWidth - 4)) + 'px';
  el.style.top = tip.y + 14 + 'px';
}

const QUEUE_SERIES = [
  { label: 'Pending jobs', color: '#d9822b' },
  { label: 'Running jobs', color: '#2f6fad' },
];
const GPU_SERIES = [
  { label: 'Mean utilization', color: '#2e8b57' },
  { label: 'Allocated', color: '#2f6fad' },
];

function Charts({ history }) {
  const data = useMemo(() => {
    const xs = history.map(s => Date.parse(s.at) / 1000);
    return {
      jobs: [xs, history.map(s => s.jobsPending), history.map(s => s.jobsRunning + s.jobsStarting)],
      gpus: [xs, history.map(s => s.utilizationPercent), history.map(s => (s.gpus ? (100 * s.gpusAllocated) / s.gpus : null))],
    };
  }, [history.length, history[history.length - 1]]);
  return h('section', { class: 'panel charts', 'aria-label': 'Charts over the last 30 minutes' },
    h(TimeChart, { title: 'Queue depth and running jobs', data: data.jobs, series: QUEUE_SERIES }),
    h(TimeChart, { title: 'GPU utilization and allocation (%)', data: data.gpus, series: GPU_SERIES, yRange: [0, 100], unit: '%' }));
}

export function ClusterView() {
  return h('div', { class: 'view cluster-view' },
    h('h1', null, 'Cluster'),
    h(Totals, { sample: store.sample }),
    h(HeatmapPanel, null),
    h(Charts, { history: store.history }));
}
