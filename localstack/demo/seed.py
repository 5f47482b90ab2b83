#!/usr/bin/env python3
"""Deploy the lambda-audit demo account into LocalStack (+ moto_server).

Run with the harness venv (it has boto3), after localstack/start.sh:

    .venv/bin/python localstack/demo/seed.py            # deploy, or nothing if up to date
    .venv/bin/python localstack/demo/seed.py --reset    # tear down, then deploy afresh
    .venv/bin/python localstack/demo/seed.py --delete   # tear down only

What it does:
  1. HTTP API (API Gateway v2) "demo-orders-http-api" on moto_server, since
     LocalStack's free edition does not serve API Gateway v2: route
     "GET /status" without authorizer, AWS_PROXY integration whose URI is the
     ARN of demo-orders-status, stage $default.
  2. CloudFormation stack "lambda-audit-demo" from template.yaml on LocalStack,
     with the HTTP API id as parameter (it scopes a Lambda permission).
  3. Fix-ups, through the plain service APIs, for template properties that
     LocalStack 4.9.2's CloudFormation silently drops (see apply_cfn_gaps), so
     the deployed account matches the template as real AWS would deploy it.

Idempotent: an existing, complete stack whose template and parameters match
is left alone; a failed or outdated one is deleted and created again. An
existing complete HTTP API is reused.

Endpoints default to the harness ports and must be loopback addresses:
LAMBDA_AUDIT_LOCALSTACK_URL (http://127.0.0.1:4566), LAMBDA_AUDIT_MOTO_URL
(http://127.0.0.1:5055).
"""

import argparse
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "000000000000"
STACK_NAME = "lambda-audit-demo"
HTTP_API_NAME = "demo-orders-http-api"
HTTP_ROUTE_KEY = "GET /status"
HTTP_TARGET_FUNCTION = "demo-orders-status"
TEMPLATE = Path(__file__).with_name("template.yaml")
# Seeds moto's id generator before it creates the HTTP API, so that a fresh
# moto_server always hands out the same API id: the stack parameter (and the
# Lambda permission scoped by it) then stays valid across moto restarts.
MOTO_RANDOM_SEED = 20261123
STACK_WAIT_SECONDS = 300

# botocore honours HTTP(S)_PROXY; make sure a CI proxy never sees loopback calls.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1,localhost"]))

LOCALSTACK_URL = os.environ.get("LAMBDA_AUDIT_LOCALSTACK_URL", "http://127.0.0.1:4566")
MOTO_URL = os.environ.get("LAMBDA_AUDIT_MOTO_URL", "http://127.0.0.1:5055")


def log(msg):
    print(f"[seed] {msg}", flush=True)


def fail(msg):
    print(f"[seed] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def require_loopback(url):
    # The demo account is fake; refuse to send it anywhere but this machine.
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail(f"refusing non-loopback endpoint {url}")


def http_get(url, data=None):
    # No proxies: these are loopback servers.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    with opener.open(req, timeout=5) as resp:
        return resp.status, resp.read()


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        ),
    )


def wait_for_servers(timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            status, _ = http_get(f"{LOCALSTACK_URL}/_localstack/health")
            status2, _ = http_get(f"{MOTO_URL}/moto-api/data.json")
            if status == 200 and status2 == 200:
                return
        except OSError as exc:
            last = exc
        time.sleep(1)
    fail(f"LocalStack ({LOCALSTACK_URL}) or moto ({MOTO_URL}) not answering: {last}; run localstack/start.sh first")


# ------------------------------------------------------------ HTTP API (moto)


def find_http_api(apigw2):
    apis = apigw2.get_apis().get("Items", [])
    return [a for a in apis if a.get("Name") == HTTP_API_NAME]


def http_api_complete(apigw2, api_id):
    routes = apigw2.get_routes(ApiId=api_id).get("Items", [])
    integrations = {i["IntegrationId"]: i for i in apigw2.get_integrations(ApiId=api_id).get("Items", [])}
    for route in routes:
        if route.get("RouteKey") != HTTP_ROUTE_KEY:
            continue
        target = route.get("Target", "").removeprefix("integrations/")
        integ = integrations.get(target)
        if integ and integ.get("IntegrationUri", "").endswith(f":function:{HTTP_TARGET_FUNCTION}"):
            return True
    return False


def delete_http_apis(apigw2):
    for api in find_http_api(apigw2):
        log(f"deleting HTTP API {api['ApiId']} on moto")
        apigw2.delete_api(ApiId=api["ApiId"])


def ensure_http_api(apigw2):
    existing = find_http_api(apigw2)
    if len(existing) == 1 and http_api_complete(apigw2, existing[0]["ApiId"]):
        log(f"HTTP API {HTTP_API_NAME} already exists on moto: {existing[0]['ApiId']}")
        return existing[0]["ApiId"]
    if existing:
        log("HTTP API incomplete or duplicated; recreating it")
        delete_http_apis(apigw2)

    http_get(f"{MOTO_URL}/moto-api/seed?a={MOTO_RANDOM_SEED}", data=b"")
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{HTTP_TARGET_FUNCTION}"
    api = apigw2.create_api(
        Name=HTTP_API_NAME,
        ProtocolType="HTTP",
        Description="Orders HTTP API (status endpoint, no authorizer)",
        Tags={"owner": "orders-team@example.com", "team": "commerce"},
    )
    api_id = api["ApiId"]
    integ = apigw2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationMethod="POST",
        # HTTP APIs accept the plain function ARN as integration URI.
        IntegrationUri=fn_arn,
        PayloadFormatVersion="2.0",
    )
    apigw2.create_route(
        ApiId=api_id,
        RouteKey=HTTP_ROUTE_KEY,
        AuthorizationType="NONE",
        Target=f"integrations/{integ['IntegrationId']}",
    )
    apigw2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    log(f"created HTTP API {HTTP_API_NAME} on moto: {api_id} ({HTTP_ROUTE_KEY} -> {HTTP_TARGET_FUNCTION})")
    return api_id


