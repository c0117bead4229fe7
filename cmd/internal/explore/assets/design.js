// The Design & train view: the network as rows of layers, every number about them from
// the server's describe function (api.design), training runs started, followed,
// compared, loaded and exported through the api module. The page works out no shape
// here: an impossible design is the server's error, at the row it names.

import {api} from './api.js';
import {$, h, svg, dec, fail} from './dom.js';

const KINDS = {
  conv: 'convolution', maxpool: 'max pooling', avgpool: 'average pooling',
  relu: 'ReLU', sigmoid: 'sigmoid', tanh: 'tanh', flatten: 'flatten', linear: 'dense',
};
const windowed = k => k === 'conv' || k === 'maxpool' || k === 'avgpool';

// A new row of each kind.
const FRESH = {
  conv: {out: '8', kernel: '3', stride: '', padding: ''},
  maxpool: {kernel: '2', stride: '', padding: ''},
  avgpool: {kernel: '2', stride: '', padding: ''},
  linear: {out: '64'},
};

const D = {
  rows: [],        // {kind, out, kernel, stride, padding}: the fields as typed
  desc: null,      // api.design's answer for the rows, null while invalid
  error: null,     // {message, layer}: why the rows cannot be built
  defaultLR: null, // the spec's default learning rate
  seq: 0,          // orders the checks: only the latest one's answer is shown
  timer: 0,
  runs: null,      // api.runs()
  model: null,     // the explorer's model, for "start from the loaded network"
};

// ---------------------------------------------------------------- rows <-> spec JSON

const pairText = p => p == null ? '' : Array.isArray(p) ? (p[0] === p[1] ? String(p[0]) : `${p[0]}x${p[1]}`) : String(p);

function fromLayer(l) {
  return {kind: l.kind, out: l.out == null ? '' : String(l.out), kernel: pairText(l.kernel), stride: pairText(l.stride), padding: pairText(l.padding)};
}

