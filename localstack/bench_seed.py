#!/usr/bin/env python3
"""Seed, summarise and delete the synthetic Lambda estate that localstack/bench.sh audits.

Run with the harness venv (it has boto3), against a running LocalStack:

    .venv/bin/python localstack/bench_seed.py seed   --prefix P [--count 200] [--region ap-southeast-2]
    .venv/bin/python localstack/bench_seed.py delete --prefix P [--region ap-southeast-2]
    .venv/bin/python localstack/bench_seed.py report --run LABEL WALL_SECONDS REPORT.json STDERR_FILE [--run ...]

seed: one IAM role P-role, then functions P-0001 .. P-NNNN (python3.12, a tiny
in-memory zip), created by a pool of 8 threads. Counting from 1:
  every 5th  has a resource policy: s3.amazonaws.com may invoke it (with SourceArn);
  every 10th is created with Publish=True (version 1) and gets an alias `live` on it;
  every 20th has a function URL with AuthType NONE plus the public
             lambda:InvokeFunctionUrl permission (Principal *, FunctionUrlAuthType NONE).
delete: removes every function whose name starts with P (versions, aliases, URLs
  and permissions go with it) and every IAM role whose name starts with P.
report: prints each audit run's figures from its JSON report (summary.functions,
  coverage.api_calls) and the lower bound on wall time that the published
  request quotas impose on those counts (see lower_bound), then a summary table.

The endpoint defaults to the harness port and must be a loopback address:
LAMBDA_AUDIT_LOCALSTACK_URL (http://127.0.0.1:4566).
"""

import argparse
import io
import json
import os
import re
import sys
import time
import urllib.parse
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed

ACCOUNT = "000000000000"
THREADS = 8
RUNTIME = "python3.12"
HANDLER_SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}

# Requests per second AWS publishes for each Lambda control-plane bucket, per region
# (the same figures as src/collect/limiter.rs, which paces the auditor at these rates).
QUOTA_GET_FUNCTION = 100.0
QUOTA_GET_POLICY = 15.0
QUOTA_LAMBDA_SHARED = 15.0  # every other Lambda control-plane read
QUOTA_APIGATEWAY = 10.0
QUOTA_APIGATEWAY_GET_RESOURCES = 2.5
QUOTA_IAM = 10.0

# botocore honours HTTP(S)_PROXY; make sure a CI proxy never sees loopback calls.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1,localhost"]))

LOCALSTACK_URL = os.environ.get("LAMBDA_AUDIT_LOCALSTACK_URL", "http://127.0.0.1:4566")


def log(msg):
    print(f"[bench-seed] {msg}", flush=True)


def fail(msg):
    print(f"[bench-seed] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def require_loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail(f"refusing non-loopback endpoint {url}")


def client(service, region):
    # Imported here so that `report` needs nothing beyond the standard library.
    import boto3
    from botocore.config import Config

    require_loopback(LOCALSTACK_URL)
    return boto3.client(
        service,
        endpoint_url=LOCALSTACK_URL,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=THREADS * 2,
        ),
    )


def is_code(exc, *codes):
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in codes


def tiny_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.py", HANDLER_SOURCE)
    return buf.getvalue()


# ---------------------------------------------------------------------- seed


def ensure_role(iam, name):
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except Exception as exc:  # noqa: BLE001 - only NoSuchEntity is expected
        if not is_code(exc, "NoSuchEntity"):
            raise
    return iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
        Description="lambda-audit benchmark (localstack/bench.sh); safe to delete",
    )["Role"]["Arn"]


