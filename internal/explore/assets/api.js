// The explorer's one way to its data: every request the page makes goes through the
// object this module exports, here over HTTP to the Go server (internal/explore's API).
// Another implementation with the same methods can stand in for it (chosen at load
// time), so no view calls fetch or EventSource itself.
//
// Failures reject with an Error whose message is the server's one line; errors about a
// spec carry .layer, the layer that breaks (counted from 0, -1 for the whole spec).

async function call(url, opts) {
  const r = await fetch(url, opts);
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const err = new Error((body && body.error) || `${url}: ${r.status} ${r.statusText}`);
    err.status = r.status;
    if (body && typeof body.layer === 'number') err.layer = body.layer;
    if (body && Array.isArray(body.layers)) err.layers = body.layers;
    throw err;
  }
  return body;
}

const post = (url, body) => call(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
  body: body === undefined ? undefined : JSON.stringify(body)});

// download fetches a file the server offers for saving: {blob, filename}.
async function download(url) {
  const r = await fetch(url);
  if (!r.ok) {
    const body = await r.json().catch(() => null);
    throw new Error((body && body.error) || `${url}: ${r.status} ${r.statusText}`);
  }
  const m = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '');
  return {blob: await r.blob(), filename: m ? m[1] : url.split('/').pop()};
}

export const api = {
  kind: 'http',
  // The network, its layers and parameters (GET /api/model).
  model: () => call('/api/model'),
  // A test image by index, or 784 pixels in 0..1, through the network.
  forward: input => typeof input === 'number' ? call(`/api/forward?index=${input}`) : post('/api/forward', {pixels: input}),
  metrics: () => call('/api/metrics'),
  labels: () => call('/api/labels'),
  mistakes: () => call('/api/mistakes'),
  // lenet.Describe of a spec (a string or its JSON form): shapes, parameters,
  // multiply-adds, receptive fields.
  design: spec => post('/api/design', {spec}),
  // A spec read and normalized: {spec, arch, layers, lr, epochs}.
  spec: spec => post('/api/spec', {spec}),
  runs: () => call('/api/runs'),
  startRun: settings => post('/api/runs', settings),
  stopRun: id => post(`/api/runs/${encodeURIComponent(id)}/stop`),
  loadRun: id => post(`/api/runs/${encodeURIComponent(id)}/load`),
  // A run's file to save: what is "checkpoint" (safetensors) or "pytorch" (Python).
  exportRun: (id, what) => download(`/api/runs/${encodeURIComponent(id)}/${what}`),
  // events calls handlers.weights, .metrics, .progress and .runs with each event's
  // data as the server sends them; it returns a function that stops listening.
  events(handlers) {
    const es = new EventSource('/api/events');
    for (const [name, f] of Object.entries(handlers)) es.addEventListener(name, e => f(JSON.parse(e.data)));
    return () => es.close();
  },
};
