// The explorer's one way to its data: every request the page makes goes through the
// object this module exports, so no view calls fetch or EventSource itself. It has two
// transports, chosen at load time by site.json: the Go server answers {"mode":
// "server"} and its JSON API over HTTP; an exported static folder's manifest says
// "site", and the same requests go to the same Go handlers built for WebAssembly,
// running in a Web Worker (api-wasm.js).
//
// Failures reject with an Error whose message is the server's one line; errors about a
// spec carry .layer, the layer that breaks (counted from 0, -1 for the whole spec).

async function chooseTransport() {
  const r = await fetch('site.json', {cache: 'no-store'}).catch(() => null);
  const manifest = r && r.ok ? await r.json().catch(() => null) : null;
  if (manifest && manifest.mode === 'site') {
    const {connect} = await import('./api-wasm.js');
    return connect();
  }
  return {kind: 'http', fetch: (url, opts) => fetch(url, opts), events: url => new EventSource(url)};
}

const transport = await chooseTransport();

async function call(url, opts) {
  const r = await transport.fetch(url, opts);
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
  const r = await transport.fetch(url);
  if (!r.ok) {
    const body = await r.json().catch(() => null);
    throw new Error((body && body.error) || `${url}: ${r.status} ${r.statusText}`);
  }
  const m = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '');
  return {blob: await r.blob(), filename: m ? m[1] : url.split('/').pop()};
}

export const api = {
  kind: transport.kind, // 'http' or 'wasm'
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
    const es = transport.events('/api/events');
    for (const [name, f] of Object.entries(handlers)) es.addEventListener(name, e => f(JSON.parse(e.data)));
    return () => es.close();
  },
};
