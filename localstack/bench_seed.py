#!/usr/bin/env python3
"""Seed, summarise and delete the synthetic Lambda estate that localstack/bench.sh audits.

Run with the harness venv (it has boto3), against a running LocalStack:

    .venv/bin/python localstack/bench_seed.py seed   --prefix P [--count 1000] [--regions A,B] [--manifest FILE]
    .venv/bin/python localstack/bench_seed.py delete --prefix P [--regions A,B]
    .venv/bin/python localstack/bench_seed.py report --manifest FILE
        --run LABEL WALL_SECONDS REPORT.json STDERR_FILE TIME_FILE PROXY_STATS [--run ...]
    .venv/bin/python localstack/bench_seed.py measure --out TIME_FILE -- CMD [ARGS...]

seed: IAM first (global): 5 customer managed policies P-policy-0..4 and
min(200, N) roles P-role-000.. (a third with an inline policy, a third with the
AWS managed AWSLambdaBasicExecutionRole, a third with a customer managed
policy; every 4th also gets a second kind). Then functions P-0001 .. P-NNNN
(python3.12, a tiny in-memory zip, role number (i - 1) mod 200), split into
contiguous blocks over the regions (default ap-southeast-2,sa-east-1) and
created by a pool of 16 threads. Counting from 1:
  every 2nd  (even)    has a resource policy: s3.amazonaws.com may invoke it
                       (with SourceArn and SourceAccount);
  every 20th (i%20=0)  also has a function URL with AuthType NONE plus the public
                       lambda:InvokeFunctionUrl permission (Principal *);
  every 20th (i%20=10) is created with Publish=True (version 1) and gets alias `live`;
  every 10th (i%10=5)  has an SQS event source mapping (disabled, so that
                       LocalStack does not poll) from its own queue P-NNNN-queue.
Then 3 REST APIs per region (P-api-REGION-K, stage prod), each with 4 GET routes
integrated (AWS_PROXY) with even functions, which get an apigateway.amazonaws.com
permission scoped to the route. What already exists is reused, so a seed
interrupted half-way can be run again with the same prefix.
delete: removes, in each region, the event source mappings of functions
  starting with P, those functions (versions, aliases, URLs and permissions go
  with them), the queues and REST APIs starting with P; then the IAM roles
  (inline policies deleted, managed ones detached) and customer managed
  policies starting with P.
report: prints each audit run's figures from its JSON report (summary.functions,
  coverage.api_calls), its CPU time and peak RSS (/usr/bin/time -v output), the
  quota proxy's counts when the run went through it, the design's minimum
  requests for the seeded estate (design_minimum) and the floor on wall time
  that the published request quotas impose on those counts (lower_bound).
measure: the fallback for a machine without /usr/bin/time: runs CMD and writes
  the same lines `time -v` would (CPU times, peak RSS) from getrusage(RUSAGE_CHILDREN).

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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

ACCOUNT = "000000000000"
THREADS = 16
RUNTIME = "python3.12"
DEFAULT_REGIONS = "ap-southeast-2,sa-east-1"
ROLES = 200
CUSTOMER_POLICIES = 5
REST_APIS = 3  # per region
REST_API_ROUTES = 4  # per REST API
AWS_MANAGED_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
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
    try:
        return iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
            Description="lambda-audit benchmark (localstack/bench.sh); safe to delete",
        )["Role"]["Arn"]
    except Exception as exc:  # noqa: BLE001 - a concurrent seed may have won
        if not is_code(exc, "EntityAlreadyExists"):
            raise
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def ignore_exists(call, *codes):
    """Runs call(); an 'already exists' error (the seed was run before) is not a failure."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001
        if not is_code(exc, "EntityAlreadyExists", "ResourceConflictException", *codes):
            raise
        return None


