#!/usr/bin/env python3
"""Replays Flare's asynchronous failures (docs/operations.md). Uses the AWS CLI; no
other deps. Commands in the command dead-letter queue: `flare-dead-letters`.

  replay-dead-letters.py async [--stack flare] [--region R] [--dry-run]
      Re-invokes the function named in each async-failure record (postmortem, e-mail
      triage) with the original event, then deletes the record.
"""

import argparse
import json
import subprocess
import sys


def aws(args, region):
    cmd = ["aws", *args, "--output", "json"]
    if region:
        cmd += ["--region", region]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}


def outputs(stack, region):
    found = aws(["cloudformation", "describe-stacks", "--stack-name", stack], region)
    return {o["OutputKey"]: o["OutputValue"] for o in found["Stacks"][0].get("Outputs", [])}


def receive(url, region):
    got = aws(
        [
            "sqs", "receive-message", "--queue-url", url,
            "--max-number-of-messages", "10", "--visibility-timeout", "120",
            "--wait-time-seconds", "2",
            "--attribute-names", "All", "--message-attribute-names", "All",
        ],
        region,
    )
    return got.get("Messages", [])


def delete(url, message, region):
    aws(["sqs", "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"]], region)


def replay_async(o, region, dry_run):
    url = o["AsyncFailureQueueUrl"]
    done = 0
    while batch := receive(url, region):
        for m in batch:
            body = json.loads(m["Body"])
            attributes = m.get("MessageAttributes", {})
            if "requestPayload" in body:  # a Lambda on-failure destination record
                function = body["requestContext"]["functionArn"]
                payload = body["requestPayload"]
                why = (body.get("responsePayload") or {}).get("errorMessage", body["requestContext"].get("condition"))
            elif "TARGET_ARN" in attributes:  # an event EventBridge could not deliver
                function = attributes["TARGET_ARN"]["StringValue"]
                payload = body
                why = attributes.get("ERROR_MESSAGE", {}).get("StringValue")
            else:
                print(f"skipping {m['MessageId']}: not a Lambda or EventBridge failure record", file=sys.stderr)
                continue
            print(f"{m['MessageId']}: {function} ({why})")
            if dry_run:
                continue
            aws(
                [
                    "lambda", "invoke", "--function-name", function,
                    "--invocation-type", "Event",
                    "--cli-binary-format", "raw-in-base64-out",
                    "--payload", json.dumps(payload), "/dev/null",
                ],
                region,
            )
            delete(url, m, region)
            done += 1
        if dry_run:
            break
    print(f"re-invoked {done} event(s)" + (" (dry run: nothing sent or deleted)" if dry_run else ""))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("which", choices=["async"])
    p.add_argument("--stack", default="flare")
    p.add_argument("--region")
    p.add_argument("--dry-run", action="store_true", help="async: list what would be re-invoked")
    a = p.parse_args()
    o = outputs(a.stack, a.region)
    replay_async(o, a.region, a.dry_run)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        sys.exit(f"aws {' '.join(e.cmd[1:4])}… failed: {e.stderr.strip()}")
