#!/usr/bin/env bash
# Benchmark lambda-audit's collection against a synthetic estate in LocalStack:
#
#   localstack/bench.sh [--keep] [--release] [--proxy-only] [N] [REGIONS]
#   localstack/bench.sh [--keep] [--release] [--proxy-only] [--count N] [--regions A,B]
#       (defaults: N = 1000 over ap-southeast-2,sa-east-1)
#
# Runs inside with-localstack.sh (so it starts the servers on a fresh machine
# and stops them again unless they were already up). It seeds N functions with
# a unique name prefix over REGIONS (bench_seed.py: resource policies on half,
# SQS event source mappings on a tenth, public function URLs on a twentieth,
# aliases on a twentieth, 200 shared IAM roles, 3 REST APIs per region), builds
# the debug binary (--release: the release binary), and audits the regions
# twice under /usr/bin/time -v: straight against LocalStack ("direct"; skipped
# with --proxy-only), then through quota_proxy.py ("quota-proxy"), which
# enforces AWS's published request quotas and throttles what exceeds them.
# For each run it prints the wall time, user+sys CPU and its share of the wall
# time, peak RSS, the requests sent (total, per function, per operation, and
# the design's minimum for the seeded estate) and the floor that the published
# quotas put on the wall time for those requests, with wall / floor. The seeded
# resources are deleted afterwards, also on failure or Ctrl-C, unless --keep.
#
# The default regions keep the benchmark apart from the demo (us-east-1) and
# the integration tests (eu-west-1, eu-central-1). Functions already in REGIONS
# are audited (and counted) too; bench_seed.py says so when there are any.
set -euo pipefail
# EPOCHREALTIME and printf %f must agree on the decimal separator.
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

