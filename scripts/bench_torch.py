#!/usr/bin/env python3
"""PyTorch's side of `make bench-compare`: the textbook's train_ch6 on the classic LeNet
(ReLU after the first convolution, sigmoid elsewhere, average pooling; lenet_torch.py) or,
with --model modern, the modern one (ReLU everywhere, max pooling),
d2l's Xavier-uniform init, SGD at lr 0.9, batch 256, whole shuffled epochs of
Fashion-MNIST, the same work cmd/lenetbench times on the project's side:

- the images stay in memory as bytes, as the Go side keeps them; each batch is gathered
  and scaled to [0, 1] floats when it is used;
- each step is zero_grad, forward, cross-entropy, backward, SGD step, then the batch's
  loss and correct count are read back (as d2l's Accumulator does, and as lenet.Train
  does);
- an epoch is timed by the wall clock from its shuffle to the end of its last step; the
  evaluation on the test set after each epoch runs but is not timed.

With --device cuda everything lives on the GPU and the timed region starts and ends with
torch.cuda.synchronize(), so that it holds all the GPU's work.

Prints one line of space-separated names and values, the names cmd/lenetbench prints:

  torch examples/sec 9622.0 seconds 6.236 examples 60000 loss 1.2340 train_acc 0.5120 test_acc 0.6340 peak_rss_mib 336 threads 2
"""
import argparse
import resource
import sys
import time

import torch
from torch import nn

from lenet_torch import lenet, load_split, xavier_init


def load(folder, split):
    """The images of one split as a (n, 1, 28, 28) uint8 tensor, and the labels."""
    x, y = load_split(folder, split, "bench_torch")
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_epoch(net, opt, x, y, batch, gen, device):
    """One shuffled epoch; returns (seconds, examples, mean loss, accuracy)."""
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    sync(device)
    start = time.perf_counter()
    perm = torch.randperm(len(x), generator=gen).to(device)
    loss_sum, correct = 0.0, 0
    for i in range(0, len(x), batch):
        idx = perm[i:i + batch]
        xb = x[idx].float().div_(255)
        yb = y[idx]
        opt.zero_grad()
        out = net(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
        correct += (out.argmax(dim=1) == yb).sum().item()
    sync(device)
    return time.perf_counter() - start, len(x), loss_sum / len(x), correct / len(x)


def accuracy(net, x, y, batch=1000):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = net(x[i:i + batch].float().div_(255))
            correct += (out.argmax(dim=1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="Fashion-MNIST folder")
    ap.add_argument("--model", default="classic", choices=["classic", "modern"], help="network variant")
    ap.add_argument("--net", help="a module written by 'describe -model SPEC -pytorch': train its build() instead")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where to train")
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads on the CPU (0: PyTorch's default)")
    ap.add_argument("--epochs", type=int, default=1, help="timed training epochs")
    ap.add_argument("--batch", type=int, default=256, help="mini-batch size")
    ap.add_argument("--lr", type=float, default=0.9, help="SGD learning rate")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images (0: all)")
    ap.add_argument("--seed", type=int, default=1, help="seeds the weights and the shuffling")
    args = ap.parse_args()
    if args.epochs < 1 or args.batch < 1 or args.limit < 0 or args.threads < 0:
        ap.error("--epochs and --batch must be positive, --limit and --threads non-negative")
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_torch: --device cuda, but this PyTorch sees no CUDA device")
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    x, y = load(args.data, "train")
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    tx, ty = load(args.data, "t10k")
    x, y, tx, ty = x.to(device), y.to(device), tx.to(device), ty.to(device)
    if args.net:
        import importlib.util
        spec = importlib.util.spec_from_file_location("generated_net", args.net)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        net = mod.build()
    else:
        net = lenet(args.model)
    xavier_init(net)
    net = net.to(device)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr)

    seconds, examples = 0.0, 0
    for _ in range(args.epochs):
        s, n, loss, train_acc = train_epoch(net, opt, x, y, args.batch, gen, device)
        seconds += s
        examples += n
        test_acc = accuracy(net, tx, ty)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch examples/sec {examples / seconds:.1f} seconds {seconds:.3f} examples {examples} "
          f"loss {loss:.4f} train_acc {train_acc:.4f} test_acc {test_acc:.4f} "
          f"peak_rss_mib {rss:.0f} threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
