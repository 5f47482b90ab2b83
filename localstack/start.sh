#!/usr/bin/env bash
# Start LocalStack (127.0.0.1:4566) and moto_server (127.0.0.1:5055) on the
# host, without Docker, from a pinned Python venv. Reuses servers that are
# already up. Safe to run repeatedly, from any directory, with no stdin (CI).
#
# Env:
#   LAMBDA_AUDIT_VENV           venv location          (default: <repo>/.venv)
#   LAMBDA_AUDIT_STATE_DIR      logs, PIDs, state      (default: <repo>/.localstack-state)
#   LAMBDA_AUDIT_PYTHON         interpreter for venv   (default: python3, wants 3.11)
#   LAMBDA_AUDIT_START_TIMEOUT  readiness wait, s      (default: 120)
#   LAMBDA_AUDIT_STARTED_FILE   if set, start.sh writes the components it
#                               started itself ("localstack", "moto") there,
#                               one per line, so a caller can stop only those.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PYTHON="${LAMBDA_AUDIT_PYTHON:-python3}"
TIMEOUT="${LAMBDA_AUDIT_START_TIMEOUT:-120}"
STARTED_FILE="${LAMBDA_AUDIT_STARTED_FILE:-}"

CONSTRAINTS="$LOCALSTACK_DIR/constraints.txt"
NOOP_EXECUTOR_SRC="$LOCALSTACK_DIR/noop-executor"
MOTO_CONSTRAINTS="$LOCALSTACK_DIR/constraints-moto-server.txt"
# The known-good top-level requirements; constraints.txt pins the rest.
# moto-ext is LocalStack's moto fork (already a LocalStack dependency); its
# [server] extra adds flask so that `python -m moto.server` works.
REQUIREMENTS=(
  'localstack-core[runtime]==4.9.2' 'cbor2<6' 'pyopenssl<25' 'cryptography<45'
  'service_identity<25' 'psutil<7' 'joserfc<1.3' 'moto-ext[server]'
)
STAMP="$VENV/.lambda-audit-stamp"
LS_FILESYSTEM_ROOT="$STATE_DIR/filesystem"
# Port 9 (discard) on loopback: nothing listens there, connections fail fast.
DEAD_PROXY="http://127.0.0.1:9"
AWS_DUMMY_ENV=(
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
  AWS_EC2_METADATA_DISABLED=true
)
NO_PROXY_HOSTS="127.0.0.1,localhost,.localhost,localhost.localstack.cloud,.localhost.localstack.cloud"

mkdir -p "$STATE_DIR"
[[ -z "$STARTED_FILE" ]] || : >"$STARTED_FILE"

# Serialise concurrent start.sh runs (two terminals, or a test harness and a
# developer) so they do not both install into the venv or both start servers.
exec 9>"$STATE_DIR/start.lock"
flock 9

# --- venv ------------------------------------------------------------------

