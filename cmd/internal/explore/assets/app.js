// LeNet explorer. Every value on this page comes from the server's network
// (GET /api/forward, GET /api/model); the page recomputes one unit at a time, from the
// previous layer's values and the weights, only to show how a value is made, and
// checks its sum against the network's own value.

import {api} from './api.js';
import {$, h, svg, fmt, dec, pct, fail} from './dom.js';
import {initDesign} from './design.js';

// ---------------------------------------------------------------- colour scales

// ColorBrewer's RdBu, reversed: negative blue, zero near-white, positive red.
const RDBU = [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];
const REDS = RDBU.slice(5); // its positive half, for values that cannot be negative
const GRAYS = [[0, 0, 0], [255, 255, 255]];

function ramp(stops, t) {
  if (!(t >= 0)) t = 0; // NaN too
  if (t > 1) t = 1;
  const x = t * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  const a = stops[i], b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

class Scale {
  constructor(kind, lo, hi, stops) { Object.assign(this, {kind, lo, hi, stops}); }
  rgb(v) { return ramp(this.stops, (v - this.lo) / (this.hi - this.lo)); }
  css(v) { const c = this.rgb(v); return `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`; }
  dark(v) { const c = this.rgb(v); return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] < 128; }
}
const diverging = m => new Scale('diverging', -(m > 0 ? m : 1), m > 0 ? m : 1, RDBU);
const sequential = m => new Scale('sequential', 0, m > 0 ? m : 1, REDS);
const grays = () => new Scale('gray', 0, 1, GRAYS);

// scaleOf picks a diverging scale, symmetric about 0, for values with a sign, and a
// sequential one from 0 otherwise; arrays are [values, offset, length] triples.
function scaleOf(parts) {
  let lo = Infinity, hi = -Infinity;
  for (const [v, off, n] of parts) {
    for (let k = off; k < off + n; k++) {
      if (v[k] < lo) lo = v[k];
      if (v[k] > hi) hi = v[k];
    }
  }
  return lo < 0 ? diverging(Math.max(-lo, hi)) : sequential(hi);
}

function paint(canvas, vals, off, rows, cols, scale) {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(cols, rows);
  for (let k = 0; k < rows * cols; k++) {
    const c = scale.rgb(vals[off + k]);
    img.data[4 * k] = c[0];
    img.data[4 * k + 1] = c[1];
    img.data[4 * k + 2] = c[2];
    img.data[4 * k + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function legend(scale) {
  const n = 90, c = h('canvas', {width: n, height: 1});
  paint(c, Array.from({length: n}, (_, i) => scale.lo + (scale.hi - scale.lo) * i / (n - 1)), 0, 1, n, scale);
  const what = {diverging: 'signed: blue < 0 < red', sequential: 'from 0', gray: 'pixels'}[scale.kind];
  return h('div', {class: 'legend', title: what}, h('span', {text: fmt(scale.lo, 2)}), c, h('span', {text: fmt(scale.hi, 2)}));
}

// ---------------------------------------------------------------- state

const S = {
  model: null,      // GET /api/model
  params: {},       // name -> {shape, values}
  labels: null,     // GET /api/labels
  inputs: [],       // [{pixels, what, fwd}]: one, or A and B when comparing
  compare: false,
  sel: null,        // the unit view: layer li, channel ch, cell (r, c), input channel k, input slot
  unitEl: null,     // the unit view's panel
  mistakes: null,   // GET /api/mistakes
  pair: null,       // the confusion cell chosen: [label, predicted]
  mistakeAt: -1,
  metrics: [],
  progress: null,   // the trainer's latest batch, from the event stream
};
const cur = () => S.inputs[S.inputs.length - 1];
const layers = () => S.model.layers;
const INPUT = -1, SOFTMAX = 'softmax';

function shapeOf(li) { return li === INPUT ? [1, 1, 28, 28] : layers()[li].shape; }
function valuesOf(fwd, li) { return li === INPUT ? fwd.pixels : fwd.layers[li].values; }

// shortName names layer li for people: conv1, conv1 ReLU, pool1, flatten, fc1, ...
function shortName(li) {
  if (li === INPUT) return 'input';
  if (li === SOFTMAX) return 'softmax';
  const sp = layers()[li];
  if (sp.weight) return sp.weight.replace(/\.weight$/, '');
  if (isAct(sp.kind)) return `${shortName(li - 1)} ${actName[sp.kind]}`;
  if (sp.kind.endsWith('pool')) return 'pool' + layers().slice(0, li + 1).filter(l => l.kind.endsWith('pool')).length;
  return sp.kind;
}

// producer walks back from layer li through pooling and flattening to the layer whose
// values they carry (an activation or a convolution).
function producer(li) {
  while (li > 0 && (layers()[li].kind.endsWith('pool') || layers()[li].kind === 'flatten')) li--;
  return li;
}

// layerScale is the colour scale of layer li, shared by every input shown.
function layerScale(li) {
  if (li === INPUT) return grays();
  if (li === SOFTMAX) return sequential(1);
  if (layers()[producer(li)].kind === 'sigmoid') return sequential(1);
  const n = shapeOf(li).reduce((a, b) => a * b, 1);
  return scaleOf(S.inputs.map(inp => [valuesOf(inp.fwd, li), 0, n]));
}

const activation = {relu: z => Math.max(z, 0), sigmoid: z => 1 / (1 + Math.exp(-z)), tanh: z => Math.tanh(z)};
const actName = {relu: 'ReLU', sigmoid: 'sigmoid', tanh: 'tanh'};
const actFormula = {relu: 'max(x, 0)', sigmoid: '1 / (1 + exp(−x))', tanh: 'tanh(x)'};
const isAct = kind => kind in activation;

// close reports whether the page's float64 value a matches the network's float32 value
// b: the network adds the same products in float32, in another order (blocked matrix
// products, fused multiply-adds), so the two differ by a few float32 roundings, far
// below 1e-5 of the magnitude.
const TOL = 1e-5;
const close = (a, b) => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));

// ---------------------------------------------------------------- receptive fields

// rfBox maps rows r0..r1 and columns c0..c1 of layer li back to the input image: the
// pixels those cells depend on (before clipping to the image: padding lies outside),
// by the window the Go code describes for the layer (lenet.Describe); a vector's
// entries depend on the whole image.
function rfBox(li, r0, c0, r1, c1) {
  if (li === INPUT) return {r0, c0, r1, c1};
  const rf = layers()[li].rf;
  if (!rf) return {r0: 0, c0: 0, r1: 27, c1: 27};
  const {size, jump, offset} = rf;
  return {r0: r0 * jump[0] - offset[0], c0: c0 * jump[1] - offset[1],
    r1: r1 * jump[0] - offset[0] + size[0] - 1, c1: c1 * jump[1] - offset[1] + size[1] - 1};
}

function placeBox(div, box, px, rows, cols) {
  const r0 = Math.max(box.r0, 0), c0 = Math.max(box.c0, 0);
  const r1 = Math.min(box.r1, rows - 1), c1 = Math.min(box.c1, cols - 1);
  div.style.left = (c0 * px) + 'px';
  div.style.top = (r0 * px) + 'px';
  div.style.width = ((c1 - c0 + 1) * px) + 'px';
  div.style.height = ((r1 - r0 + 1) * px) + 'px';
  div.classList.toggle('pad', r0 !== box.r0 || c0 !== box.c0 || r1 !== box.r1 || c1 !== box.c1);
  div.hidden = false;
}

function showPadRF(box) {
  const d = $('pad-rf');
  if (!box) { d.hidden = true; return; }
  placeBox(d, box, 10, 28, 28);
}

// ---------------------------------------------------------------- the input pad

const pad = $('pad');
pad.width = 28;
pad.height = 28;

function drawPad() { paint(pad, cur().pixels, 0, 28, 28, grays()); }

let stroke = null; // {erase, x, y} while drawing

function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) / r.width * 28, (e.clientY - r.top) / r.height * 28];
}

