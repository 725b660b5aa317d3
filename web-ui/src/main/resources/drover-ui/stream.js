// GET /api/v1/stream read with fetch() (so the token stays in the Authorization header, which EventSource
// cannot send): parses server-sent events, reconnects by itself with exponential backoff and jitter, and
// resyncs from the snapshot every connection starts with.

import { problemOf } from './api.js';
import { applyCluster, applyJob, applyNode, applySnapshot, setConnection } from './store.js';

const MIN_BACKOFF = 1000;
const MAX_BACKOFF = 30000;
/** The server sends a keep-alive comment every 15 s; this much silence means the connection is dead. */
const SILENCE_LIMIT = 45000;

/** Parses an SSE byte stream (already decoded to text) block by block; calls onEvent(type, data). */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
  }

  push(text) {
    this.buffer += text;
    let end;
    while ((end = this.buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = this.buffer.slice(0, end);
      const sep = this.buffer.slice(end).match(/^\r?\n\r?\n/)[0];
      this.buffer = this.buffer.slice(end + sep.length);
      this.block(block);
    }
  }

  block(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) this.onEvent(type, data.join('\n'));
  }
}

/**
 * Keeps one stream open until stop() is called. onUnauthorized(error) is called (and the loop ends)
 * when the server refuses the token.
 */
export function openStream(getToken, onUnauthorized) {
  let stopped = false;
  let controller = null;
  let backoff = MIN_BACKOFF;
  let wake = null;

  const handle = (type, data) => {
    const payload = JSON.parse(data);
    switch (type) {
      case 'snapshot':
        applySnapshot(payload);
        backoff = MIN_BACKOFF;
        setConnection('live');
        break;
      case 'node': applyNode(payload); break;
      case 'job': applyJob(payload); break;
      case 'cluster': applyCluster(payload); break;
      case 'resync': backoff = 0; break; // the server ends the stream after it; reconnect at once
      default: break; // newer servers may add event types
    }
  };

  async function once() {
    controller = new AbortController();
    let silence = null;
    const arm = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), SILENCE_LIMIT);
    };
    try {
      arm();
      const res = await fetch('/api/v1/stream', {
        headers: { Authorization: 'Bearer ' + getToken(), Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!res.ok) {
        const err = await problemOf(res);
        if (res.status === 401) {
          stopped = true;
          onUnauthorized(err);
          return null;
        }
        throw err;
      }
      const parser = new SseParser(handle);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        parser.push(value);
      }
      return 'the coordinator closed the live stream';
    } catch (e) {
      if (e.name === 'AbortError') return 'no data from the coordinator for ' + SILENCE_LIMIT / 1000 + ' s';
      return e.name === 'TypeError' ? 'cannot reach the coordinator (' + e.message + ')' : e.message;
    } finally {
      clearTimeout(silence);
    }
  }

  (async () => {
    while (!stopped) {
      const detail = await once();
      if (stopped) break;
      const wait = backoff === 0 ? 0 : backoff / 2 + Math.random() * backoff / 2;
      setConnection('reconnecting', detail, Date.now() + wait);
      await new Promise(resolve => {
        wake = resolve;
        setTimeout(resolve, wait);
      });
      backoff = Math.min(MAX_BACKOFF, Math.max(MIN_BACKOFF, backoff * 2));
    }
  })();

  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
      if (wake) wake();
    },
    /** Reconnects now instead of waiting out the backoff. */
    retryNow() {
      backoff = MIN_BACKOFF;
      if (wake) wake();
    },
  };
}
