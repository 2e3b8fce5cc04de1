# shellcheck shell=bash
# Sourced by scripts/e2e.sh and scripts/deploy-test.sh: counting and printing checks. Each check ends in pass or fail;
# abort ends the run when the world it needs could not be built.

passed=0
failed=0
failures=()

say() { printf '\n==> [%ss] %s\n' "$((SECONDS - started_at))" "$*"; }
pass() {
  passed=$((passed + 1))
  printf '  ok   %s\n' "$1"
}
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  printf '  FAIL %s%s\n' "$1" "${2:+: $2}"
}

# abort MESSAGE: the world could not be built; nothing after this can be meaningful.
abort() {
  fail "$1"
  for name in "${pid_names[@]}"; do
    echo "--- last lines of $name.log" >&2
    tail -n 20 "$logs/$name.log" >&2 || true
  done
  echo "$passed passed, $failed failed"
  summary_printed=1
  exit 1
}

run_logged() { # run_logged LOGFILE COMMAND...: runs a client with its output to LOGFILE
  local logfile=$1
  shift
  if [[ ${E2E_VERBOSE:-} == 1 ]]; then
    "$@" 2>&1 | tee "$logfile"
    return "${PIPESTATUS[0]}"
  fi
  "$@" >"$logfile" 2>&1
}

# expect_success LABEL LOGFILE COMMAND...: a client run that must exit 0; on failure its log's end is shown.
expect_success() {
  local label=$1 logfile=$2
  shift 2
  if "$@"; then
    pass "$label"
  else
    fail "$label" "see below"
    tail -n 30 "$logfile"
  fi
}
