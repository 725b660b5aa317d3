// The HTTP API as the UI uses it: the bearer token from sessionStorage, problem+json turned into readable errors.

const TOKEN_KEY = 'drover.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(t) {
  sessionStorage.setItem(TOKEN_KEY, t);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** An API failure with the server's own words: `detail` plus each `errors` entry (pointer: message). */
export class ApiError extends Error {
  constructor(status, title, detail, errors) {
    const fields = (errors || []).map(e => (e.pointer ? e.pointer + ': ' : '') + e.message);
    const extra = fields.filter(f => !(detail || '').includes(f));
    super([detail || title || ('HTTP ' + status)].concat(extra).join('; '));
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors || [];
  }
}

/** Reads a failed response as problem+json, or as text when something else answered. */
export async function problemOf(res) {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text);
    return new ApiError(res.status, p.title, p.detail, p.errors);
  } catch (e) {
    return new ApiError(res.status, res.statusText, text.trim().slice(0, 300) || res.statusText);
  }
}

/** Listeners told when the server says the token is no longer valid. */
const unauthorized = new Set();
export function onUnauthorized(fn) {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

export async function request(path, { method = 'GET', body, headers = {}, signal, tokenOverride } = {}) {
  const h = Object.assign({ Authorization: 'Bearer ' + (tokenOverride || token() || '') }, headers);
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Network error', 'cannot reach the coordinator (' + e.message + ')');
  }
  if (!res.ok) {
    const err = await problemOf(res);
    if (res.status === 401 && !tokenOverride) unauthorized.forEach(fn => fn(err));
    throw err;
  }
  return res;
}

export async function getJson(path, opts) {
  return (await request(path, opts)).json();
}

export async function postJson(path, body, opts = {}) {
  return (await request(path, Object.assign({ method: 'POST', body }, opts))).json();
}

export async function del(path) {
  return (await request(path, { method: 'DELETE' })).json();
}