# --------------------------------------------------- CloudFormation (LocalStack)


def describe_stack(cfn):
    try:
        return cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def wait_stack_settled(cfn):
    deadline = time.monotonic() + STACK_WAIT_SECONDS
    while True:
        stack = describe_stack(cfn)
        if stack is None or not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        if time.monotonic() > deadline:
            fail(f"stack {STACK_NAME} still {stack['StackStatus']} after {STACK_WAIT_SECONDS}s")
        time.sleep(1)


def print_failed_events(cfn):
    try:
        events = cfn.describe_stack_events(StackName=STACK_NAME)["StackEvents"]
    except ClientError:
        return
    for ev in reversed(events):
        if "FAILED" in ev["ResourceStatus"]:
            print(
                f"  {ev['LogicalResourceId']} ({ev.get('ResourceType')}): "
                f"{ev['ResourceStatus']}: {ev.get('ResourceStatusReason')}",
                file=sys.stderr,
            )


def delete_stack(cfn):
    if describe_stack(cfn) is None:
        return
    log(f"deleting stack {STACK_NAME}")
    cfn.delete_stack(StackName=STACK_NAME)
    stack = wait_stack_settled(cfn)
    if stack is not None and stack["StackStatus"] != "DELETE_COMPLETE":
        print_failed_events(cfn)
        fail(f"could not delete stack {STACK_NAME}: {stack['StackStatus']}")


def stack_up_to_date(cfn, stack, template_body, params):
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return False
    deployed = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    if deployed != params:
        return False
    body = cfn.get_template(StackName=STACK_NAME, TemplateStage="Original")["TemplateBody"]
    if not isinstance(body, str):  # boto3 parses JSON bodies into dicts
        body = json.dumps(body)
    return body.strip() == template_body.strip()


def ensure_stack(cfn, http_api_id):
    template_body = TEMPLATE.read_text()
    params = {"HttpApiId": http_api_id}
    stack = wait_stack_settled(cfn)
    if stack is not None and stack["StackStatus"] != "DELETE_COMPLETE":
        if stack_up_to_date(cfn, stack, template_body, params):
            log(f"stack {STACK_NAME} is up to date ({stack['StackStatus']}); nothing to do")
            return stack
        log(f"stack {STACK_NAME} is {stack['StackStatus']} and/or outdated; recreating it")
        delete_stack(cfn)

    log(f"creating stack {STACK_NAME} from {TEMPLATE.name}")
    t0 = time.monotonic()
    cfn.create_stack(
        StackName=STACK_NAME,
        TemplateBody=template_body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        OnFailure="DO_NOTHING",  # keep the failed resources around to debug
    )
    stack = wait_stack_settled(cfn)
    if stack is None or stack["StackStatus"] != "CREATE_COMPLETE":
        print_failed_events(cfn)
        fail(f"stack {STACK_NAME} ended {stack and stack['StackStatus']}; rerun to retry, or --reset")
    log(f"stack {STACK_NAME} CREATE_COMPLETE in {time.monotonic() - t0:.1f}s")
    return stack


# ------------------------------------------------ LocalStack CloudFormation gaps
#
# LocalStack 4.9.2's resource providers ignore some properties without error:
#   AWS::Lambda::Function   ReservedConcurrentExecutions
#   AWS::Lambda::Permission FunctionUrlAuthType, SourceAccount, PrincipalOrgID,
#                           EventSourceToken (only FunctionName, Action,
#                           Principal and SourceArn are passed on)
#   AWS::Logs::LogGroup     RetentionInDays
# and it does not tag functions with aws:cloudformation:stack-name/logical-id/
# stack-id as AWS does.
# We read those properties from template.yaml and apply them with the service
# APIs, keeping the stack's physical ids (a permission keeps its Sid), so that
# the result is what AWS itself would have deployed. Each fix-up checks first
# and does nothing when already applied.


class _CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader, suffix, node):
    # !Ref X -> {"Ref": "X"}, !GetAtt A.B -> {"GetAtt": "A.B"}, etc.
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)

