// The shell: sign-in with a token, navigation, the live stream's state, and the hash router.

import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, getJson, onUnauthorized, saveToken, token } from './api.js';
import { reset, setMe, store, subscribe } from './store.js';
import { openStream } from './stream.js';
import { ClusterView } from './views/cluster.js';
import { JobView } from './views/job.js';
import { JobsView } from './views/jobs.js';
import { NodeView, NodesView } from './views/nodes.js';
import { QueuesView } from './views/queues.js';

function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(query || '') };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const on = () => setRoute(parseRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Re-renders on every (frame-coalesced) store change. */
function useStore() {
  const [, set] = useState(0);
  useEffect(() => subscribe(() => set(store.version)), []);
  return store;
}

function SignIn({ onSignedIn, message }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(message || null);
  const [busy, setBusy] = useState(false);
  const submit = async e => {
    e.preventDefault();
    const t = value.trim();
    if (!t) {
      setError('Enter an API token.');
      return;
    }
    setBusy(true);
    try {
      const me = await getJson('/api/v1/whoami', { tokenOverride: t });
      saveToken(t);
      onSignedIn(me);
    } catch (err) {
      setError('Sign-in failed: ' + err.message);
    } finally {
      setBusy(false);
    }
  };
  return h('main', { class: 'signin' },
    h('form', { class: 'panel', onSubmit: submit, 'aria-labelledby': 'signin-h' },
      h('h1', { id: 'signin-h' }, 'Drover'),
      h('p', null, 'Sign in with an API token from the coordinator\'s tokens file (', h('code', null, 'DATA_DIR/tokens.json'), '). It stays in this tab only and is forgotten when you sign out or close the tab.'),
      h('label', { for: 'token' }, 'API token'),
      h('input', { id: 'token', type: 'password', autocomplete: 'off', value, onInput: ev => setValue(ev.currentTarget.value), required: true, autofocus: true }),
      error ? h('p', { class: 'error', role: 'alert', id: 'signin-error' }, error) : null,
      h('button', { type: 'submit', id: 'signin', disabled: busy }, busy ? 'Signing in…' : 'Sign in')));
}

function Connection() {
  const c = store.connection;
  const [, tick] = useState(0);
  useEffect(() => {
    if (c.state !== 'reconnecting') return undefined;
    const t = setInterval(() => tick(x => x + 1), 1000);
    return () => clearInterval(t);
  }, [c.state]);
  const text = c.state === 'live' ? 'Live'
    : c.state === 'connecting' ? 'Connecting…'
      : 'Reconnecting' + (c.retryAt ? ' in ' + Math.max(0, Math.ceil((c.retryAt - Date.now()) / 1000)) + ' s' : '') + (c.detail ? ': ' + c.detail : '');
  return h('span', { class: 'conn conn-' + c.state, id: 'connection', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), text);
}

const NAV = [['cluster', 'Cluster'], ['jobs', 'Jobs'], ['nodes', 'Nodes'], ['queues', 'Queues']];

function Shell({ onSignOut }) {
  useStore();
  const route = useRoute();
  const [top, id] = route.parts;
  const section = top || 'cluster';
  let view;
  if (section === 'jobs' && id) view = h(JobView, { id, key: id });
  else if (section === 'jobs') view = h(JobsView, { params: route.params, key: route.params.toString() });
  else if (section === 'nodes' && id) view = h(NodeView, { name: id, key: id });
  else if (section === 'nodes') view = h(NodesView, null);
  else if (section === 'queues') view = h(QueuesView, null);
  else if (section === 'cluster') view = h(ClusterView, null);
  else view = h('div', { class: 'view' }, h('h1', null, 'Not found'), h('p', null, 'No view named ' + section + '. ', h('a', { href: '#/cluster' }, 'Go to the cluster.')));

  useEffect(() => {
    document.title = 'Drover · ' + (NAV.find(n => n[0] === section) || [0, section])[1] + (id ? ' · ' + id : '');
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }, [section, id]);

  return [
    h('a', { class: 'skip', href: '#main', onClick: e => { e.preventDefault(); document.getElementById('main').focus(); } }, 'Skip to content'),
    h('header', { class: 'top' },
      h('span', { class: 'brand' }, 'Drover'),
      h('nav', { 'aria-label': 'Views' }, h('ul', null, NAV.map(([k, label]) => h('li', null,
        h('a', { href: '#/' + k, id: 'nav-' + k, 'aria-current': section === k ? 'page' : null }, label))))),
      h(Connection, null),
      h('span', { class: 'me', id: 'me' }, store.me ? store.me.name + ' (' + store.me.role + ')' : ''),
      h('button', { type: 'button', id: 'signout', onClick: onSignOut }, 'Sign out')),
    h('main', { id: 'main', tabIndex: -1 }, view),
  ];
}

function App() {
  const [signedIn, setSignedIn] = useState(false);
  const [message, setMessage] = useState(null);

  const signOut = msg => {
    clearToken();
    reset();
    setMessage(typeof msg === 'string' ? msg : null);
    setSignedIn(false);
  };

  useEffect(() => onUnauthorized(err => signOut('Signed out: ' + err.message)), []);

  // a token from this tab's earlier sign-in
  useEffect(() => {
    if (!token()) return;
    getJson('/api/v1/whoami').then(me => { setMe(me); setSignedIn(true); }).catch(e => setMessage(e.message));
  }, []);

  useEffect(() => {
    if (!signedIn) return undefined;
    const s = openStream(token, err => signOut('Signed out: ' + err.message));
    return () => s.stop();
  }, [signedIn]);

  if (!signedIn) return h(SignIn, { message, onSignedIn: me => { setMe(me); setMessage(null); setSignedIn(true); } });
  return h(Shell, { onSignOut: () => signOut() });
}

const root = document.getElementById('app');
root.textContent = ''; // the static "Loading" line
render(h(App, null), root);