def logs_policy(prefix, k):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/lambda/{prefix}-*",
            },
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{prefix}-bucket-{k}/*"},
        ],
    }


def seed_role(iam, prefix, k, managed_arns):
    """Role number k (0-based): a third inline only, a third AWS managed, a third customer
    managed; every 4th also gets the other kind. Returns the role ARN."""
    name = f"{prefix}-role-{k:03d}"
    arn = ensure_role(iam, name)
    kind = k % 3
    if kind == 0 or k % 4 == 0:
        iam.put_role_policy(RoleName=name, PolicyName="inline-logs", PolicyDocument=json.dumps(logs_policy(prefix, k)))
    if kind == 1 or (kind == 0 and k % 4 == 0):
        iam.attach_role_policy(RoleName=name, PolicyArn=AWS_MANAGED_BASIC)
    if kind == 2 or (kind == 1 and k % 4 == 0):
        iam.attach_role_policy(RoleName=name, PolicyArn=managed_arns[k % len(managed_arns)])
    return arn


def seed_iam(region, prefix, count):
    """CUSTOMER_POLICIES customer managed policies and min(ROLES, count) roles."""
    iam = client("iam", region)
    managed = []
    for j in range(CUSTOMER_POLICIES):
        name = f"{prefix}-policy-{j}"
        created = ignore_exists(
            lambda name=name, j=j: iam.create_policy(
                PolicyName=name, PolicyDocument=json.dumps(logs_policy(prefix, 1000 + j))
            )
        )
        managed.append(created["Policy"]["Arn"] if created else f"arn:aws:iam::{ACCOUNT}:policy/{name}")
    roles = min(ROLES, count)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        arns = list(pool.map(lambda k: seed_role(iam, prefix, k, managed), range(roles)))
    return arns


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


def features(index):
    """What function number `index` (1-based) gets; see the module docstring."""
    return {
        "policy": index % 2 == 0,
        "url": index % 20 == 0,
        "alias": index % 20 == 10,
        "sqs": index % 10 == 5,
    }


def create_function(lam, name, index, role_arn, code, publish):
    kwargs = dict(
        FunctionName=name,
        Runtime=RUNTIME,
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": code},
        Description=f"lambda-audit benchmark function {index}",
        Timeout=3,
        MemorySize=128,
        Publish=publish,
        Tags={"purpose": "lambda-audit-bench"},
    )
    for attempt in range(50):
        try:
            return lam.create_function(**kwargs)
        except Exception as exc:  # noqa: BLE001
            if is_code(exc, "ResourceConflictException") and "already exist" in str(exc):
                # Seeded before: reuse it (and its version 1, if it was published).
                config = lam.get_function_configuration(FunctionName=name)
                versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
                published = [v["Version"] for v in versions if v["Version"] != "$LATEST"]
                if publish and not published:
                    return lam.publish_version(FunctionName=name)
                return {**config, "Version": published[0] if published else "$LATEST"}
            # IAM is eventually consistent on AWS; LocalStack may say the same.
            if not is_code(exc, "InvalidParameterValueException", "TooManyRequestsException") or attempt == 49:
                raise
            time.sleep(0.2)
    return None


def seed_one(lam, sqs, region, index, name, role_arn, code):
    """Creates function number `index` and its extras; returns what it created."""
    want = features(index)
    created = create_function(lam, name, index, role_arn, code, want["alias"])
    extras = []
    if any(want.values()):
        wait_active(lam, name)
    if want["policy"]:
        retry_conflicts(
            lambda: ignore_exists(
                lambda: lam.add_permission(
                    FunctionName=name,
                    StatementId="s3-invoke",
                    Action="lambda:InvokeFunction",
                    Principal="s3.amazonaws.com",
                    SourceArn=f"arn:aws:s3:::{name}-uploads",
                    SourceAccount=ACCOUNT,
                )
            )
        )
        extras.append("policy")
    if want["alias"]:
        version = created.get("Version")
        if not version or version == "$LATEST":
            raise RuntimeError(f"{name}: create_function(Publish=True) returned version {version!r}")
        retry_conflicts(
            lambda: ignore_exists(lambda: lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version))
        )
        extras.append("alias")
    if want["url"]:
        retry_conflicts(lambda: ignore_exists(lambda: lam.create_function_url_config(FunctionName=name, AuthType="NONE")))
        retry_conflicts(
            lambda: ignore_exists(
                lambda: lam.add_permission(
                    FunctionName=name,
                    StatementId="FunctionURLAllowPublicAccess",
                    Action="lambda:InvokeFunctionUrl",
                    Principal="*",
                    FunctionUrlAuthType="NONE",
                )
            )
        )
        extras.append("url")
    if want["sqs"]:
        queue_url = sqs.create_queue(QueueName=f"{name}-queue")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        existing = lam.list_event_source_mappings(FunctionName=name, EventSourceArn=queue_arn)["EventSourceMappings"]
        if not existing:
            # Disabled: LocalStack would otherwise poll every queue, loading the machine
            # the benchmark measures on; the auditor reads a disabled mapping the same way.
            retry_conflicts(
                lambda: lam.create_event_source_mapping(
                    FunctionName=name, EventSourceArn=queue_arn, BatchSize=10, Enabled=False
                )
            )
        extras.append("sqs")
    return extras


def seed_rest_apis(region, prefix, functions):
    """REST_APIS REST APIs in `region`, each with REST_API_ROUTES GET routes, each an
    AWS_PROXY integration with one of `functions` (whose resource policy then also lets
    this API invoke it, scoped by SourceArn)."""
    apigw = client("apigateway", region)
    lam = client("lambda", region)
    existing = {a["name"]: a["id"] for a in apigw.get_rest_apis(limit=500)["items"]}
    targets = iter(functions)
    made = 0
    for k in range(REST_APIS):
        api_name = f"{prefix}-api-{region}-{k}"
        if api_name in existing:
            made += 1
            continue
        api_id = apigw.create_rest_api(name=api_name, description="lambda-audit benchmark")["id"]
        root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
        for j in range(REST_API_ROUTES):
            name = next(targets, None)
            if name is None:
                break
            fn_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
            resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=f"r{j}")["id"]
            apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE")
            apigw.put_integration(
                restApiId=api_id,
                resourceId=resource,
                httpMethod="GET",
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations",
            )
            retry_conflicts(
                lambda name=name, j=j: ignore_exists(
                    lambda: lam.add_permission(
                        FunctionName=name,
                        StatementId=f"apigw-{api_id}-{j}",
                        Action="lambda:InvokeFunction",
                        Principal="apigateway.amazonaws.com",
                        SourceArn=f"arn:aws:execute-api:{region}:{ACCOUNT}:{api_id}/*/GET/r{j}",
                    )
                )
            )
        apigw.create_deployment(restApiId=api_id, stageName="prod")
        made += 1
    return made


