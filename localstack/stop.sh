#!/usr/bin/env bash
# Stop the LocalStack and moto_server processes that start.sh started, found
# by their recorded PIDs (never by name), including every process they spawned.
# Idempotent: a missing, stale or recycled PID is simply cleaned up.
#
#   stop.sh                  stop both
#   stop.sh localstack|moto  stop only that one (used by with-localstack.sh)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GRACE_SECONDS="${LAMBDA_AUDIT_STOP_GRACE:-20}"

# descendants PID: every process below PID, by walking the ppid links. Taken
# before signalling, since children get re-parented to init when PID dies.
descendants() {
  local -a queue=("$1") found=()
  local cur child
  local table
  table="$(ps -e -o pid=,ppid=)"
  while ((${#queue[@]})); do
    cur="${queue[0]}"
    queue=("${queue[@]:1}")
    while read -r child; do
      found+=("$child")
      queue+=("$child")
    done < <(awk -v p="$cur" '$2 == p { print $1 }' <<<"$table")
  done
  if ((${#found[@]})); then printf '%s\n' "${found[@]}"; fi
}

alive() {
  local p
  for p in "$@"; do
    kill -0 "$p" 2>/dev/null && return 0
  done
  return 1
}

# stop_one NAME PIDFILE MARKER
stop_one() {
  local name="$1" pidfile="$2" marker="$3" pid pgid
  if ! pid="$(pid_is_ours "$pidfile" "$marker")"; then
    if [[ -e "$pidfile" ]]; then
      log "$name: recorded PID is gone (or no longer $name); cleaning up"
      rm -f "$pidfile"
    else
      log "$name: not running (no PID file)"
    fi
    return 0
  fi
  local -a tree
  mapfile -t tree < <(descendants "$pid")
  tree=("$pid" "${tree[@]}")
  pgid="$(ps -o pgid= -p "$pid" | tr -d ' ')"
  log "stopping $name (pid $pid, ${#tree[@]} process(es) in its tree)"
  # start.sh puts each server in its own session, so its process group holds
  # only that server and its helpers; signal the group when that holds, and
  # the collected tree in any case (covers helpers that left the group).
  if [[ "$pgid" == "$pid" ]]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
  fi
  kill -TERM "${tree[@]}" 2>/dev/null || true

  local deadline=$((SECONDS + GRACE_SECONDS))
  while alive "${tree[@]}" && ((SECONDS < deadline)); do
    sleep 0.5
  done
  if alive "${tree[@]}"; then
    log "$name did not exit within ${GRACE_SECONDS}s; sending SIGKILL"
    if [[ "$pgid" == "$pid" ]]; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    kill -KILL "${tree[@]}" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

targets=("$@")
((${#targets[@]})) || targets=(localstack moto)
for t in "${targets[@]}"; do
  case "$t" in
    localstack) stop_one localstack "$LOCALSTACK_PIDFILE" "$LOCALSTACK_MARKER" ;;
    moto) stop_one moto "$MOTO_PIDFILE" "$MOTO_MARKER" ;;
    *)
      log "unknown component '$t' (expected: localstack, moto)"
      exit 2
      ;;
  esac
done
