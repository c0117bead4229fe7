#!/usr/bin/env python3
"""The PyTorch reference for `make bench-compare`: the same classic LeNet, batch, data,
optimizer and step count as cmd/lenetbench, timed the same way (training steps only).

Prints one line: `torch <examples/sec> examples/sec, peak RSS <MiB> MiB`.
"""
import argparse
import resource
import time

import numpy as np
import torch
from torch import nn

from lenet_torch import lenet, load_split, xavier_init


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

    x, y = load_split(args.data, "train", "bench_torch")
    net = lenet("classic")
    xavier_init(net)
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