def wait_active(lam, name, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        config = lam.get_function_configuration(FunctionName=name)
        if config.get("State") in (None, "Active") and config.get("LastUpdateStatus") in (None, "Successful"):
            return
        if config.get("State") == "Failed":
            raise RuntimeError(f"{name} ended in state Failed: {config.get('StateReason')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} still {config.get('State')} after {timeout}s")
        time.sleep(0.2)


def retry_conflicts(call, attempts=50):
    """Runs call(), retrying while Lambda says the function is still being created/updated."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001
            if not is_code(exc, "ResourceConflictException", "TooManyRequestsException") or attempt == attempts - 1:
                raise
            time.sleep(0.2)
    return None


def seed_one(lam, index, name, role_arn, code):
    """Creates function number `index` (1-based) and its extras; returns what it created."""
    every5, every10, every20 = index % 5 == 0, index % 10 == 0, index % 20 == 0
    created = retry_conflicts(
        lambda: lam.create_function(
            FunctionName=name,
            Runtime=RUNTIME,
            Role=role_arn,
            Handler="index.handler",
            Code={"ZipFile": code},
            Description=f"lambda-audit benchmark function {index}",
            Timeout=3,
            MemorySize=128,
            Publish=every10,
            Tags={"purpose": "lambda-audit-bench"},
        )
    )
    extras = []
    if every5 or every10 or every20:
        wait_active(lam, name)
    if every5:
        retry_conflicts(
            lambda: lam.add_permission(
                FunctionName=name,
                StatementId="s3-invoke",
                Action="lambda:InvokeFunction",
                Principal="s3.amazonaws.com",
                SourceArn=f"arn:aws:s3:::{name}-uploads",
            )
        )
        extras.append("policy")
    if every10:
        version = created.get("Version")
        if not version or version == "$LATEST":
            raise RuntimeError(f"{name}: create_function(Publish=True) returned version {version!r}")
        retry_conflicts(lambda: lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version))
        extras.append("alias")
    if every20:
        retry_conflicts(lambda: lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
        retry_conflicts(
            lambda: lam.add_permission(
                FunctionName=name,
                StatementId="FunctionURLAllowPublicAccess",
                Action="lambda:InvokeFunctionUrl",
                Principal="*",
                FunctionUrlAuthType="NONE",
            )
        )
        extras.append("url")
    return extras


def cmd_seed(args):
    iam = client("iam", args.region)
    lam = client("lambda", args.region)
    t0 = time.monotonic()
    role_arn = ensure_role(iam, f"{args.prefix}-role")
    code = tiny_zip()
    width = max(4, len(str(args.count)))
    names = {i: f"{args.prefix}-{i:0{width}d}" for i in range(1, args.count + 1)}
    too_long = [n for n in names.values() if len(n) > 64]
    if too_long:
        fail(f"function name {too_long[0]!r} exceeds 64 characters; use a shorter prefix")
    counts = {"policy": 0, "alias": 0, "url": 0}
    errors = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = {pool.submit(seed_one, lam, i, name, role_arn, code): name for i, name in names.items()}
        for done, future in enumerate(as_completed(futures), 1):
            try:
                for extra in future.result():
                    counts[extra] += 1
            except Exception as exc:  # noqa: BLE001 - report all failures at the end
                errors.append(f"{futures[future]}: {exc}")
            if done % 50 == 0 or done == len(futures):
                log(f"{done}/{len(futures)} functions created")
    if errors:
        for line in errors[:10]:
            print(f"  {line}", file=sys.stderr)
        fail(f"{len(errors)} of {args.count} functions could not be seeded")
    log(
        f"seeded {args.count} functions {names[1]} .. {names[args.count]} in {args.region} "
        f"in {time.monotonic() - t0:.1f}s: {counts['policy']} with an s3 resource policy, "
        f"{counts['alias']} with alias live -> version 1, {counts['url']} with a public function URL"
    )
    others = sum(
        1
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if not f["FunctionName"].startswith(args.prefix)
    )
    if others:
        log(f"note: {args.region} also holds {others} other function(s); the audit counts them too")


# -------------------------------------------------------------------- delete


def delete_function(lam, name):
    try:
        lam.delete_function(FunctionName=name)
    except Exception as exc:  # noqa: BLE001
        if not is_code(exc, "ResourceNotFoundException"):
            raise


def cmd_delete(args):
    if len(args.prefix) < 4:
        fail(f"refusing to delete by the short prefix {args.prefix!r}")
    lam = client("lambda", args.region)
    iam = client("iam", args.region)
    names = [
        f["FunctionName"]
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"].startswith(args.prefix)
    ]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda n: delete_function(lam, n), names))
    roles = [
        r["RoleName"]
        for page in iam.get_paginator("list_roles").paginate()
        for r in page["Roles"]
        if r["RoleName"].startswith(args.prefix)
    ]
    for role in roles:
        iam.delete_role(RoleName=role)
    log(f"deleted {len(names)} function(s) and {len(roles)} role(s) starting with {args.prefix!r} in {args.region}")


# -------------------------------------------------------------------- report


def span(requests, rate):
    """Seconds that `requests` requests need at `rate` per second.

    A bucket lets its first request through at once (the auditor's limiter is a token
    bucket of depth one; AWS's buckets allow at least that), so n requests span
    (n - 1) / rate seconds.
    """
    return max(requests - 1, 0) / rate


def lower_bound(calls):
    """The least wall time the published quotas allow for these request counts.

    Per region, the auditor draws from the three Lambda buckets concurrently, so its Lambda
    phase takes at least the slowest bucket's span; API Gateway is read after it (the
    auditor's order); IAM is read alongside both. Latency, STS, process start-up and the
    dependencies between calls (a function's listing before its details) are left out.
    """
    lam = {op: n for op, n in calls.items() if op.startswith("lambda:")}
    get_function = lam.get("lambda:GetFunction", 0)
    get_policy = lam.get("lambda:GetPolicy", 0)
    shared = sum(n for op, n in lam.items() if op not in ("lambda:GetFunction", "lambda:GetPolicy"))
    apigw_resources = calls.get("apigateway:GetResources", 0)
    apigw = sum(
        n for op, n in calls.items() if op.startswith(("apigateway:", "apigatewayv2:")) and op != "apigateway:GetResources"
    )
    iam = sum(n for op, n in calls.items() if op.startswith("iam:"))
    buckets = [
        ("Lambda shared bucket", shared, QUOTA_LAMBDA_SHARED),
        ("GetPolicy bucket", get_policy, QUOTA_GET_POLICY),
        ("GetFunction bucket", get_function, QUOTA_GET_FUNCTION),
    ]
    lambda_phase = max(span(n, rate) for _, n, rate in buckets)
    apigw_phase = max(span(apigw, QUOTA_APIGATEWAY), span(apigw_resources, QUOTA_APIGATEWAY_GET_RESOURCES))
    total = max(lambda_phase + apigw_phase, span(iam, QUOTA_IAM))
    return total, buckets, apigw_phase


def collected_seconds(stderr_path):
    """The auditor's own 'collected in X s' figure from its -v statistics, if present."""
    if not stderr_path:
        return None
    try:
        with open(stderr_path, encoding="utf-8", errors="replace") as fh:
            found = re.findall(r"collected in ([0-9.]+) s", fh.read())
    except OSError:
        return None
    return float(found[-1]) if found else None


def report_run(label, wall, report_path, stderr_path, expected):
    with open(report_path, encoding="utf-8") as fh:
        report = json.load(fh)
    calls = report["coverage"]["api_calls"]
    summary = report["summary"]
    functions = summary["functions"]
    total = sum(calls.values())
    per_function = total / functions if functions else 0.0
    bound, buckets, apigw_phase = lower_bound(calls)
    collected = collected_seconds(stderr_path)

    print(f"== {label} ==")
    print(f"  functions audited        {functions}")
    own = f" (the auditor's own 'collected in': {collected:.2f} s)" if collected is not None else ""
    print(f"  wall time                {wall:.2f} s{own}")
    ratio = f" (measured / bound = {wall / bound:.2f})" if bound else ""
    print(f"  quota lower bound        {bound:.2f} s{ratio}")
    print(f"  total API requests       {total}")
    print(f"  requests per function    {per_function:.2f}")
    print(
        f"  findings {summary['findings']}, coverage gaps {summary['coverage_gaps']}, "
        f"not evaluated {summary['not_evaluated']}"
    )
    print("  API requests by operation:")
    for op in sorted(calls):
        print(f"    {op:<42} {calls[op]:>6}")
    print(f"    {'total':<42} {total:>6}")
    print("  quota lower bound, by bucket ((requests - 1) / published rate per region):")
    for name, count, rate in buckets:
        print(f"    {name:<22} {count:>6} at {rate:>3g} per s = {span(count, rate):6.2f} s")
    print(f"    {'+ API Gateway, after':<22} {'':>22}{apigw_phase:6.2f} s")
    if summary["coverage_gaps"]:
        print(f"  WARNING: {summary['coverage_gaps']} coverage gap(s): the counts include failed calls")
    if expected is not None and functions < expected:
        print(f"  WARNING: {expected} functions were seeded but only {functions} were audited")
    print()
    return label, functions, wall, bound, total, per_function


def cmd_report(args):
    rows = [report_run(label, float(wall), path, err or None, args.expect) for label, wall, path, err in args.run]
    print("== summary ==")
    print(f"  {'run':<12} {'functions':>9} {'wall s':>8} {'bound s':>8} {'requests':>9} {'req/fn':>7}")
    for label, functions, wall, bound, total, per_function in rows:
        print(f"  {label:<12} {functions:>9} {wall:>8.2f} {bound:>8.2f} {total:>9} {per_function:>7.2f}")


# ---------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed", help="create the benchmark functions")
    seed.add_argument("--prefix", required=True)
    seed.add_argument("--count", type=int, default=200)
    seed.add_argument("--region", default="ap-southeast-2")
    delete = sub.add_parser("delete", help="delete the functions and roles starting with --prefix")
    delete.add_argument("--prefix", required=True)
    delete.add_argument("--region", default="ap-southeast-2")
    report = sub.add_parser("report", help="print the runs' figures from their JSON reports")
    report.add_argument(
        "--run",
        nargs=4,
        action="append",
        required=True,
        metavar=("LABEL", "WALL_SECONDS", "REPORT_JSON", "STDERR_FILE"),
        help="one audit run (STDERR_FILE may be empty); repeat for each run",
    )
    report.add_argument("--expect", type=int, help="functions seeded (warns when fewer were audited)")
    args = parser.parse_args()
    if args.command == "seed":
        if args.count < 1:
            fail("--count must be at least 1")
        cmd_seed(args)
    elif args.command == "delete":
        cmd_delete(args)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()
