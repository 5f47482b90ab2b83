#!/usr/bin/env bash
# Run a command against LocalStack + moto_server:
#
#   localstack/with-localstack.sh CMD [ARGS...]
#
# Starts the servers (start.sh), points the AWS SDKs at them, runs CMD, and
# stops again whatever this run started (on success, failure or Ctrl-C).
# Servers that were already running beforehand are left running. Exits with
# CMD's status.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

started_file="$(mktemp "${TMPDIR:-/tmp}/lambda-audit-started.XXXXXX")"

# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
  local -a started=()
  if [[ -r "$started_file" ]]; then
    mapfile -t started <"$started_file"
    rm -f "$started_file"
  fi
  if ((${#started[@]})); then
    bash "$LOCALSTACK_DIR/stop.sh" "${started[@]}" || true
  fi
}
# Installed before start.sh runs, so that a start that fails half-way (say
# moto up, LocalStack timed out) is cleaned up too. INT/TERM become normal
# exits so that the EXIT trap runs.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LAMBDA_AUDIT_STARTED_FILE="$started_file" bash "$LOCALSTACK_DIR/start.sh" </dev/null

# The HTML report test renders in headless Chromium; install it when we can.
bash "$LOCALSTACK_DIR/ensure-chromium.sh" </dev/null || true

# Everything goes to LocalStack, except API Gateway v2 (HTTP APIs), which
# only moto serves; the SDKs honour the service-specific variable.
export AWS_ENDPOINT_URL="$LOCALSTACK_URL"
export AWS_ENDPOINT_URL_APIGATEWAYV2="$MOTO_URL"
# Dummy credentials: never let a developer's real ones (or a profile, or a
# session token) leak into a run that must only talk to 127.0.0.1.
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
# Keep a region the caller chose; otherwise us-east-1 (where the demo lives).
export AWS_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
# No instance-metadata lookups (169.254.169.254) from SDK provider chains.
export AWS_EC2_METADATA_DISABLED=true
# Keep loopback traffic away from any HTTP(S)_PROXY a CI machine may set.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

status=0
"$@" || status=$?
exit "$status"
