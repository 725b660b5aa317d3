// Nodes: every node's status, health and GPUs; one node in depth (GPU telemetry charts, health, history,
// topology) with cordon, uncordon and drain for operators.

import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { postJson, getJson } from '../api.js';
import { TimeChart } from '../charts.js';
import { isOperator, store } from '../store.js';
import { age, bytes, pct, time } from '../util.js';

function nodeState(n) {
  if (n.status !== 'Ready') return 'NotReady';
  if (n.draining) return 'Draining';
  if (n.cordoned) return n.autoCordoned ? 'Cordoned (auto)' : 'Cordoned';
  return 'Schedulable';
}

export function NodesView() {
  const [text, setText] = useState('');
  const rows = useMemo(() => {
    const q = text.trim().toLowerCase();
    return Array.from(store.nodes.values())
      .filter(n => !q || n.name.toLowerCase().includes(q) || Object.entries(n.labels || {}).some(([k, v]) => (k + '=' + v).toLowerCase().includes(q)))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }, [store.nodesVersion, text]);
  const shown = rows.slice(0, 500);
  return h('div', { class: 'view nodes-view' },
    h('h1', null, 'Nodes'),
    h('form', { class: 'filters', role: 'search', onSubmit: e => e.preventDefault() },
      h('label', null, 'Name or label ', h('input', { type: 'search', value: text, onInput: e => setText(e.currentTarget.value), 'aria-label': 'Filter nodes by name or label' }))),
    h('p', { class: 'muted' }, rows.length + ' node' + (rows.length === 1 ? '' : 's') + (rows.length > shown.length ? ', the first 500 shown' : '')),
    h('table', { class: 'grid', id: 'nodes-table' },
      h('thead', null, h('tr', null, ['Node', 'Status', 'Scheduling', 'Health', 'GPUs used', 'Unhealthy', 'Mean util.', 'Labels', 'Last seen']
        .map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', null, shown.map(n => {
        const util = n.gpus.filter(g => g.utilizationPercent != null);
        return h('tr', { key: n.name, 'data-node': n.name },
          h('td', null, h('a', { href: '#/nodes/' + encodeURIComponent(n.name) }, n.name)),
          h('td', null, n.status),
          h('td', null, nodeState(n), n.cordonReason ? h('div', { class: 'muted' }, n.cordonReason) : null),
          h('td', null, h('span', { class: 'badge health-' + (n.health || 'Healthy').toLowerCase() }, n.health || 'Healthy')),
          h('td', { class: 'num' }, n.gpusAllocated + ' / ' + n.gpuCount),
          h('td', { class: 'num' }, n.gpusUnhealthy || 0),
          h('td', { class: 'num' }, util.length ? pct(util.reduce((s, g) => s + g.utilizationPercent, 0) / util.length) : '–'),
          h('td', { class: 'labels' }, Object.entries(n.labels || {}).map(([k, v]) => h('span', { class: 'label' }, k + '=' + v))),
          h('td', null, n.lastSeenAt ? age(n.lastSeenAt) + ' ago' : ''));
      }))));
}

function NodeActions({ node, onChanged }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  if (!isOperator()) return null;
  const act = async verb => {
    setBusy(verb);
    setError(null);
    try {
      const body = verb === 'uncordon' || !reason.trim() ? undefined : { reason: reason.trim() };
      onChanged(await postJson('/api/v1/nodes/' + encodeURIComponent(node.name) + '/' + verb, body));
      setReason('');
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(null);
    }
  };
  const button = (verb, label, show) => show ? h('button', {
    type: 'button', id: verb + '-node', class: verb === 'drain' ? 'danger' : null, disabled: !!busy, onClick: () => act(verb),
  }, busy === verb ? label + '…' : label) : null;
  return h('form', { class: 'actions node-actions', 'aria-label': 'Node actions', onSubmit: e => e.preventDefault() },
    h('label', null, 'Reason ', h('input', {
      id: 'node-reason', type: 'text', value: reason, maxLength: 500, placeholder: 'why (optional)',
      onInput: e => setReason(e.currentTarget.value), 'aria-label': 'Reason for cordon or drain',
    })),
    button('cordon', 'Cordon', !node.cordoned),
    button('uncordon', 'Uncordon', node.cordoned || node.draining),
    button('drain', 'Drain', !node.draining),
    error ? h('span', { class: 'error', role: 'alert' }, error) : null);
}

const UTIL_SERIES = [{ label: 'Utilization %', color: '#2f6fad' }, { label: 'Temp °C', color: '#c8322d' }];

