#!/usr/bin/env python3
"""Generate the small example datasets in examples/data/ (deterministic).

    python3 examples/gen-data.py        # rewrites examples/data/*.csv

Only the standard library is used; the same seed gives the same files.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")


def write(name, header, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(v if isinstance(v, str) else "%.6g" % v
                             for v in row) + "\n")
    print("wrote", path, len(rows), "rows")


def sine(rng):
    """A noisy sum of two sines with a slow trend: a forecasting task.

    The persistence forecast (tomorrow = today) is a fair baseline; a
    sequence model that learns the periods beats it."""
    rows = []
    for t in range(3000):
        clean = (math.sin(2 * math.pi * t / 50) +
                 0.5 * math.sin(2 * math.pi * t / 13 + 1.0))
        value = clean + rng.gauss(0, 0.1)
        hour = t % 24
        rows.append([str(t), value, math.sin(2 * math.pi * hour / 24),
                     math.cos(2 * math.pi * hour / 24)])
    write("sine.csv", ["t", "value", "hour_sin", "hour_cos"], rows)


def blobs(rng):
    """Three classes of points around different centres in 4 dimensions,
    with string labels: a classification task."""
    centres = {"alpha": (0, 0, 0, 0), "beta": (2.5, 2.5, 0, 1),
               "gamma": (0, 2.5, 2.5, -1)}
    rows = []
    for i in range(1500):
        label = ("alpha", "beta", "gamma")[i % 3]
        c = centres[label]
        rows.append([c[k] + rng.gauss(0, 0.9) for k in range(4)] + [label])
    rng.shuffle(rows)
    write("blobs.csv", ["x1", "x2", "x3", "x4", "species"], rows)


def housing(rng):
    """A smooth nonlinear function of six features plus noise whose size
    grows with one feature: regression, and uncertainty for gaussian_nll."""
    rows = []
    for _ in range(4000):
        area = rng.uniform(30, 200)
        rooms = rng.randint(1, 6)
        age = rng.uniform(0, 80)
        dist = rng.uniform(0.5, 30)
        floor = rng.randint(0, 10)
        garden = rng.random() < 0.3
        price = (2.0 * area + 15 * rooms - 0.8 * age
                 + 120 * math.exp(-dist / 8) + 3 * math.sqrt(floor)
                 + (25 if garden else 0))
        price += rng.gauss(0, 5 + 0.05 * area)
        rows.append([area, rooms, age, dist, floor, 1 if garden else 0,
                     price])
    write("housing.csv", ["area", "rooms", "age", "distance_km", "floor",
                          "garden", "price"], rows)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20261125)
    sine(rng)
    blobs(rng)
    housing(rng)


if __name__ == "__main__":
    main()
