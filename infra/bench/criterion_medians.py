#!/usr/bin/env python3
"""Medians (and throughput per second) from Criterion's estimates.json files.
Usage: criterion_medians.py TARGET_DIR/criterion"""
import json, pathlib, sys

root = pathlib.Path(sys.argv[1])
print(f"{'benchmark':48} {'median':>12} {'95% CI of the median':>26} {'per second':>12}")
for est in sorted(root.glob("**/new/estimates.json")):
    name = str(est.parent.parent.relative_to(root))
    m = json.loads(est.read_text())["median"]
    ns, lo, hi = m["point_estimate"], m["confidence_interval"]["lower_bound"], m["confidence_interval"]["upper_bound"]
    fmt = lambda v: f"{v/1e6:.3f} ms" if v >= 1e6 else f"{v/1e3:.2f} µs" if v >= 1e3 else f"{v:.0f} ns"
    print(f"{name:48} {fmt(ns):>12} {fmt(lo) + ' .. ' + fmt(hi):>26} {1e9/ns:>12,.0f}")
