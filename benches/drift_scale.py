#!/usr/bin/env python3
"""Drift at scale, offline: writes a snapshot of N functions (from the test fixtures) and a
CloudFormation template declaring them, with a known amount of drift, then times
`lambda-audit drift --from-snapshot` on them and checks the drift it reports.

    python3 benches/drift_scale.py [N] [BINARY]     # N default 5000; BINARY default target/release/lambda-audit

Every 10th function gets a timeout changed, every 20th an added public statement, every
50th is undeclared and every 100th declared one is missing, so the expected counts are exact.
Prints wall time, peak RSS (from /usr/bin/time when present) and the drift counts.
"""

import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
BINARY = sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "target/release/lambda-audit")
ACCOUNT = "111122223333"
REGION = "us-east-1"


def arn(name):
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def build(workdir):
    inventory = json.loads((ROOT / "tests/fixtures/inventory-base.json").read_text())
    base = json.loads((ROOT / "tests/fixtures/function-base.json").read_text())
    functions, resources = [], {}
    role = f"arn:aws:iam::{ACCOUNT}:role/app"
    for i in range(N):
        name = f"fn-{i:05d}"
        f = copy.deepcopy(base)
        f.update(name=name, arn=arn(name), role=role, runtime="python3.12",
                 handler="index.handler", timeout_seconds=30, memory_mb=256,
                 architectures=["x86_64"], layers=[], vpc=None, tracing_mode="PassThrough",
                 environment=[])
        f["reserved_concurrency"] = {"status": "collected", "value": None}
        statements = [{"Sid": "api", "Effect": "Allow",
                       "Principal": {"Service": "apigateway.amazonaws.com"},
                       "Action": "lambda:InvokeFunction", "Resource": arn(name),
                       "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api{i}/*"}}}]
        if i % 20 == 0:
            statements.append({"Sid": "oob", "Effect": "Allow", "Principal": "*",
                               "Action": "lambda:InvokeFunction", "Resource": arn(name)})
        f["policy"] = {"status": "collected", "value": {
            "document": {"Version": "2012-10-17", "Statement": statements}, "revision_id": "r"}}
        f["url_configs"] = {"status": "collected", "value": []}
        if i % 10 == 0:
            f["timeout_seconds"] = 300
        if i % 100 != 1:  # every 100th declared function is not deployed
            functions.append(f)
        if i % 50 == 0:
            continue  # undeclared: deployed only
        logical = f"Fn{i:05d}"
        resources[logical] = {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": name, "Runtime": "python3.12", "Handler": "index.handler",
            "Role": role, "Timeout": 30, "MemorySize": 256}}
        resources[f"{logical}Api"] = {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Ref": logical}, "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api{i}/*"}}
    inventory["regions"][0]["functions"] = functions
    snapshot = workdir / "snapshot.json"
    template = workdir / "template.json"
    snapshot.write_text(json.dumps(inventory))
    template.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1))
    return snapshot, template


def main():
    with tempfile.TemporaryDirectory() as tmp:
        snapshot, template = build(Path(tmp))
        cmd = [BINARY, "drift", "--from-snapshot", str(snapshot), "--declared", str(template),
               "--format", "json", "--fail-on", "never"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if out.returncode != 0:
            sys.exit(f"drift failed ({out.returncode}): {out.stderr}")
        report = json.loads(out.stdout)
        counts = {}
        for f in report["findings"]:
            key = (f["check_id"], f["severity"])
            counts[key] = counts.get(key, 0) + 1
        expected = {
            ("LA501", "medium"): sum(1 for i in range(N) if i % 50 == 0 and i % 100 != 1 and i % 20 != 0),
            ("LA501", "high"): 0,
            ("LA502", "low"): sum(1 for i in range(N) if i % 100 == 1),
            ("LA503", "low"): sum(1 for i in range(N) if i % 10 == 0 and i % 50 != 0),
            ("LA505", "critical"): sum(1 for i in range(N) if i % 20 == 0 and i % 50 != 0),
        }
        # Undeclared functions with a public statement are still LA501 medium (no URL).
        expected[("LA501", "medium")] = sum(1 for i in range(N) if i % 50 == 0)
        got = {k: counts.get(k, 0) for k in expected}
        print(f"functions declared: {sum(1 for i in range(N) if i % 50 != 0)}, deployed: {sum(1 for i in range(N) if i % 100 != 1)}")
        print(f"template: {template.stat().st_size / 1e6:.1f} MB, snapshot: {snapshot.stat().st_size / 1e6:.1f} MB")
        print(f"wall {wall:.2f} s, user+sys {after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime:.2f} s, "
              f"peak RSS {after.ru_maxrss / 1024:.0f} MB")
        for key in sorted(expected):
            print(f"  {key[0]} {key[1]:<8} {got[key]:>6} (expected {expected[key]})")
        extra = {k: v for k, v in counts.items() if k not in expected}
        if extra or got != expected:
            sys.exit(f"unexpected drift: got {got}, extra {extra}")


if __name__ == "__main__":
    main()
