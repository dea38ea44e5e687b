#!/usr/bin/env python3
"""Cold start: process start -> first answered Slack request, repeated.

coldstart.py http   --url URL/slack/commands --runs N -- CMD...   # a server: polls a signed
    `/incident help` POST every 2 ms until it answers 200; prints ms per run.
coldstart.py lambda --runs N -- CMD...   # a Lambda binary against a fake Runtime API on
    127.0.0.1 (this process): one Function URL event carrying a signed `/incident help`;
    time from spawn to the function's POST .../response (statusCode must be 200).
Also prints the child's peak RSS (VmHWM) at that moment. Each child is killed after its run.
"""
import argparse, hashlib, hmac, http.client, http.server, json, os, signal, socket
import statistics, subprocess, sys, tempfile, threading, time, urllib.parse

SECRET = os.environ.get("SLACK_SIGNING_SECRET", "flare-local-signing-secret").encode()
BODY = urllib.parse.urlencode({
    "team_id": "T0BENCH", "channel_id": "C0BENCH", "user_id": "U0BENCH",
    "command": "/incident", "text": "help", "api_app_id": "A0BENCH",
    "response_url": "http://127.0.0.1:9/unused", "trigger_id": "1.2.bench"})


def signed():
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET, f"v0:{ts}:{BODY}".encode(), hashlib.sha256).hexdigest()
    return ts, sig


def hwm_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return -1
    return -1


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(3)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def http_run(url, cmd, timeout):
    u = urllib.parse.urlsplit(url)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout:
            if p.poll() is not None:
                raise SystemExit(f"{cmd[0]} exited with {p.returncode} before answering")
            try:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
                ts, sig = signed()
                c.request("POST", u.path, BODY, {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    return (time.perf_counter() - t0) * 1000, hwm_kb(p.pid)
            except OSError:
                pass
            time.sleep(0.002)
        raise SystemExit(f"no 200 within {timeout} s")
    finally:
        stop(p)


def function_url_event():
    ts, sig = signed()
    return json.dumps({
        "version": "2.0", "routeKey": "$default", "rawPath": "/slack/commands", "rawQueryString": "",
        "headers": {"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts,
                    "x-slack-signature": sig, "host": "abc.lambda-url.us-east-1.on.aws"},
        "requestContext": {"accountId": "123456789012", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
                           "domainPrefix": "abc", "http": {"method": "POST", "path": "/slack/commands",
                           "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Slackbot 1.0"},
                           "requestId": "r1", "routeKey": "$default", "stage": "$default",
                           "time": "27/Nov/2026:16:00:00 +0000", "timeEpoch": int(time.time() * 1000)},
        "body": BODY, "isBase64Encoded": False}).encode()


class Runtime(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served = threading.Event()
    answer = None
    answered_at = None
    handed = False

    def log_message(self, *a):
        pass

    def do_GET(self):  # /2018-06-01/runtime/invocation/next
        cls = type(self)
        if cls.handed:  # only one invocation per run: park the next poll
            time.sleep(30)
        cls.handed = True
        body = function_url_event()
        self.send_response(200)
        for k, v in [("Lambda-Runtime-Aws-Request-Id", "bench-1"),
                     ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000)),
                     ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:flare"),
                     ("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"),
                     ("Content-Type", "application/json"), ("Content-Length", str(len(body)))]:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # .../response, .../error, /init/error
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n)
        cls = type(self)
        cls.answered_at = time.perf_counter()
        cls.answer = (self.path, data)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        cls.served.set()


def lambda_run(cmd, timeout):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    Runtime.served.clear(); Runtime.handed = False; Runtime.answer = None
    api = f"127.0.0.1:{srv.server_address[1]}"
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=api)
    cmd = [a.replace("@RUNTIME_API@", api) for a in cmd]  # for commands that clear the environment
    t0 = time.perf_counter()
    log = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not Runtime.served.wait(timeout):
            log.seek(0)
            raise SystemExit(f"no answer within {timeout} s; the function's output:\n{log.read()[-3000:].decode(errors='replace')}")
        path, data = Runtime.answer
        ms = (Runtime.answered_at - t0) * 1000
        hwm = hwm_kb(p.pid)
        if not path.endswith("/response"):
            log.seek(0); sys.stderr.write(log.read()[-3000:].decode(errors="replace"))
            raise SystemExit(f"the function reported an error at {path}: {data[:300]!r}")
        status = json.loads(data).get("statusCode")
        if status != 200:
            raise SystemExit(f"statusCode {status}: {data[:300]!r}")
        return ms, hwm
    finally:
        stop(p)
        srv.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["http", "lambda"])
    ap.add_argument("--url")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--label", default="")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    ms, hwms = [], []
    for i in range(a.runs):
        t, h = http_run(a.url, a.cmd, a.timeout) if a.kind == "http" else lambda_run(a.cmd, a.timeout)
        ms.append(t); hwms.append(h)
        print(f"run {i + 1}: {t:.1f} ms  VmHWM {h} kB", flush=True)
    print(f"COLDSTART label={a.label} runs={a.runs} first_ms={ms[0]:.1f} median_ms={statistics.median(ms):.1f} "
          f"min_ms={min(ms):.1f} max_ms={max(ms):.1f} vmhwm_kb_median={int(statistics.median(hwms))}")


if __name__ == "__main__":
    main()
