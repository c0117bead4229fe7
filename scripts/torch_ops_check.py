#!/usr/bin/env python3
"""The PyTorch half of `make torch-ops`: every op of the project against PyTorch.

  torch_ops_check.py FILE [--tol64 1e-10] [--tol32 1e-5] [--only TEXT]

FILE is the dump of the Go half (internal/torchcheck, whose package doc describes it):

  go test ./internal/torchcheck -run '^TestDump$' -count=1 -args -out FILE

For every case it recomputes the outputs with torch.nn.functional from the dumped inputs,
in the case's dtype, then L = sum(out[0] * R) and its gradients with autograd, and prints
one line: PASS or FAIL, the case, then for each output and each gradient

  NAME abs/rel      abs = max |Go - PyTorch|,  rel = abs / max |PyTorch|

(rel is relative to the tensor's largest entry, not entry by entry, so entries that are
zero up to rounding do not blow it up). A case passes when every rel is at most the
tolerance of its dtype. It exits 1 if any case fails, 2 on bad usage.

What each op is in PyTorch (x, k, w, b, R as dumped):

  corr2d, corr2d_matmul  conv2d(x[None, None], k[None, None])[0, 0]   (the chapter's 2-D corr2d)
  corr2d_multi_in        conv2d(x[None], k[None])[0, 0]              x (c, h, w), k (c, kh, kw)
  corr2d_multi_in_out    conv2d(x[None], k)[0]                       k (co, c, kh, kw)
  pool2d                 max_pool2d / avg_pool2d (stride 1) on x[None, None]; min is
                         -max_pool2d(-x)
  conv2d                 conv2d(x, w, padding=pad, stride=stride)
  fused_conv2d           conv2d(x, w, b.reshape(-1), padding=pad, stride=stride)
  max_pool2d             max_pool2d(x, kernel, stride, pad)
  avg_pool2d             avg_pool2d(x, kernel, stride, pad, count_include_pad=True)
  relu, sigmoid, tanh    relu(x), sigmoid(x), tanh(x)
  dense                  linear(x, w.T, b)            (the project keeps w as (in, out))
  flatten                x.reshape(n, -1)
  softmax_cross_entropy  sum(weights * cross_entropy(logits, targets, reduction="none"))
  lenet                  the d2l LeNet (scripts/lenet_torch.py) holding the dumped
                         parameters: loss as softmax_cross_entropy of its logits
  lenet_trainer          the same network, loss cross_entropy(logits, labels) (the mean,
                         as d2l trains), labels the argmax of the one-hot targets

Max pooling routes a window's gradient to its first maximum in row-major order, in
PyTorch's CPU kernel and in the project; the dumped inputs have distinct values except in
the cases named "ties", which test that rule. ReLU's gradient at 0 is 0 in both.

Needs numpy and PyTorch (Debian: sudo apt-get install python3-numpy python3-torch).
"""
import argparse
import json
import os
import sys

PROG = "torch_ops_check"

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.nn.utils import stateless
except ImportError as e:
    sys.exit(f"{PROG}: {e.name} is missing: sudo apt-get install python3-numpy python3-torch (for /usr/bin/python3)")

from lenet_torch import lenet
from torch_check import read_safetensors

TORCH_DTYPES = {"F64": torch.float64, "F32": torch.float32}


def fail(msg):
    sys.exit(f"{PROG}: {msg}")


# Each op takes the case's differentiated inputs i, its data inputs d and its attrs a (dicts
# by name) and returns its outputs in the dump's order.


def corr2d(i, d, a):
    return [F.conv2d(i["x"][None, None], i["k"][None, None])[0, 0]]


def corr2d_multi_in(i, d, a):
    return [F.conv2d(i["x"][None], i["k"][None])[0, 0]]


def corr2d_multi_in_out(i, d, a):
    return [F.conv2d(i["x"][None], i["k"])[0]]


def pool2d(i, d, a):
    x, window = i["x"][None, None], tuple(a["window"])
    if a["mode"] == "max":
        y = F.max_pool2d(x, window, stride=1)
    elif a["mode"] == "min":
        y = -F.max_pool2d(-x, window, stride=1)
    else:
        y = F.avg_pool2d(x, window, stride=1)
    return [y[0, 0]]