// dab adds (or removes) a soft round brush at (x, y), in pixel units.
function dab(px, x, y, erase) {
  const sigma = Number($('brush').value), reach = Math.ceil(2.5 * sigma);
  for (let i = Math.floor(y) - reach; i <= Math.floor(y) + reach; i++) {
    for (let j = Math.floor(x) - reach; j <= Math.floor(x) + reach; j++) {
      if (i < 0 || i > 27 || j < 0 || j > 27) continue;
      const d2 = (i + 0.5 - y) ** 2 + (j + 0.5 - x) ** 2, a = 0.55 * Math.exp(-d2 / (2 * sigma * sigma));
      const k = 28 * i + j;
      px[k] = erase ? px[k] * (1 - a) : Math.min(1, px[k] + a * (1 - px[k]));
    }
  }
}

function drawTo(e) {
  const [x, y] = padPoint(e), px = cur().pixels;
  const steps = Math.max(1, Math.ceil(Math.hypot(x - stroke.x, y - stroke.y) / 0.4));
  for (let s = 1; s <= steps; s++) dab(px, stroke.x + (x - stroke.x) * s / steps, stroke.y + (y - stroke.y) * s / steps, stroke.erase);
  stroke.x = x;
  stroke.y = y;
  drawPad();
  scheduleForward();
}

pad.addEventListener('pointerdown', e => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  const inp = cur();
  if (inp.what.kind !== 'drawn') { inp.pixels = Array.from(inp.pixels); inp.what = {kind: 'drawn'}; }
  const [x, y] = padPoint(e);
  stroke = {erase: e.shiftKey || e.button === 2, x, y};
  dab(inp.pixels, x, y, stroke.erase);
  drawPad();
  scheduleForward();
});
pad.addEventListener('pointermove', e => { if (stroke) drawTo(e); });
for (const ev of ['pointerup', 'pointercancel']) pad.addEventListener(ev, () => { stroke = null; });
pad.addEventListener('contextmenu', e => e.preventDefault());

// scheduleForward runs the current pixels through the network, at most one request at
// a time; strokes made meanwhile go in the next one.
let inflight = false, dirty = false;
async function scheduleForward() {
  if (inflight) { dirty = true; return; }
  inflight = true;
  document.body.dataset.busy = 'true';
  try {
    do {
      dirty = false;
      const inp = cur();
      const pixels = inp.pixels.map(v => Math.round(v * 1e4) / 1e4);
      inp.fwd = await api.forward(pixels);
      render();
    } while (dirty);
  } catch (err) {
    fail(err);
  } finally {
    inflight = false;
    document.body.dataset.busy = 'false';
  }
}

// ---------------------------------------------------------------- choosing inputs

async function fetchTest(index) {
  const fwd = await api.forward(index);
  return {pixels: fwd.pixels.slice(), what: {kind: 'test', index, label: fwd.label}, fwd};
}

async function useTest(index) {
  const n = S.model.test_size;
  index = ((Math.trunc(index) % n) + n) % n;
  const inp = await fetchTest(index);
  S.inputs[S.inputs.length - 1] = inp;
  render();
  return inp;
}

function useDrawn(pixels, kind) {
  const inp = cur();
  inp.pixels = pixels;
  inp.what = {kind};
  drawPad();
  scheduleForward();
}

function nextOfClass(cls, after) {
  const L = S.labels.labels;
  for (let k = 1; k <= L.length; k++) {
    const i = (after + k) % L.length;
    if (L[i] === cls) return i;
  }
  return -1;
}

function wire(id, f) {
  $(id).addEventListener('click', () => Promise.resolve().then(f).catch(fail));
}

wire('clear', () => useDrawn(new Array(784).fill(0), 'drawn'));
wire('noise', () => useDrawn(Array.from({length: 784}, () => Math.random()), 'noise'));
wire('random', () => useTest(Math.floor(Math.random() * S.model.test_size)));
wire('prev', () => useTest(Number($('index').value) - 1));
wire('next', () => useTest(Number($('index').value) + 1));
$('index').addEventListener('change', () => useTest(Number($('index').value) || 0).catch(fail));
wire('of-class', () => {
  const w = cur().what;
  return useTest(nextOfClass(Number($('class').value), w.kind === 'test' ? w.index : -1));
});
wire('mistake', nextMistake);

// Keys: ← and → step through the test images, R picks one at random.
document.addEventListener('keydown', e => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest('input, select, textarea') || !S.model || document.body.dataset.view === 'design') return;
  const w = cur().what, at = w.kind === 'test' ? w.index : 0;
  const go = {ArrowLeft: () => useTest(at - 1), ArrowRight: () => useTest(at + 1), r: () => useTest(Math.floor(Math.random() * S.model.test_size))}[e.key];
  if (!go) return;
  e.preventDefault();
  go().catch(fail);
});
wire('find-mistakes', loadMistakes);
wire('pin', () => {
  const inp = cur();
  S.compare = true;
  S.inputs = [inp, {pixels: inp.pixels.slice(), what: inp.what, fwd: inp.fwd}];
  buildOverview();
  render();
});
wire('unpin', () => {
  S.compare = false;
  S.inputs = [cur()];
  buildOverview();
  render();
});
wire('pullover-coat', async () => {
  const w = cur().what, from = w.kind === 'test' ? w.index : -1;
  const [a, b] = await Promise.all([fetchTest(nextOfClass(2, from)), fetchTest(nextOfClass(4, from))]);
  S.compare = true;
  S.inputs = [a, b];
  buildOverview();
  render();
});

// ---------------------------------------------------------------- mistakes

async function loadMistakes() {
  $('find-mistakes').disabled = true;
  $('mistakes-what').textContent = 'classifying the test set…';
  try {
    S.mistakes = await api.mistakes();
  } finally {
    $('find-mistakes').disabled = false;
  }
  $('find-mistakes').textContent = 'Classify the test set again';
  renderConfusion();
}

function pairList() {
  const all = S.mistakes.mistakes;
  return S.pair ? all.filter(m => m.label === S.pair[0] && m.predicted === S.pair[1]) : all;
}

async function nextMistake() {
  if (!S.mistakes) await loadMistakes();
  const list = pairList();
  if (list.length === 0) { $('mistake-info').textContent = 'no such mistakes'; return; }
  S.mistakeAt = (S.mistakeAt + 1) % list.length;
  const m = list[S.mistakeAt];
  await useTest(m.index);
  const names = S.model.classes, same = S.mistakes.confusion[m.label][m.predicted];
  $('mistake-info').textContent = `${S.mistakeAt + 1} of ${list.length}${S.pair ? '' : ' mistakes'}: ` +
    `a ${names[m.label]} taken for a ${names[m.predicted]} (${same} such)`;
  renderConfusion();
}

