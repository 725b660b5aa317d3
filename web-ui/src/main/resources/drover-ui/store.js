// The live picture of the cluster the views render: filled by the stream's snapshot, kept current by its events.

const listeners = new Set();
let scheduled = false;

export const store = {
  me: null,             // {name, role} from /api/v1/whoami
  nodes: new Map(),     // name -> NodeView
  jobs: new Map(),      // id -> JobView (without spec)
  jobsTruncated: false,
  history: [],          // ClusterSample[], oldest first
  queues: [],           // QueueView[]
  sample: null,         // latest ClusterSample
  connection: { state: 'connecting', detail: null, retryAt: null, since: null },
  version: 0,
  nodesVersion: 0,
  jobsVersion: 0,
  changedJobs: new Set(),
  changedNodes: new Set(),
};

const HISTORY_MAX = 900;

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Coalesces bursts of events into one notification per animation frame (or per 250 ms in a hidden tab). */
function changed() {
  store.version++;
  if (scheduled) return;
  scheduled = true;
  const run = () => {
    scheduled = false;
    const jobs = store.changedJobs;
    const nodes = store.changedNodes;
    store.changedJobs = new Set();
    store.changedNodes = new Set();
    listeners.forEach(fn => fn({ jobs, nodes }));
  };
  if (document.hidden) setTimeout(run, 250);
  else requestAnimationFrame(run);
}

export function applySnapshot(s) {
  store.nodes = new Map(s.nodes.map(n => [n.name, n]));
  store.jobs = new Map(s.jobs.map(j => [j.id, j]));
  store.jobsTruncated = s.jobsTruncated;
  store.history = s.history || [];
  store.sample = store.history.length ? store.history[store.history.length - 1] : null;
  store.queues = s.queues || [];
  store.nodesVersion++;
  store.jobsVersion++;
  s.nodes.forEach(n => store.changedNodes.add(n.name));
  s.jobs.forEach(j => store.changedJobs.add(j.id));
  changed();
}

export function applyNode(n) {
  store.nodes.set(n.name, n);
  store.nodesVersion++;
  store.changedNodes.add(n.name);
  changed();
}

export function applyJob(j) {
  store.jobs.set(j.id, j);
  store.jobsVersion++;
  store.changedJobs.add(j.id);
  changed();
}

export function applyCluster(c) {
  store.sample = c.sample;
  store.history.push(c.sample);
  if (store.history.length > HISTORY_MAX) store.history.splice(0, store.history.length - HISTORY_MAX);
  store.queues = c.queues || store.queues;
  changed();
}

export function setConnection(state, detail = null, retryAt = null) {
  store.connection = { state, detail, retryAt, since: Date.now() };
  changed();
}

export function setMe(me) {
  store.me = me;
  changed();
}

export function reset() {
  store.me = null;
  store.nodes = new Map();
  store.jobs = new Map();
  store.history = [];
  store.queues = [];
  store.sample = null;
  store.connection = { state: 'connecting', detail: null, retryAt: null, since: null };
  changed();
}

export function isOperator() {
  return !!store.me && (store.me.role === 'operator' || store.me.role === 'admin');
}

/** Users cancel their own jobs; operators and admins any job. */
export function canCancel(job) {
  return !!store.me && (isOperator() || job.owner === store.me.name);
}