def conv2d(i, d, a):
    b = i["b"].reshape(-1) if "b" in i else None
    return [F.conv2d(i["x"], i["w"], b, stride=tuple(a["stride"]), padding=tuple(a["pad"]))]


def max_pool2d(i, d, a):
    return [F.max_pool2d(i["x"], tuple(a["kernel"]), tuple(a["stride"]), tuple(a["pad"]))]


def avg_pool2d(i, d, a):
    return [F.avg_pool2d(i["x"], tuple(a["kernel"]), tuple(a["stride"]), tuple(a["pad"]), count_include_pad=True)]


def dense(i, d, a):
    return [F.linear(i["x"], i["w"].T, i.get("b"))]


def weighted_xent(logits, targets, weights):
    return (weights * F.cross_entropy(logits, targets, reduction="none")).sum()


def softmax_cross_entropy(i, d, a):
    return [weighted_xent(i["logits"], d["targets"], d["weights"])]


def lenet_state(net, params):
    """The entries of net's state_dict ("0.weight", ...) as views of the parameters dumped
    in the project's names and layouts (conv1.weight, ..., fc3.bias): a convolution's
    bias (1, C, 1, 1) flattened, a linear weight (in, out) transposed. Being views, they
    carry the gradients back to the dumped tensors."""
    children = list(net.named_children())
    modules = {"conv": [k for k, m in children if isinstance(m, nn.Conv2d)],
               "fc": [k for k, m in children if isinstance(m, nn.Linear)]}
    state = {}
    for name, t in params.items():
        layer, kind = name.split(".")
        prefix = "conv" if layer.startswith("conv") else "fc"
        module = modules[prefix][int(layer[len(prefix):]) - 1]
        if kind == "bias":
            t = t.reshape(-1)
        elif prefix == "fc":
            t = t.T
        state[f"{module}.{kind}"] = t
    return state


def lenet_logits(i, a, x):
    """The logits of the d2l LeNet of variant a["variant"], holding the parameters of i,
    on images x."""
    net = lenet(a["variant"]).to(x.dtype)
    state = lenet_state(net, {k: v for k, v in i.items() if k != "x"})
    if sorted(state) != sorted(k for k, _ in net.named_parameters()):
        raise ValueError(f"the dumped parameters {sorted(i)} are not the d2l LeNet's")
    return stateless.functional_call(net, state, (x,))


def lenet_net(i, d, a):
    logits = lenet_logits(i, a, i["x"])
    return [weighted_xent(logits, d["targets"], d["weights"]), logits]


def lenet_trainer(i, d, a):
    logits = lenet_logits(i, a, d["x"])
    return [F.cross_entropy(logits, d["targets"].argmax(1)), logits]


OPS = {
    "corr2d": corr2d,
    "corr2d_matmul": corr2d,
    "corr2d_multi_in": corr2d_multi_in,
    "corr2d_multi_in_out": corr2d_multi_in_out,
    "pool2d": pool2d,
    "conv2d": conv2d,
    "fused_conv2d": conv2d,
    "max_pool2d": max_pool2d,
    "avg_pool2d": avg_pool2d,
    "relu": lambda i, d, a: [F.relu(i["x"])],
    "sigmoid": lambda i, d, a: [torch.sigmoid(i["x"])],
    "tanh": lambda i, d, a: [torch.tanh(i["x"])],
    "dense": dense,
    "flatten": lambda i, d, a: [i["x"].reshape(i["x"].shape[0], -1)],
    "softmax_cross_entropy": softmax_cross_entropy,
    "lenet": lenet_net,
    "lenet_trainer": lenet_trainer,
}