def region_of(index, count, regions):
    """Functions are split into len(regions) contiguous blocks, one per region."""
    return regions[(index - 1) * len(regions) // count]


def cmd_seed(args):
    regions = args.regions.split(",")
    t0 = time.monotonic()
    width = max(4, len(str(args.count)))
    names = {i: f"{args.prefix}-{i:0{width}d}" for i in range(1, args.count + 1)}
    too_long = [n for n in names.values() if len(n) + len("-queue") > 64]
    if too_long:
        fail(f"function name {too_long[0]!r} is too long (64 characters with -queue); use a shorter prefix")
    role_arns = seed_iam(regions[0], args.prefix, args.count)
    log(f"{len(role_arns)} IAM roles {args.prefix}-role-* and {CUSTOMER_POLICIES} customer managed policies in {time.monotonic() - t0:.1f}s")
    code = tiny_zip()
    clients = {r: (client("lambda", r), client("sqs", r)) for r in regions}
    counts = {"policy": 0, "alias": 0, "url": 0, "sqs": 0}
    per_region = {r: {"functions": 0, "policy": 0, "alias": 0, "url": 0, "sqs": 0} for r in regions}
    errors = []
    t1 = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = {}
        for i, name in names.items():
            region = region_of(i, args.count, regions)
            lam, sqs = clients[region]
            role = role_arns[(i - 1) % len(role_arns)]
            futures[pool.submit(seed_one, lam, sqs, region, i, name, role, code)] = (name, region)
        for done, future in enumerate(as_completed(futures), 1):
            name, region = futures[future]
            try:
                per_region[region]["functions"] += 1
                for extra in future.result():
                    counts[extra] += 1
                    per_region[region][extra] += 1
            except Exception as exc:  # noqa: BLE001 - report all failures at the end
                errors.append(f"{name}: {exc}")
            if done % 250 == 0 or done == len(futures):
                rate = done / max(time.monotonic() - t1, 1e-9)
                log(f"{done}/{len(futures)} functions created ({rate:.0f}/s)")
    if errors:
        for line in errors[:10]:
            print(f"  {line}", file=sys.stderr)
        fail(f"{len(errors)} of {args.count} functions could not be seeded")
    apis = {}
    for region in regions:
        # Routes go to functions that already have a resource policy (even numbers).
        targets = [n for i, n in names.items() if features(i)["policy"] and region_of(i, args.count, regions) == region]
        apis[region] = seed_rest_apis(region, args.prefix, targets)
        per_region[region]["rest_apis"] = apis[region]
    log(
        f"seeded {args.count} functions {names[1]} .. {names[args.count]} over {', '.join(regions)} "
        f"in {time.monotonic() - t0:.1f}s: {counts['policy']} with an s3 resource policy, "
        f"{counts['alias']} with alias live -> version 1, {counts['url']} with a public function URL, "
        f"{counts['sqs']} with an SQS event source mapping, {sum(apis.values())} REST APIs "
        f"({REST_API_ROUTES} Lambda routes each), {len(role_arns)} roles"
    )
    for region in regions:
        lam = clients[region][0]
        others = sum(
            1
            for page in lam.get_paginator("list_functions").paginate()
            for f in page["Functions"]
            if not f["FunctionName"].startswith(args.prefix)
        )
        per_region[region]["others"] = others
        # Queues the audit reads for mappings that are not ours (other users', or the
        # zombies a LocalStack bug leaves behind, see delete_mapping).
        per_region[region]["other_queues"] = len(
            {
                m["EventSourceArn"]
                for page in lam.get_paginator("list_event_source_mappings").paginate()
                for m in page["EventSourceMappings"]
                if f":function:{args.prefix}" not in m.get("FunctionArn", "") and ":sqs:" in m["EventSourceArn"]
            }
        )
        if per_region[region]["other_queues"]:
            log(f"note: {region} holds {per_region[region]['other_queues']} other SQS mapping queue(s); the audit reads them too")
        if others:
            log(f"note: {region} also holds {others} other function(s); the audit counts them too")
    if args.manifest:
        with open(args.manifest, "w", encoding="utf-8") as fh:
            json.dump({"count": args.count, "seconds": time.monotonic() - t0, "regions": per_region}, fh, indent=1)


# -------------------------------------------------------------------- delete


def delete_function(lam, name):
    try:
        lam.delete_function(FunctionName=name)
    except Exception as exc:  # noqa: BLE001
        if not is_code(exc, "ResourceNotFoundException"):
            raise


def delete_mapping(lam, uuid):
    """LocalStack 4.9.2 never finishes deleting a disabled mapping: it stays listed as
    Deleting (and its queue is gone) until LocalStack restarts. So enable it first."""
    try:
        if lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled":
            lam.update_event_source_mapping(UUID=uuid, Enabled=True)
            deadline = time.monotonic() + 10
            while lam.get_event_source_mapping(UUID=uuid)["State"] != "Enabled" and time.monotonic() < deadline:
                time.sleep(0.2)
        lam.delete_event_source_mapping(UUID=uuid)
    except Exception as exc:  # noqa: BLE001
        if not is_code(exc, "ResourceNotFoundException"):
            raise


def delete_role(iam, name):
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def cmd_delete(args):
    if len(args.prefix) < 4:
        fail(f"refusing to delete by the short prefix {args.prefix!r}")
    regions = args.regions.split(",")
    for region in regions:
        lam = client("lambda", region)
        mappings = [
            m["UUID"]
            for page in lam.get_paginator("list_event_source_mappings").paginate()
            for m in page["EventSourceMappings"]
            if f":function:{args.prefix}" in m.get("FunctionArn", "")
        ]
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(lambda uuid, lam=lam: delete_mapping(lam, uuid), mappings))
        names = [
            f["FunctionName"]
            for page in lam.get_paginator("list_functions").paginate()
            for f in page["Functions"]
            if f["FunctionName"].startswith(args.prefix)
        ]
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(lambda n, lam=lam: delete_function(lam, n), names))
        sqs = client("sqs", region)
        queues = sqs.list_queues(QueueNamePrefix=args.prefix, MaxResults=1000).get("QueueUrls", [])
        for url in queues:
            sqs.delete_queue(QueueUrl=url)
        apigw = client("apigateway", region)
        apis = [a["id"] for a in apigw.get_rest_apis(limit=500)["items"] if a["name"].startswith(args.prefix)]
        for api in apis:
            apigw.delete_rest_api(restApiId=api)
        log(
            f"deleted {len(names)} function(s), {len(mappings)} event source mapping(s), "
            f"{len(queues)} queue(s), {len(apis)} REST API(s) starting with {args.prefix!r} in {region}"
        )
    iam = client("iam", regions[0])
    roles = [
        r["RoleName"]
        for page in iam.get_paginator("list_roles").paginate()
        for r in page["Roles"]
        if r["RoleName"].startswith(args.prefix)
    ]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda n: delete_role(iam, n), roles))
    policies = [
        p["Arn"]
        for page in iam.get_paginator("list_policies").paginate(Scope="Local")
        for p in page["Policies"]
        if p["PolicyName"].startswith(args.prefix)
    ]
    for arn in policies:
        iam.delete_policy(PolicyArn=arn)
    log(f"deleted {len(roles)} IAM role(s) and {len(policies)} customer managed policy(ies) starting with {args.prefix!r}")


