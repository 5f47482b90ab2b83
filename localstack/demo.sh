#!/usr/bin/env bash
# The lambda-audit demo: start LocalStack + moto, seed the demo account
# (demo/seed.py, idempotent), deploy the demo's SAM app and change it out of
# band (demo/sam.py, idempotent), then audit it with a debug build of the tool,
# comparing the deployment with both templates (the drift section):
#
#   localstack/demo.sh [EXTRA AUDIT ARGS...]
#
# Runs inside with-localstack.sh, so the AWS SDK points at 127.0.0.1 and the
# servers are stopped afterwards unless they were already running (run
# localstack/start.sh first to keep them up between demos). The demo account
# is insecure on purpose, so the audit's exit status 1 ("findings at or above
# --fail-on") is the expected outcome and the demo exits 0 for it; any other
# status is passed through.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Debug build on purpose: a release build of the AWS SDK crates takes far
# longer on a 2-core machine than the demo is worth.
# shellcheck disable=SC2016 # $1.. are expanded by the inner bash, not here.
exec bash "$LOCALSTACK_DIR/with-localstack.sh" bash -c '
  set -euo pipefail
  "$1" "$2"
  "$1" "$3" --stack lambda-audit-demo-sam --region us-east-1 --out-of-band
  cd "$4"
  shift 4
  status=0
  cargo run --quiet -- audit --regions us-east-1 \
    --declared localstack/demo/template.yaml localstack/demo/sam-template.yaml \
    "$@" || status=$?
  if [[ $status -eq 1 ]]; then
    echo "(lambda-audit exited 1: findings at or above --fail-on, as this demo account is built to have)" >&2
    status=0
  fi
  exit "$status"
' demo.sh "$VENV_PY" "$LOCALSTACK_DIR/demo/seed.py" "$LOCALSTACK_DIR/demo/sam.py" "$REPO_ROOT" "$@"
