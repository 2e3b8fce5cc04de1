#!/usr/bin/env bash
# Benchmarks the DNS responder on loopback with dnsperf (Debian "dnsperf"), side by side in one run
# with a trivial node:dgram echo server (the Node ceiling) and Knot (Debian "knot") serving the same
# zone. For each account count and core count it runs four query mixes:
#   hot       one slot's TXT, over and over
#   random    random existing slots (TXT), 100,000 queries in a fixed order
#   nxdomain  random names that do not exist (what a random-subdomain flood sends)
#   mixed     random slots in random letter case (DNS 0x20, as Let's Encrypt asks)
#   edns      random slots with EDNS0 and the DO bit (as validating resolvers ask)
# and prints queries/s for each server with the ratios to the echo server and to Knot.
# "1 core": every server pinned to CPU 0 (Knot with one UDP worker), dnsperf to CPU 1.
# "2 cores": nothing pinned; Knot with two UDP workers, ours with dns.workers = 2 (two DNS worker
# processes beside the server process).
# "Ours" is the real service (scripts/bench-dns-server.ts: the slots imported into a fresh store,
# then startService as `acme-delegate serve` runs it), with dns.workers = the core count.
# Starts its own servers and stops each by PID; every run is bounded by BENCH_DNS_SECONDS.
#   BENCH_DNS_SECONDS   per dnsperf run (default 5)
#   BENCH_DNS_ROUNDS    runs per server and mix, interleaved; the best is kept (default 3): the
#                       machine is shared, and the best of a few is the least disturbed figure
#   BENCH_DNS_ACCOUNTS  account counts (default "10 100000")
#   BENCH_DNS_CORES     core counts (default "1 2")
#   BENCH_DNS_MIXES     query mixes (default "hot random nxdomain mixed")
#   BENCH_DNS_WORKERS   our dns.workers (default: the core count); e.g. 1 with BENCH_DNS_CORES=2
#                       measures one unpinned process, the fair baseline for two workers on a
#                       machine that others load
#   BENCH_DNS_CLIENT    dnsperf (default) or udp-load: scripts/bench/udp-load.c, built here with cc,
#                       a client that moves queries in batches (sendmmsg/recvmmsg) and so takes
#                       about a quarter of dnsperf's CPU per query; on two cores shared with the
#                       client, it leaves the servers most of both (docs/performance.md)
#   BENCH_DNS_CORE_SHARE percent of each core a server may use (50-100, default 100). Below 100,
#                       each server runs in its own cgroup (v1 "cpu" controller, as root) with a
#                       CPU quota of cores x share over a 2 ms period: a model of a machine with
#                       slower cores, so that dnsperf, which shares this machine's two cores, keeps
#                       a whole core in both the one-core and the two-core runs. At 50, a server
#                       gets half of CPU 0 on one core and one CPU's worth spread over both on two,
#                       and dnsperf the rest; without it, "two cores" means two cores minus dnsperf.
#                       Not a measure of the two-core speed-up: the quota's pauses cost a single
#                       pinned process more than two, which inflates the ratio (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${BENCH_DNS_SECONDS:-5}"
rounds="${BENCH_DNS_ROUNDS:-3}"
accounts_list="${BENCH_DNS_ACCOUNTS:-10 100000}"
cores_list="${BENCH_DNS_CORES:-1 2}"
mixes="${BENCH_DNS_MIXES:-hot random nxdomain mixed edns}"
core_share="${BENCH_DNS_CORE_SHARE:-100}"
client="${BENCH_DNS_CLIENT:-dnsperf}"
zone="auth.example.org"
knotd="$(command -v knotd || echo /usr/sbin/knotd)"

bench_name=bench-dns
source scripts/bench/lib.sh
bench_require dnsperf dig taskset "$knotd"

if [[ $client != dnsperf && $client != udp-load ]]; then
  echo "bench-dns: BENCH_DNS_CLIENT must be dnsperf or udp-load, not '$client'" >&2
  exit 1
fi
if ! [[ $core_share =~ ^[0-9]+$ ]] || ((core_share < 50 || core_share > 100)); then
  echo "bench-dns: BENCH_DNS_CORE_SHARE must be a whole percent from 50 to 100, not '$core_share'" >&2
  exit 1
