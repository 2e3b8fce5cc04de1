# shellcheck shell=bash
# Sourced by scripts/e2e.sh and scripts/deploy-test.sh: the one process helper. Every daemon is
# started with `start`, known by name and PID, and stopped by PID (stop_one, or stop_all at exit,
# whatever the exit). Set before sourcing: run_name (how messages start), work and logs (the
# temporary folder and its logs), keep_work=1 to keep $work; a script that holds more than
# processes (deploy-test's containers) defines stop_more, called at exit after stop_all.

pids=()
pid_names=()

stop_all() {
  local i pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[i]}" 2>/dev/null; then
      echo "$run_name: ${pid_names[i]} (pid ${pids[i]}) ignored SIGTERM; killing it" >&2
      kill -KILL "${pids[i]}" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  pid_names=()
}

# stop_one NAME: stops one daemon (TERM, then KILL after 5 s) and forgets its PID.
stop_one() {
  local name=$1 i keep_pids=() keep_names=()
  for i in "${!pids[@]}"; do
    if [[ ${pid_names[i]} == "$name" ]]; then
      kill -TERM "${pids[i]}" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "${pids[i]}" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "${pids[i]}" 2>/dev/null || true
      wait "${pids[i]}" 2>/dev/null || true
    else
      keep_pids+=("${pids[i]}")
      keep_names+=("${pid_names[i]}")
    fi
  done
  pids=("${keep_pids[@]}")
  pid_names=("${keep_names[@]}")
}

summary_printed=0
cleanup() {
  local status=$?
  set +e
  stop_all
  if declare -F stop_more >/dev/null; then stop_more; fi
  if ((!summary_printed)); then
    # An unexpected exit (a command failing under set -e, a signal): still count it and say so.
    ((status != 0)) || status=1
    echo "$run_name: stopped early (exit $status)${failed_at:+ at $failed_at}" >&2
    echo "$passed passed, $((failed + 1)) failed"
  fi
  if [[ ${keep_work:-} == 1 ]]; then
    echo "$run_name: kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
failed_at=
trap 'failed_at="${BASH_SOURCE[0]#"$repo"/}:$LINENO"' ERR
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs a daemon in the background, output to $logs/NAME.log. The daemon
# runs under `timeout` (in its own process group) so it cannot outlive a killed run by more than 10 minutes.
start() {
  local name=$1
  shift
  timeout --kill-after=5 600 "$@" >"$logs/$name.log" 2>&1 &
  pids+=("$!")
  pid_names+=("$name")
}

# track NAME PID: a background process started otherwise (a shell function), stopped like the rest.
track() {
  pids+=("$2")
  pid_names+=("$1")
}

# wait_until NAME SECONDS COMMAND...: polls COMMAND until it succeeds, while daemon NAME lives.
wait_until() {
  local name=$1 seconds=$2 i pid=
  shift 2
  for i in "${!pid_names[@]}"; do
    [[ ${pid_names[i]} == "$name" ]] && pid=${pids[i]}
  done
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "$run_name: $name exited early; its log:" >&2
      tail -n 40 "$logs/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "$run_name: $name not ready after ${seconds}s; its log:" >&2
  tail -n 40 "$logs/$name.log" >&2 || true
  return 1
}