function renderConfusion() {
  const box = $('confusion');
  box.replaceChildren();
  const M = S.mistakes;
  if (!M) return;
  $('mistakes-what').textContent = `${M.mistakes.length} of ${M.total} test images wrong, accuracy ${dec(M.accuracy, 3)} ` +
    `(${S.model.weights_only ? 'the loaded weights' : `weights after epoch ${M.epoch}`}); rows: true class, columns: predicted; click a cell to step through its images`;
  let top = 1;
  M.confusion.forEach((row, i) => row.forEach((v, j) => { if (i !== j) top = Math.max(top, v); }));
  const off = sequential(top), diag = new Scale('sequential', 0, M.total / 10, [[247, 247, 247], [146, 197, 222], [33, 102, 172]]);
  const names = S.model.classes;
  const head = h('tr', null, h('th'), names.map(n => h('th', {text: n})));
  const w = cur().what;
  const rows = M.confusion.map((row, i) => h('tr', null, h('th', {class: 'rowh', text: names[i]}), row.map((v, j) => {
    const sc = i === j ? diag : off;
    const td = h('td', {text: v, class: [i === j ? 'diag' : '', sc.dark(v) ? 'dark' : '',
      S.pair && S.pair[0] === i && S.pair[1] === j ? 'sel' : ''].join(' ').trim(),
    title: `${v} ${names[i]} image${v === 1 ? '' : 's'} predicted ${names[j]}`, data: {label: i, predicted: j}});
    td.style.background = sc.css(v);
    if (w.kind === 'test' && w.label === i && cur().fwd.predicted === j && i !== j) td.classList.add('sel');
    return td;
  })));
  box.append(h('table', null, head, rows));
}

$('confusion').addEventListener('click', e => {
  const td = e.target.closest('td');
  if (!td || td.classList.contains('diag')) return;
  S.pair = [Number(td.dataset.label), Number(td.dataset.predicted)];
  S.mistakeAt = -1;
  nextMistake().catch(fail);
});

// ---------------------------------------------------------------- overview

function buildOverview() {
  const root = $('layers');
  root.replaceChildren();
  for (const li of [INPUT, ...layers().map((_, i) => i), SOFTMAX]) root.append(buildRow(li));
  placeUnit();
}

function rowTitle(li) {
  if (li === INPUT) return ['input', 'the image, 1 × 28 × 28'];
  if (li === SOFTMAX) return ['softmax', 'the 10 class probabilities'];
  const sp = layers()[li];
  return [`${shortName(li)}`, `${sp.name} → ${sp.shape.slice(1).join(' × ')}`];
}

function buildRow(li) {
  const [name, shape] = rowTitle(li);
  const row = h('div', {class: 'layer-row', data: {layer: li}},
    h('div', {class: 'layer-label'}, h('div', {class: 'name', text: name}), h('div', {class: 'shape', text: shape}), h('div', {class: 'legend-slot'})),
    h('div', {class: 'slots'}, S.inputs.map((_, si) => buildSlot(li, si))));
  return row;
}

function buildSlot(li, si) {
  const tag = S.compare ? h('span', {class: 'slot-tag', text: 'AB'[si]}) : null;
  const shape = li === SOFTMAX ? [1, 10] : shapeOf(li);
  if (shape.length === 4) {
    const [, C, H, W] = shape;
    const maps = h('div', {class: C > 8 ? 'maps many' : 'maps'});
    maps.style.setProperty('--cols', C);
    maps.style.setProperty('--tile', (C > 8 ? 52 : 84) + 'px');
    for (let c = 0; c < C; c++) {
      const cv = h('canvas', {class: 'map', width: W, height: H, data: {layer: li, ch: c, slot: si}, 'aria-label': `${shortName(li)} channel ${c}`});
      cv.style.aspectRatio = `${W} / ${H}`;
      maps.append(cv);
    }
    return h('div', {class: 'slot'}, tag, maps);
  }
  const N = shape[1];
  const strip = h('canvas', {class: 'strip', width: N, height: 1, data: {layer: li, slot: si}, 'aria-label': `${shortName(li)}, ${N} values`});
  const wrap = h('div', {class: 'strip-wrap'}, strip);
  if (N === 10) {
    const labels = h('div', {class: 'strip-labels'}, S.model.classes.map(n => h('span', {text: n})));
    labels.style.gridTemplateColumns = 'repeat(10, 1fr)';
    wrap.append(labels);
  }
  return h('div', {class: 'slot'}, tag, wrap);
}

function renderOverview() {
  for (const row of $('layers').querySelectorAll('.layer-row')) {
    const li = row.dataset.layer === SOFTMAX ? SOFTMAX : Number(row.dataset.layer);
    const scale = layerScale(li);
    row.querySelector('.legend-slot').replaceChildren(legend(scale));
    for (const cv of row.querySelectorAll('canvas.map, canvas.strip')) {
      const fwd = S.inputs[Number(cv.dataset.slot)].fwd;
      if (li === SOFTMAX) { paint(cv, fwd.probabilities, 0, 1, 10, scale); continue; }
      const vals = valuesOf(fwd, li), shape = shapeOf(li);
      if (shape.length === 4) {
        const [, , H, W] = shape;
        paint(cv, vals, Number(cv.dataset.ch) * H * W, H, W, scale);
      } else {
        paint(cv, vals, 0, 1, shape[1], scale);
      }
    }
  }
}

// cellAt returns the (row, column) of the mouse over a canvas showing rows x cols cells.
function cellAt(e, canvas, rows, cols) {
  const r = canvas.getBoundingClientRect();
  const y = Math.floor((e.clientY - r.top - canvas.clientTop) / canvas.clientHeight * rows);
  const x = Math.floor((e.clientX - r.left - canvas.clientLeft) / canvas.clientWidth * cols);
  return [Math.min(rows - 1, Math.max(0, y)), Math.min(cols - 1, Math.max(0, x))];
}

function tip(e, text) {
  const t = $('tip');
  if (!text) { t.hidden = true; return; }
  t.textContent = text;
  t.hidden = false;
  t.style.left = Math.min(e.clientX + 14, innerWidth - t.offsetWidth - 8) + 'px';
  t.style.top = (e.clientY + 14) + 'px';
}

// flatName names element k of a (1, N) layer: a class for the logits, the map cell it
// came from for the flattened maps.
function flatName(li, k) {
  if (li === SOFTMAX || shapeOf(li)[1] === 10) return S.model.classes[k];
  const fl = layers().findIndex(l => l.kind === 'flatten');
  if (li === fl) {
    const [, , H, W] = layers()[fl].input_shape;
    return `channel ${Math.floor(k / (H * W))}, row ${Math.floor(k / W) % H}, column ${k % W}`;
  }
  return `unit ${k}`;
}

