#!/usr/bin/env python3
"""Instruction counts (valgrind callgrind, user space, all threads): noise-free beside the
wall-clock numbers on a shared machine.

instructions.py --url URL --requests N -- CMD...
  runs CMD under callgrind, waits for the first 200 to a signed `/incident help`, sends N
  more over one keep-alive connection, stops it (SIGINT) and prints the instructions
  collected. Run with N=0 and N=1000: the difference / 1000 is the cost of one request.
"""
import argparse, http.client, os, re, signal, subprocess, sys, tempfile, time, urllib.parse
sys.path.insert(0, os.path.dirname(__file__))
from coldstart import BODY, signed  # noqa: E402


def post(c, path):
    ts, sig = signed()
    c.request("POST", path, BODY, {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    r = c.getresponse(); r.read()
    return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--requests", type=int, default=0)
    ap.add_argument("--label", default="")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    log = tempfile.NamedTemporaryFile(suffix=".log", delete=False).name
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--trace-children=yes",
                          f"--log-file={log}", *a.cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while True:
        if p.poll() is not None or time.time() - t0 > 300:
            sys.exit(f"no answer; valgrind log {log}")
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            if post(c, u.path) == 200:
                break
        except OSError:
            time.sleep(0.05)
    for _ in range(a.requests):
        assert post(c, u.path) == 200
    p.send_signal(signal.SIGINT)
    try:
        p.wait(120)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
    text = open(log).read()
    os.unlink(log)
    m = re.search(r"Collected : (\d+)", text)
    if not m:
        sys.exit("callgrind printed no total:\n" + text[-2000:])
    print(f"INSTRUCTIONS label={a.label} requests_after_first={a.requests} instructions={m[1]}")


if __name__ == "__main__":
    main()
