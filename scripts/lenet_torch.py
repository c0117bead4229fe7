"""The d2l LeNet in PyTorch as this project builds it, and Fashion-MNIST read with numpy:
shared by bench_torch.py and torch_check.py.

The network is one nn.Sequential whose module indices name the state_dict's keys
(0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight,
11.bias), the same modules, in the same order, as lenet.NewNet:

    classic: Conv2d(1,6,5,pad 2), ReLU, AvgPool2d(2,2), Conv2d(6,16,5), Sigmoid,
             AvgPool2d(2,2), Flatten, Linear(400,120), Sigmoid, Linear(120,84),
             Sigmoid, Linear(84,10)
    modern:  the same with ReLU for every activation and MaxPool2d for the pooling
"""
import gzip
import os

import numpy as np
from torch import nn

VARIANTS = ("classic", "modern")


def lenet(variant="classic"):
    """The d2l LeNet of the given variant, with PyTorch's default initialisation."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: choose classic or modern")
    act = nn.Sigmoid if variant == "classic" else nn.ReLU
    pool = nn.AvgPool2d if variant == "classic" else nn.MaxPool2d
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), act(),
        pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, 10))


def xavier_init(net):
    """d2l's init_weights: Xavier-uniform weights for every Linear and Conv2d (biases keep
    PyTorch's default)."""
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)


def _read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def read_images(path):
    """An IDX images file (plain or .gz) as uint8 (n, 1, rows, cols)."""
    data = _read(path)
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)


def read_labels(path):
    """An IDX labels file (plain or .gz) as int64 (n,)."""
    data = _read(path)
    return np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)


def find(folder, name, prog="lenet_torch"):
    """The path of NAME.gz or NAME in folder; exits with one line when neither exists."""
    for candidate in (name + ".gz", name):
        p = os.path.join(folder, candidate)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{prog}: {name} not found in {folder} (run 'make data', or pass --data)")


def load_split(folder, split, prog="lenet_torch"):
    """Images and labels of split "train" or "t10k" from folder."""
    x = read_images(find(folder, f"{split}-images-idx3-ubyte", prog))
    y = read_labels(find(folder, f"{split}-labels-idx1-ubyte", prog))
    return x, y
