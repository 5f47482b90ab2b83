"""One-shot readiness probes used by start.sh (stdlib only, 127.0.0.1 only).

    python health.py localstack URL SERVICE...   exit 0 when every SERVICE is
                                                 "available" or "running"
    python health.py moto URL                    exit 0 when moto_server answers
    python health.py port HOST PORT              exit 0 when something accepts
                                                 TCP connections there

Exit status 1 means "not (yet) ready"; the reason goes to stderr so that
start.sh can show it when it gives up.
"""

import json
import socket
import sys
import urllib.error
import urllib.request

TIMEOUT = 3


def _get(url):
    # No proxy: a CI machine may have HTTP(S)_PROXY set, and these probes
    # must only ever talk to the loopback servers we started.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=TIMEOUT) as resp:
        return resp.status, resp.read()


def localstack(url, services):
    status, body = _get(url)
    if status != 200:
        return f"HTTP {status} from {url}"
    health = json.loads(body)
    states = health.get("services", {})
    bad = {s: states.get(s, "missing") for s in services if states.get(s) not in ("available", "running")}
    if bad:
        return "services not ready: " + ", ".join(f"{k}={v}" for k, v in sorted(bad.items()))
    return None


def moto(url):
    # /moto-api/data.json is moto_server's own introspection endpoint: a 200
    # JSON answer there tells us that it is really moto on that port.
    status, body = _get(url.rstrip("/") + "/moto-api/data.json")
    json.loads(body)
    return None if status == 200 else f"HTTP {status}"


def port(host, port_):
    with socket.create_connection((host, int(port_)), timeout=TIMEOUT):
        return None


def main(argv):
    kind, args = argv[1], argv[2:]
    try:
        if kind == "localstack":
            err = localstack(args[0], args[1:])
        elif kind == "moto":
            err = moto(args[0])
        elif kind == "port":
            err = port(*args)
        else:
            print(f"unknown probe {kind}", file=sys.stderr)
            return 2
    except (OSError, ValueError, urllib.error.URLError) as exc:
        err = f"{type(exc).__name__}: {exc}"
    if err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