$('layers').addEventListener('mousemove', e => {
  // The unit view draws its own boxes; a target no longer in the page is a canvas it
  // just replaced.
  if (!e.target.isConnected || e.target.closest('#unit')) { tip(e, null); return; }
  const cv = e.target.closest('canvas.map, canvas.strip');
  if (!cv) { tip(e, null); showPadRF(null); return; }
  const li = cv.dataset.layer === SOFTMAX ? SOFTMAX : Number(cv.dataset.layer), fwd = S.inputs[Number(cv.dataset.slot)].fwd;
  if (cv.classList.contains('map')) {
    const [, , H, W] = shapeOf(li), ch = Number(cv.dataset.ch), [r, c] = cellAt(e, cv, H, W);
    tip(e, `${shortName(li)} · channel ${ch} · row ${r}, column ${c}: ${fmt(valuesOf(fwd, li)[(ch * H + r) * W + c])}`);
    showPadRF(li === INPUT ? {r0: r, c0: c, r1: r, c1: c} : rfBox(li, r, c, r, c));
    return;
  }
  const N = li === SOFTMAX ? 10 : shapeOf(li)[1], [, k] = cellAt(e, cv, 1, N);
  const v = li === SOFTMAX ? fwd.probabilities[k] : valuesOf(fwd, li)[k];
  tip(e, `${shortName(li)} · ${flatName(li, k)}: ${fmt(v)}`);
  showPadRF(null);
});
$('layers').addEventListener('mouseleave', e => { tip(e, null); if (!S.sel) showPadRF(null); });
$('layers').addEventListener('click', e => {
  const cv = e.target.closest('canvas.map, canvas.strip');
  if (!cv || cv.dataset.layer === String(INPUT)) return;
  const li = cv.dataset.layer === SOFTMAX ? SOFTMAX : Number(cv.dataset.layer);
  if (cv.classList.contains('map')) {
    S.sel = {li, ch: Number(cv.dataset.ch), r: -1, c: -1, k: -1, slot: Number(cv.dataset.slot)};
  } else {
    const N = li === SOFTMAX ? 10 : shapeOf(li)[1];
    S.sel = {li, ch: 0, r: 0, c: cellAt(e, cv, 1, N)[1], k: -1, slot: Number(cv.dataset.slot)};
  }
  placeUnit();
  renderUnit();
  S.unitEl.scrollIntoView({block: 'nearest'});
});

// ---------------------------------------------------------------- the unit view

S.unitEl = h('div', {class: 'unit', id: 'unit', hidden: true});

function placeUnit() {
  const u = S.unitEl;
  if (!S.sel) { u.hidden = true; return; }
  for (const r of $('layers').querySelectorAll('.layer-row')) {
    r.classList.toggle('selected', r.dataset.layer === String(S.sel.li));
    if (r.dataset.layer === String(S.sel.li)) r.after(u);
  }
  for (const cv of $('layers').querySelectorAll('canvas.map')) {
    cv.classList.toggle('selected', cv.dataset.layer === String(S.sel.li) && Number(cv.dataset.ch) === S.sel.ch);
  }
  u.hidden = false;
}

function renderUnit() {
  if (!S.sel) return;
  const {li} = S.sel;
  const kind = li === SOFTMAX ? 'softmax' : layers()[li].kind;
  const prev = li === SOFTMAX || li === 0 ? null : layers()[li - 1].kind;
  let body;
  if (kind === 'conv' || (isAct(kind) && prev === 'conv')) body = convUnit();
  else if (kind === 'linear' || (isAct(kind) && prev === 'linear')) body = denseUnit();
  else if (kind === 'maxpool' || kind === 'avgpool') body = poolUnit();
  else if (kind === 'softmax') body = softmaxUnit();
  else if (isAct(kind)) body = actUnit();
  else body = flattenUnit();
  const shut = h('button', {type: 'button', text: 'Close', onclick: () => { S.sel = null; placeUnit(); showPadRF(null); }});
  const which = S.compare ? ` (input ${'AB'[S.sel.slot] || 'B'})` : '';
  S.unitEl.replaceChildren(h('div', {class: 'unit-head'}, h('h3', {text: body.title + which}), shut), body.el);
}

// unitInput is the input the unit view shows: the one whose map was clicked.
function unitInput() { return S.inputs[S.sel.slot] || cur(); }

// unitRF outlines the unit's receptive field on the drawing pad, which shows the
// current input only.
function unitRF(box) { showPadRF(unitInput() === cur() ? box : null); }

// stage is a big hoverable canvas of one map, with boxes drawn over it.
function stage(vals, off, rows, cols, px, scale, onHover) {
  const cv = h('canvas', {class: 'big'});
  paint(cv, vals, off, rows, cols, scale);
  cv.style.width = (cols * px) + 'px';
  cv.style.height = (rows * px) + 'px';
  const el = h('div', {class: 'stage'}, cv);
  if (onHover) cv.addEventListener('mousemove', e => onHover(...cellAt(e, cv, rows, cols)));
  return {el, canvas: cv, box(b) {
    const d = h('div', {class: 'rf', hidden: true});
    el.append(d);
    placeBox(d, b, px, rows, cols);
    return d;
  }};
}

// grid is a small table of numbers coloured by scale: values[k] for k in 0..rows*cols-1,
// pads[k] marking cells outside the image.
function grid(values, rows, cols, scale, opts = {}) {
  const g = h('div', {class: opts.large ? 'grid large' : 'grid'});
  g.style.gridTemplateColumns = `repeat(${cols}, auto)`;
  for (let k = 0; k < rows * cols; k++) {
    const v = values[k];
    const s = h('span', {text: dec(v, opts.digits ?? 3), title: fmt(v, 8)});
    if (opts.pads && opts.pads[k]) s.className = 'padcell';
    else {
      s.style.background = scale.css(v);
      if (scale.dark(v)) s.className = 'dark';
    }
    if (opts.mark === k) s.classList.add('max');
    g.append(s);
  }
  return g;
}

function fig(caption, ...kids) { return h('figure', null, h('figcaption', {text: caption}), ...kids); }

// hoverTo moves the unit view to cell (r, c) of its map.
function hoverTo(r, c) {
  if (S.sel.r === r && S.sel.c === c) return;
  S.sel.r = r;
  S.sel.c = c;
  renderUnit();
}

// argmaxCell picks the cell a unit view starts on: the largest value of the map.
function argmaxCell(vals, off, n) {
  let best = 0;
  for (let k = 1; k < n; k++) if (vals[off + k] > vals[off + best]) best = k;
  return best;
}

// convNumbers recomputes one unit of convolution ci: for every input channel the
// window, the kernel, their products and their sum.
function convNumbers(fwd, ci, o, i, j) {
  const sp = layers()[ci], [, C, H, W] = sp.input_shape;
  const [kh, kw] = sp.kernel, [ph, pw] = sp.padding, [sh, sw] = sp.stride;
  const inVals = valuesOf(fwd, ci - 1), wt = S.params[sp.weight].values;
  const chans = [];
  let sum = 0;
  for (let k = 0; k < C; k++) {
    const win = [], ker = [], prod = [], pads = [];
    let s = 0;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const r = i * sh - ph + a, q = j * sw - pw + b, inside = r >= 0 && r < H && q >= 0 && q < W;
        const x = inside ? inVals[(k * H + r) * W + q] : 0, w = wt[((o * C + k) * kh + a) * kw + b];
        win.push(x); ker.push(w); prod.push(x * w); pads.push(!inside);
        s += x * w;
      }
    }
    chans.push({win, ker, prod, pads, s});
    sum += s;
  }
  return {chans, sum, bias: S.params[sp.bias].values[o]};
}