// pairValue reads "3" or "3x5"; '' is undefined (the default), anything else null.
function pairValue(t) {
  t = t.trim();
  if (t === '') return undefined;
  let m = /^(\d{1,7})$/.exec(t);
  if (m) return Number(m[1]);
  m = /^(\d{1,7})\s*[x×]\s*(\d{1,7})$/.exec(t);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

// toLayer writes row i as the spec's JSON form; a field that is not a number or a
// pair throws, naming the row.
function toLayer(r, i) {
  const l = {kind: r.kind};
  const bad = (what, t) => { const e = new Error(`layer ${i}: ${what} "${t}" is not a number (or rows x columns, such as 3x5)`); e.layer = i; return e; };
  if (r.kind === 'conv' || r.kind === 'linear') {
    const t = r.out.trim();
    if (!/^\d{1,7}$/.test(t)) throw bad(r.kind === 'conv' ? 'channels' : 'width', t);
    l.out = Number(t);
  }
  if (windowed(r.kind)) {
    for (const f of ['kernel', 'stride', 'padding']) {
      const v = pairValue(r[f]);
      if (v === null) throw bad(f, r[f]);
      if (v !== undefined) l[f] = v;
    }
    if (l.kernel === undefined) l.kernel = 0; // the server says what is missing
  }
  return l;
}

// ---------------------------------------------------------------- checking a design

// schedule checks the rows after a short pause in typing.
function schedule() {
  clearTimeout(D.timer);
  D.timer = setTimeout(() => check().catch(fail), 120);
  document.body.dataset.design = 'pending';
}

// check asks the server about the rows: api.spec to normalize them (the Flatten it
// implies becomes a row) and api.design for every number.
async function check() {
  const seq = ++D.seq;
  let layers;
  try {
    layers = D.rows.map(toLayer);
  } catch (err) {
    D.desc = null;
    D.error = {message: err.message, layer: err.layer};
    renderNumbers();
    document.body.dataset.design = 'invalid';
    return;
  }
  const [sp, ds] = await Promise.allSettled([api.spec(layers), api.design(layers)]);
  if (seq !== D.seq) return; // the rows changed meanwhile
  const adopt = ls => {
    if (ls && ls.length !== D.rows.length) {
      D.rows = ls.map(fromLayer);
      buildRows();
    }
  };
  if (sp.status === 'fulfilled' && ds.status === 'fulfilled') {
    adopt(sp.value.layers);
    D.desc = ds.value;
    D.error = null;
    D.defaultLR = sp.value.lr;
    if (document.activeElement !== $('design-spec')) $('design-spec').value = sp.value.arch;
  } else {
    const err = sp.status === 'rejected' ? sp.reason : ds.reason;
    if (err.status !== 400) throw err;
    adopt(err.layers);
    D.desc = null;
    D.error = {message: err.message, layer: err.layer ?? -1};
  }
  renderNumbers();
  document.body.dataset.design = D.error ? 'invalid' : 'valid';
}

// ---------------------------------------------------------------- the rows

function field(i, name, label, value, width) {
  return h('label', {class: 'field'}, h('span', {text: label}),
    h('input', {type: 'text', inputmode: 'numeric', spellcheck: 'false', size: width, value, data: {row: i, field: name},
      'aria-label': `layer ${i} ${label}`}));
}

function settingsOf(r, i) {
  switch (r.kind) {
  case 'conv':
    return [field(i, 'out', 'channels', r.out, 4), field(i, 'kernel', 'kernel', r.kernel, 3), field(i, 'stride', 'stride', r.stride, 3), field(i, 'padding', 'padding', r.padding, 3)];
  case 'maxpool': case 'avgpool':
    return [field(i, 'kernel', 'window', r.kernel, 3), field(i, 'stride', 'stride', r.stride, 3), field(i, 'padding', 'padding', r.padding, 3)];
  case 'linear':
    return [field(i, 'out', 'width', r.out, 5)];
  }
  return [];
}

// buildRows lays the rows out again (after a change of structure), keeping the focus
// on the same control.
function buildRows() {
  const a = document.activeElement, keep = a && a.dataset && a.dataset.row !== undefined ? {...a.dataset} : null;
  const n = D.rows.length;
  const rows = D.rows.map((r, i) => h('tr', {data: {row: i, kind: r.kind}},
    h('td', {class: 'idx', text: i}),
    h('td', null, h('select', {data: {row: i, field: 'kind'}, 'aria-label': `layer ${i} kind`},
      Object.entries(KINDS).map(([k, name]) => h('option', {value: k, text: name, selected: k === r.kind})))),
    h('td', null, h('div', {class: 'settings-cell'}, settingsOf(r, i))),
    h('td', {class: 'num c-shape'}), h('td', {class: 'num c-params'}), h('td', {class: 'num c-macs'}), h('td', {class: 'num c-rf'}),
    h('td', {class: 'row-actions'},
      h('button', {type: 'button', data: {row: i, act: 'up'}, disabled: i === 0, 'aria-label': `move layer ${i} up`, title: 'move up', text: '↑'}),
      h('button', {type: 'button', data: {row: i, act: 'down'}, disabled: i === n - 1, 'aria-label': `move layer ${i} down`, title: 'move down', text: '↓'}),
      h('button', {type: 'button', data: {row: i, act: 'remove'}, 'aria-label': `remove layer ${i}`, title: 'remove', text: '✕'}))));
  rows.push(h('tr', {class: 'implied', data: {row: n}},
    h('td', {class: 'idx', text: n}), h('td', {text: 'dense'}), h('td', {class: 'muted', text: 'to the 10 classes, always added'}),
    h('td', {class: 'num c-shape'}), h('td', {class: 'num c-params'}), h('td', {class: 'num c-macs'}), h('td', {class: 'num c-rf'}), h('td')));
  $('design-rows').replaceChildren(...rows);
  if (keep) {
    const sel = `[data-row="${keep.row}"]` + (keep.field ? `[data-field="${keep.field}"]` : `[data-act="${keep.act}"]`);
    const e = $('design-rows').querySelector(sel);
    if (e && !e.disabled) e.focus();
  }
  renderNumbers();
}

const int = v => Math.round(v).toLocaleString('en');
const shapeText = s => s.join('×');

// big writes a count in thousands, millions or billions.
function big(v) {
  if (v >= 1e9) return dec(v / 1e9, 2) + ' G';
  if (v >= 1e6) return dec(v / 1e6, 2) + ' M';
  if (v >= 1e4) return dec(v / 1e3, 1) + ' k';
  return int(v);
}

// duration writes seconds as "0.8 s", "12 s", "3.5 min", "2.1 h".
function duration(s) {
  if (s < 10) return dec(s, 1) + ' s';
  if (s < 120) return Math.round(s) + ' s';
  if (s < 7200) return dec(s / 60, 1) + ' min';
  return dec(s / 3600, 1) + ' h';
}

// renderNumbers fills every row's numbers from the server's description, or marks the
// row that breaks.
function renderNumbers() {
  const trs = [...$('design-rows').querySelectorAll('tr[data-row]')];
  $('design-rows').querySelectorAll('tr.row-error').forEach(e => e.remove());
  for (const tr of trs) {
    const i = Number(tr.dataset.row), l = D.desc && D.desc.layers[i];
    tr.classList.toggle('bad', !!D.error && D.error.layer === i);
    tr.querySelector('.c-shape').textContent = l ? shapeText(l.shape) : '';
    tr.querySelector('.c-params').textContent = l ? int(l.params) : '';
    tr.querySelector('.c-macs').textContent = l ? big(l.macs) : '';
    tr.querySelector('.c-rf').textContent = l ? shapeText(l.receptive_field) : '';
    tr.querySelector('.c-shape').title = l ? l.module : '';
  }
  const err = D.error;
  if (err) {
    const msg = h('tr', {class: 'row-error', id: 'design-error', data: {layer: err.layer}}, h('td', {colspan: 8, text: err.message}));
    const at = trs.find(tr => Number(tr.dataset.row) === err.layer);
    if (at) at.after(msg); else $('design-rows').prepend(msg);
  }
  renderTotals();
  renderTrain();
}

function trainImages() {
  const n = Number($('set-limit').value), all = D.runs ? D.runs.train_size : 0;
  return n >= 1 && (!all || n <= all) ? n : all;
}

function renderTotals() {
  const t = $('design-totals');
  if (!D.desc) { t.replaceChildren(D.error ? 'fix the marked layer to see the totals' : ''); return; }
  const parts = [h('b', {text: int(D.desc.params)}), ' parameters · ', h('b', {text: big(D.desc.macs)}), ' multiply-adds per image'];
  const rate = D.runs && D.runs.rate, n = trainImages();
  if (rate && n) {
    const secs = D.desc.macs * n / rate.macs_per_sec;
    parts.push(' · about ', h('b', {id: 'estimate', data: {seconds: secs}, text: duration(secs)}),
      ` per epoch of ${int(n)} images on this machine`,
      h('span', {class: 'muted', text: ` (training steps only, at the rate measured by ${rate.measured}: ${big(rate.macs_per_sec)} multiply-adds/s)`}));
  } else if (D.runs && D.runs.can_train) {
    parts.push(h('span', {class: 'muted', text: ' · the server is measuring its training speed for an estimate'}));
  }
  t.replaceChildren(...parts);
}

// ---------------------------------------------------------------- editing

function edit(f) {
  f();
  buildRows();
  schedule();
}

// addRow puts a new layer at the end, before a last Flatten the server implied, so
// that maps layers and activations added one after another stay maps.
function addRow(kind) {
  const r = {kind, out: '', kernel: '', stride: '', padding: '', ...FRESH[kind]};
  let at = D.rows.length;
  if (kind !== 'linear' && kind !== 'flatten' && at > 0 && D.rows[at - 1].kind === 'flatten') at--;
  edit(() => D.rows.splice(at, 0, r));
  const sel = $('design-rows').querySelector(`[data-row="${at}"][data-field="kind"]`);
  if (sel) sel.focus();
}

function onRowsInput(e) {
  const t = e.target, i = Number(t.dataset.row);
  if (t.dataset.field === undefined || !D.rows[i]) return;
  if (t.dataset.field === 'kind') {
    edit(() => { D.rows[i] = {kind: t.value, out: '', kernel: '', stride: '', padding: '', ...FRESH[t.value]}; });
    return;
  }
  D.rows[i][t.dataset.field] = t.value;
  schedule();
}

function onRowsClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const i = Number(b.dataset.row), rows = D.rows;
  if (b.dataset.act === 'remove') edit(() => rows.splice(i, 1));
  if (b.dataset.act === 'up' && i > 0) edit(() => rows.splice(i - 1, 2, rows[i], rows[i - 1]));
  if (b.dataset.act === 'down' && i < rows.length - 1) edit(() => rows.splice(i, 2, rows[i + 1], rows[i]));
}

