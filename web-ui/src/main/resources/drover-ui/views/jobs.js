// Jobs: every job this token may see, live, sortable by any column and filterable by state, queue and user.

import { h } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { store } from '../store.js';
import { STATES, age, jobGpus } from '../util.js';

const SHOWN = 500;

const COLUMNS = [
  { key: 'name', label: 'Job', value: j => j.name + ' ' + j.id },
  { key: 'state', label: 'State', value: j => STATES.indexOf(j.state) },
  { key: 'queue', label: 'Queue', value: j => j.queue },
  { key: 'owner', label: 'User', value: j => j.owner },
  { key: 'gpus', label: 'GPUs', value: j => jobGpus(j), numeric: true },
  { key: 'age', label: 'Age', value: j => -Date.parse(j.submittedAt), numeric: true },
  { key: 'reason', label: 'Pending reason', value: j => j.pendingReason || '' },
];

export function StateBadge({ state }) {
  return h('span', { class: 'badge state-' + state.toLowerCase() }, state);
}

export function JobsView({ params }) {
  const [state, setState] = useState(params.get('state') || '');
  const [queue, setQueue] = useState(params.get('queue') || '');
  const [user, setUser] = useState(params.get('user') || '');
  const [text, setText] = useState('');
  const [sort, setSort] = useState({ key: 'age', dir: 1 });

  const rows = useMemo(() => {
    const q = text.trim().toLowerCase();
    const u = user.trim().toLowerCase();
    const out = [];
    for (const j of store.jobs.values()) {
      if (state === 'ACTIVE' ? ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.state) : state && j.state !== state) continue;
      if (queue && j.queue !== queue) continue;
      if (u && !j.owner.toLowerCase().includes(u)) continue;
      if (q && !(j.name.toLowerCase().includes(q) || j.id.includes(q))) continue;
      out.push(j);
    }
    const col = COLUMNS.find(c => c.key === sort.key);
    out.sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return c === 0 ? (a.id < b.id ? -1 : 1) : c * sort.dir;
    });
    return out;
  }, [store.jobsVersion, state, queue, user, text, sort.key, sort.dir]);

  const queues = useMemo(() => {
    const names = new Set(store.queues.map(q => q.name));
    for (const j of store.jobs.values()) names.add(j.queue);
    return Array.from(names).sort();
  }, [store.jobsVersion, store.queues]);

  const toggle = key => setSort(s => ({ key, dir: s.key === key ? -s.dir : 1 }));
  const now = Date.now();
  return h('div', { class: 'view jobs-view' },
    h('h1', null, 'Jobs'),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter jobs', onSubmit: e => e.preventDefault() },
      h('label', null, 'State ',
        h('select', { id: 'filter-state', value: state, onChange: e => setState(e.currentTarget.value), 'aria-label': 'Filter by state' },
          h('option', { value: '' }, 'All'),
          h('option', { value: 'ACTIVE' }, 'Not finished'),
          STATES.map(s => h('option', { value: s }, s)))),
      h('label', null, 'Queue ',
        h('select', { id: 'filter-queue', value: queue, onChange: e => setQueue(e.currentTarget.value), 'aria-label': 'Filter by queue' },
          h('option', { value: '' }, 'All'),
          queues.map(q => h('option', { value: q }, q)))),
      h('label', null, 'User ',
        h('input', { id: 'filter-user', type: 'search', value: user, onInput: e => setUser(e.currentTarget.value), 'aria-label': 'Filter by user', size: 12 })),
      h('label', null, 'Name or id ',
        h('input', { id: 'filter-text', type: 'search', value: text, onInput: e => setText(e.currentTarget.value), 'aria-label': 'Filter by job name or id', size: 18 }))),
    h('p', { class: 'muted', 'aria-live': 'polite' }, rows.length + ' job' + (rows.length === 1 ? '' : 's')
      + (rows.length > SHOWN ? ', the first ' + SHOWN + ' shown: narrow the filters to see others' : '')
      + (store.jobsTruncated ? '; older finished jobs are in the API (GET /api/v1/jobs)' : '')),
    h('table', { class: 'grid', id: 'jobs-table' },
      h('thead', null, h('tr', null, COLUMNS.map(c => h('th', {
        scope: 'col', class: c.numeric ? 'num' : null,
        'aria-sort': sort.key === c.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none',
      }, h('button', { type: 'button', class: 'sort', onClick: () => toggle(c.key), 'aria-label': 'Sort by ' + c.label },
        c.label, sort.key === c.key ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''))))),
      h('tbody', null, rows.slice(0, SHOWN).map(j => h('tr', { key: j.id, 'data-job': j.id },
        h('td', null, h('a', { href: '#/jobs/' + j.id }, j.name), h('div', { class: 'id' }, j.id)),
        h('td', null, h(StateBadge, { state: j.state })),
        h('td', null, j.queue),
        h('td', null, j.owner),
        h('td', { class: 'num' }, jobGpus(j) + (j.replicas > 1 ? ' (' + j.replicas + '×' + j.gpusPerReplica + ')' : '')),
        h('td', { class: 'num', title: j.submittedAt }, age(j.submittedAt, now)),
        h('td', { class: 'reason' }, j.state === 'PENDING' ? j.pendingReason : j.message || ''))))));
}
