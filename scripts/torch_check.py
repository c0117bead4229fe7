#!/usr/bin/env python3
"""The PyTorch half of the safetensors interop check (docs/pytorch.md).

  torch_check.py eval FILE [--data DIR] [--variant classic|modern] [--net NET.py] [--tolerance 0.002]
      Loads FILE (a checkpoint of cmd/train -save, or any safetensors file holding the ten
      tensors of LeNet's state_dict) into the d2l LeNet with load_state_dict(strict=True)
      and prints `test acc A`. A file with a lenet.sha256 digest (every file written
      here) is refused when altered. When FILE records a test accuracy (cmd/train's
      last one, or this script's own), it compares and exits 1 if they differ by more
      than the tolerance. --data defaults to Debian's Fashion-MNIST folder; a checkpoint
      of a run on MNIST (cmd/train -dataset mnist) needs --data with MNIST's files.
      With --net, the network and the loading are NET.py's, a module written by
      'describe -model SPEC -pytorch': its load(FILE), for any network.

  torch_check.py train OUT [--data DIR] [--epochs 1] [--seed 1] [--lr 0.9] [--batch 256]
                           [--variant classic] [--net NET.py] [--limit N] [--dtype F32|F16|BF16]
      Trains the d2l LeNet, or NET.py's build() (Xavier-uniform weights, SGD,
      cross-entropy), on the first --limit training images (default all), prints its test
      accuracy, and writes its state_dict to OUT as safetensors in dtype, with that
      accuracy of the weights as stored in the metadata (torch_check.test_acc), for
      cmd/evaluate.

Needs numpy and PyTorch (Debian: sudo apt-get install python3-numpy python3-torch). The
safetensors format is read and written here with numpy and json: the safetensors package
is not packaged for Debian's PyTorch 1.13.
"""
import argparse
import hashlib
import json
import os
import sys

PROG = "torch_check"

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:
    sys.exit(f"{PROG}: {e.name} is missing: sudo apt-get install python3-numpy python3-torch (for /usr/bin/python3)")

from lenet_torch import VARIANTS, lenet, load_split, xavier_init

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}  # BF16 is converted by hand
ACC_KEY = "torch_check.test_acc"
FASHION = "fashion-mnist"  # the data set of a checkpoint that names none (lenet.state's "dataset")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist
DIGEST_KEY = "lenet.sha256"


def fail(msg):
    sys.exit(f"{PROG}: {msg}")