// useSpec replaces the rows with a spec's (a preset's name, a spec string).
async function useSpec(text) {
  const sp = await api.spec(text);
  D.rows = sp.layers.map(fromLayer);
  $('design-spec').value = sp.arch;
  buildRows();
  await check();
  return sp;
}

async function applySpecLine() {
  const box = $('design-spec-error');
  try {
    const sp = await useSpec($('design-spec').value);
    box.hidden = true;
    if (/-lr[\d.]/.test(sp.spec)) $('set-lr').value = sp.lr;
    if (/-epochs\d/.test(sp.spec)) $('set-epochs').value = Math.min(sp.epochs, D.runs ? D.runs.limits.epochs : sp.epochs);
  } catch (err) {
    if (err.status !== 400) throw err;
    box.textContent = err.message;
    box.hidden = false;
  }
}

// ---------------------------------------------------------------- training

function settings() {
  const num = id => Number($(id).value) || 0;
  return {spec: D.rows.map(toLayer), lr: num('set-lr'), epochs: num('set-epochs'), batch: num('set-batch'), limit: num('set-limit'), seed: num('set-seed')};
}

function activeRun() {
  const R = D.runs;
  return R && R.training ? R.runs.find(r => r.id === R.training) : null;
}

function renderTrain() {
  const R = D.runs, active = activeRun();
  const why = !R ? 'loading' : !R.can_train ? `this explorer cannot train: ${R.why}` :
    active ? `run ${active.id} is training` : !D.desc ? 'the design is not valid yet' : '';
  const train = $('train');
  train.disabled = why !== '';
  train.title = why || 'train this design on the server';
  $('stop').disabled = !active;
  $('set-lr').placeholder = D.defaultLR ? `default ${D.defaultLR}` : '';
  if (R) $('set-limit').max = R.train_size;
  if (R) $('set-epochs').max = R.limits.epochs;
  const state = $('train-state'), badge = $('run-badge');
  badge.hidden = !active;
  if (active) {
    const p = active.progress;
    state.classList.remove('bad');
    state.textContent = `run ${active.id} ${active.status}` + (p ? `: epoch ${p.epoch} of ${active.epochs} · batch ${p.batch} of ${p.batches} · loss ${dec(p.loss, 3)}` : '');
    badge.textContent = `run ${active.id} ${active.status}` + (p ? `: epoch ${p.epoch} of ${active.epochs} · batch ${p.batch} of ${p.batches}` : '');
  } else if (R && !R.can_train) {
    state.textContent = why;
  } else if (!state.classList.contains('bad')) {
    state.textContent = '';
  }
  $('train-what').textContent = R && R.can_train ? `on the server, on the first images of its ${int(R.train_size)} training images; one run at a time` : '';
  renderTotals();
}