function mini(vals, rows, cols, scale, px) {
  const cv = h('canvas', {class: 'big'});
  paint(cv, vals, 0, rows, cols, scale);
  cv.style.width = (cols * px) + 'px';
  cv.style.height = (rows * px) + 'px';
  return cv;
}

function convUnit() {
  const sel = S.sel, fwd = unitInput().fwd;
  const ci = layers()[sel.li].kind === 'conv' ? sel.li : sel.li - 1; // the convolution
  const sp = layers()[ci], next = layers()[ci + 1], act = next && activation[next.kind] ? ci + 1 : null;
  const [, C, H, W] = sp.input_shape, [, , OH, OW] = sp.shape, o = sel.ch, [kh, kw] = sp.kernel;
  const out = valuesOf(fwd, ci), shown = act === null ? out : valuesOf(fwd, act), off = o * OH * OW;
  if (sel.r < 0) { const k = argmaxCell(shown, off, OH * OW); sel.r = Math.floor(k / OW); sel.c = k % OW; }
  const {r: i, c: j} = sel, cell = off + i * OW + j;
  const {chans, sum, bias} = convNumbers(fwd, ci, o, i, j);
  if (!(sel.k >= 0 && sel.k < C)) sel.k = chans.reduce((best, ch, k) => Math.abs(ch.s) > Math.abs(chans[best].s) ? k : best, 0);
  const z = sum + bias, net = out[cell], actKind = act === null ? null : layers()[act].kind;
  const a = act === null ? z : activation[actKind](z), mapVal = shown[cell];
  const focus = k => () => { sel.k = k; renderUnit(); };

  // Pictures: the input maps with the window, the kernels, the output maps.
  const inScale = layerScale(ci - 1), [sh, sw] = sp.stride, [ph, pw] = sp.padding;
  const window = {r0: i * sh - ph, c0: j * sw - pw, r1: i * sh - ph + kh - 1, c1: j * sw - pw + kw - 1};
  const inFigs = chans.map((_, k) => {
    const st = stage(valuesOf(fwd, ci - 1), k * H * W, H, W, C > 1 ? 6 : 7, inScale);
    st.box(window);
    if (C === 1) return st.el;
    st.canvas.addEventListener('click', focus(k));
    return fig(`ch ${k}`, st.el);
  });
  const wt = S.params[sp.weight].values;
  const kScale = diverging(Math.max(...wt.slice(o * C * kh * kw, (o + 1) * C * kh * kw).map(Math.abs)));
  const kFigs = chans.map((ch, k) => C > 1 ? fig(`ch ${k}`, mini(ch.ker, kh, kw, kScale, 10)) : mini(ch.ker, kh, kw, kScale, 20));
  const outStage = stage(out, off, OH, OW, OH >= 20 ? 7 : 16, layerScale(ci), hoverTo);
  outStage.box({r0: i, c0: j, r1: i, c1: j});
  outStage.canvas.dataset.hover = 'out';
  const grid3 = kids => { const g = h('div', {class: 'inmaps'}, kids); g.style.gridTemplateColumns = `repeat(${Math.min(C, 3)}, auto)`; return g; };
  const figs = [
    fig(`${shortName(ci - 1)}: ${C} × ${H} × ${W}${ph ? `, zero padding ${ph}` : ''}; the ${kh}×${kw} window`, grid3(inFigs)),
    fig(`kernel${C > 1 ? 's' : ''} of output channel ${o}: ${C} × ${kh} × ${kw}, bias ${fmt(bias)}`, grid3(kFigs), legend(kScale)),
    fig(`${shortName(ci)} channel ${o}: hover a cell`, outStage.el),
  ];
  if (act !== null) {
    const actStage = stage(shown, off, OH, OW, OH >= 20 ? 7 : 16, layerScale(act), hoverTo);
    actStage.box({r0: i, c0: j, r1: i, c1: j});
    figs.push(fig(`after ${actName[actKind]}`, actStage.el));
  }
  unitRF(rfBox(ci, i, j, i, j));

  // The numbers: per input channel, window × kernel = products, and their sum; with
  // several channels, one line each and the numbers of the one chosen.
  const pScale = diverging(Math.max(...chans.flatMap(ch => ch.prod.map(Math.abs))));
  const named = (g, caption) => h('figure', null, h('figcaption', {text: caption}), g);
  const ch = chans[sel.k], of = C > 1 ? `, channel ${sel.k}` : '';
  const detail = h('div', {class: 'chan'},
    named(grid(ch.win, kh, kw, inScale, {pads: ch.pads}), `window x${of}`), h('span', {class: 'op', text: '×'}),
    named(grid(ch.ker, kh, kw, kScale), `kernel w${of}`), h('span', {class: 'op', text: '='}),
    named(grid(ch.prod, kh, kw, pScale), 'products x · w'), h('span', {class: 'op', text: `Σ = ${fmt(ch.s)}`}));
  const picks = C === 1 ? null : h('div', {class: 'picks'}, chans.map((c, k) => h('button',
    {type: 'button', class: 'pick' + (k === sel.k ? ' on' : ''), title: `show the numbers of input channel ${k}`, onclick: focus(k)},
    h('span', {class: 'op', text: `ch ${k}`}), mini(c.win, kh, kw, inScale, 5), h('span', {class: 'op', text: '×'}),
    mini(c.ker, kh, kw, kScale, 5), h('span', {class: 'op', text: '='}), mini(c.prod, kh, kw, pScale, 5),
    h('span', {class: 'num', text: `Σ = ${fmt(c.s)}`}))));
  const terms = C > 1 ? chans.map(c => `(${fmt(c.s)})`).join(' + ') : `Σ of the ${kh * kw} products (${fmt(sum)})`;
  const eq = h('div', {class: 'eq'},
    h('div', {text: `z = ${terms} + bias (${fmt(bias)})`}),
    h('div', null, '  = ', h('b', {text: fmt(z)}), `     the network's ${shortName(ci)} value: ${fmt(net)}`),
    act !== null ? h('div', null, `${actName[actKind]}(z) = `, h('b', {text: fmt(a)}), `     the map's value: ${fmt(mapVal)}`) : null);
  const formula = formulaBox({kind: 'conv', layer: ci, ch: o, row: i, col: j, sum: z, net, act: a, map: mapVal}, picks, detail, eq);
  const title = `${shortName(ci)}, output channel ${o}, row ${i}, column ${j}` + (act !== null ? ` (then ${actName[actKind]})` : '');
  return {title, el: h('div', null, h('div', {class: 'unit-body'}, figs), formula)};
}

// formulaBox holds a unit's numbers and the check of its sum against the network; the
// data attributes let tests read what the page computed.
function formulaBox(d, ...kids) {
  const sumOK = close(d.sum, d.net), actOK = close(d.act, d.map);
  const why = d.kind === 'conv' || d.kind === 'linear' || d.kind === 'avgpool' ? ' (it adds in float32, in another order)' : '';
  const check = h('p', {class: 'check ' + (sumOK && actOK ? 'ok' : 'bad')},
    (sumOK && actOK ? '✓ ' : '✗ ') +
    `From the numbers shown, in float64, the page gets ${fmt(d.sum, 9)}; the network computed ${fmt(d.net, 9)}${why}: ` +
    `they differ by ${fmt(Math.abs(d.sum - d.net), 2)}` + (sumOK ? `, within ${TOL} of the magnitude.` : `, more than ${TOL} of the magnitude.`));
  const data = {};
  for (const [k, v] of Object.entries(d)) data[k] = String(v);
  return h('div', {class: 'formula', id: 'unit-formula', data}, ...kids, check);
}

