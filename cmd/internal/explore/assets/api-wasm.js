// The WebAssembly transport of api.js, for an exported static folder (see site.json):
// the explorer's Go handlers run in a Web Worker (explore-worker.js), built for
// WebAssembly, on the folder's weights and data, so the page stays responsive while
// the network trains. Requests go to the worker as messages and come back as Response
// objects, the event stream as the same text the server streams: api.js handles both
// transports alike.
//
// A folder the worker cannot start from (a missing or altered file) makes every
// request reject with the worker's one line, which the page shows in its status line.

import {fail} from './dom.js';

export function connect() {
  const worker = new Worker('explore-worker.js');
  const pending = new Map(); // id -> {resolve, reject, onChunk}
  let nextID = 1, fatal = null;

  // A failure after the first view (the training slice comes later) is shown too,
  // though no request of the page may be waiting.
  const failAll = msg => {
    fatal = new Error(msg);
    for (const p of pending.values()) p.reject(fatal);
    pending.clear();
    fail(fatal);
  };
  worker.onmessage = e => {
    const m = e.data;
    if (m.fatal) { failAll(m.fatal); return; }
    const p = pending.get(m.id);
    if (!p) return;
    if (m.chunk !== undefined) { p.onChunk && p.onChunk(m.chunk); return; }
    pending.delete(m.id);
    if (m.error) { p.reject(new Error(m.error)); return; }
    p.resolve(new Response(m.status === 204 ? null : m.body, {status: m.status, headers: m.headers}));
  };
  worker.onerror = e => { e.preventDefault(); failAll(`the explorer's worker failed: ${e.message || 'explore-worker.js did not load'}`); };

  const send = (method, url, body, onChunk) => {
    if (fatal) return {id: 0, done: Promise.reject(fatal)};
    const id = nextID++;
    const done = new Promise((resolve, reject) => pending.set(id, {resolve, reject, onChunk}));
    worker.postMessage({id, method, url, body: body === undefined ? null : body, stream: !!onChunk});
    return {id, done};
  };

  return {
    kind: 'wasm',
    fetch(url, opts = {}) {
      return send(opts.method || 'GET', url, opts.body).done;
    },
    // events is an EventSource over the worker: the stream's text parsed as a
    // browser parses server-sent events.
    events(url) {
      const listeners = {};
      let buf = '';
      const {id, done} = send('GET', url, undefined, chunk => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let name = 'message', data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) for (const f of listeners[name] || []) f({data: data.join('\n')});
        }
      });
      done.catch(() => {}); // a failed start is shown by the requests
      return {
        addEventListener(name, f) { (listeners[name] ||= []).push(f); },
        close() { pending.delete(id); worker.postMessage({cancel: id}); },
      };
    },
  };
}
