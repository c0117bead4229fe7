// The explorer's Web Worker in an exported static folder: it fetches the folder's
// files (site.json names them), starts the network's Go code built for WebAssembly
// (explore.wasm, with Go's wasm_exec.js) and answers the page's requests with it (see
// api-wasm.js). Go has one thread here: the page stays responsive while it computes.
//
// Every failure to start is one line for the page, naming the file and what to do.
'use strict';

const again = 'export the folder again (go run ./cmd/explore -export DIR)';

// fetchBytes asks the server every time (cache: 'no-cache' revalidates, a 304 when the
// file is unchanged): a browser's heuristic cache could otherwise hand an old weights
// file to a new site.json after the folder is exported again.
async function fetchBytes(name) {
  let r;
  try {
    r = await fetch(name, {cache: 'no-cache'});
  } catch (err) {
    throw new Error(`${name}: cannot be fetched (${err.message}); serve the folder with a web server (python3 -m http.server), not as file://`);
  }
  if (!r.ok) throw new Error(`${name}: ${r.status} ${r.statusText}: missing from the folder; ${again}`);
  return r;
}

// instantiate compiles the module as it downloads when the server sends it as
// application/wasm, and from the whole file otherwise.
async function instantiate(name, imports) {
  const r = await fetchBytes(name);
  try {
    if ((r.headers.get('Content-Type') || '').startsWith('application/wasm') && WebAssembly.instantiateStreaming) {
      return (await WebAssembly.instantiateStreaming(r, imports)).instance;
    }
    return (await WebAssembly.instantiate(await r.arrayBuffer(), imports)).instance;
  } catch (err) {
    throw new Error(`${name}: not a WebAssembly module this browser can run (${err.message}); ${again}`);
  }
}

async function start() {
  const mr = await fetchBytes('site.json');
  const manifest = new Uint8Array(await mr.arrayBuffer());
  let m;
  try {
    m = JSON.parse(new TextDecoder().decode(manifest));
  } catch (err) {
    throw new Error(`site.json: not JSON (${err.message}); ${again}`);
  }
  try {
    importScripts(m.wasm_exec || 'wasm_exec.js');
  } catch (err) {
    throw new Error(`${m.wasm_exec || 'wasm_exec.js'}: does not load (${err.message}); ${again}`);
  }
  const go = new Go();
  // The weights and the test slice are what the first view needs; the training slice
  // (the larger part of the folder) is fetched once the explorer answers, and a run
  // started before waits for it.
  const files = m.files || {};
  const trainRoles = ['train-images', 'train-labels'];
  const viewNames = Object.keys(files).filter(r => !trainRoles.includes(r)).map(r => files[r].name);
  const trainNames = trainRoles.filter(r => files[r]).map(r => files[r].name);
  const fetchAll = names => Promise.all(names.map(async n => [n, new Uint8Array(await (await fetchBytes(n)).arrayBuffer())]));
  const [instance, view] = await Promise.all([instantiate(m.wasm || 'explore.wasm', go.importObject), fetchAll(viewNames)]);
  go.run(instance).then(() => self.postMessage({fatal: 'the WebAssembly module stopped; reload the page'}));
  await self.goExplore.start(manifest, Object.fromEntries(view));
  // An object, not the promise itself: start's own promise would wait for it.
  return {trained: fetchAll(trainNames).then(train => self.goExplore.train(Object.fromEntries(train)))};
}

const fatal = err => self.postMessage({fatal: String(err && err.message || err)});
// ready settles when the explorer answers; the training slice follows on its own.
const ready = start().then(({trained}) => { trained.catch(fatal); });
ready.catch(fatal);

self.onmessage = async e => {
  const m = e.data;
  if (m.cancel) { if (self.goExplore) self.goExplore.cancel(m.cancel); return; }
  try {
    await ready;
  } catch {
    return; // the page has the fatal message
  }
  const body = m.body == null ? null : new TextEncoder().encode(m.body);
  const onChunk = m.stream ? chunk => self.postMessage({id: m.id, chunk}) : null;
  try {
    const r = await self.goExplore.request(m.id, m.method, m.url, body, onChunk);
    self.postMessage({id: m.id, status: r.status, headers: r.headers, body: r.body.buffer}, [r.body.buffer]);
  } catch (err) {
    self.postMessage({id: m.id, error: String(err && err.message || err)});
  }
};