def difference(got, want):
    """(max |got - want|, that over max |want|), both NaN if a value is NaN; None when the
    shapes differ."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return None
    if got.size == 0:
        return 0.0, 0.0
    diff = np.abs(got - want)
    if np.isnan(diff).any():
        return float("nan"), float("nan")
    d, scale = float(diff.max()), float(np.abs(want).max())
    return d, (d / scale if scale > 0 else (0.0 if d == 0 else float("inf")))


def run_case(case, tensors):
    """The case's comparisons: a list of (label, Go array, PyTorch array)."""
    prefix, dtype = case["prefix"], TORCH_DTYPES[case["dtype"]]

    def load(name, grad=False):
        arr = tensors.get(prefix + name)
        if arr is None:
            raise ValueError(f"the file has no tensor {prefix + name}")
        return torch.tensor(np.array(arr), dtype=dtype, requires_grad=grad)

    inputs = {n: load("in/" + n, True) for n in case["inputs"]}
    data = {n: load("data/" + n) for n in case["data"]}
    op = OPS.get(case["op"])
    if op is None:
        raise ValueError(f"unknown op {case['op']!r}")
    outs = op(inputs, data, case.get("attrs") or {})
    (outs[0] * load("r")).sum().backward()
    rows = []
    for name, out in zip(case["outputs"], outs):
        rows.append((name, tensors[prefix + "out/" + name], out.detach().numpy()))
    for name in case["inputs"]:
        g = inputs[name].grad
        want = np.zeros(inputs[name].shape) if g is None else g.numpy()
        rows.append(("d" + name, tensors[prefix + "grad/" + name], want))
    return rows


def check(case, tensors, tol):
    """Prints the case's line and returns whether it passed."""
    try:
        rows = run_case(case, tensors)
    except (ValueError, KeyError, RuntimeError) as e:
        print(f"FAIL  {case.get('name', '?')}: {e}")
        return False
    ok, parts = True, []
    for label, got, want in rows:
        d = difference(got, want)
        if d is None:
            ok = False
            parts.append(f"{label} shape {list(np.shape(got))} vs PyTorch {list(np.shape(want))}")
            continue
        ok = ok and d[1] <= tol  # False for NaN
        parts.append(f"{label} {d[0]:.1e}/{d[1]:.1e}")
    print(f"{'PASS' if ok else 'FAIL'}  {case['name']}: {'  '.join(parts)}")
    return ok


def main():
    p = argparse.ArgumentParser(prog=PROG, description="Recompute the dump of internal/torchcheck with PyTorch and compare.")
    p.add_argument("file", help="the dump (go test ./internal/torchcheck -run '^TestDump$' -args -out FILE)")
    p.add_argument("--tol64", type=float, default=1e-10, help="largest relative difference of a float64 case")
    p.add_argument("--tol32", type=float, default=1e-5, help="largest relative difference of a float32 case")
    p.add_argument("--only", default="", help="check only the cases whose name contains this text")
    args = p.parse_args()
    if not os.path.isfile(args.file):
        fail(f"{args.file}: no such file (make torch-ops writes it)")
    tensors, meta = read_safetensors(args.file, keep_dtype=True, prog=PROG)
    if "torchcheck.cases" not in meta:
        fail(f"{args.file}: no torchcheck.cases in its metadata: not a dump of internal/torchcheck")
    try:
        cases = json.loads(meta["torchcheck.cases"])
    except ValueError as e:
        fail(f"{args.file}: torchcheck.cases is not JSON: {e}")
    cases = [c for c in cases if args.only in c["name"]]
    if not cases:
        fail(f"{args.file}: no case matches --only {args.only!r}")
    torch.set_num_threads(1)  # the same sums in the same order on every run
    tols = {"F64": args.tol64, "F32": args.tol32}
    print(f"PyTorch {torch.__version__}, numpy {np.__version__}; {meta.get('torchcheck.go', '?')} wrote {args.file}")
    print("each entry: NAME max|Go - PyTorch| / that over max|PyTorch|; dNAME is the gradient of sum(out * R)")
    failed = [c["name"] for c in cases if not check(c, tensors, tols[c["dtype"]])]
    print(f"{len(cases)} cases: {len(cases) - len(failed)} passed, {len(failed)} failed "
          f"(tolerance: relative {args.tol64:g} in float64, {args.tol32:g} in float32)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
