#!/usr/bin/env python3
"""The PyTorch reference for `make bench-compare`: the same classic LeNet, batch, data,
optimizer and step count as cmd/lenetbench, timed the same way (training steps only).

Prints one line: `torch <examples/sec> examples/sec, peak RSS <MiB> MiB`.
"""
import argparse
import gzip
import os
import resource
import time

import numpy as np
import torch
from torch import nn


def read_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)


def read_labels(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)


def find(folder, name):
    for candidate in (name + ".gz", name):
        p = os.path.join(folder, candidate)
        if os.path.exists(p):
            return p
    raise SystemExit(f"bench_torch: {name} not found in {folder}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    x = read_images(find(args.data, "train-images-idx3-ubyte"))
    y = read_labels(find(args.data, "train-labels-idx1-ubyte"))
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
    opt = torch.optim.SGD(net.parameters(), lr=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(1)
    perm = rng.permutation(len(x))
    b = args.batch

    def step(i):
        idx = perm[(i * b) % (len(x) - b):][:b]
        xb = torch.from_numpy(x[idx].astype(np.float32) / 255)
        yb = torch.from_numpy(y[idx])
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()

    for i in range(args.warmup):
        step(i)
    elapsed = 0.0
    for i in range(args.steps):
        start = time.perf_counter()
        step(args.warmup + i)
        elapsed += time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {args.steps * b / elapsed:.1f} examples/sec, peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
