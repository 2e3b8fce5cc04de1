# shellcheck shell=bash
# Sourced by scripts/e2e.sh and scripts/deploy-test.sh, first: a run that lacks a tool is skipped
# (exit 0) on a developer's machine and fails under CI=true, where every tool is installed.

# require_tools RUN_NAME INSTALL_HINT TOOL...: returns when every TOOL is on PATH ("root": running
# as root); otherwise says what is missing and how to install it, and ends the run.
require_tools() {
  local run_name=$1 install=$2 tool missing=()
  shift 2
  for tool in "$@"; do
    if [[ $tool == root ]]; then
      ((EUID == 0)) || missing+=(root)
    else
      command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    fi
  done
  ((${#missing[@]} > 0)) || return 0
  if [[ ${CI:-} == true ]]; then
    echo "$run_name: cannot run, missing: ${missing[*]} (install: $install)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "$run_name: SKIPPED, missing: ${missing[*]}"
  echo "$run_name: to run it: $install"
  exit 0
}
