# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts sourcing this
# Shared settings for start.sh, stop.sh, with-localstack.sh and demo.sh.
# Sourced, never executed. Everything is derived from this file's own path so
# the scripts work from any working directory.

LOCALSTACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCALSTACK_DIR/.." && pwd)"

# The venv holding LocalStack, moto and boto3 (for seeding). Overridable so a
# CI cache or a developer can keep one venv outside the work tree.
VENV="${LAMBDA_AUDIT_VENV:-$REPO_ROOT/.venv}"
VENV_PY="$VENV/bin/python"

# Runtime state: LocalStack's FILESYSTEM_ROOT, logs and PID files. Deleting
# this directory (after stop.sh) resets everything.
STATE_DIR="${LAMBDA_AUDIT_STATE_DIR:-$REPO_ROOT/.localstack-state}"

# Fixed loopback endpoints: the Rust tool, the tests and seed.py all rely on
# these; we never listen on anything but 127.0.0.1.
LOCALSTACK_HOST_PORT="127.0.0.1:4566"
MOTO_HOST="127.0.0.1"
MOTO_PORT="5055"
LOCALSTACK_URL="http://$LOCALSTACK_HOST_PORT"
MOTO_URL="http://$MOTO_HOST:$MOTO_PORT"

# What LocalStack loads. apigatewayv2 is listed because the brief's pin set
# does, but the free edition does not serve it (moto does, see start.sh), so
# it is not part of the readiness check.
LOCALSTACK_SERVICES="lambda,iam,apigateway,apigatewayv2,sts,sqs,sns,s3,events,cloudformation,cloudwatch,logs,kms"
LOCALSTACK_REQUIRED_SERVICES=(lambda iam apigateway sts sqs sns s3 events cloudformation cloudwatch logs kms)

LOCALSTACK_PIDFILE="$STATE_DIR/localstack.pid"
MOTO_PIDFILE="$STATE_DIR/moto.pid"
LOCALSTACK_LOG="$STATE_DIR/localstack.log"
MOTO_LOG="$STATE_DIR/moto.log"

# Markers looked for in /proc/PID/cmdline before we signal a recorded PID, so
# a recycled PID never makes stop.sh kill someone else's process.
LOCALSTACK_MARKER="localstack.runtime.main"
MOTO_MARKER="moto.server"

log() { printf '[localstack] %s\n' "$*" >&2; }

# pid_is_ours PIDFILE MARKER: prints the PID and succeeds when the recorded
# process is alive and still is the program we started.
pid_is_ours() {
  local pidfile="$1" marker="$2" pid cmdline
  [[ -r "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n "$pid" ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"$marker"* ]] || return 1
  printf '%s\n' "$pid"
}