def read_safetensors(path, keep_dtype=False, prog=PROG):
    """The tensors (name -> float32 ndarray, or F64 and F32 as stored with keep_dtype) and
    metadata of a safetensors file, with the format's checks (header length, contiguous
    offsets, sizes, nothing after the data) and, when the file has one, its lenet.sha256
    digest checked. A bad file exits with one line that starts with prog."""

    def fail(msg):
        sys.exit(f"{prog}: {msg}")

    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{path}: {len(data)} bytes; not a safetensors file")
    n = int.from_bytes(data[:8], "little")
    if n > 100_000_000 or data[8:9] != b"{":
        fail(f"{path}: not a safetensors file (header length {n}, byte 8 {data[8:9]!r})")
    if 8 + n > len(data):
        fail(f"{path}: cut short: the header is {n} bytes, the file holds {len(data) - 8} after the length")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"),
                            object_pairs_hook=lambda kv: _no_duplicates(path, kv, fail))
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"{path}: bad header: {e}")
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + n:]
    tensors, raw, pos = {}, {}, 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        dtype, shape = info["dtype"], info["shape"]
        if end > len(body):
            fail(f"{path}: cut short: tensor {name} ends at byte {end} of the data, the file holds {len(body)}")
        if begin != pos or end < begin:
            fail(f"{path}: tensor {name}: data_offsets [{begin}, {end}] do not start where the previous tensor ends ({pos})")
        count = int(np.prod(shape, dtype=np.int64))
        if dtype == "BF16":
            arr = (np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype in DTYPES:
            arr = np.frombuffer(body[begin:end], dtype=DTYPES[dtype])
            if not (keep_dtype and dtype in ("F32", "F64")):
                arr = arr.astype(np.float32)
        else:
            fail(f"{path}: tensor {name} is {dtype}; this script reads F32, F64, F16 and BF16")
        if arr.size != count:
            fail(f"{path}: tensor {name}: {end - begin} bytes for {dtype} {shape}")
        tensors[name] = arr.reshape(shape)
        raw[name] = (dtype, shape, bytes(body[begin:end]))
        pos = end
    if pos != len(body):
        fail(f"{path}: {len(body) - pos} bytes after the last tensor")
    if DIGEST_KEY in meta and content_sum(raw, meta) != meta[DIGEST_KEY]:
        fail(f"{path}: SHA-256 mismatch (the file was altered)")
    return tensors, meta


def content_sum(raw, meta):
    """The digest lenet.sha256 holds (Go: safetensors.File.Sum): SHA-256 over the tensors
    in name order (name, dtype, shape, bytes) and the metadata in key order but the digest,
    every string and list preceded by its length as 8 little-endian bytes."""
    h = hashlib.sha256()

    def put_int(v):
        h.update(int(v).to_bytes(8, "little"))

    def put_bytes(b):
        put_int(len(b))
        h.update(b)

    put_int(len(raw))
    for name in sorted(raw):
        dtype, shape, data = raw[name]
        put_bytes(name.encode())
        put_bytes(dtype.encode())
        put_int(len(shape))
        for d in shape:
            put_int(d)
        put_bytes(data)
    keys = sorted(k for k in meta if k != DIGEST_KEY)
    put_int(len(keys))
    for k in keys:
        put_bytes(k.encode())
        put_bytes(meta[k].encode())
    return h.hexdigest()


def _no_duplicates(path, pairs, fail):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        fail(f"{path}: a key appears twice in the header")
    return dict(pairs)


def to_dtype(arr, dtype):
    """arr (float32) as the little-endian bytes of dtype; BF16 rounds to nearest even."""
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if dtype == "BF16":
        bits = arr.view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        return bits.astype("<u2").tobytes()
    return arr.astype(DTYPES[dtype]).tobytes()


def write_safetensors(path, tensors, dtype, metadata):
    """Writes tensors (name -> float32 ndarray, in order) as dtype, atomically."""
    header = {"__metadata__": metadata}
    blobs, pos = [], 0
    for name, arr in tensors.items():
        blob = to_dtype(arr, dtype)
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [pos, pos + len(blob)]}
        blobs.append(blob)
        pos += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)  # the data starts on an 8-byte boundary
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def pixels(x):
    return torch.from_numpy(x.astype(np.float32) / 255)


def accuracy(net, x, y, batch=1000):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            pred = net(pixels(x[i:i + batch])).argmax(dim=1)
            correct += int((pred == torch.from_numpy(y[i:i + batch])).sum())
    return correct / len(x)


def load_into(net, tensors, path):
    try:
        net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
    except RuntimeError as e:
        fail(f"{path}: not LeNet's state_dict: {' '.join(str(e).split())}")


def recorded_acc(meta):
    """The test accuracy a file records, and who recorded it."""
    if ACC_KEY in meta:
        return float(meta[ACC_KEY]), "PyTorch (torch_check.py train)"
    if "lenet.state" in meta:
        for point in reversed(json.loads(meta["lenet.state"]).get("history") or []):
            if point.get("test_acc") is not None:
                return float(point["test_acc"]), "cmd/train"
    return None, None


def load_net_module(path):
    """The module 'describe -pytorch' wrote at path."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("generated_net", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except (OSError, SyntaxError) as e:
        fail(f"--net {path}: {e}")
    return mod


def cmd_eval(args):
    tensors, meta = read_safetensors(args.file)
    if args.net:
        mod = load_net_module(args.net)
        if meta.get("lenet.spec") and meta["lenet.spec"] != mod.SPEC:
            fail(f"{args.file} holds {meta['lenet.spec']}, --net {args.net} builds {mod.SPEC}")
        try:
            net = mod.load(args.file)
        except RuntimeError as e:
            fail(f"{args.file}: not the state_dict of {mod.SPEC}: {' '.join(str(e).split())}")
        evaluate_and_compare(args, net, meta, f"{mod.SPEC} (by {args.net})")
        return
    variant = meta.get("lenet.variant") or args.variant
    if args.variant and meta.get("lenet.variant") and args.variant != meta["lenet.variant"]:
        fail(f"{args.file} holds the {meta['lenet.variant']} variant, not {args.variant}")
    if variant and variant not in VARIANTS:
        fail(f"{args.file} holds the network {variant}: pass --net NET.py, written by 'describe -model {args.file} -pytorch'")
    net = lenet(variant or "classic")
    load_into(net, tensors, args.file)
    evaluate_and_compare(args, net, meta, f"LeNet ({variant or 'classic, assumed'})")


def evaluate_and_compare(args, net, meta, name):
    """Prints net's test accuracy and compares it with the one the file records."""
    trained_on = json.loads(meta.get("lenet.state", "{}")).get("dataset") or FASHION
    if trained_on != FASHION and args.data is None:
        fail(f"{args.file} was trained on {trained_on}: pass --data DIR, the folder of its test files")
    x, y = load_split(args.data or FASHION_DIR, "t10k", PROG)
    acc = accuracy(net, x, y)
    print(f"PyTorch {torch.__version__}: {name} from {args.file}")
    want, source = recorded_acc(meta)
    if want is not None:
        diff = abs(acc - want)
        verdict = "ok" if diff <= args.tolerance else "MISMATCH"
        print(f"{source} recorded test acc {want:.4f}; PyTorch computes {acc:.4f}: "
              f"difference {diff:.4f}, tolerance {args.tolerance} ({verdict})")
    print(f"test acc {acc:.4f}")
    if want is not None and abs(acc - want) > args.tolerance:
        sys.exit(1)


