// Job detail: facts, replicas with node and GPU ids, the spec, the journal's event timeline, a live log
// tail per replica, and cancel for those allowed to.

import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { del, getJson, request } from '../api.js';
import { canCancel, store } from '../store.js';
import { TERMINAL, age, jobGpus, time } from '../util.js';
import { StateBadge } from './jobs.js';

const LOG_KEEP = 256 * 1024;

function Facts({ job }) {
  const rows = [
    ['Id', job.id], ['Queue', job.queue], ['User', job.owner], ['Priority', job.priority],
    ['GPUs', jobGpus(job) + ' (' + job.replicas + ' replica' + (job.replicas === 1 ? '' : 's') + ' × ' + job.gpusPerReplica + ')'],
    ['Attempt', job.attempt + (job.restarts ? ' (' + job.restarts + ' restarts)' : '')],
    ['Submitted', time(job.submittedAt) + ' (' + age(job.submittedAt) + ' ago)'],
  ];
  if (job.startedAt) rows.push(['Started', time(job.startedAt)]);
  if (job.finishedAt) rows.push(['Finished', time(job.finishedAt)]);
  if (job.state === 'PENDING' && job.pendingReason) rows.push(['Pending because', job.pendingReason]);
  if (job.pending && job.pending.rejectedNodesByFilter && Object.keys(job.pending.rejectedNodesByFilter).length) {
    rows.push(['Nodes rejected', Object.entries(job.pending.rejectedNodesByFilter).map(([f, n]) => f + ': ' + n).join(', ')]);
  }
  if (job.message) rows.push(['Message', job.message]);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))]));
}

function Replicas({ job }) {
  const reps = job.replicaStatus || [];
  if (!reps.length) return h('p', { class: 'muted' }, 'No replica placed yet.');
  return h('table', { class: 'grid', id: 'replicas' },
    h('thead', null, h('tr', null, ['Rank', 'Node', 'GPUs', 'GPU UUIDs', 'Phase', 'PID', 'Exit', 'Message'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', null, reps.map(r => h('tr', null,
      h('td', { class: 'num' }, r.rank),
      h('td', null, h('a', { href: '#/nodes/' + encodeURIComponent(r.node) }, r.node)),
      h('td', null, (r.gpus || []).join(', ')),
      h('td', { class: 'id' }, (r.gpuUuids || []).join(', ')),
      h('td', null, r.phase),
      h('td', { class: 'num' }, r.pid ?? ''),
      h('td', { class: 'num' }, r.exitCode ?? ''),
      h('td', null, [r.termination, r.message].filter(Boolean).join(': '))))));
}

function Timeline({ events }) {
  if (events == null) return h('p', { class: 'muted' }, 'Loading the journal…');
  return h('ol', { class: 'timeline', id: 'timeline' }, events.map(e => h('li', null,
    h('time', { dateTime: e.at }, time(e.at)), ' ', h('b', null, e.type), ' ', e.summary)));
}

/** Follows one replica's log with a streaming fetch; keeps the last LOG_KEEP characters. */
function LogTail({ job }) {
  const [rank, setRank] = useState(0);
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [note, setNote] = useState(null);
  const pre = useRef(null);
  const started = (job.replicaStatus || []).length > 0;

  useEffect(() => {
    if (!started) {
      setNote('The job has not started; its logs appear here once it runs.');
      return undefined;
    }
    const ctl = new AbortController();
    setText('');
    setNote(follow ? 'Following…' : null);
    (async () => {
      try {
        const res = await request('/api/v1/jobs/' + job.id + '/logs?replica=' + rank + '&tail=65536&follow=' + follow, { signal: ctl.signal });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          setText(t => {
            const all = t + value;
            return all.length > LOG_KEEP ? all.slice(all.length - LOG_KEEP) : all;
          });
        }
        setNote('End of log.');
      } catch (e) {
        if (e.name !== 'AbortError') setNote('Cannot read the log: ' + e.message);
      }
    })();
    return () => ctl.abort();
  }, [job.id, rank, follow, started, job.attempt]);

  useEffect(() => {
    const el = pre.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [text]);

  return h('div', { class: 'logs' },
    h('div', { class: 'toolbar' },
      job.replicas > 1 ? h('label', null, 'Replica ',
        h('select', { value: rank, onChange: e => setRank(Number(e.currentTarget.value)), 'aria-label': 'Replica whose log to show' },
          Array.from({ length: job.replicas }, (_, i) => h('option', { value: i }, 'rank ' + i)))) : null,
      h('label', null, h('input', { type: 'checkbox', checked: follow, onChange: e => setFollow(e.currentTarget.checked) }), ' Follow'),
      note ? h('span', { class: 'muted', role: 'status' }, note) : null),
    h('pre', { ref: pre, class: 'log', id: 'log', tabIndex: 0, 'aria-label': 'Log of replica ' + rank }, text || ' '));
}