function denseUnit() {
  const sel = S.sel, fwd = unitInput().fwd;
  const li = layers()[sel.li].kind === 'linear' ? sel.li : sel.li - 1;
  const sp = layers()[li], next = layers()[li + 1], act = next && activation[next.kind] ? li + 1 : null;
  const n = sp.input_shape[1], m = sp.shape[1], j = sel.c;
  const x = valuesOf(fwd, li - 1), W = S.params[sp.weight].values, b = S.params[sp.bias].values[j];
  const prod = [], col = [];
  let sum = 0;
  for (let i = 0; i < n; i++) { col.push(W[i * m + j]); prod.push(x[i] * W[i * m + j]); sum += x[i] * W[i * m + j]; }
  const z = sum + b, net = valuesOf(fwd, li)[j];
  const a = act === null ? z : activation[next.kind](z), mapVal = act === null ? net : valuesOf(fwd, act)[j];
  const stripOf = (vals, scale) => {
    const cv = h('canvas', {class: 'strip'});
    paint(cv, vals, 0, 1, n, scale);
    cv.style.width = Math.min(640, Math.max(n * 3, 200)) + 'px';
    return cv;
  };
  const pScale = diverging(Math.max(...prod.map(Math.abs)));
  const order = prod.map((p, i) => i).sort((p, q) => Math.abs(prod[q]) - Math.abs(prod[p]));
  const top = order.slice(0, 8), rest = order.slice(8).reduce((s, i) => s + prod[i], 0);
  const rows = top.map(i => h('tr', null, h('td', {text: `${i}`}), h('td', {text: flatName(li - 1, i)}),
    h('td', {text: fmt(x[i])}), h('td', {text: fmt(col[i])}), h('td', {text: fmt(prod[i])})));
  const table = h('table', {class: 'contrib'},
    h('tr', null, ['i', 'input', 'x[i]', `W[i, ${j}]`, 'product'].map(t => h('th', {text: t}))), rows,
    h('tr', null, h('td'), h('td', {text: `the other ${n - top.length}`}), h('td'), h('td'), h('td', {text: fmt(rest)})));
  const out = m === 10 ? S.model.classes[j] : `unit ${j}`;
  const figs = [
    fig(`${shortName(li - 1)}: the ${n} inputs x`, stripOf(x, layerScale(li - 1))),
    fig(`column ${j} of ${sp.weight} (${n} × ${m})`, stripOf(col, diverging(Math.max(...col.map(Math.abs))))),
    fig('products x[i] · W[i, j]', stripOf(prod, pScale), legend(pScale)),
  ];
  const eq = h('div', {class: 'eq'},
    h('div', {text: `z = Σ x[i]·W[i, ${j}] over ${n} inputs (${fmt(sum)}) + bias (${fmt(b)})`}),
    h('div', null, '  = ', h('b', {text: fmt(z)}), `     the network's ${shortName(li)} value: ${fmt(net)}`),
    act !== null ? h('div', null, `${actName[next.kind]}(z) = `, h('b', {text: fmt(a)}), `     the layer's value: ${fmt(mapVal)}`) : null);
  const formula = formulaBox({kind: 'linear', layer: li, ch: 0, row: 0, col: j, sum: z, net, act: a, map: mapVal},
    h('div', {class: 'unit-body'}, figs), h('h3', {text: 'the largest contributions'}), table, eq);
  showPadRF(null);
  return {title: `${shortName(li)}, ${out}` + (act !== null ? ` (then ${actName[next.kind]})` : ''), el: formula};
}

function poolUnit() {
  const sel = S.sel, fwd = unitInput().fwd, li = sel.li, sp = layers()[li];
  const [, , H, W] = sp.input_shape, [, , OH, OW] = sp.shape, ch = sel.ch;
  const out = valuesOf(fwd, li), inVals = valuesOf(fwd, li - 1), off = ch * OH * OW;
  if (sel.r < 0) { const k = argmaxCell(out, off, OH * OW); sel.r = Math.floor(k / OW); sel.c = k % OW; }
  const {r: i, c: j} = sel, [kh, kw] = sp.kernel, [sh, sw] = sp.stride, [ph, pw] = sp.padding;
  const win = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const r = i * sh - ph + a, q = j * sw - pw + b;
      win.push(r >= 0 && r < H && q >= 0 && q < W ? inVals[(ch * H + r) * W + q] : NaN);
    }
  }
  const real = win.filter(v => !Number.isNaN(v)), isMax = sp.kind === 'maxpool';
  // PyTorch's AvgPool2d divides by the whole window, the padding's zeros included.
  const v = isMax ? Math.max(...real) : real.reduce((s, x) => s + x, 0) / (kh * kw);
  const net = out[off + i * OW + j], scale = layerScale(li - 1);
  const inStage = stage(inVals, ch * H * W, H, W, H >= 20 ? 8 : 16, scale);
  inStage.box({r0: i * sh - ph, c0: j * sw - pw, r1: i * sh - ph + kh - 1, c1: j * sw - pw + kw - 1});
  const outStage = stage(out, off, OH, OW, OH >= 10 ? 16 : 28, layerScale(li), hoverTo);
  outStage.box({r0: i, c0: j, r1: i, c1: j});
  outStage.canvas.dataset.hover = 'out';
  const list = real.map(x => fmt(x)).join(', ');
  const eq = h('div', {class: 'eq'}, h('div', null,
    isMax ? `max(${list}) = ` : `(${real.map(x => fmt(x)).join(' + ')}${real.length < kh * kw ? ` + ${kh * kw - real.length} padding zeros` : ''}) / ${kh * kw} = `, h('b', {text: fmt(v)}),
    `     the network's ${shortName(li)} value: ${fmt(net)}`));
  unitRF(rfBox(li, i, j, i, j));
  const formula = formulaBox({kind: sp.kind, layer: li, ch, row: i, col: j, sum: v, net, act: v, map: net},
    h('div', {class: 'chans'}, grid(win, kh, kw, scale, {mark: isMax ? win.indexOf(v) : -1, large: true})), eq);
  return {
    title: `${shortName(li)}, channel ${ch}, row ${i}, column ${j}: the ${kh}×${kw} window's ${isMax ? 'largest value' : 'average'}`,
    el: h('div', null, h('div', {class: 'unit-body'},
      fig(`${shortName(li - 1)} channel ${ch}, the window`, inStage.el),
      fig(`${shortName(li)} channel ${ch}: hover a cell`, outStage.el)), formula),
  };
}

