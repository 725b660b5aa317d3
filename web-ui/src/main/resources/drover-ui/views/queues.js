// Queues: quota, usage, borrowing, fair share and waiting jobs, from the stream's cluster samples.

import { h } from 'preact';
import { store } from '../store.js';

function depth(q, byName) {
  let d = 0;
  for (let p = q.parent; p && d < 20; p = byName.get(p) && byName.get(p).parent) d++;
  return d;
}

export function QueuesView() {
  const byName = new Map(store.queues.map(q => [q.name, q]));
  return h('div', { class: 'view queues-view' },
    h('h1', null, 'Queues'),
    store.queues.length === 0 ? h('p', { class: 'muted' }, 'Waiting for the first cluster sample…') : null,
    h('table', { class: 'grid', id: 'queues-table' },
      h('thead', null, h('tr', null, ['Queue', 'Guaranteed GPUs', 'Weight', 'Borrow limit', 'GPUs used', 'Borrowed', 'Usage of quota', 'Fair share', 'Running', 'Pending']
        .map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', null, store.queues.map(q => {
        const ratio = q.guaranteedGpus > 0 ? q.gpusAllocated / q.guaranteedGpus : null;
        return h('tr', { key: q.name, 'data-queue': q.name },
          h('th', { scope: 'row', class: 'depth-' + Math.min(depth(q, byName), 5) }, q.name),
          h('td', { class: 'num' }, q.guaranteedGpus),
          h('td', { class: 'num' }, q.weight),
          h('td', { class: 'num' }, q.borrowLimitGpus),
          h('td', { class: 'num' }, q.gpusAllocated),
          h('td', { class: 'num' }, q.gpusBorrowed),
          h('td', null, ratio == null ? h('span', { class: 'muted' }, 'no quota') : h('meter', {
            min: 0, max: 1.5, low: 0.999, high: 1.001, optimum: 0.5, value: Math.min(1.5, ratio),
            'aria-label': 'Queue ' + q.name + ' uses ' + Math.round(ratio * 100) + '% of its quota',
          }), ratio == null ? null : ' ' + Math.round(ratio * 100) + '%'),
          h('td', { class: 'num' }, q.fairShare),
          h('td', { class: 'num' }, q.runningJobs),
          h('td', { class: 'num' }, h('a', { href: '#/jobs?queue=' + encodeURIComponent(q.name) + '&state=PENDING' }, q.pendingJobs)));
      }))));
}
