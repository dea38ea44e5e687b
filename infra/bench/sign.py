#!/usr/bin/env python3
"""Prints a signed Slack slash-command request for the benchmarks.

sign.py lua TEXT            -> a wrk script (POST with a body signed now; valid 5 minutes)
sign.py curl TEXT           -> curl arguments, one per line (for readiness probes)
Secret: SLACK_SIGNING_SECRET or flare-local-signing-secret. Channel C0BENCH is no incident's.
"""
import hashlib, hmac, os, sys, time, urllib.parse

secret = os.environ.get("SLACK_SIGNING_SECRET", "flare-local-signing-secret").encode()
mode, text = sys.argv[1], sys.argv[2]
body = urllib.parse.urlencode({
    "token": "unused", "team_id": "T0BENCH", "team_domain": "bench",
    "channel_id": "C0BENCH", "channel_name": "general",
    "user_id": "U0BENCH", "user_name": "bench",
    "command": "/incident", "text": text,
    "api_app_id": "A0BENCH", "is_enterprise_install": "false",
    "response_url": "http://127.0.0.1:9/unused", "trigger_id": "1.2.bench",
})
ts = str(int(time.time()))
sig = "v0=" + hmac.new(secret, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
if mode == "lua":
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    print(f'wrk.method = "POST"\nwrk.body = {q(body)}')
    print('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    print(f'wrk.headers["X-Slack-Request-Timestamp"] = "{ts}"')
    print(f'wrk.headers["X-Slack-Signature"] = "{sig}"')
    # Percentiles wrk's summary doesn't print, and non-2xx answers made visible.
    print('''done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.3f rps=%.1f non2xx=%d errors=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f\\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end''')
elif mode == "curl":
    for a in ["-H", "Content-Type: application/x-www-form-urlencoded",
              "-H", f"X-Slack-Request-Timestamp: {ts}",
              "-H", f"X-Slack-Signature: {sig}", "--data-raw", body]:
        print(a)
else:
    sys.exit("usage: sign.py lua|curl TEXT")