def cmd_train(args):
    torch.manual_seed(args.seed)
    mod = load_net_module(args.net) if args.net else None
    build = mod.build if mod else (lambda: lenet(args.variant))
    net = build()
    xavier_init(net)
    x, y = load_split(args.data, "train", PROG)
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    xt, yt = load_split(args.data, "t10k", PROG)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(1, args.epochs + 1):
        net.train()
        loss_sum, correct = 0.0, 0
        perm = torch.randperm(len(x), generator=gen).numpy()
        for i in range(0, len(x), args.batch):
            idx = perm[i:i + args.batch]
            xb, yb = pixels(x[idx]), torch.from_numpy(y[idx])
            opt.zero_grad()
            out = net(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(dim=1) == yb).sum())
        print(f"epoch {epoch}/{args.epochs}: loss {loss_sum / len(x):.3f}, train acc {correct / len(x):.3f}, "
              f"test acc {accuracy(net, xt, yt):.4f}")
    tensors = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    # The accuracy of the weights as stored: F16 and BF16 round them.
    stored = {}
    for k, v in tensors.items():
        raw = to_dtype(v, args.dtype)
        if args.dtype == "BF16":
            stored[k] = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32).reshape(v.shape)
        else:
            stored[k] = np.frombuffer(raw, DTYPES[args.dtype]).astype(np.float32).reshape(v.shape)
    check = build()
    load_into(check, stored, args.out)
    acc = accuracy(check, xt, yt)
    meta = {"format": "pt", "lenet.variant": mod.SPEC if mod else args.variant, ACC_KEY: repr(acc),
            "torch_check.torch_version": torch.__version__, "torch_check.seed": str(args.seed),
            "torch_check.epochs": str(args.epochs), "torch_check.lr": repr(args.lr),
            "torch_check.batch": str(args.batch)}
    write_safetensors(args.out, tensors, args.dtype, meta)
    print(f"wrote {args.out} ({args.dtype}, the {len(tensors)} tensors of the network's state_dict)")
    print(f"test acc {acc:.4f}")


def main():
    ap = argparse.ArgumentParser(prog="torch_check.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("eval", help="evaluate a safetensors file in PyTorch")
    ev.add_argument("file")
    ev.add_argument("--data", help=f"the test files' folder (default {FASHION_DIR}; needed for a run on MNIST)")
    ev.add_argument("--variant", choices=VARIANTS, help="for a file that does not name it (default classic)")
    ev.add_argument("--net", help="a module written by 'describe -model SPEC -pytorch': its load() builds the network")
    ev.add_argument("--tolerance", type=float, default=0.002)
    tr = sub.add_parser("train", help="train in PyTorch and write safetensors")
    tr.add_argument("out")
    tr.add_argument("--data", default=FASHION_DIR)
    tr.add_argument("--variant", choices=VARIANTS, default="classic")
    tr.add_argument("--net", help="a module written by 'describe -model SPEC -pytorch': train its build()")
    tr.add_argument("--limit", type=int, default=0, help="train on the first N images (default all)")
    tr.add_argument("--epochs", type=int, default=1)
    tr.add_argument("--seed", type=int, default=1)
    tr.add_argument("--lr", type=float, default=0.9)
    tr.add_argument("--batch", type=int, default=256)
    tr.add_argument("--dtype", choices=("F32", "F16", "BF16"), default="F32")
    tr.add_argument("--threads", type=int, default=2, help="PyTorch's CPU threads")
    args = ap.parse_args()
    torch.set_num_threads(getattr(args, "threads", 2))
    (cmd_eval if args.cmd == "eval" else cmd_train)(args)


if __name__ == "__main__":
    main()