fi
cpu_cgroups=/sys/fs/cgroup/cpu
if ((core_share < 100)) && ! [[ -w $cpu_cgroups ]]; then
  echo "bench-dns: BENCH_DNS_CORE_SHARE needs the cgroup v1 cpu controller at $cpu_cgroups, writable (root)" >&2
  exit 1
fi

work="$(mktemp -d)"
cgroups=()
cleanup() {
  bench_stop_all
  local cg
  for cg in "${cgroups[@]}"; do rmdir "$cg" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $client == udp-load ]]; then bench_build_udp_load; fi

mapfile -t ports < <(node scripts/e2e/free-ports.mjs 3)
echo_port="${ports[0]}" ours_port="${ports[1]}" knot_port="${ports[2]}"

# start_server NAME CORES LOG CMD...: as bench_start, and with BENCH_DNS_CORE_SHARE below 100, in a cgroup
# of its own whose quota is CORES x share of a CPU (the processes it forks, such as our DNS
# workers, stay in it). The 2 ms period keeps each pause short enough for the socket's buffer.
start_server() {
  local name="$1" cores="$2" log="$3"; shift 3
  if ((core_share == 100)); then bench_start "$log" "$@"; return; fi
  local cg="$cpu_cgroups/acme-delegate-bench-$$-$name"
  mkdir -p "$cg"
  cgroups+=("$cg")
  echo 2000 >"$cg/cpu.cfs_period_us"
  echo $((cores * core_share * 20)) >"$cg/cpu.cfs_quota_us"
  # The largest weight: on a machine others load, the server still gets its whole quota.
  echo 262144 >"$cg/cpu.shares"
  ( echo "$BASHPID" >"$cg/cgroup.procs" && exec "$@" ) >"$log" 2>&1 &
  bench_pids+=("$!")
}

# throttled NAME: how often the cgroup of server NAME hit its quota so far (0 without a cap)
throttled() {
  local stat="$cpu_cgroups/acme-delegate-bench-$$-$1/cpu.stat"
  if [[ -r $stat ]]; then awk '/^nr_throttled/ { print $2 }' "$stat"; else echo 0; fi
}

# tree_ticks PID: CPU time (clock ticks, user + system, all threads) used so far by PID and
# every process below it: our DNS workers are children of the server process.
tree_ticks() {
  local pid="$1" total=0 child fields
  read -r -a fields < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
  total=$((fields[11] + fields[12]))
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do total=$((total + $(tree_ticks "$child"))); done
  echo "$total"
}
ticks_per_second="$(getconf CLK_TCK)"

# run_client PORT MIX PIN: queries/s and lost queries of one client run
run_client() {
  local port="$1" mix="$2" pin="$3" out qps lost file="$data/$2" extra=()
  if [[ $client == udp-load ]]; then
    local edns=""
    if [[ $mix == edns ]]; then file="$data/random" edns=edns; fi
    out="$(timeout $((seconds + 20)) $pin "$work/udp-load" 127.0.0.1 "$port" "$file" "$seconds" 2000 $edns 2>&1 || true)"
    awk '/^replies\/s/ { printf "%d %s\n", $2, $8; found = 1 } END { if (!found) print "0 ?" }' <<<"$out"
    return
  fi
  if [[ $mix == edns ]]; then file="$data/random" extra=(-D); fi
  out="$(timeout $((seconds + 20)) $pin dnsperf -s 127.0.0.1 -p "$port" -d "$file" "${extra[@]}" -l "$seconds" -c 8 -q 500 2>&1 || true)"
  qps="$(awk '/Queries per second/ { printf "%d", $4 }' <<<"$out")"
  lost="$(awk '/Queries lost/ { print $3 }' <<<"$out")"
  echo "${qps:-0} ${lost:-?}"
}

