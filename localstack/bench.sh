#!/usr/bin/env bash
# Benchmark lambda-audit's collection against a synthetic estate in LocalStack:
#
#   localstack/bench.sh [--keep] [N] [REGION]      (defaults: 200 ap-southeast-2)
#   localstack/bench.sh [--keep] [--count N] [--region REGION]
#
# Runs inside with-localstack.sh (so it starts the servers on a fresh machine
# and stops them again unless they were already up). It seeds N functions with
# a unique name prefix (bench_seed.py: every 5th with an s3 resource policy,
# every 10th with alias `live` on version 1, every 20th with a public function
# URL), builds the debug binary, audits REGION twice (default, then
# --exhaustive) and prints for each run the wall time, the requests sent (total,
# per function, per operation) and the lower bound that Lambda's published
# request quotas put on the wall time for those counts. The seeded functions
# and their role are deleted afterwards, also on failure or Ctrl-C, unless
# --keep is given.
#
# The default region keeps the benchmark apart from the demo (us-east-1) and
# the integration tests (eu-west-1). Functions already in REGION are audited
# (and counted) too; bench_seed.py says so when there are any.
set -euo pipefail
# EPOCHREALTIME and printf %f must agree on the decimal separator.
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

count=200
region=ap-southeast-2
keep=0
positional=()
while (($#)); do
  case "$1" in
    --keep) keep=1 ;;
    -n | --count)
      (($# >= 2)) || usage
      count="$2"
      shift
      ;;
    --region)
      (($# >= 2)) || usage
      region="$2"
      shift
      ;;
    -h | --help) usage ;;
    -*) echo "bench.sh: unknown option $1" >&2 && usage ;;
    *) positional+=("$1") ;;
  esac
  shift
done
if ((${#positional[@]} > 2)); then
  usage
fi
if ((${#positional[@]} >= 1)); then count="${positional[0]}"; fi
if ((${#positional[@]} == 2)); then region="${positional[1]}"; fi
if ! [[ "$count" =~ ^[1-9][0-9]{0,4}$ ]]; then
  echo "bench.sh: N must be a whole number from 1 to 99999, not '$count'" >&2
  exit 2
fi
if ! [[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
  echo "bench.sh: '$region' does not look like an AWS region" >&2
  exit 2
fi

# First pass: re-run this script inside with-localstack.sh, which starts the
# servers if needed and exports the endpoint and the dummy credentials.
if [[ -z "${LAMBDA_AUDIT_BENCH_INNER:-}" ]]; then
  args=(--count "$count" --region "$region")
  if ((keep)); then args+=(--keep); fi
  exec bash "$LOCALSTACK_DIR/with-localstack.sh" \
    env LAMBDA_AUDIT_BENCH_INNER=1 bash "$LOCALSTACK_DIR/bench.sh" "${args[@]}"
fi

# ---------------------------------------------------------------- inner pass

if [[ "${AWS_ENDPOINT_URL:-}" != "$LOCALSTACK_URL" ]]; then
  echo "bench.sh: AWS_ENDPOINT_URL is not $LOCALSTACK_URL; run bench.sh itself, not its inner pass" >&2
  exit 2
fi

bench() { printf '[bench] %s\n' "$*" >&2; }

prefix="labench-$(date -u +%m%d%H%M%S)-$$"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/lambda-audit-bench.XXXXXX")"
seeded=0

# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
  local status=$?
  if ((seeded)); then
    if ((keep)); then
      bench "--keep: left the functions $prefix-* and role $prefix-role in $region; delete them with"
      bench "  $VENV_PY $LOCALSTACK_DIR/bench_seed.py delete --region $region --prefix $prefix"
    else
      "$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" delete --region "$region" --prefix "$prefix" >&2 ||
        bench "WARNING: clean-up failed; rerun: $VENV_PY $LOCALSTACK_DIR/bench_seed.py delete --region $region --prefix $prefix"
    fi
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$REPO_ROOT"
# Built before seeding so that a broken build fails fast; cargo may wait here
# for another build's lock on the target directory.
bench "cargo build --quiet (debug build; may wait for another cargo's lock)"
cargo build --quiet
binary="$REPO_ROOT/target/debug/lambda-audit"

bench "seeding $count functions with prefix $prefix in $region"
# Set before seeding, so that a half-finished seed is cleaned up too.
seeded=1
"$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" seed --prefix "$prefix" --count "$count" --region "$region" >&2

runs=()
# audit LABEL [EXTRA ARGS...]: one timed audit; exit 1 (findings) is a success.
audit() {
  local label="$1" start end wall status=0
  shift
  bench "run '$label': lambda-audit -v audit --regions $region --format json $*"
  start="$EPOCHREALTIME"
  "$binary" -v audit --regions "$region" --format json --output "$tmp/$label.json" "$@" \
    2>"$tmp/$label.stderr" || status=$?
  end="$EPOCHREALTIME"
  if ((status >= 2)) || [[ ! -s "$tmp/$label.json" ]]; then
    bench "run '$label' failed with exit status $status; last lines of its stderr:"
    tail -n 30 "$tmp/$label.stderr" >&2
    return 1
  fi
  wall="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')"
  bench "run '$label': exit status $status (1 = findings at or above --fail-on), ${wall} s"
  runs+=(--run "$label" "$wall" "$tmp/$label.json" "$tmp/$label.stderr")
}

audit default
audit exhaustive --exhaustive

echo
echo "lambda-audit benchmark: $count seeded functions in $region (LocalStack $LOCALSTACK_URL), debug build"
echo "quota lower bound: the slowest Lambda bucket per region (shared 15/s, GetPolicy 15/s, GetFunction"
echo "100/s), (requests - 1) / rate, plus the API Gateway reads that follow; IAM (10/s) runs alongside."
echo
"$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" report --expect "$count" "${runs[@]}"