# Permission property -> condition key AWS puts into the policy statement.
_PERMISSION_CONDITION_KEYS = {
    "FunctionUrlAuthType": "lambda:FunctionUrlAuthType",
    "SourceAccount": "AWS:SourceAccount",
    "PrincipalOrgID": "aws:PrincipalOrgID",
    "EventSourceToken": "lambda:EventSourceToken",
}


def _resolve(value, physical, params):
    """Resolve the few intrinsics the permission properties use here."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        ref = value["Ref"]
        return params.get(ref) or physical[ref]
    if "GetAtt" in value:
        # !GetAtt Fn.Arn on a function: its name works wherever a FunctionName goes.
        return physical[value["GetAtt"].split(".")[0]]
    raise ValueError(f"cannot resolve {value!r} outside CloudFormation")


def _statement_conditions(statement):
    keys = set()
    for block in (statement.get("Condition") or {}).values():
        keys.update(block)
    return keys


def apply_cfn_gaps(cfn, lam, logs, params):
    resources = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)["Resources"]
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
    }
    fixed = 0
    stack_id = describe_stack(cfn)["StackId"]
    for logical, res in resources.items():
        props = res.get("Properties", {})
        kind = res["Type"]
        if kind == "AWS::Lambda::Function":
            # AWS tags every function a stack creates; lambda-audit's drift report finds a
            # template's stack by these tags.
            arn = lam.get_function(FunctionName=physical[logical])["Configuration"]["FunctionArn"]
            have = lam.list_tags(Resource=arn).get("Tags", {})
            want = {
                "aws:cloudformation:stack-name": STACK_NAME,
                "aws:cloudformation:logical-id": logical,
                "aws:cloudformation:stack-id": stack_id,
            }
            if any(have.get(k) != v for k, v in want.items()):
                lam.tag_resource(Resource=arn, Tags=want)
                log(f"cfn gap: tagged {physical[logical]} with its stack")
                fixed += 1
        if kind == "AWS::Lambda::Function" and "ReservedConcurrentExecutions" in props:
            name, want = physical[logical], int(props["ReservedConcurrentExecutions"])
            have = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
            if have != want:
                lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=want)
                log(f"cfn gap: set reserved concurrency {want} on {name}")
                fixed += 1
        elif kind == "AWS::Logs::LogGroup" and "RetentionInDays" in props:
            name, want = physical[logical], int(props["RetentionInDays"])
            groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            have = next((g.get("retentionInDays") for g in groups if g["logGroupName"] == name), None)
            if have != want:
                logs.put_retention_policy(logGroupName=name, retentionInDays=want)
                log(f"cfn gap: set retention {want} days on log group {name}")
                fixed += 1
        elif kind == "AWS::Lambda::Permission" and set(props) & set(_PERMISSION_CONDITION_KEYS):
            sid = physical[logical]
            function = _resolve(props["FunctionName"], physical, params)
            policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
            statement = next(st for st in policy["Statement"] if st.get("Sid") == sid)
            wanted_keys = {_PERMISSION_CONDITION_KEYS[k] for k in props if k in _PERMISSION_CONDITION_KEYS}
            if wanted_keys <= _statement_conditions(statement):
                continue
            args = {"FunctionName": function, "StatementId": sid}
            for key in ("Action", "Principal", "SourceArn", *_PERMISSION_CONDITION_KEYS):
                if key in props:
                    args[key] = _resolve(props[key], physical, params)
            lam.remove_permission(FunctionName=function, StatementId=sid)
            lam.add_permission(**args)
            log(f"cfn gap: re-added permission {sid} on {function} with {sorted(wanted_keys)}")
            fixed += 1
    if not fixed:
        log("cfn gaps: nothing to fix")


# --------------------------------------------------------------------- main


def summary(stack, lam):
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    fns = sorted(
        f["FunctionName"]
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"].startswith("demo-")
    )
    log(f"functions ({len(fns)}): {', '.join(fns)}")
    for key in ("RestApiId", "HttpApiId", "PublicWebhookUrl", "OrdersQueueUrl", "PricingLiveAliasArn"):
        if key in outputs:
            log(f"{key}: {outputs[key]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--reset", action="store_true", help="delete the demo first, then deploy")
    mode.add_argument("--delete", action="store_true", help="delete the demo and exit")
    args = parser.parse_args()

    require_loopback(LOCALSTACK_URL)
    require_loopback(MOTO_URL)
    t0 = time.monotonic()
    wait_for_servers()
    cfn = client("cloudformation", LOCALSTACK_URL)
    lam = client("lambda", LOCALSTACK_URL)
    apigw2 = client("apigatewayv2", MOTO_URL)

    if args.reset or args.delete:
        delete_stack(cfn)
        delete_http_apis(apigw2)
        if args.delete:
            log("demo deleted")
            return

    http_api_id = ensure_http_api(apigw2)
    stack = ensure_stack(cfn, http_api_id)
    apply_cfn_gaps(cfn, lam, client("logs", LOCALSTACK_URL), {"HttpApiId": http_api_id})
    summary(stack, lam)
    log(f"done in {time.monotonic() - t0:.1f}s")


if __name__ == "__main__":
    main()