function softmaxUnit() {
  const fwd = unitInput().fwd, logits = fwd.layers[fwd.layers.length - 1].values;
  const m = Math.max(...logits), e = logits.map(z => Math.exp(z - m)), total = e.reduce((s, x) => s + x, 0);
  const p = e.map(x => x / total), worst = Math.max(...p.map((x, k) => Math.abs(x - fwd.probabilities[k])));
  const rows = logits.map((z, k) => {
    const bar = h('i');
    bar.style.width = (100 * p[k]) + '%';
    return h('tr', {class: k === fwd.predicted ? 'pred' : null}, h('td', {text: S.model.classes[k]}), h('td', {text: fmt(z)}),
      h('td', {text: fmt(z - m)}), h('td', {text: fmt(e[k])}), h('td', {text: pct(p[k])}), h('td', {class: 'bar'}, bar));
  });
  const table = h('table', {class: 'contrib softmax'},
    h('tr', null, ['class', 'logit z', 'z − max z', 'exp(z − max z)', 'probability', ''].map(t => h('th', {text: t}))), rows);
  const eq = h('div', {class: 'eq'},
    h('div', {text: `p[k] = exp(z[k] − m) / Σ exp(z[j] − m), with m = max z = ${fmt(m)}; subtracting m changes nothing but keeps exp from overflowing`}),
    h('div', null, `Σ exp(z[j] − m) = ${fmt(total)}; the largest difference from the network's probabilities: ${fmt(worst, 2)}`));
  const k = fwd.predicted;
  showPadRF(null);
  return {title: 'softmax: from the ten logits to the ten probabilities',
    el: formulaBox({kind: 'softmax', layer: SOFTMAX, ch: 0, row: 0, col: k, sum: p[k], net: fwd.probabilities[k], act: p[k], map: fwd.probabilities[k]},
      table, eq)};
}

// actUnit shows an activation that follows a pooling, a flatten or another activation:
// one value in, one value out.
function actUnit() {
  const sel = S.sel, fwd = unitInput().fwd, li = sel.li, sp = layers()[li], f = activation[sp.kind];
  const out = valuesOf(fwd, li), inVals = valuesOf(fwd, li - 1);
  let k, where, el;
  if (sp.shape.length === 4) {
    const [, , H, W] = sp.shape, off = sel.ch * H * W;
    if (sel.r < 0) { const a = argmaxCell(out, off, H * W); sel.r = Math.floor(a / W); sel.c = a % W; }
    k = off + sel.r * W + sel.c;
    where = `channel ${sel.ch}, row ${sel.r}, column ${sel.c}`;
    const inStage = stage(inVals, off, H, W, H >= 20 ? 8 : 16, layerScale(li - 1));
    inStage.box({r0: sel.r, c0: sel.c, r1: sel.r, c1: sel.c});
    const outStage = stage(out, off, H, W, H >= 20 ? 8 : 16, layerScale(li), hoverTo);
    outStage.box({r0: sel.r, c0: sel.c, r1: sel.r, c1: sel.c});
    outStage.canvas.dataset.hover = 'out';
    el = h('div', {class: 'unit-body'}, fig(`${shortName(li - 1)} channel ${sel.ch}`, inStage.el), fig(`${shortName(li)} channel ${sel.ch}: hover a cell`, outStage.el));
    unitRF(rfBox(li, sel.r, sel.c, sel.r, sel.c));
  } else {
    k = sel.c;
    where = `element ${k}`;
    el = null;
    unitRF(rfBox(li, 0, 0, 0, 0));
  }
  const x = inVals[k], a = f(x), net = out[k];
  const eq = h('div', {class: 'eq'}, h('div', null, `${actName[sp.kind]}(x) = ${actFormula[sp.kind]}, x = ${fmt(x)}: `, h('b', {text: fmt(a)}),
    `     the network's value: ${fmt(net)}`));
  return {title: `${shortName(li)}, ${where}`,
    el: h('div', null, el, formulaBox({kind: sp.kind, layer: li, ch: sel.ch, row: sel.r, col: sel.c, sum: a, net, act: a, map: net}, eq))};
}

function flattenUnit() {
  const sp = layers()[S.sel.li], [, C, H, W] = sp.input_shape;
  return {title: 'flatten', el: h('p', {text: `Flatten lays the ${C} maps of ${H} × ${W} end to end, row by row: element k is channel ⌊k / ${H * W}⌋, ` +
    `row ⌊k / ${W}⌋ mod ${H}, column k mod ${W}. Nothing is computed; hover the strip to see where each value came from.`})};
}

// ---------------------------------------------------------------- prediction, header

function renderPrediction() {
  const inp = cur(), fwd = inp.fwd, names = S.model.classes, w = inp.what;
  const label = w.kind === 'test' ? w.label : null, p = fwd.predicted;
  const v = $('verdict');
  v.dataset.predicted = p;
  v.replaceChildren('Predicted ', h('b', {text: names[p]}), ` (${pct(fwd.probabilities[p])})`);
  if (label !== null) {
    v.append(h('br'), 'true class: ', h('span', {class: label === p ? 'ok' : 'wrong', text: `${names[label]} ${label === p ? '✓' : '✗'}`}));
  }
  $('probs').replaceChildren(...names.flatMap((n, k) => {
    const bar = h('i');
    bar.style.width = (100 * fwd.probabilities[k]) + '%';
    return [h('span', {class: k === label ? 'truth' : null, text: n, title: k === label ? 'the true class' : null}),
      h('span', {class: 'bar'}, bar), h('span', {class: 'p', text: pct(fwd.probabilities[k])})];
  }));
  $('input-what').textContent = w.kind === 'test' ? `test image ${w.index}` : w.kind === 'noise' ? 'noise' : 'your drawing';
  if (w.kind === 'test') { $('index').value = w.index; $('class').value = w.label; }
}

function renderPinned() {
  $('unpin').hidden = !S.compare;
  $('pin').textContent = S.compare ? 'Pin this input as A instead' : 'Pin this input as A';
  const box = $('pinned');
  box.hidden = !S.compare;
  if (!S.compare) return;
  const a = S.inputs[0], cv = h('canvas');
  paint(cv, a.pixels, 0, 28, 28, grays());
  const what = a.what.kind === 'test' ? `test image ${a.what.index} (${S.model.classes[a.what.label]})` : a.what.kind === 'noise' ? 'noise' : 'a drawing';
  box.replaceChildren(cv, h('span', {text: `A: ${what}, predicted ${S.model.classes[a.fwd.predicted]}. B is the input on the left.`}));
}

function renderHeader() {
  const M = S.model, last = [...S.metrics].reverse().find(p => p.test_acc !== undefined);
  const trained = M.weights_only ? 'weights only, no training state' :
    M.epoch ? `trained ${M.epoch} epoch${M.epoch === 1 ? '' : 's'}` : 'untrained (initial weights)';
  const parts = [/^(classic|modern)$/.test(M.variant) ? `${M.variant} LeNet` : `CNN ${M.variant}`, trained];
  if (last) parts.push(`test accuracy ${dec(last.test_acc, 3)}`);
  if (M.source) parts.push(`weights: ${M.source}`);
  $('model-info').textContent = parts.join(' · ');
  renderLive();
}

// renderLive says where a trainer feeding this page stands.
function renderLive() {
  const M = S.model, live = $('live'), p = S.progress;
  live.hidden = !M.live;
  if (!M.live) return;
  if (M.epochs && M.epoch >= M.epochs) { live.textContent = `training finished: ${M.epoch} epochs`; return; }
  let text = `training live: epoch ${M.epoch + 1} of ${M.epochs}`;
  if (p && p.epoch === M.epoch + 1) {
    text += ` · batch ${p.batch} of ${p.batches} · loss ${p.loss == null ? '–' : dec(p.loss, 3)}`;
    if (p.examples_per_sec) text += ` · ${Math.round(p.examples_per_sec).toLocaleString('en')} examples/s`;
  }
  live.textContent = text;
}

