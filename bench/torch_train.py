#!/usr/bin/env python3
"""The workloads of bench-train.c in PyTorch, for comparison.

usage: torch_train.py [THREADS] [WORKLOAD]
Prints the same lines as bench-train ("train NAME batch B T threads
N samples/s"). Exits 3 when PyTorch is not importable.
"""
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit(3)


class RNN(nn.Module):
    def __init__(self, cell, inputs, hidden):
        super().__init__()
        self.rnn = cell(inputs, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[:, -1, :])


WORKLOADS = [
    ("mlp-32-128-128-1", 64, 50000, (32,),
     lambda: nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 128),
                           nn.ReLU(), nn.Linear(128, 1))),
    ("mlp-64-64-1", 32, 50000, (64,),
     lambda: nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))),
    ("mlp-100-256-256-3", 32, 20000, (100,),
     lambda: nn.Sequential(nn.Linear(100, 256), nn.ReLU(),
                           nn.Linear(256, 256), nn.ReLU(),
                           nn.Linear(256, 3))),
    ("lstm-8-64-t32", 64, 10000, (32, 8), lambda: RNN(nn.LSTM, 8, 64)),
    ("lstm-8-256-t32", 64, 2048, (32, 8), lambda: RNN(nn.LSTM, 8, 256)),
    ("gru-8-64-t32", 64, 10000, (32, 8), lambda: RNN(nn.GRU, 8, 64)),
]

# workloads whose target is one of this many classes (cross-entropy)
CLASSES = {"mlp-100-256-256-3": 3}


def run(batch, rows, shape, make, epochs, classes):
    torch.manual_seed(1)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(rows, *shape)
    if classes:
        loss_fn = nn.CrossEntropyLoss()
        y = torch.randint(0, classes, (rows,))
    else:
        loss_fn = nn.MSELoss()
        y = torch.randn(rows, 1)
    t0 = 0.0
    for e in range(epochs + 1):
        if e == 1:
            t0 = time.perf_counter()
        order = torch.randperm(rows)
        for b in range(0, rows - batch + 1, batch):
            idx = order[b:b + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    secs = time.perf_counter() - t0
    return (rows // batch * batch) * epochs / secs


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    only = sys.argv[2] if len(sys.argv) > 2 else None
    torch.set_num_threads(threads)
    for name, batch, rows, shape, make in WORKLOADS:
        if only and name != only:
            continue
        epochs = 3 if name.startswith("mlp") else 2
        rate = run(batch, rows, shape, make, epochs, CLASSES.get(name, 0))
        print("train %-18s batch %-3d %d threads  %10.0f samples/s"
              % (name, batch, threads, rate), flush=True)


if __name__ == "__main__":
    main()