function GpuCard({ gpu }) {
  const data = useMemo(() => {
    const t = gpu.telemetry || [];
    return [t.map(p => Date.parse(p.at) / 1000), t.map(p => p.utilizationPercent ?? null), t.map(p => p.temperatureC ?? null)];
  }, [gpu.telemetry && gpu.telemetry.length, gpu.latest && gpu.latest.at]);
  const l = gpu.latest || {};
  return h('article', { class: 'gpu-card' + (gpu.health === 'Unhealthy' ? ' gpu-unhealthy' : ''), 'aria-label': 'GPU ' + gpu.index },
    h('h3', null, 'GPU ' + gpu.index, ' ', h('span', { class: 'badge health-' + (gpu.health || '').toLowerCase() }, gpu.health),
      gpu.schedulable ? null : h('span', { class: 'badge' }, 'not schedulable')),
    h('dl', { class: 'facts small' },
      h('dt', null, 'Model'), h('dd', null, gpu.name || '–'),
      h('dt', null, 'UUID'), h('dd', { class: 'id' }, gpu.uuid),
      h('dt', null, 'Job'), h('dd', null, gpu.allocatedTo ? h('a', { href: '#/jobs/' + gpu.allocatedTo.split('/')[0] }, gpu.allocatedTo) : '–'),
      h('dt', null, 'Now'), h('dd', null, pct(l.utilizationPercent) + ' · ' + (l.memoryUsedBytes == null ? '–' : bytes(l.memoryUsedBytes)) + ' / ' + bytes(gpu.memoryBytes)
        + ' · ' + (l.temperatureC == null ? '–' : l.temperatureC + ' °C') + ' · ' + (l.powerWatts == null ? '–' : Math.round(l.powerWatts) + ' W')),
      (gpu.conditions || []).length ? [h('dt', null, 'Conditions'), h('dd', null, gpu.conditions.map(c => c.code + (c.xid ? ' (XID ' + c.xid + ')' : '') + ': ' + c.reason).join('; '))] : null),
    h(TimeChart, { title: 'GPU ' + gpu.index + ' utilization and temperature', data, series: UTIL_SERIES, height: 110 }));
}

export function NodeView({ name }) {
  const [detail, setDetail] = useState(null);
  const [error, setError] = useState(null);
  const last = useRef(0);
  const node = store.nodes.get(name);
  const nodeKey = node ? node.lastSeenAt + node.health + node.cordoned + node.draining + node.gpusAllocated : '';

  useEffect(() => {
    // refetched when the node's live picture changes, at most every 3 s
    const wait = Math.max(0, 3000 - (Date.now() - last.current));
    const ctl = new AbortController();
    const t = setTimeout(() => {
      last.current = Date.now();
      getJson('/api/v1/nodes/' + encodeURIComponent(name) + '/gpus', { signal: ctl.signal })
        .then(d => { setDetail(d); setError(null); })
        .catch(e => e.name !== 'AbortError' && setError(e.message));
    }, detail ? wait : 0);
    return () => { clearTimeout(t); ctl.abort(); };
  }, [name, nodeKey]);

  const n = node;
  return h('div', { class: 'view node-view' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/nodes' }, 'Nodes'), ' / ', name),
    h('div', { class: 'title-row' },
      h('h1', null, name, ' ', n ? h('span', { class: 'badge health-' + (n.health || 'Healthy').toLowerCase() }, n.health) : null,
        n ? h('span', { class: 'badge', id: 'node-state' }, nodeState(n)) : null)),
    n ? h(NodeActions, { node: n, onChanged: v => store.nodes.set(v.name, v) }) : null,
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    n ? h('section', { class: 'panel' }, h('h2', null, 'Node'),
      h('dl', { class: 'facts' },
        h('dt', null, 'Address'), h('dd', null, n.address || '–'),
        h('dt', null, 'Backend'), h('dd', null, (n.backend || '') + (n.driverVersion ? ' · driver ' + n.driverVersion : '')),
        h('dt', null, 'Agent'), h('dd', null, n.agentVersion || '–'),
        h('dt', null, 'CPUs / memory'), h('dd', null, n.cpus + ' / ' + bytes(n.memoryBytes)),
        h('dt', null, 'Cordon reason'), h('dd', null, n.cordonReason || '–'),
        h('dt', null, 'Labels'), h('dd', null, Object.entries(n.labels || {}).map(([k, v]) => h('span', { class: 'label' }, k + '=' + v))),
        h('dt', null, 'Registered'), h('dd', null, time(n.registeredAt)),
        h('dt', null, 'Allocations'), h('dd', null, (n.allocations || []).join(', ') || '–'))) : h('p', { class: 'muted' }, 'Waiting for the node\'s live picture…'),
    detail ? [
      (detail.nodeConditions || []).length ? h('section', { class: 'panel' }, h('h2', null, 'Node conditions'),
        h('ul', null, detail.nodeConditions.map(c => h('li', null, c.status + ' ' + c.code + ': ' + c.reason)))) : null,
      h('section', { class: 'panel', 'aria-labelledby': 'gpus-h' }, h('h2', { id: 'gpus-h' }, 'GPUs'),
        h('div', { class: 'gpu-grid' }, detail.gpus.map(g => h(GpuCard, { key: g.index, gpu: g })))),
      h('section', { class: 'panel', 'aria-labelledby': 'hh-h' }, h('h2', { id: 'hh-h' }, 'Health history'),
        (detail.history || []).length
          ? h('ol', { class: 'timeline' }, detail.history.slice().reverse().map(e => h('li', null,
            h('time', { dateTime: e.at }, time(e.at)), ' ', h('b', null, e.kind), e.gpu != null ? ' GPU ' + e.gpu : '',
            e.from || e.to ? ' ' + (e.from || '–') + ' → ' + (e.to || '–') : '', e.reason ? ': ' + e.reason : '')))
          : h('p', { class: 'muted' }, 'No health transitions.')),
      (detail.topology || []).length ? h('section', { class: 'panel' }, h('h2', null, 'Topology'),
        h('ul', { class: 'topology' }, detail.topology.map(t => h('li', null,
          'GPU ' + t.a + ' ↔ GPU ' + t.b + ': ' + t.path + (t.nvlinks ? ' (' + t.nvlinks + ' NVLinks)' : ''))))) : null,
    ] : null);
}
