#!/usr/bin/env bash
# Make sure a headless Chromium is available for the HTML report test
# (tests/it/report_html.rs renders the report in it).
#
#   localstack/ensure-chromium.sh
#
# Does nothing when `chromium` (or $CHROMIUM) is already installed. Otherwise,
# on Debian/Ubuntu, installs Debian's `chromium` package with apt-get when
# running as root or with passwordless sudo. In every other case it prints how
# to install it and exits 0: the test then skips itself (but fails under CI).
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }

if command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "chromium not found and apt-get is unavailable; install Chromium and put it on PATH (or set CHROMIUM=/path/to/chromium) to run the HTML report test"
  exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo -n)
  else
    log "chromium not found; install it with: sudo apt-get install -y chromium (the HTML report test is skipped until then)"
    exit 0
  fi
fi

log "installing Debian's chromium package (for the HTML report test)"
if "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
  { "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1 &&
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; }; then
  log "installed: $(chromium --version 2>/dev/null || echo chromium)"
else
  log "could not install chromium with apt-get; install it by hand: apt-get install -y chromium"
fi
exit 0
