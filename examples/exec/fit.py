"""fit.py - a training script of your own, run as an exec job.

Fits y = w x + b to noisy points by stochastic gradient descent, in plain
Python, printing one line per epoch that the config's metrics patterns
read (docs/exec.md), and saving the weights into SPOOLBOARD_ARTIFACTS.

    python3 fit.py [--epochs N] [--lr LR]
"""
import argparse
import json
import os
import random

ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=20)
ap.add_argument("--lr", type=float, default=0.05)
args = ap.parse_args()
if args.lr <= 0:
    raise ValueError("--lr must be positive, got %g" % args.lr)

rng = random.Random(int(os.environ.get("SEED", "1")))
points = [(x, 3.0 * x - 0.5 + rng.gauss(0, 0.1))
          for x in (rng.uniform(-1, 1) for _ in range(400))]
train, val = points[:320], points[320:]
w, b = 0.0, 0.0


def mse(data):
    return sum((w * x + b - y) ** 2 for x, y in data) / len(data)


for epoch in range(1, args.epochs + 1):
    rng.shuffle(train)
    for x, y in train:
        err = w * x + b - y
        w -= args.lr * err * x
        b -= args.lr * err
    print("epoch %d/%d train_loss %.6f val_loss %.6f w %.4f b %.4f"
          % (epoch, args.epochs, mse(train), mse(val), w, b))

print("Testing")
print("test mse %.6f" % mse(val))
out = os.environ.get("SPOOLBOARD_ARTIFACTS", ".")
with open(os.path.join(out, "weights.json"), "w") as f:
    json.dump({"w": w, "b": b}, f)