# The stamp records what the venv was built from; any change to the pins or
# to the interpreter version triggers a (re)install.
wanted_stamp() {
  {
    sha256sum "$CONSTRAINTS" "$MOTO_CONSTRAINTS" \
      "$NOOP_EXECUTOR_SRC/pyproject.toml" "$NOOP_EXECUTOR_SRC/lambda_audit_noop_executor.py" | cut -d' ' -f1
    printf '%s\n' "${REQUIREMENTS[@]}"
    "$PYTHON" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}

ensure_venv() {
  local want
  want="$(wanted_stamp)"
  if [[ -x "$VENV_PY" && -r "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    return 0
  fi
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    log "warning: $("$PYTHON" --version 2>&1) is not Python 3.11; the pins in constraints.txt were made for 3.11"
  fi
  local t0=$SECONDS
  if [[ ! -x "$VENV_PY" ]]; then
    log "creating venv $VENV"
    "$PYTHON" -m venv "$VENV"
  else
    log "venv $VENV is out of date with the pins; reinstalling into it"
  fi
  log "installing pinned LocalStack + moto into $VENV (takes a few minutes the first time)"
  # -c pins every transitive dependency, so CI and developers get the very
  # versions that are known to work together.
  PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$VENV_PY" -m pip install --quiet --progress-bar off \
    -c "$CONSTRAINTS" -c "$MOTO_CONSTRAINTS" "${REQUIREMENTS[@]}"
  # Our LocalStack plugin (see noop-executor/): lets Lambda functions become
  # Active without Docker. Built from a copy, because pip builds in the source
  # tree and would leave build/ and *.egg-info behind in the repo.
  local build_dir
  build_dir="$(mktemp -d "${TMPDIR:-/tmp}/lambda-audit-noop.XXXXXX")"
  cp -R "$NOOP_EXECUTOR_SRC" "$build_dir/"
  PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$VENV_PY" -m pip install --quiet --progress-bar off --no-deps "$build_dir/noop-executor"
  rm -rf "$build_dir"
  # Fail here, not later in a server log, if an import is broken.
  "$VENV_PY" -c '
import localstack.runtime.main, moto.server, boto3, flask
from importlib.metadata import entry_points
eps = entry_points(group="localstack.lambda.runtime_executor")
assert any(ep.name == "noop" for ep in eps), "noop Lambda executor plugin not registered"
import lambda_audit_noop_executor' \
    || { log "venv $VENV is broken after install"; exit 1; }
  printf '%s\n' "$want" >"$STAMP"
  log "venv ready in $((SECONDS - t0)) s"
}

# --- servers ---------------------------------------------------------------

localstack_ready() {
  "$VENV_PY" "$LOCALSTACK_DIR/health.py" localstack \
    "$LOCALSTACK_URL/_localstack/health" "${LOCALSTACK_REQUIRED_SERVICES[@]}"
}
moto_ready() { "$VENV_PY" "$LOCALSTACK_DIR/health.py" moto "$MOTO_URL"; }
port_open() { "$VENV_PY" "$LOCALSTACK_DIR/health.py" port "$1" "$2" 2>/dev/null; }

# launch PIDFILE LOG CMD...: start CMD in the background in a new session
# (so stop.sh can signal its whole process group), detached from stdin and
# from our lock fd, with the caller's AWS endpoint overrides, profile and
# session removed: LocalStack's own internal boto clients must neither be
# redirected to moto nor pick up a developer's real AWS configuration.
launch() {
  local pidfile="$1" logfile="$2"
  shift 2
  local -a unset_env=()
  local var
  for var in $(compgen -e); do
    case "$var" in
      AWS_ENDPOINT_URL* | AWS_PROFILE | AWS_DEFAULT_PROFILE | AWS_SESSION_TOKEN | AWS_REGION) unset_env+=(-u "$var") ;;
    esac
  done
  if [[ -f "$logfile" ]]; then mv -f "$logfile" "$logfile.prev"; fi
  # os.setsid + exec (instead of setsid(1), which may fork) keeps $! equal to
  # the server's PID.
  env "${unset_env[@]}" "$VENV_PY" -c \
    'import os, sys
try:
    os.setsid()
except OSError:
    pass
os.execv(sys.argv[1], sys.argv[1:])' "$@" </dev/null >"$logfile" 2>&1 9>&- &
  printf '%s\n' "$!" >"$pidfile"
}

# Safety net behind the noop executor: should LocalStack ever fall back to its
# Docker executor (e.g. the plugin failed to load), that executor first
# "installs" a runtime-init binary by downloading it from GitHub. We must not
# reach out at all, so an inert placeholder sits where the installer looks;
# LocalStack then skips the download, fails on the missing Docker, and marks
# functions Failed instead.
place_lambda_init_placeholder() {
  local marker
  marker="$(FILESYSTEM_ROOT="$LS_FILESYSTEM_ROOT" OVERRIDE_IN_DOCKER=0 "$VENV_PY" -c '
from localstack.packages import InstallTarget
from localstack.services.lambda_.packages import lambda_runtime_package
inst = lambda_runtime_package.get_installer()
print(inst._get_install_marker_path(inst._get_install_dir(InstallTarget.VAR_LIBS)))')"
  if [[ ! -e "$marker" ]]; then
    mkdir -p "$(dirname "$marker")"
    printf '#!/bin/sh\necho "lambda-audit harness: no Lambda runtime (placeholder)" >&2\nexit 1\n' >"$marker"
    chmod +x "$marker"
  fi
}

start_localstack() {
  place_lambda_init_placeholder
  # Why the extra variables: this machine (and CI) only reaches package
  # registries, and we only ever talk to 127.0.0.1.
  # - LAMBDA_RUNTIME_EXECUTOR=noop: our plugin (noop-executor/), so that
  #   functions become Active without Docker and CloudFormation can create
  #   them; invoking them fails with a clear error.
  # - OVERRIDE_IN_DOCKER=0: LocalStack's "am I in a container?" check says
  #   yes on machines with /.dockerenv; it then pings Docker bridge IPs
  #   (172.17.0.1, 172.18.0.1) and ignores FILESYSTEM_ROOT. We are on the host.
  # - DISABLE_EVENTS, SKIP_SSL_CERT_DOWNLOAD, DNS_ADDRESS=0: no analytics, no
  #   certificate download, no DNS server (port 53, upstream forwarding).
  # - Dummy AWS credentials + AWS_EC2_METADATA_DISABLED: moto (inside
  #   LocalStack, and moto_server) builds boto3 clients internally, e.g. for
  #   API Gateway's CreateRestApi; without credentials botocore would ask the
  #   instance-metadata service at 169.254.169.254.
  # - HTTP(S)_PROXY to a closed loopback port: a safety net, so that any other
  #   outbound HTTP attempt fails at once on 127.0.0.1 instead of leaving the
  #   machine; NO_PROXY keeps LocalStack's calls to itself direct.
  launch "$LOCALSTACK_PIDFILE" "$LOCALSTACK_LOG" \
    /usr/bin/env \
    GATEWAY_LISTEN="$LOCALSTACK_HOST_PORT" \
    SERVICES="$LOCALSTACK_SERVICES" \
    FILESYSTEM_ROOT="$LS_FILESYSTEM_ROOT" \
    OVERRIDE_IN_DOCKER=0 \
    LAMBDA_RUNTIME_EXECUTOR=noop \
    DISABLE_EVENTS=1 \
    SKIP_SSL_CERT_DOWNLOAD=1 \
    DNS_ADDRESS=0 \
    "${AWS_DUMMY_ENV[@]}" \
    HTTP_PROXY="$DEAD_PROXY" HTTPS_PROXY="$DEAD_PROXY" \
    http_proxy="$DEAD_PROXY" https_proxy="$DEAD_PROXY" \
    NO_PROXY="$NO_PROXY_HOSTS" no_proxy="$NO_PROXY_HOSTS" \
    "$VENV_PY" -m localstack.runtime.main
}

start_moto() {
  # MOTO_ACCOUNT_ID: same account as LocalStack, so ARNs line up.
  # Dummy credentials and the dead proxy: same reasons as for LocalStack.
  launch "$MOTO_PIDFILE" "$MOTO_LOG" \
    /usr/bin/env MOTO_ACCOUNT_ID=000000000000 \
    "${AWS_DUMMY_ENV[@]}" \
    HTTP_PROXY="$DEAD_PROXY" HTTPS_PROXY="$DEAD_PROXY" \
    http_proxy="$DEAD_PROXY" https_proxy="$DEAD_PROXY" \
    NO_PROXY="$NO_PROXY_HOSTS" no_proxy="$NO_PROXY_HOSTS" \
    "$VENV_PY" -m moto.server -H "$MOTO_HOST" -p "$MOTO_PORT"
}

# wait_for NAME PIDFILE MARKER LOG PROBE: poll PROBE until it passes, the
# process dies, or the deadline passes.
wait_for() {
  local name="$1" pidfile="$2" marker="$3" logfile="$4" probe="$5" why=""
  local deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    if why="$($probe 2>&1)"; then
      return 0
    fi
    if ! pid_is_ours "$pidfile" "$marker" >/dev/null; then
      log "$name exited during startup; last lines of $logfile:"
      tail -n 40 "$logfile" >&2 || true
      return 1
    fi
    sleep 1
  done
  log "$name not ready after ${TIMEOUT}s ($why); last lines of $logfile:"
  tail -n 40 "$logfile" >&2 || true
  return 1
}

# ensure_server NAME PIDFILE MARKER LOG PROBE START_FN HOST PORT
ensure_server() {
  local name="$1" pidfile="$2" marker="$3" logfile="$4" probe="$5" start_fn="$6" host="$7" port="$8" pid
  if pid="$(pid_is_ours "$pidfile" "$marker")"; then
    if $probe 2>/dev/null; then
      log "$name already running (pid $pid, started earlier by start.sh); reusing it"
      return 0
    fi
    # Ours but not ready yet: most likely a start still in progress.
    log "$name (pid $pid, ours) is running but not ready yet; waiting"
  elif $probe 2>/dev/null; then
    log "$name already answering on $host:$port but not started by start.sh; reusing it (stop.sh will leave it alone)"
    return 0
  elif port_open "$host" "$port"; then
    log "port $host:$port is taken by something that is not a healthy $name; free it and retry"
    return 1
  else
    rm -f "$pidfile"
    local t0=$SECONDS
    log "starting $name on $host:$port (log: $logfile)"
    "$start_fn"
    [[ -z "$STARTED_FILE" ]] || printf '%s\n' "$name" >>"$STARTED_FILE"
    wait_for "$name" "$pidfile" "$marker" "$logfile" "$probe" || return 1
    log "$name ready (pid $(cat "$pidfile")) in $((SECONDS - t0)) s"
    return 0
  fi
  wait_for "$name" "$pidfile" "$marker" "$logfile" "$probe"
}

ensure_venv
# moto first: it is up in a second or two, LocalStack takes longer.
ensure_server moto "$MOTO_PIDFILE" "$MOTO_MARKER" "$MOTO_LOG" moto_ready start_moto "$MOTO_HOST" "$MOTO_PORT"
ensure_server localstack "$LOCALSTACK_PIDFILE" "$LOCALSTACK_MARKER" "$LOCALSTACK_LOG" localstack_ready start_localstack 127.0.0.1 4566
log "ready: LocalStack $LOCALSTACK_URL, moto (apigatewayv2) $MOTO_URL"