function render() {
  drawPad();
  renderOverview();
  renderPrediction();
  renderPinned();
  if (S.sel) renderUnit();
  if (S.mistakes) renderConfusion();
}

// ---------------------------------------------------------------- training curves, kernels

function renderCurves() {
  const pts = S.metrics, box = $('curves');
  const M = S.model;
  $('curves-what').textContent = M.live ? 'updated as the trainer records points' : 'the history saved with these weights';
  if (pts.length === 0) { box.replaceChildren(h('p', {class: 'hint', text: 'No training history yet.'})); return; }
  const Wd = 600, Ht = 260, L = 44, R = 12, T = 12, B = 34;
  const xmax = Math.max(1, M.epochs || 0, ...pts.map(p => p.epoch));
  const ymax = Math.max(1, Math.ceil(2 * Math.max(0, ...pts.map(p => p.train_loss ?? 0))) / 2);
  const X = x => L + (Wd - L - R) * x / xmax, Y = y => T + (Ht - T - B) * (1 - y / ymax);
  const g = svg('svg', {viewBox: `0 0 ${Wd} ${Ht}`, role: 'img', 'aria-label': 'training curves'});
  const xstep = Math.max(1, Math.ceil(xmax / 10)), ystep = ymax > 2 ? 0.5 : 0.2;
  for (let x = 0; x <= xmax + 1e-9; x += xstep) {
    g.append(svg('line', {x1: X(x), x2: X(x), y1: T, y2: Ht - B, stroke: '#eef0f4'}), svg('text', {x: X(x), y: Ht - B + 15, 'text-anchor': 'middle'}, String(x)));
  }
  for (let y = 0; y <= ymax + 1e-9; y += ystep) {
    g.append(svg('line', {x1: L, x2: Wd - R, y1: Y(y), y2: Y(y), stroke: '#eef0f4'}), svg('text', {x: L - 6, y: Y(y) + 4, 'text-anchor': 'end'}, dec(y, 1)));
  }
  g.append(svg('text', {x: (L + Wd - R) / 2, y: Ht - 4, 'text-anchor': 'middle'}, 'epoch'));
  const series = [['train_loss', 'train loss', '#1f77b4', null], ['train_acc', 'train acc', '#c2185b', '6 4'], ['test_acc', 'test acc', '#2e7d32', '9 3 2 3']];
  series.forEach(([key, name, color, dash], s) => {
    const ps = pts.filter(p => p[key] !== undefined);
    if (ps.length) {
      g.append(svg('polyline', {points: ps.map(p => `${X(p.epoch)},${Y(p[key])}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash}));
      if (ps.length < 30) for (const p of ps) g.append(svg('circle', {cx: X(p.epoch), cy: Y(p[key]), r: 2.5, fill: color}));
    }
    const ly = T + 8 + 16 * s;
    g.append(svg('line', {x1: Wd - R - 110, x2: Wd - R - 84, y1: ly, y2: ly, stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash}),
      svg('text', {x: Wd - R - 78, y: ly + 4}, ps.length ? `${name} ${dec(ps[ps.length - 1][key], 3)}` : name));
  });
  box.replaceChildren(g);
}

// renderKernels shows the first layer's kernels after every epoch the server has seen
// (the first and the latest 11 of them), on one colour scale.
function renderKernels() {
  let ks = S.model.kernels;
  const conv = S.model.layers.find(l => l.kind === 'conv');
  $('kernels-title').hidden = $('kernel-history').hidden = !ks.length || !conv;
  if (!ks.length || !conv) return;
  if (ks.length > 12) ks = [ks[0], ...ks.slice(-11)];
  const [C0, , kh0, kw0] = ks[0].shape;
  $('kernels-title').replaceChildren(`${conv.weight.replace(/\.weight$/, '')}'s ${C0} ${kh0}×${kw0} kernels `,
    h('span', {class: 'muted', text: 'after each epoch seen, one colour scale'}));
  const scale = diverging(Math.max(...ks.flatMap(k => k.values.map(Math.abs))));
  const [C, I, kh, kw] = ks[0].shape, n = I * kh * kw;
  $('kernel-history').replaceChildren(...ks.map(k => h('div', {class: 'krow'}, h('span', {text: k.epoch ? `epoch ${k.epoch}` : S.model.weights_only ? 'loaded' : 'initial'}),
    Array.from({length: C}, (_, c) => mini(k.values.slice(c * n, (c + 1) * n), I * kh, kw, scale, 8)))), legend(scale));
}

// ---------------------------------------------------------------- loading

async function loadModel() {
  S.model = await api.model();
  S.params = Object.fromEntries(S.model.params.map(p => [p.name, p]));
}

async function loadMetrics() {
  S.metrics = (await api.metrics()).points;
  renderCurves();
  renderHeader();
}

// layoutKey identifies the network's layers: a loaded run can change them.
const layoutKey = m => m.layers.map(l => `${l.name}:${l.shape.join('x')}`).join('|');

// refreshWeights follows a trainer or a loaded run: the new weights (and layers), every
// input run again.
async function refreshWeights() {
  const before = layoutKey(S.model);
  await loadModel();
  const relaid = layoutKey(S.model) !== before;
  if (relaid) S.sel = null;
  S.inputs = await Promise.all(S.inputs.map(async inp => {
    if (inp.what.kind === 'test') return fetchTest(inp.what.index);
    const fwd = await api.forward(inp.pixels.map(v => Math.round(v * 1e4) / 1e4));
    return {...inp, fwd};
  }));
  if (S.mistakes) { S.mistakes = null; $('confusion').replaceChildren(); $('mistakes-what').textContent = 'the weights changed: classify again'; }
  if (relaid) buildOverview();
  renderHeader();
  renderKernels();
  render();
  await loadMetrics();
  document.body.dataset.version = S.model.version;
}

async function start() {
  const q = new URLSearchParams(location.search), first = Number(q.get('index')) || 0;
  const [, labels] = await Promise.all([loadModel(), api.labels()]);
  S.labels = labels;
  $('class').replaceChildren(...S.model.classes.map((n, k) => h('option', {value: k, text: n})));
  $('index').max = S.model.test_size - 1;
  S.inputs = [await fetchTest(Math.min(Math.max(first, 0), S.model.test_size - 1))];
  buildOverview();
  render();
  renderHeader();
  renderKernels();
  document.body.dataset.busy = 'false';
  document.body.dataset.version = S.model.version;
  const design = initDesign({model: () => S.model, metrics: () => S.metrics});
  await loadMetrics();
  api.events({
    weights: d => { if (d.version !== S.model.version) refreshWeights().catch(fail); },
    metrics: () => loadMetrics().catch(fail),
    progress: d => { S.progress = d; renderLive(); },
    runs: () => design.refreshRuns().catch(fail),
  });
  await design.ready;
  document.body.dataset.ready = 'true';
  window.exploreReadyMs = performance.now();
}

start().catch(fail);