# -------------------------------------------------------------------- report

# Per-function operations whose count the design fixes for a given estate (README, "API
# calls and rate limits"); everything else is once per account, region, API or page.
PER_FUNCTION_OPS = (
    "lambda:ListFunctions",
    "lambda:GetFunction",
    "lambda:GetPolicy",
    "lambda:ListAliases",
    "lambda:ListFunctionUrlConfigs",
    "lambda:ListFunctionEventInvokeConfigs",
    "sqs:GetQueueAttributes",
)


def design_minimum(manifest):
    """Requests the design needs for the seeded estate, per per-function operation.

    Per region with F functions (seeded + others found there), A aliases (each on its own
    published version 1), P functions with a resource policy, U of them granting
    lambda:InvokeFunctionUrl, Q SQS queues: ListFunctions ceil((F + A) / 50) pages
    (FunctionVersion=ALL lists the versions too), GetFunction F, GetPolicy F + 2A (the
    function, its alias and its version), ListAliases F, ListFunctionUrlConfigs U,
    ListFunctionEventInvokeConfigs P, GetQueueAttributes Q (plus the queues of mappings
    found there that are not ours). Functions found in the regions
    but not seeded are counted as plain functions (3 requests + their page share).
    """
    need = dict.fromkeys(PER_FUNCTION_OPS, 0)
    for r in manifest["regions"].values():
        f = r["functions"] + r.get("others", 0)
        need["lambda:ListFunctions"] += max(1, -(-(f + r["alias"]) // 50))
        need["lambda:GetFunction"] += f
        need["lambda:GetPolicy"] += f + 2 * r["alias"]
        need["lambda:ListAliases"] += f
        need["lambda:ListFunctionUrlConfigs"] += r["url"]
        need["lambda:ListFunctionEventInvokeConfigs"] += r["policy"]
        need["sqs:GetQueueAttributes"] += r["sqs"] + r.get("other_queues", 0)
    return need


def span(requests, rate):
    """Seconds that `requests` requests need at `rate` per second.

    A bucket lets its first request through at once (the auditor's limiter is a token
    bucket of depth one; AWS's buckets allow at least that), so n requests span
    (n - 1) / rate seconds.
    """
    return max(requests - 1, 0) / rate


def lower_bound(calls):
    """The least wall time the published quotas allow for one region's request counts.

    The auditor draws from the three Lambda buckets concurrently, so its Lambda phase takes
    at least the slowest bucket's span; API Gateway is read after it (the auditor's order);
    IAM is read alongside both. Latency, STS, process start-up and the dependencies between
    calls (a function's listing before its details) are left out. Regions run in parallel:
    the floor of a run is the largest floor of its regions.
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
    # GetResources: 5 every 2 s, the first 5 at once.
    apigw_phase = max(span(apigw, QUOTA_APIGATEWAY), max(apigw_resources - 5, 0) / QUOTA_APIGATEWAY_GET_RESOURCES)
    total = max(lambda_phase + apigw_phase, span(iam, QUOTA_IAM))
    return total, buckets, apigw_phase


def calls_by_region(calls, proxy_stats, regions):
    """{region: {operation: requests}}: from the quota proxy's counts when the run went
    through it (requests it forwarded), else the report's totals split evenly."""
    if proxy_stats:
        out = {}
        iam = Counter()
        for row in proxy_stats["requests"]:
            op = row["operation"]
            if op.startswith("iam:"):
                iam[op] += row["forwarded"]
            elif row["region"] in regions:
                out.setdefault(row["region"], Counter())[op] += row["forwarded"]
        for region in out.values():
            region.update(iam)  # IAM is global: it runs alongside every region
        return out, "the quota proxy's per-region counts"
    share = {op: (n if op.startswith("iam:") else -(-n // len(regions))) for op, n in calls.items()}
    return {r: share for r in regions}, "the report's counts split evenly over the regions"


def parse_time(path):
    """Figures from /usr/bin/time -v output (or the same lines written by `measure`)."""
    found = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            key, _, value = line.strip().rpartition(": ")
            found[key] = value
    return {
        "user": float(found.get("User time (seconds)", "nan")),
        "sys": float(found.get("System time (seconds)", "nan")),
        "rss_kb": int(found.get("Maximum resident set size (kbytes)", "0")),
    }


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


def report_run(label, wall, report_path, stderr_path, time_path, proxy_path, manifest):
    with open(report_path, encoding="utf-8") as fh:
        report = json.load(fh)
    proxy = None
    if proxy_path:
        with open(proxy_path, encoding="utf-8") as fh:
            proxy = json.load(fh)
    usage = parse_time(time_path)
    calls = report["coverage"]["api_calls"]
    summary = report["summary"]
    functions = summary["functions"]
    total = sum(calls.values())
    per_function = total / functions if functions else 0.0
    regions = list(manifest["regions"])
    by_region, source = calls_by_region(calls, proxy, regions)
    bounds = {r: lower_bound(c) for r, c in by_region.items()}
    floor_region = max(bounds, key=lambda r: bounds[r][0])
    bound = bounds[floor_region][0]
    collected = collected_seconds(stderr_path)
    cpu = usage["user"] + usage["sys"]
    need = design_minimum(manifest)
    minimum = sum(need.values()) + sum(n for op, n in calls.items() if op not in need)

    print(f"== {label} ==")
    print(f"  functions audited        {functions} in {len(regions)} regions ({', '.join(regions)})")
    own = f" (the auditor's own 'collected in': {collected:.2f} s)" if collected is not None else ""
    print(f"  wall time                {wall:.2f} s{own}")
    print(
        f"  CPU user + sys           {usage['user']:.2f} + {usage['sys']:.2f} = {cpu:.2f} s, "
        f"{100 * cpu / wall:.1f}% of wall time"
    )
    print(f"  peak RSS                 {usage['rss_kb'] / 1024:.1f} MiB")
    print(f"  quota floor              {bound:.2f} s ({floor_region}; wall / floor = {wall / bound:.2f})" if bound else "")
    print(f"  total API requests       {total} (attempts, retries included)")
    print(f"  requests per function    {per_function:.3f}; the design's minimum for this estate {minimum / functions:.3f}")
    print(
        f"  findings {summary['findings']}, coverage gaps {summary['coverage_gaps']}, "
        f"not evaluated {summary['not_evaluated']}"
    )
    print("  API requests by operation (measured; design minimum for the per-function ones):")
    for op in sorted(set(calls) | set(need)):
        extra = f"  minimum {need[op]:>6}" if op in need else ""
        print(f"    {op:<42} {calls.get(op, 0):>6}{extra}")
    print(f"    {'total':<42} {total:>6}  minimum {minimum:>6}")
    if proxy:
        throttled = sum(row["throttled"] for row in proxy["requests"])
        forwarded = sum(row["forwarded"] for row in proxy["requests"])
        print(f"  through the quota proxy: {forwarded} forwarded, {throttled} throttled")
        for row in proxy["requests"]:
            if row["throttled"]:
                print(f"    throttled {row['operation']} in {row['region']}: {row['throttled']}")
    print(f"  quota floor by bucket, per region ((requests - 1) / published rate; from {source}):")
    for region, (region_bound, buckets, apigw_phase) in sorted(bounds.items()):
        parts = ", ".join(f"{name.split()[0] if 'shared' not in name else 'shared'} {count} = {span(count, rate):.1f} s" for name, count, rate in buckets)
        print(f"    {region:<16} {region_bound:6.2f} s: {parts}; + API Gateway {apigw_phase:.1f} s")
    if summary["coverage_gaps"]:
        print(f"  WARNING: {summary['coverage_gaps']} coverage gap(s): the counts include failed calls")
    seeded = manifest["count"]
    if functions < seeded:
        print(f"  WARNING: {seeded} functions were seeded but only {functions} were audited")
    print()
    return label, functions, wall, cpu, usage["rss_kb"], bound, total, per_function, minimum / functions


def cmd_report(args):
    with open(args.manifest, encoding="utf-8") as fh:
        manifest = json.load(fh)
    rows = [
        report_run(label, float(wall), path, err if err != "-" else None, tfile, proxy if proxy != "-" else None, manifest)
        for label, wall, path, err, tfile, proxy in args.run
    ]
    print("== summary ==")
    print(
        f"  {'run':<12} {'functions':>9} {'wall s':>8} {'CPU s':>7} {'CPU %':>6} {'RSS MiB':>8} "
        f"{'floor s':>8} {'ratio':>6} {'requests':>9} {'req/fn':>7} {'min/fn':>7}"
    )
    for label, functions, wall, cpu, rss, bound, total, per_function, minimum in rows:
        ratio = wall / bound if bound else float("nan")
        print(
            f"  {label:<12} {functions:>9} {wall:>8.2f} {cpu:>7.2f} {100 * cpu / wall:>6.1f} {rss / 1024:>8.1f} "
            f"{bound:>8.2f} {ratio:>6.2f} {total:>9} {per_function:>7.3f} {minimum:>7.3f}"
        )


def cmd_measure(args):
    """Runs CMD, then writes its CPU times and peak RSS as /usr/bin/time -v would."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    status = subprocess.call(args.cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(f"\tUser time (seconds): {after.ru_utime - before.ru_utime:.2f}\n")
        fh.write(f"\tSystem time (seconds): {after.ru_stime - before.ru_stime:.2f}\n")
        # ru_maxrss is in KiB on Linux; the largest of any child so far (only one here).
        fh.write(f"\tMaximum resident set size (kbytes): {after.ru_maxrss}\n")
        fh.write(f"\tExit status: {status}\n")
    sys.exit(status if status >= 0 else 128 - status)


# ---------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed", help="create the benchmark estate")
    seed.add_argument("--prefix", required=True)
    seed.add_argument("--count", type=int, default=1000)
    seed.add_argument("--regions", default=DEFAULT_REGIONS, help="comma-separated")
    seed.add_argument("--manifest", help="write what was seeded, per region, here (JSON)")
    delete = sub.add_parser("delete", help="delete everything whose name starts with --prefix")
    delete.add_argument("--prefix", required=True)
    delete.add_argument("--regions", default=DEFAULT_REGIONS, help="comma-separated")
    report = sub.add_parser("report", help="print the runs' figures")
    report.add_argument("--manifest", required=True, help="seed's --manifest file")
    report.add_argument(
        "--run",
        nargs=6,
        action="append",
        required=True,
        metavar=("LABEL", "WALL_SECONDS", "REPORT_JSON", "STDERR_FILE", "TIME_FILE", "PROXY_STATS"),
        help="one audit run (STDERR_FILE and PROXY_STATS may be -); repeat for each run",
    )
    measure = sub.add_parser("measure", help="run a command, record its CPU time and peak RSS")
    measure.add_argument("--out", required=True)
    measure.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "seed":
        if args.count < 1:
            fail("--count must be at least 1")
        cmd_seed(args)
    elif args.command == "delete":
        cmd_delete(args)
    elif args.command == "measure":
        if args.cmd[:1] == ["--"]:
            args.cmd = args.cmd[1:]
        cmd_measure(args)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()
