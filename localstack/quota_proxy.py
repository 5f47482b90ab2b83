#!/usr/bin/env python3
"""A loopback HTTP proxy that enforces AWS's published request quotas in front of LocalStack.

    .venv/bin/python localstack/quota_proxy.py [--upstream http://127.0.0.1:4566]
        [--port 0] [--port-file FILE] [--stats FILE] [--burst-seconds 1] [--scale 1]

localstack/bench.sh points the auditor's --endpoint-url at it, so that the
benchmark's wall time is measured against the quotas AWS would enforce rather
than against LocalStack, which enforces none.

For each request it works out what AWS would: the region and service from the
SigV4 credential scope in `Authorization` (Credential=KEY/DATE/REGION/SERVICE/
aws4_request), the operation from `X-Amz-Target` (JSON protocols), the
`Action=` parameter (query protocols: IAM, STS) or the REST method and path
(Lambda, API Gateway; the same routes as tests/it/fault_proxy.rs). It then
takes a token from the (region, bucket) token bucket; an empty bucket gets
the service's real throttling error and the request never reaches LocalStack.
Buckets, per region, with the figures of src/collect/limiter.rs:

    lambda GetFunction                        100/s
    lambda GetPolicy                           15/s
    every other Lambda control-plane call      15/s, shared
    apigateway GetResources                     5 per 2 s
    every other API Gateway management call    10/s, shared
    iam (global; scope region us-east-1)       10/s, shared
    sts, sqs and anything else                 not limited (AWS publishes no figure)

A bucket holds `--burst-seconds` seconds of its rate (at least one request;
GetResources: 5). AWS does not publish the bucket depths.

Throttling errors, as AWS sends them:
    Lambda       429, x-amzn-ErrorType: TooManyRequestsException,
                 {"Type":"User","message":"Rate exceeded"} (plus Reason CallerRateLimitExceeded)
    API Gateway  429, x-amzn-ErrorType: TooManyRequestsException, {"message":"Too Many Requests"}
    query (IAM)  400, <ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>...

Everything else is forwarded unchanged, one upstream connection per request
(`Connection: close`); the client's connection is kept alive, the response is
re-framed with Content-Length. It listens on 127.0.0.1 only and refuses a
non-loopback upstream. On SIGTERM/SIGINT it prints the forwarded and
throttled requests per operation and region (and writes them as JSON to
--stats), then exits.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import time
import urllib.parse
from collections import Counter

# Requests per second, as in src/collect/limiter.rs.
QUOTA_GET_FUNCTION = 100.0
QUOTA_GET_POLICY = 15.0
QUOTA_LAMBDA_SHARED = 15.0
QUOTA_APIGATEWAY = 10.0
QUOTA_APIGATEWAY_GET_RESOURCES = 2.5  # 5 every 2 s
QUOTA_IAM = 10.0

HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"te",
    b"trailer",
    b"upgrade",
    b"content-length",
}
SCOPE_RE = re.compile(rb"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
REASONS = {200: "OK", 400: "Bad Request", 429: "Too Many Requests", 502: "Bad Gateway"}


def log(msg):
    print(f"[quota-proxy] {msg}", file=sys.stderr, flush=True)


class Bucket:
    """A token bucket: `rate` tokens per second, at most `depth` stored; starts full."""

    def __init__(self, rate, depth):
        self.rate = rate
        self.depth = depth
        self.tokens = depth
        self.stamp = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.depth, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def rest_operation(service, method, path):
    """Lambda / API Gateway REST routes (read operations the auditor uses), as fault_proxy.rs."""
    path = urllib.parse.unquote(path.split("?", 1)[0])
    parts = path.strip("/").split("/")
    n = len(parts)
    if service == "lambda" and method == "GET":
        if n == 2 and parts[1] == "functions":
            return "ListFunctions"
        if n == 3 and parts[1] == "functions":
            return "GetFunction"
        if n == 4 and parts[1] == "functions":
            return {
                "policy": "GetPolicy",
                "aliases": "ListAliases",
                "urls": "ListFunctionUrlConfigs",
                "code-signing-config": "GetFunctionCodeSigningConfig",
                "configuration": "GetFunctionConfiguration",
                "versions": "ListVersionsByFunction",
                "concurrency": "GetFunctionConcurrency",
                "url": "GetFunctionUrlConfig",
            }.get(parts[3], "Get(other)")
        if n == 5 and parts[1] == "functions" and parts[3:] == ["event-invoke-config", "list"]:
            return "ListFunctionEventInvokeConfigs"
        if n == 2 and parts[1] == "event-source-mappings":
            return "ListEventSourceMappings"
        if n == 2 and parts[1] == "code-signing-configs":
            return "ListCodeSigningConfigs"
        if n == 4 and parts[1] == "code-signing-configs" and parts[3] == "functions":
            return "ListFunctionsByCodeSigningConfig"
        if n == 6 and parts[1] == "layers" and parts[3] == "versions" and parts[5] == "policy":
            return "GetLayerVersionPolicy"
        return "Get(other)"
    if service == "apigateway" and method == "GET":
        if parts == ["restapis"]:
            return "GetRestApis"
        if n == 3 and parts[0] == "restapis":
            return {
                "resources": "GetResources",
                "authorizers": "GetAuthorizers",
                "stages": "GetStages",
            }.get(parts[2], "Get(other)")
        return "Get(other)"
    return f"{method} {path}"


def identify(method, path, headers, body):
    """(region, service, operation) of a request, as AWS would see it."""
    auth = headers.get(b"authorization", b"")
    match = SCOPE_RE.search(auth)
    region, service = (match.group(1).decode(), match.group(2).decode()) if match else ("-", "unsigned")
    target = headers.get(b"x-amz-target")
    if target:
        return region, service, target.decode("latin-1").rsplit(".", 1)[-1]
    action = None
    query = path.split("?", 1)[1] if "?" in path else ""
    for source in (query, body.decode("latin-1") if body else ""):
        found = urllib.parse.parse_qs(source).get("Action")
        if found:
            action = found[0]
            break
    if action:
        return region, service, action
    return region, service, rest_operation(service, method, path)


class Quotas:
    def __init__(self, burst_seconds, scale):
        self.burst_seconds = burst_seconds
        self.scale = scale
        self.buckets = {}

    def bucket_for(self, region, service, operation):
        """(bucket key, rate, depth) or None when AWS publishes no quota for the call."""
        if service == "lambda":
            if operation == "GetFunction":
                return (region, "lambda:GetFunction"), QUOTA_GET_FUNCTION, None
            if operation == "GetPolicy":
                return (region, "lambda:GetPolicy"), QUOTA_GET_POLICY, None
            return (region, "lambda:shared"), QUOTA_LAMBDA_SHARED, None
        if service == "apigateway":
            if operation == "GetResources":
                return (region, "apigateway:GetResources"), QUOTA_APIGATEWAY_GET_RESOURCES, 5.0
            return (region, "apigateway:shared"), QUOTA_APIGATEWAY, None
        if service == "iam":
            return ("global", "iam"), QUOTA_IAM, None
        return None

    def admit(self, region, service, operation):
        found = self.bucket_for(region, service, operation)
        if found is None:
            return True
        key, rate, depth = found
        rate *= self.scale
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(rate, depth or max(1.0, rate * self.burst_seconds))
        return bucket.take()


def throttle_response(service):
    if service in ("iam", "sts"):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            "<Message>Rate exceeded</Message></Error><RequestId>quota-proxy</RequestId></ErrorResponse>"
        ).encode()
        return 400, [(b"Content-Type", b"text/xml")], body
    if service == "lambda":
        body = b'{"Type":"User","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}'
    else:
        body = b'{"message":"Too Many Requests"}'
    headers = [
        (b"Content-Type", b"application/json"),
        (b"x-amzn-ErrorType", b"TooManyRequestsException"),
    ]
    return 429, headers, body


def dechunk(data):
    out = bytearray()
    pos = 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";", 1)[0], 16)
        pos = end + 2
        if size == 0:
            return bytes(out)
        out += data[pos : pos + size]
        pos += size + 2


def parse_head(raw):
    lines = raw.split(b"\r\n")
    headers = {}
    ordered = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
        ordered.append((name.strip(), value.strip()))
    return lines[0], headers, ordered


class Proxy:
    def __init__(self, upstream_host, upstream_port, quotas):
        self.upstream = (upstream_host, upstream_port)
        self.quotas = quotas
        self.forwarded = Counter()
        self.throttled = Counter()
        self.errors = Counter()
        self.first = None
        self.last = None

    async def forward(self, head_line, ordered, body):
        reader, writer = await asyncio.open_connection(*self.upstream)
        try:
            out = [head_line]
            for name, value in ordered:
                if name.lower() in HOP_BY_HOP:
                    continue
                out.append(name + b": " + value)
            out.append(b"Content-Length: " + str(len(body)).encode())
            out.append(b"Connection: close")
            writer.write(b"\r\n".join(out) + b"\r\n\r\n" + body)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head, _, rest = raw.partition(b"\r\n\r\n")
        status_line, headers, resp_ordered = parse_head(head)
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            rest = dechunk(rest)
        elif b"content-length" in headers:
            rest = rest[: int(headers[b"content-length"])]
        status = int(status_line.split(b" ", 2)[1])
        kept = [(n, v) for n, v in resp_ordered if n.lower() not in HOP_BY_HOP]
        return status, status_line, kept, rest

    async def handle(self, reader, writer):
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, headers, ordered = parse_head(head[:-4])
                method, path, _ = request_line.decode("latin-1").split(" ", 2)
                if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                    data = bytearray()
                    while True:
                        size_line = await reader.readuntil(b"\r\n")
                        size = int(size_line.split(b";", 1)[0], 16)
                        chunk = await reader.readexactly(size + 2)
                        if size == 0:
                            break
                        data += chunk[:-2]
                    body = bytes(data)
                else:
                    body = await reader.readexactly(int(headers.get(b"content-length", b"0") or 0))
                region, service, operation = identify(method, path, headers, body)
                key = (f"{service}:{operation}", region)
                now = time.monotonic()
                self.first = self.first or now
                self.last = now
                if self.quotas.admit(region, service, operation):
                    self.forwarded[key] += 1
                    try:
                        status, status_line, resp_headers, resp_body = await self.forward(request_line, ordered, body)
                    except (OSError, ValueError, IndexError) as exc:
                        self.errors[key] += 1
                        log(f"upstream failed for {key}: {exc}")
                        status_line = b"HTTP/1.1 502 Bad Gateway"
                        resp_headers = [(b"Content-Type", b"text/plain")]
                        resp_body = b"quota-proxy: upstream failed\n"
                else:
                    self.throttled[key] += 1
                    status, resp_headers, resp_body = throttle_response(service)
                    status_line = b"HTTP/1.1 %d %s" % (status, REASONS[status].encode())
                    resp_headers.append((b"x-amzn-RequestId", b"quota-proxy"))
                close = headers.get(b"connection", b"").lower() == b"close"
                out = [status_line]
                out += [n + b": " + v for n, v in resp_headers]
                out.append(b"Content-Length: " + str(len(resp_body)).encode())
                out.append(b"Connection: " + (b"close" if close else b"keep-alive"))
                writer.write(b"\r\n".join(out) + b"\r\n\r\n" + resp_body)
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    def stats(self):
        keys = sorted(set(self.forwarded) | set(self.throttled))
        return {
            "active_seconds": (self.last - self.first) if self.first else 0.0,
            "requests": [
                {
                    "operation": op,
                    "region": region,
                    "forwarded": self.forwarded[(op, region)],
                    "throttled": self.throttled[(op, region)],
                    "upstream_errors": self.errors[(op, region)],
                }
                for op, region in keys
            ],
        }

    def print_stats(self):
        stats = self.stats()
        print("quota proxy: requests per operation and region (forwarded / throttled by the proxy)")
        print(f"  {'operation':<44} {'region':<16} {'forwarded':>9} {'throttled':>9}")
        for row in stats["requests"]:
            print(f"  {row['operation']:<44} {row['region']:<16} {row['forwarded']:>9} {row['throttled']:>9}")
        total_f = sum(r["forwarded"] for r in stats["requests"])
        total_t = sum(r["throttled"] for r in stats["requests"])
        print(f"  {'total':<44} {'':<16} {total_f:>9} {total_t:>9}")
        if sum(self.errors.values()):
            print(f"  upstream errors (502 sent): {sum(self.errors.values())}")
        sys.stdout.flush()


async def serve(args):
    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.hostname not in ("127.0.0.1", "localhost", "::1") or upstream.scheme != "http":
        log(f"refusing non-loopback or non-http upstream {args.upstream}")
        sys.exit(2)
    proxy = Proxy(upstream.hostname, upstream.port or 80, Quotas(args.burst_seconds, args.scale))
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port, backlog=512)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as fh:
            fh.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    log(f"listening on 127.0.0.1:{port}, forwarding to {args.upstream}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    proxy.print_stats()
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as fh:
            json.dump(proxy.stats(), fh, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", default="http://127.0.0.1:4566")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (see --port-file)")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--stats", help="write the per-operation counts here as JSON on exit")
    parser.add_argument("--burst-seconds", type=float, default=1.0, help="bucket depth in seconds of quota")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every quota (e.g. 0.5 to see throttling handled)"
    )
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
