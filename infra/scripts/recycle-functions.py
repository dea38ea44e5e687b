#!/usr/bin/env python3
"""Makes Flare's functions start fresh containers, which read the Slack secrets (and the
configuration) again: after rotating a secret in SSM (docs/operations.md).

  recycle-functions.py [--stack flare] [--region R] [FUNCTION …]

For each function of the stack (or the logical ids given, e.g. SlackFunction), sets the
environment variable FLARE_RECYCLED_AT to the current time, keeping every other
variable. Any configuration change retires the warm execution environments. The next
`make deploy` removes the variable again (one more harmless recycle).
"""

import argparse
import json
import subprocess
import sys
import time


def aws(args, region):
    cmd = ["aws", *args, "--output", "json"]
    if region:
        cmd += ["--region", region]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("functions", nargs="*", help="logical ids (default: every function of the stack)")
    p.add_argument("--stack", default="flare")
    p.add_argument("--region")
    a = p.parse_args()
    resources = aws(["cloudformation", "list-stack-resources", "--stack-name", a.stack], a.region)
    names = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in resources["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::Lambda::Function"
    }
    chosen = a.functions or sorted(names)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for logical in chosen:
        name = names.get(logical)
        if not name:
            sys.exit(f"{logical}: not a function of stack {a.stack} ({', '.join(sorted(names))})")
        current = aws(["lambda", "get-function-configuration", "--function-name", name], a.region)
        variables = dict(current.get("Environment", {}).get("Variables", {}))
        variables["FLARE_RECYCLED_AT"] = stamp
        aws(
            [
                "lambda", "update-function-configuration", "--function-name", name,
                "--environment", json.dumps({"Variables": variables}),
            ],
            a.region,
        )
        aws(["lambda", "wait", "function-updated-v2", "--function-name", name], a.region)
        print(f"{name}: new containers from now on")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        sys.exit(f"aws {' '.join(e.cmd[1:4])}… failed: {e.stderr.strip()}")
