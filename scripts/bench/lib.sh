# Shared by the DNS benchmarks (bench-dns.sh, bench-dns-cores.sh); source it after setting
# bench_name (the prefix of error messages) and work (a temporary folder the caller removes).
# Every process started here is remembered by PID and stopped by bench_stop_all.

bench_pids=()

# bench_require TOOL... : exits with an install hint if a tool is missing
bench_require() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$bench_name: $tool is not installed (Debian: apt-get install dnsperf dnsutils util-linux knot gcc)" >&2
      exit 1
    fi
  done
}

# bench_build_udp_load: compiles scripts/bench/udp-load.c to $work/udp-load
bench_build_udp_load() {
  bench_require cc
  cc -O2 -Wall -o "$work/udp-load" scripts/bench/udp-load.c
}

# bench_start LOG CMD... : runs CMD in the background, remembers its PID
bench_start() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  bench_pids+=("$!")
}

# bench_stop_all: SIGTERM each started process, SIGKILL after 5 s
bench_stop_all() {
  local pid
  for pid in "${bench_pids[@]}"; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  bench_pids=()
}

# bench_wait_for LABEL SECONDS CMD... : until CMD succeeds; exits with the logs after SECONDS
bench_wait_for() {
  local label="$1" limit="$2"; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= end)); then echo "$bench_name: $label not ready after ${limit}s" >&2; tail -20 "$work"/*.log >&2; exit 1; fi
    sleep 0.1
  done
}

# bench_knot_config DIR PORT UDP_THREADS ZONE ZONEFILE: a knotd config in DIR serving ZONE from
# a copy of ZONEFILE on 127.0.0.1@PORT; prints the config's path
bench_knot_config() {
  local dir="$1" port="$2" threads="$3" zone="$4"
  mkdir -p "$dir/db"
  cp "$5" "$dir/$zone.zone"
  cat >"$dir/knot.conf" <<CONF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
    background-workers: 1
    udp-workers: $threads
    tcp-workers: 1
control:
    listen: "$dir/knot.sock"
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
template:
  - id: default
    storage: "$dir"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $zone
CONF
  echo "$dir/knot.conf"
}