# measure PORT MIX PIN SERVER_PID: queries/s, lost queries, and the server's CPU per answer in
# microseconds (all its processes), of one client run
measure() {
  local before after qps lost
  before="$(tree_ticks "$4")"
  read -r qps lost < <(run_client "$1" "$2" "$3")
  after="$(tree_ticks "$4")"
  echo "$qps $lost $(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v q="$qps" -v s="$seconds" \
    'BEGIN { if (q > 0) printf "%.1f", t / hz * 1e6 / (q * s); else print "-" }')"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "bench-dns: ${seconds}s per run, best of ${rounds}; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version); client $client"
if ((core_share < 100)); then echo "bench-dns: each server may use ${core_share}% of each of its cores (cgroup CPU quota)"; fi
printf '%-9s %-5s %-9s %10s %10s %10s %6s %9s %9s %9s\n' accounts cores mix "echo q/s" "ours q/s" "knot q/s" "lost" "ours/echo" "ours/knot" "ours µs/q"

for accounts in $accounts_list; do
  data="$work/data-$accounts"
  mkdir -p "$data"
  node --import tsx scripts/bench/dns-data.ts "$data" "$accounts" "$zone"
  for cores in $cores_list; do
    if [[ $cores == 1 ]]; then server_pin="taskset -c 0" client_pin="taskset -c 1"; else server_pin="" client_pin=""; fi
    knot_conf="$(bench_knot_config "$work/knot-$accounts-$cores" "$knot_port" "$cores" "$zone" "$data/zone")"
    start_server "echo-$accounts-$cores" "$cores" "$work/echo.log" $server_pin node scripts/bench/dns-echo-server.mjs "$echo_port"
    start_server "knot-$accounts-$cores" "$cores" "$work/knot.log" $server_pin "$knotd" --config "$knot_conf"
    BENCH_DNS_WORKERS="${BENCH_DNS_WORKERS:-$cores}" start_server "ours-$accounts-$cores" "$cores" "$work/ours.log" $server_pin node --expose-gc --import tsx scripts/bench-dns-server.ts "$ours_port" "$data/slots.tsv" "$(mktemp -u "$work/store-XXXXXX.sqlite")"
    echo_pid="${bench_pids[0]}" knot_pid="${bench_pids[1]}" ours_pid="${bench_pids[2]}"
    bench_wait_for "echo server" 10 grep -q '^ready' "$work/echo.log"
    bench_wait_for "our server ($accounts accounts)" 120 grep -q '^ready' "$work/ours.log"
    bench_wait_for "knotd ($accounts accounts)" 120 dig +time=1 +tries=1 +short @127.0.0.1 -p "$knot_port" "$zone" SOA
    read -r _ _ build_ms heap_mb rss_mb rss_each <"$work/ours.log"
    echo "  ours with $accounts accounts, dns.workers=${BENCH_DNS_WORKERS:-$cores}: started and answering in ${build_ms} ms; heap ${heap_mb} MB; RSS ${rss_mb} MB (server process + each worker: ${rss_each} MB)"
    for mix in $mixes; do
      echo_qps=0 ours_qps=0 knot_qps=0 ours_lost=0 ours_cpu=-
      for _ in $(seq 1 "$rounds"); do
        read -r qps _ _ < <(measure "$echo_port" "$mix" "$client_pin" "$echo_pid")
        ((qps > echo_qps)) && echo_qps=$qps
        read -r qps lost cpu < <(measure "$ours_port" "$mix" "$client_pin" "$ours_pid")
        if ((qps > ours_qps)); then ours_qps=$qps ours_cpu=$cpu; fi
        [[ $lost =~ ^[0-9]+$ ]] && ours_lost=$((ours_lost + lost))
        read -r qps _ _ < <(measure "$knot_port" "$mix" "$client_pin" "$knot_pid")
        ((qps > knot_qps)) && knot_qps=$qps
      done
      printf '%-9s %-5s %-9s %10s %10s %10s %6s %9s %9s %9s\n' "$accounts" "$cores" "$mix" "$echo_qps" "$ours_qps" "$knot_qps" "$ours_lost" \
        "$(ratio "$ours_qps" "$echo_qps")" "$(ratio "$ours_qps" "$knot_qps")" "$ours_cpu"
    done
    if ((core_share < 100)); then
      echo "  periods in which each server used up its quota: echo $(throttled "echo-$accounts-$cores"), ours $(throttled "ours-$accounts-$cores"), knot $(throttled "knot-$accounts-$cores")"
    fi
    bench_stop_all
  done
done