count=1000
regions=ap-southeast-2,sa-east-1
keep=0
release=0
proxy_only=0
positional=()
while (($#)); do
  case "$1" in
    --keep) keep=1 ;;
    --release) release=1 ;;
    --proxy-only) proxy_only=1 ;;
    -n | --count)
      (($# >= 2)) || usage
      count="$2"
      shift
      ;;
    --region | --regions)
      (($# >= 2)) || usage
      regions="$2"
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
if ((${#positional[@]} == 2)); then regions="${positional[1]}"; fi
if ! [[ "$count" =~ ^[1-9][0-9]{0,4}$ ]]; then
  echo "bench.sh: N must be a whole number from 1 to 99999, not '$count'" >&2
  exit 2
fi
region_re='[a-z]{2}(-[a-z]+)+-[0-9]+'
if ! [[ "$regions" =~ ^$region_re(,$region_re)*$ ]]; then
  echo "bench.sh: '$regions' is not a comma-separated list of AWS regions" >&2
  exit 2
fi

# First pass: re-run this script inside with-localstack.sh, which starts the
# servers if needed and exports the endpoint and the dummy credentials.
if [[ -z "${LAMBDA_AUDIT_BENCH_INNER:-}" ]]; then
  args=(--count "$count" --regions "$regions")
  if ((keep)); then args+=(--keep); fi
  if ((release)); then args+=(--release); fi
  if ((proxy_only)); then args+=(--proxy-only); fi
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
proxy_pid=""
delete_cmd=("$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" delete --regions "$regions" --prefix "$prefix")

# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
  local status=$?
  if [[ -n "$proxy_pid" ]]; then
    kill -TERM "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
  fi
  if ((seeded)); then
    if ((keep)); then
      bench "--keep: left everything named $prefix-* in $regions (and IAM); delete it with"
      bench "  ${delete_cmd[*]}"
    else
      "${delete_cmd[@]}" >&2 || bench "WARNING: clean-up failed; rerun: ${delete_cmd[*]}"
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
if ((release)); then
  build=release
  bench "cargo build --release --quiet (may wait for another cargo's lock)"
  cargo build --release --quiet
else
  build=debug
  bench "cargo build --quiet (debug build; may wait for another cargo's lock)"
  cargo build --quiet
fi
binary="$REPO_ROOT/target/$build/lambda-audit"

if [[ -x /usr/bin/time ]]; then
  timer=(/usr/bin/time -v -o)
else
  bench "/usr/bin/time not found: measuring CPU and peak RSS with getrusage (bench_seed.py measure)"
  timer=("$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" measure --out)
fi

bench "seeding $count functions with prefix $prefix over $regions"
# Set before seeding, so that a half-finished seed is cleaned up too.
seeded=1
seed_start="$EPOCHREALTIME"
"$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" seed --prefix "$prefix" --count "$count" --regions "$regions" \
  --manifest "$tmp/manifest.json" >&2
seed_wall="$(awk -v a="$seed_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"

start_proxy() {
  "$VENV_PY" "$LOCALSTACK_DIR/quota_proxy.py" --upstream "$LOCALSTACK_URL" \
    --port-file "$tmp/proxy.port" --stats "$tmp/proxy.json" >"$tmp/proxy.out" 2>"$tmp/proxy.err" &
  proxy_pid=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$tmp/proxy.port" ]] && return 0
    kill -0 "$proxy_pid" 2>/dev/null || break
    sleep 0.1
  done
  bench "quota_proxy.py did not start:"
  cat "$tmp/proxy.err" >&2
  return 1
}

stop_proxy() {
  kill -TERM "$proxy_pid"
  wait "$proxy_pid" || true
  proxy_pid=""
}

runs=()
# audit LABEL ENDPOINT PROXY_STATS: one timed audit; exit 1 (findings) is a success.
audit() {
  local label="$1" endpoint="$2" stats="$3" start end wall status=0
  bench "run '$label': lambda-audit -v audit --regions $regions --endpoint-url $endpoint --format json"
  start="$EPOCHREALTIME"
  "${timer[@]}" "$tmp/$label.time" \
    "$binary" -v audit --regions "$regions" --endpoint-url "$endpoint" --format json \
    --output "$tmp/$label.json" 2>"$tmp/$label.stderr" || status=$?
  end="$EPOCHREALTIME"
  if ((status >= 2)) || [[ ! -s "$tmp/$label.json" ]]; then
    bench "run '$label' failed with exit status $status; last lines of its stderr:"
    tail -n 30 "$tmp/$label.stderr" >&2
    return 1
  fi
  wall="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')"
  bench "run '$label': exit status $status (1 = findings at or above --fail-on), ${wall} s"
  runs+=(--run "$label" "$wall" "$tmp/$label.json" "$tmp/$label.stderr" "$tmp/$label.time" "$stats")
}

if ((!proxy_only)); then
  audit direct "$LOCALSTACK_URL" -
fi
start_proxy
# API Gateway v2 keeps going to moto (AWS_ENDPOINT_URL_APIGATEWAYV2 wins over
# --endpoint-url); the proxy sees everything else.
audit quota-proxy "http://127.0.0.1:$(cat "$tmp/proxy.port")" "$tmp/proxy.json"
stop_proxy

ls_version="$("$VENV_PY" -c 'import importlib.metadata as m; print(m.version("localstack-core"))' 2>/dev/null || echo '?')"
echo
echo "lambda-audit benchmark: $count seeded functions over $regions (LocalStack $ls_version at $LOCALSTACK_URL)"
echo "$build build, $(nproc) CPU(s); seeding took $seed_wall s"
echo "quota floor: per region, the slowest Lambda bucket (shared 15/s, GetPolicy 15/s, GetFunction 100/s),"
echo "(requests - 1) / rate, plus the API Gateway reads that follow; IAM (10/s) runs alongside; regions in parallel."
echo
"$VENV_PY" "$LOCALSTACK_DIR/bench_seed.py" report --manifest "$tmp/manifest.json" "${runs[@]}"
echo
cat "$tmp/proxy.out"
