#!/usr/bin/env python3
"""Summarizes infra/bench/results: load (median over repetitions), ratios Flare/Bolt,
cold starts and RSS. Usage: summarize.py RESULTS_DIR"""
import collections, pathlib, re, statistics, sys

out = pathlib.Path(sys.argv[1])
kv = lambda line: dict(re.findall(r"(\w+)=(\S+)", line))
runs = collections.defaultdict(list)
for line in (out / "load.txt").read_text().splitlines():
    d = kv(line)
    runs[(d["mode"], int(d["c"]), d["app"])].append(d)

def med(rows, k):
    return statistics.median(float(r[k]) for r in rows)

print("Load: signed POST /slack/commands `/incident help` -> 200, wrk -t1, median over repetitions")
print(f"{'mode':7} {'c':>3} {'app':6} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'non2xx':>6} {'errors':>6} reps")
for (mode, c, app), rows in sorted(runs.items(), key=lambda x: (x[0][0] != "shared", x[0][1], x[0][2] != "flare")):
    print(f"{mode:7} {c:>3} {app:6} {med(rows,'rps'):>9.0f} {med(rows,'p50_us')/1000:>8.3f} {med(rows,'p90_us')/1000:>8.3f} "
          f"{med(rows,'p99_us')/1000:>8.3f} {sum(int(r['non2xx']) for r in rows):>6} {sum(int(r['errors']) for r in rows):>6} "
          f"{len(rows)} (req/s " + ", ".join("%.0f" % float(r["rps"]) for r in rows) + ")")
print()
print("Ratios Flare/Bolt (latency: < 1 is Flare faster; throughput: > 1 is Flare higher)")
print(f"{'mode':7} {'c':>3} {'req/s':>7} {'p50':>7} {'p90':>7} {'p99':>7}")
for (mode, c) in sorted({(m, c) for (m, c, _) in runs}, key=lambda x: (x[0] != "shared", x[1])):
    f, b = runs.get((mode, c, "flare")), runs.get((mode, c, "bolt"))
    if f and b:
        print(f"{mode:7} {c:>3} {med(f,'rps')/med(b,'rps'):>7.2f} " + " ".join(
            f"{med(f,k)/med(b,k):>7.3f}" for k in ("p50_us", "p90_us", "p99_us")))
print()
print("Flare against the floor, bare hyper with the same answer and no checks (> 1: Flare costs more)")
print(f"{'mode':7} {'c':>3} {'req/s':>7} {'p50':>7} {'p90':>7} {'p99':>7}")
for (mode, c) in sorted({(m, c) for (m, c, _) in runs}, key=lambda x: (x[0] != "shared", x[1])):
    f, h = runs.get((mode, c, "flare")), runs.get((mode, c, "bare"))
    if f and h:
        print(f"{mode:7} {c:>3} {med(h,'rps')/med(f,'rps'):>7.2f} " + " ".join(
            f"{med(f,k)/med(h,k):>7.3f}" for k in ("p50_us", "p90_us", "p99_us")))
print()
cold = {}
for p in sorted(out.glob("coldstart-*.txt")):
    for line in p.read_text().splitlines():
        if line.startswith("COLDSTART"):
            d = kv(line); cold[d["label"]] = d
            print(f"cold start {d['label']:18} median {float(d['median_ms']):8.1f} ms  min {float(d['min_ms']):8.1f}  "
                  f"max {float(d['max_ms']):8.1f}  (runs {d['runs']}, VmHWM at first answer {int(d['vmhwm_kb_median'])/1024:.1f} MB)")
if "flare-local" in cold and "bolt" in cold:
    print(f"cold start ratio flare-local/bolt: {float(cold['flare-local']['median_ms'])/float(cold['bolt']['median_ms']):.2f}"
          " (flare-local's includes ensuring its moto resources)")
if "slack-env-secrets" in cold and "bolt" in cold:
    print(f"cold start ratio slack-lambda(env secrets)/bolt: "
          f"{float(cold['slack-env-secrets']['median_ms'])/float(cold['bolt']['median_ms']):.3f}")
rss = (out / "rss.txt").read_text()
print(rss.strip())
m = re.search(r"VmHWM kB after all load: flare-local (\d+) bolt (\d+)", rss)
if m:
    print(f"peak RSS ratio flare-local/bolt: {int(m[1])/int(m[2]):.2f}  ({int(m[1])/1024:.1f} MB vs {int(m[2])/1024:.1f} MB)")
ins = out / "instructions.txt"
if ins.exists():
    d = collections.defaultdict(dict)
    for line in ins.read_text().splitlines():
        k = kv(line); d[k["label"]][int(k["requests_after_first"])] = int(k["instructions"])
    per = {}
    for label, v in d.items():
        if 0 in v and 1000 in v:
            per[label] = (v[1000] - v[0]) / 1000
            print(f"instructions {label:12} start + first answer {v[0]/1e6:8.1f} M; per request (1000 more) {per[label]/1e3:8.1f} k")
    if "flare-local" in per and "bolt" in per:
        print(f"instructions per request ratio flare-local/bolt: {per['flare-local']/per['bolt']:.3f}; "
              f"startup ratio: {d['flare-local'][0]/d['bolt'][0]:.3f}")
