// Small helpers the explorer's views share: building elements, writing numbers.

export const $ = id => document.getElementById(id);

// h builds an element: h('div', {class: 'x', text: 'y', data: {a: 1}, onclick: f}, ...children).
export function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'data') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c != null) e.append(c);
  return e;
}

export const SVGNS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
  for (const c of kids.flat()) if (c != null) e.append(c);
  return e;
}

// fmt writes v with p significant digits, switching to exponent notation only for
// very large or very small magnitudes.
export function fmt(v, p = 4) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(p - 1).replace('e+', 'e');
  return String(Number(v.toPrecision(p)));
}

// dec writes v with d decimals, never "-0.000".
export function dec(v, d = 3) {
  const t = v.toFixed(d);
  return /^-0\.?0*$/.test(t) ? t.slice(1) : t;
}

export const pct = p => (100 * p).toFixed(1) + '%';

// fail shows an error in the page's status line.
export function fail(err) {
  const s = $('status');
  s.textContent = String(err && err.message || err);
  s.hidden = false;
}
