#!/usr/bin/env python3
"""Print what the demo account contains, as the AWS APIs report it.

    .venv/bin/python localstack/demo/show.py [--json]

Reads LocalStack (http://127.0.0.1:4566) and moto_server (API Gateway v2,
http://127.0.0.1:5055); same LAMBDA_AUDIT_*_URL overrides as seed.py. Meant
for people and for checking what LocalStack/moto really return, independently
of lambda-audit's own code.
"""

import json
import sys

from botocore.exceptions import ClientError

from seed import LOCALSTACK_URL, MOTO_URL, client, require_loopback


def policy_or_none(lam, **kwargs):
    try:
        return json.loads(lam.get_policy(**kwargs)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def url_config_or_none(lam, name):
    try:
        cfg = lam.get_function_url_config(FunctionName=name)
        cfg.pop("ResponseMetadata", None)
        return cfg
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def lambdas(lam):
    out = {}
    for page in lam.get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            name = f["FunctionName"]
            if not name.startswith("demo-"):
                continue
            full = lam.get_function(FunctionName=name)
            conf = full["Configuration"]
            aliases = lam.list_aliases(FunctionName=name)["Aliases"]
            versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
            out[name] = {
                "arn": conf["FunctionArn"],
                "state": conf.get("State"),
                "runtime": conf.get("Runtime"),
                "role": conf.get("Role"),
                "environment": conf.get("Environment", {}).get("Variables", {}),
                "tags": full.get("Tags", {}),
                "reserved_concurrency": full.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
                "versions": versions,
                "aliases": {a["Name"]: a["FunctionVersion"] for a in aliases},
                "policy": policy_or_none(lam, FunctionName=name),
                "alias_policies": {
                    a["Name"]: policy_or_none(lam, FunctionName=name, Qualifier=a["Name"]) for a in aliases
                },
                "url_config": url_config_or_none(lam, name),
                "event_source_mappings": [
                    {k: m.get(k) for k in ("UUID", "EventSourceArn", "State", "BatchSize")}
                    for m in lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
                ],
            }
    return out


def roles(iam):
    out = {}
    for page in iam.get_paginator("list_roles").paginate():
        for r in page["Roles"]:
            name = r["RoleName"]
            if not name.startswith("demo-"):
                continue
            inline = {
                p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
            }
            attached = {}
            for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                pol = iam.get_policy(PolicyArn=a["PolicyArn"])["Policy"]
                doc = iam.get_policy_version(PolicyArn=a["PolicyArn"], VersionId=pol["DefaultVersionId"])
                attached[a["PolicyArn"]] = doc["PolicyVersion"]["Document"]
            out[name] = {"arn": r["Arn"], "inline": inline, "attached": attached}
    return out


def rest_apis(apigw):
    out = {}
    for api in apigw.get_rest_apis()["items"]:
        methods = []
        for res in apigw.get_resources(restApiId=api["id"])["items"]:
            for verb in res.get("resourceMethods", {}):
                m = apigw.get_method(restApiId=api["id"], resourceId=res["id"], httpMethod=verb)
                methods.append(
                    {
                        "path": res["path"],
                        "method": verb,
                        "authorizationType": m.get("authorizationType"),
                        "integrationUri": m.get("methodIntegration", {}).get("uri"),
                    }
                )
        stages = [s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]]
        out[api["name"]] = {"id": api["id"], "stages": stages, "methods": methods}
    return out


def http_apis(apigw2):
    out = {}
    for api in apigw2.get_apis()["Items"]:
        integ = {i["IntegrationId"]: i for i in apigw2.get_integrations(ApiId=api["ApiId"])["Items"]}
        routes = []
        for r in apigw2.get_routes(ApiId=api["ApiId"])["Items"]:
            target = integ.get(r.get("Target", "").removeprefix("integrations/"), {})
            routes.append(
                {
                    "routeKey": r["RouteKey"],
                    "authorizationType": r.get("AuthorizationType"),
                    "integrationType": target.get("IntegrationType"),
                    "integrationUri": target.get("IntegrationUri"),
                }
            )
        stages = [s["StageName"] for s in apigw2.get_stages(ApiId=api["ApiId"])["Items"]]
        out[api["Name"]] = {"id": api["ApiId"], "protocol": api["ProtocolType"], "stages": stages, "routes": routes}
    return out


def rules(events):
    out = {}
    for r in events.list_rules(NamePrefix="demo-")["Rules"]:
        targets = events.list_targets_by_rule(Rule=r["Name"])["Targets"]
        out[r["Name"]] = {
            "schedule": r.get("ScheduleExpression"),
            "state": r.get("State"),
            "targets": [t["Arn"] for t in targets],
        }
    return out


def main():
    require_loopback(LOCALSTACK_URL)
    require_loopback(MOTO_URL)
    data = {
        "functions": lambdas(client("lambda", LOCALSTACK_URL)),
        "roles": roles(client("iam", LOCALSTACK_URL)),
        "rest_apis": rest_apis(client("apigateway", LOCALSTACK_URL)),
        "http_apis_on_moto": http_apis(client("apigatewayv2", MOTO_URL)),
        "event_rules": rules(client("events", LOCALSTACK_URL)),
    }
    if "--json" in sys.argv[1:]:
        json.dump(data, sys.stdout, indent=2, default=str)
        print()
        return
    # Compact, human-oriented view.
    for name, f in data["functions"].items():
        print(f"function {name}  state={f['state']}  role={f['role'].rsplit('/', 1)[-1]}")
        if f["environment"]:
            print(f"  env: {', '.join(f['environment'])}")
        if f["tags"]:
            print(f"  tags: {f['tags']}")
        if f["reserved_concurrency"] is not None:
            print(f"  reserved concurrency: {f['reserved_concurrency']}")
        if f["aliases"]:
            print(f"  aliases: {f['aliases']}  versions: {f['versions']}")
        for label, pol in [("policy", f["policy"])] + [(f"policy[{a}]", p) for a, p in f["alias_policies"].items()]:
            for st in (pol or {}).get("Statement", []):
                print(f"  {label}: {st.get('Sid')}: {st.get('Principal')} {st.get('Action')} cond={st.get('Condition')}")
        if f["url_config"]:
            u = f["url_config"]
            print(f"  url: AuthType={u.get('AuthType')} cors={u.get('Cors')}")
        for m in f["event_source_mappings"]:
            print(f"  esm: {m['EventSourceArn']} state={m['State']} batch={m['BatchSize']}")
    for name, r in data["roles"].items():
        print(f"role {name}: inline={list(r['inline'])} attached={list(r['attached'])}")
    for name, a in data["rest_apis"].items():
        print(f"rest api {name} id={a['id']} stages={a['stages']}")
        for m in a["methods"]:
            print(f"  {m['method']} {m['path']} auth={m['authorizationType']} -> {m['integrationUri']}")
    for name, a in data["http_apis_on_moto"].items():
        print(f"http api {name} id={a['id']} stages={a['stages']}")
        for r in a["routes"]:
            print(f"  {r['routeKey']} auth={r['authorizationType']} {r['integrationType']} -> {r['integrationUri']}")
    for name, r in data["event_rules"].items():
        print(f"rule {name} {r['schedule']} {r['state']} -> {r['targets']}")


if __name__ == "__main__":
    main()