async function startTraining() {
  const state = $('train-state');
  state.classList.remove('bad');
  try {
    const {id} = await api.startRun(settings());
    state.textContent = `run ${id} queued`;
  } catch (err) {
    if (err.status !== 400 && err.status !== 409) throw err;
    state.textContent = err.message;
    state.classList.add('bad');
  }
  await refreshRuns();
}

// ---------------------------------------------------------------- runs

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const colorOf = id => COLORS[(Number(id.slice(1)) - 1) % COLORS.length];

function renderChart() {
  const runs = D.runs.runs.filter(r => r.points.length), box = $('runs-chart');
  if (!runs.length) { box.replaceChildren(h('p', {class: 'hint', text: 'No runs yet: design a network and train it.'})); return; }
  const Wd = 600, Ht = 240, L = 40, R = 130, T = 12, B = 30;
  const xmax = Math.max(1, ...runs.map(r => r.epochs));
  const X = x => L + (Wd - L - R) * x / xmax, Y = y => T + (Ht - T - B) * (1 - y);
  const g = svg('svg', {viewBox: `0 0 ${Wd} ${Ht}`, role: 'img', 'aria-label': 'test accuracy of every run'});
  const xstep = Math.max(1, Math.ceil(xmax / 10));
  for (let x = 0; x <= xmax + 1e-9; x += xstep) {
    g.append(svg('line', {x1: X(x), x2: X(x), y1: T, y2: Ht - B, stroke: '#eef0f4'}), svg('text', {x: X(x), y: Ht - B + 14, 'text-anchor': 'middle'}, String(x)));
  }
  for (let y = 0; y <= 1 + 1e-9; y += 0.2) {
    g.append(svg('line', {x1: L, x2: Wd - R, y1: Y(y), y2: Y(y), stroke: '#eef0f4'}), svg('text', {x: L - 6, y: Y(y) + 4, 'text-anchor': 'end'}, dec(y, 1)));
  }
  g.append(svg('text', {x: (L + Wd - R) / 2, y: Ht - 2, 'text-anchor': 'middle'}, 'epoch'));
  runs.forEach((r, k) => {
    const color = colorOf(r.id), test = r.points.filter(p => p.test_acc !== undefined);
    const tr = r.points.filter(p => p.train_acc !== undefined);
    if (tr.length) {
      g.append(svg('polyline', {points: [`${X(0)},${Y(0.1)}`, ...tr.map(p => `${X(p.epoch)},${Y(p.train_acc)}`)].join(' '), fill: 'none', stroke: color,
        'stroke-width': 1.2, 'stroke-dasharray': '5 4', opacity: 0.8, 'data-run': r.id, 'data-series': 'train_acc'}));
    }
    if (test.length) {
      g.append(svg('polyline', {points: test.map(p => `${X(p.epoch)},${Y(p.test_acc)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'data-run': r.id, 'data-series': 'test_acc'}));
      for (const p of test) g.append(svg('circle', {cx: X(p.epoch), cy: Y(p.test_acc), r: 2.5, fill: color}));
    }
    const ly = T + 8 + 15 * k;
    if (ly < Ht - B) {
      g.append(svg('line', {x1: Wd - R + 8, x2: Wd - R + 28, y1: ly, y2: ly, stroke: color, 'stroke-width': 2}),
        svg('text', {x: Wd - R + 32, y: ly + 4}, `${r.id} ${r.test_acc != null ? dec(r.test_acc, 3) : r.status}`));
    }
  });
  box.replaceChildren(g);
}

function renderRunRows() {
  const R = D.runs;
  const rows = [...R.runs].reverse().map(r => {
    const acts = [];
    if (r.checkpoint) {
      acts.push(h('button', {type: 'button', data: {act: 'load', run: r.id}, disabled: R.loaded === r.id, text: R.loaded === r.id ? 'Loaded' : 'Load',
        title: 'explore this run\'s network and weights'}));
    }
    acts.push(h('button', {type: 'button', data: {act: 'spec', run: r.id}, text: 'Spec', title: 'save the spec string'}));
    if (r.checkpoint) {
      acts.push(h('button', {type: 'button', data: {act: 'checkpoint', run: r.id}, text: 'Weights', title: 'save the checkpoint (safetensors)'}),
        h('button', {type: 'button', data: {act: 'pytorch', run: r.id}, text: 'PyTorch', title: 'show and save the PyTorch code of this network'}));
    }
    if (r.id === R.training) acts.unshift(h('button', {type: 'button', data: {act: 'stop', run: r.id}, text: 'Stop'}));
    const sw = h('i', {class: 'swatch'});
    sw.style.background = colorOf(r.id);
    const what = `${r.epochs_done} of ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} · lr ${r.lr} · batch ${r.batch} · ${int(r.limit)} images · ${int(r.params)} params`;
    return h('tr', {data: {run: r.id, status: r.status}},
      h('td', {class: 'run-id'}, sw, r.id),
      h('td', {class: 'run-what'}, h('div', {class: 'spec', text: r.spec, title: r.spec}), h('div', {class: 'muted', text: what})),
      h('td', {class: `status-${r.status}`, text: r.status, title: r.error || ''}),
      h('td', {class: 'num test-acc', text: r.test_acc != null ? dec(r.test_acc, 3) : '–'}),
      h('td', {class: 'num', text: r.examples_per_sec != null ? int(r.examples_per_sec) : '–'}),
      h('td', {class: 'num', text: r.seconds ? duration(r.seconds) : '–'}),
      h('td', {class: 'row-actions'}, acts));
  });
  if (!rows.length) rows.push(h('tr', null, h('td', {colspan: 7, class: 'muted', text: 'none yet'})));
  $('runs-rows').replaceChildren(...rows);
  const errs = R.runs.filter(r => r.error && (r.status === 'diverged' || r.status === 'failed'));
  for (const r of errs) {
    const tr = $('runs-rows').querySelector(`tr[data-run="${r.id}"]`);
    tr.after(h('tr', {class: 'run-error'}, h('td', {colspan: 7, text: `${r.id}: ${r.error}`})));
  }
}

// save offers a file for download.
function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', {href: url, download: filename, hidden: true});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function onRunsClick(e) {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const id = b.dataset.run, run = D.runs.runs.find(r => r.id === id);
  switch (b.dataset.act) {
  case 'stop': await api.stopRun(id); break;
  case 'load': await api.loadRun(id); break;
  case 'spec': save(new Blob([run.spec + '\n'], {type: 'text/plain'}), `run-${id}.spec.txt`); break;
  case 'checkpoint': { const f = await api.exportRun(id, 'checkpoint'); save(f.blob, f.filename); break; }
  case 'pytorch': {
    const f = await api.exportRun(id, 'pytorch');
    $('export-title').textContent = `${f.filename}: run ${id} in PyTorch (build() and load(path) of its checkpoint)`;
    $('export-code').textContent = await f.blob.text();
    $('export').hidden = false;
    save(f.blob, f.filename);
    break;
  }
  }
  await refreshRuns();
}

async function refreshRuns() {
  D.runs = await api.runs();
  renderChart();
  renderRunRows();
  renderTrain();
}

// ---------------------------------------------------------------- views and guide

function showView(name) {
  for (const v of ['explore', 'design']) {
    $(`tab-${v}`).setAttribute('aria-selected', String(v === name));
    $(`view-${v}`).hidden = v !== name;
  }
  document.body.dataset.view = name;
  if (location.hash !== '#' + name && (name === 'design' || location.hash)) history.replaceState(null, '', name === 'design' ? '#design' : location.pathname + location.search);
}

const GUIDE_KEY = 'cnn-explorer-guide-seen';
function initGuide() {
  let seen = false;
  try { seen = localStorage.getItem(GUIDE_KEY) === '1'; } catch (_) { /* storage off: show it */ }
  $('guide').hidden = seen;
  $('guide-close').addEventListener('click', () => {
    $('guide').hidden = true;
    try { localStorage.setItem(GUIDE_KEY, '1'); } catch (_) { /* nothing to remember it in */ }
  });
  $('guide-open').addEventListener('click', () => { $('guide').hidden = !$('guide').hidden; });
}

// initDesign wires the view; env.model() is the explorer's current model. It returns
// {ready, refreshRuns}: ready settles once the first design and runs are shown.
export function initDesign(env) {
  initGuide();
  const wire = (id, f) => $(id).addEventListener('click', () => Promise.resolve().then(f).catch(fail));
  wire('tab-explore', () => showView('explore'));
  wire('tab-design', () => showView('design'));
  wire('run-badge', () => showView('design'));
  showView(location.hash === '#design' ? 'design' : 'explore');
  wire('from-loaded', () => useSpec(env.model().variant));
  wire('from-classic', () => useSpec('classic'));
  wire('from-modern', () => useSpec('modern'));
  wire('from-empty', () => edit(() => { D.rows = []; }));
  wire('design-apply', applySpecLine);
  $('design-spec').addEventListener('keydown', e => { if (e.key === 'Enter') applySpecLine().catch(fail); });
  wire('add-layer', () => addRow($('add-kind').value));
  $('design-rows').addEventListener('input', e => { if (e.target.tagName === 'INPUT') onRowsInput(e); });
  $('design-rows').addEventListener('change', e => { if (e.target.tagName === 'SELECT') onRowsInput(e); });
  $('design-rows').addEventListener('click', onRowsClick);
  $('runs-rows').addEventListener('click', e => onRunsClick(e).catch(fail));
  wire('train', startTraining);
  wire('stop', async () => { const a = activeRun(); if (a) await api.stopRun(a.id); await refreshRuns(); });
  $('set-limit').addEventListener('input', renderTotals);
  buildRows();
  const ready = Promise.all([refreshRuns(), useSpec(env.model().variant)]);
  return {ready, refreshRuns};
}
