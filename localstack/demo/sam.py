#!/usr/bin/env python3
"""Deploy the demo's SAM template (sam-template.yaml) through LocalStack's
CloudFormation, and optionally change the deployment out of band, so that
`lambda-audit drift` has real drift to report.

    .venv/bin/python localstack/demo/sam.py --stack lambda-audit-demo-sam --region us-east-1 [--out-of-band]

Deploy: creates the stack (or leaves an up-to-date one alone), then applies
what AWS does and LocalStack 4.9.2 does not:
  * tags every Lambda function with aws:cloudformation:stack-name,
    aws:cloudformation:logical-id and aws:cloudformation:stack-id, which is how
    lambda-audit recognises a template's stack;
  * ReservedConcurrentExecutions, which LocalStack's provider drops.

--out-of-band then makes the changes an operator or attacker might make by
hand (each only once; rerunning changes nothing):
  * <stack>-export: timeout raised to 300 s;
  * <stack>-api: environment variable DEBUG_TOKEN added;
  * <stack>-report-role: AWS managed AdministratorAccess attached;
  * <stack>-report: invoke permission for account 111122223333 added;
  * <stack>-hotfix: a function created beside the stack.

Only loopback endpoints are accepted (LAMBDA_AUDIT_LOCALSTACK_URL, default
http://127.0.0.1:4566).
"""

import argparse
import io
import json
import os
import sys
import time
import urllib.parse
import zipfile
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

TEMPLATE = Path(__file__).with_name("sam-template.yaml")
LOCALSTACK_URL = os.environ.get("LAMBDA_AUDIT_LOCALSTACK_URL", "http://127.0.0.1:4566")
STACK_WAIT_SECONDS = 300
OTHER_ACCOUNT = "111122223333"

for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1,localhost"]))


def log(msg):
    print(f"[sam] {msg}", flush=True)


def fail(msg):
    print(f"[sam] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def client(service, region):
    host = urllib.parse.urlsplit(LOCALSTACK_URL).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail(f"refusing non-loopback endpoint {LOCALSTACK_URL}")
    return boto3.client(
        service,
        endpoint_url=LOCALSTACK_URL,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=60),
    )


def describe(cfn, stack):
    try:
        return cfn.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def settle(cfn, stack):
    deadline = time.monotonic() + STACK_WAIT_SECONDS
    while True:
        found = describe(cfn, stack)
        if found is None or not found["StackStatus"].endswith("_IN_PROGRESS"):
            return found
        if time.monotonic() > deadline:
            fail(f"stack {stack} still {found['StackStatus']} after {STACK_WAIT_SECONDS}s")
        time.sleep(1)


def deploy(cfn, stack):
    body = TEMPLATE.read_text()
    found = settle(cfn, stack)
    if found is not None and found["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        deployed = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
        if isinstance(deployed, str) and deployed.strip() == body.strip():
            log(f"stack {stack} is up to date")
            return
    if found is not None and found["StackStatus"] != "DELETE_COMPLETE":
        log(f"deleting outdated stack {stack}")
        cfn.delete_stack(StackName=stack)
        settle(cfn, stack)
    # The out-of-band function outlives the stack and would keep a deleted role.
    try:
        client("lambda", cfn.meta.region_name).delete_function(FunctionName=f"{stack}-hotfix")
    except ClientError:
        pass
    log(f"creating stack {stack} from {TEMPLATE.name}")
    cfn.create_stack(
        StackName=stack,
        TemplateBody=body,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    found = settle(cfn, stack)
    if found is None or found["StackStatus"] != "CREATE_COMPLETE":
        for ev in cfn.describe_stack_events(StackName=stack)["StackEvents"]:
            if "FAILED" in ev["ResourceStatus"]:
                print(f"  {ev['LogicalResourceId']}: {ev.get('ResourceStatusReason')}", file=sys.stderr)
        fail(f"stack {stack} ended {found and found['StackStatus']}")


def apply_aws_behaviour(cfn, lam, stack):
    """Tags and reserved concurrency, as AWS's CloudFormation would have left them."""
    stack_id = describe(cfn, stack)["StackId"]
    processed = cfn.get_template(StackName=stack, TemplateStage="Processed")["TemplateBody"]
    if isinstance(processed, str):
        processed = json.loads(processed)
    resources = processed.get("Resources", {})
    for summary in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
        if summary["ResourceType"] != "AWS::Lambda::Function":
            continue
        logical, name = summary["LogicalResourceId"], summary["PhysicalResourceId"]
        arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        lam.tag_resource(
            Resource=arn,
            Tags={
                "aws:cloudformation:stack-name": stack,
                "aws:cloudformation:logical-id": logical,
                "aws:cloudformation:stack-id": stack_id,
            },
        )
        reserved = resources.get(logical, {}).get("Properties", {}).get("ReservedConcurrentExecutions")
        if reserved is not None:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=int(reserved))
    log(f"stack {stack}: CloudFormation tags and reserved concurrency applied")


def handler_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def out_of_band(lam, iam, stack):
    export = lam.get_function_configuration(FunctionName=f"{stack}-export")
    if export["Timeout"] != 300:
        lam.update_function_configuration(FunctionName=f"{stack}-export", Timeout=300)
        log(f"out of band: {stack}-export timeout {export['Timeout']} -> 300 s")

    api = lam.get_function_configuration(FunctionName=f"{stack}-api")
    variables = api.get("Environment", {}).get("Variables", {})
    if "DEBUG_TOKEN" not in variables:
        # A planted, fake value: lambda-audit must never print it.
        variables["DEBUG_TOKEN"] = "dbg-7f3a9c1e5b2d4f6a8c0e"
        lam.update_function_configuration(FunctionName=f"{stack}-api", Environment={"Variables": variables})
        log(f"out of band: {stack}-api environment variable DEBUG_TOKEN added")

    role = f"{stack}-report-role"
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    if admin not in [p["PolicyArn"] for p in attached]:
        iam.attach_role_policy(RoleName=role, PolicyArn=admin)
        log(f"out of band: AdministratorAccess attached to {role}")

    try:
        policy = json.loads(lam.get_policy(FunctionName=f"{stack}-report")["Policy"])
        sids = [s.get("Sid") for s in policy["Statement"]]
    except ClientError:
        sids = []
    if "partner-invoke" not in sids:
        lam.add_permission(
            FunctionName=f"{stack}-report",
            StatementId="partner-invoke",
            Action="lambda:InvokeFunction",
            Principal=OTHER_ACCOUNT,
        )
        log(f"out of band: {stack}-report invokable by account {OTHER_ACCOUNT}")

    hotfix = f"{stack}-hotfix"
    try:
        lam.get_function(FunctionName=hotfix)
    except ClientError:
        lam.create_function(
            FunctionName=hotfix,
            Runtime="python3.12",
            Handler="index.handler",
            Role=api["Role"],
            Code={"ZipFile": handler_zip()},
            Timeout=900,
        )
        log(f"out of band: function {hotfix} created beside the stack")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--out-of-band", action="store_true", help="also make the demo's out-of-band changes")
    args = parser.parse_args()
    cfn = client("cloudformation", args.region)
    lam = client("lambda", args.region)
    deploy(cfn, args.stack)
    apply_aws_behaviour(cfn, lam, args.stack)
    if args.out_of_band:
        out_of_band(lam, client("iam", args.region), args.stack)


if __name__ == "__main__":
    main()