function CancelButton({ job, onDone }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  if (TERMINAL.has(job.state) || job.state === 'CANCELLING' || !canCancel(job)) return null;
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      onDone(await del('/api/v1/jobs/' + job.id));
      setConfirming(false);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return h('span', { class: 'actions' },
    confirming
      ? [h('button', { type: 'button', class: 'danger', id: 'confirm-cancel', onClick: go, disabled: busy }, busy ? 'Cancelling…' : 'Confirm cancel'),
        h('button', { type: 'button', onClick: () => setConfirming(false) }, 'Keep running')]
      : h('button', { type: 'button', class: 'danger', id: 'cancel-job', onClick: () => setConfirming(true) }, 'Cancel job'),
    error ? h('span', { class: 'error', role: 'alert' }, error) : null);
}

export function JobView({ id }) {
  const [job, setJob] = useState(null);
  const [events, setEvents] = useState(null);
  const [error, setError] = useState(null);
  const live = store.jobs.get(id);
  // the stream says when the job changed; the full view (with spec) and the journal are fetched then
  const liveKey = live ? live.state + '/' + live.attempt + '/' + (live.replicaStatus || []).map(r => r.phase).join(',') + '/' + live.pendingReason : '';

  useEffect(() => {
    const ctl = new AbortController();
    Promise.all([getJson('/api/v1/jobs/' + id, { signal: ctl.signal }), getJson('/api/v1/jobs/' + id + '/events', { signal: ctl.signal })])
      .then(([j, ev]) => {
        setJob(j);
        setEvents(ev.events);
        setError(null);
      })
      .catch(e => e.name !== 'AbortError' && setError(e.message));
    return () => ctl.abort();
  }, [id, liveKey]);

  if (error && !job) return h('div', { class: 'view' }, h('h1', null, 'Job ' + id), h('p', { class: 'error', role: 'alert' }, error));
  if (!job) return h('div', { class: 'view' }, h('h1', null, 'Job ' + id), h('p', { class: 'muted' }, 'Loading…'));
  const shown = live && live.attempt >= job.attempt ? Object.assign({}, job, live, { spec: job.spec }) : job;
  return h('div', { class: 'view job-view' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/jobs' }, 'Jobs'), ' / ', shown.id),
    h('div', { class: 'title-row' },
      h('h1', null, shown.name, ' ', h(StateBadge, { state: shown.state })),
      h(CancelButton, { job: shown, onDone: setJob })),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    h('div', { class: 'columns' },
      h('section', { class: 'panel', 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, 'Summary'), h(Facts, { job: shown })),
      h('section', { class: 'panel', 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, 'Timeline'), h(Timeline, { events }))),
    h('section', { class: 'panel', 'aria-labelledby': 'replicas-h' }, h('h2', { id: 'replicas-h' }, 'Replicas'), h(Replicas, { job: shown })),
    h('section', { class: 'panel', 'aria-labelledby': 'logs-h' }, h('h2', { id: 'logs-h' }, 'Logs'), h(LogTail, { job: shown })),
    h('section', { class: 'panel', 'aria-labelledby': 'spec-h' }, h('h2', { id: 'spec-h' }, 'Spec'),
      h('pre', { class: 'spec', tabIndex: 0, 'aria-label': 'Job spec as JSON' }, JSON.stringify(job.spec, null, 2))));
}
