#!/usr/bin/env bash
# Does DNS get faster with both cores? A paired benchmark of the two-core target (issue 12):
# the same zone served at once by
#   one     ours with dns.workers = 1, pinned to CPU 0; the client pinned to CPU 1
#   two     ours with dns.workers = 2, unpinned; the client unpinned (it shares the two cores)
#   single  ours with dns.workers = 1, unpinned; the client unpinned (the same placement as "two")
# and, as controls, the trivial node:dgram echo server (the Node ceiling) as one process pinned to
# CPU 0 and as two node:cluster workers sharing the socket as ours do, unpinned; and Knot with one
# UDP thread pinned to CPU 0 and with two unpinned.
# On a shared VM the speed of the whole machine drifts by 2x within minutes, so a comparison of
# runs taken minutes apart measures the drift. Here all servers run side by side (an idle one
# costs nothing) and each round measures every configuration within seconds; the ratio is taken
# per round and the median of the rounds is reported, with the lowest and highest.
# The client is scripts/bench/udp-load.c (batched sendmmsg/recvmmsg; built here with cc), which
# needs a quarter of dnsperf's CPU per query: with dnsperf, no server can be given two cores here.
#   BENCH_CORES_ACCOUNTS  accounts in the zone (default 100000)
#   BENCH_CORES_ROUNDS    rounds per mix (default 9)
#   BENCH_CORES_SECONDS   seconds per measurement (default 2)
#   BENCH_CORES_MIXES     query mixes of scripts/bench/dns-data.ts (default "hot random nxdomain")
# Starts its own servers on loopback and stops each by PID; bounded by rounds x seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

accounts="${BENCH_CORES_ACCOUNTS:-100000}"
rounds="${BENCH_CORES_ROUNDS:-9}"
seconds="${BENCH_CORES_SECONDS:-2}"
mixes="${BENCH_CORES_MIXES:-hot random nxdomain}"
zone="auth.example.org"
knotd="$(command -v knotd || echo /usr/sbin/knotd)"
bench_name=bench-dns-cores
source scripts/bench/lib.sh
bench_require dig taskset "$knotd"
if [[ $(nproc) -lt 2 ]]; then echo "bench-dns-cores: needs two CPUs" >&2; exit 1; fi

work="$(mktemp -d)"
cleanup() { bench_stop_all; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_build_udp_load
node --import tsx scripts/bench/dns-data.ts "$work" "$accounts" "$zone"
mapfile -t ports < <(node scripts/e2e/free-ports.mjs 7)
declare -A port=([one]="${ports[0]}" [two]="${ports[1]}" [single]="${ports[2]}" [knot1]="${ports[3]}" [knot2]="${ports[4]}"
  [echo1]="${ports[5]}" [echo2]="${ports[6]}")

ours() { # ours NAME WORKERS [PIN...]: the real service (scripts/bench-dns-server.ts)
  local name="$1" workers="$2"; shift 2
  BENCH_DNS_WORKERS="$workers" bench_start "$work/$name.log" "$@" node --import tsx scripts/bench-dns-server.ts "${port[$name]}" "$work/slots.tsv" "$work/$name.sqlite"
}
ours one 1 taskset -c 0
ours two 2
ours single 1
bench_start "$work/echo1.log" taskset -c 0 node scripts/bench/dns-echo-server.mjs "${port[echo1]}" 1
bench_start "$work/echo2.log" node scripts/bench/dns-echo-server.mjs "${port[echo2]}" 2
bench_start "$work/knot1.log" taskset -c 0 "$knotd" --config "$(bench_knot_config "$work/knot1" "${port[knot1]}" 1 "$zone" "$work/zone")"
bench_start "$work/knot2.log" "$knotd" --config "$(bench_knot_config "$work/knot2" "${port[knot2]}" 2 "$zone" "$work/zone")"
for name in one two single echo1 echo2; do bench_wait_for "$name" 180 grep -q '^ready' "$work/$name.log"; done
for name in knot1 knot2; do bench_wait_for "$name" 120 dig +time=1 +tries=1 +short @127.0.0.1 -p "${port[$name]}" "$zone" SOA; done

# qps NAME MIX: replies/s of one client run against server NAME, pinned as its configuration says
qps() {
  local pin=()
  if [[ $1 == one || $1 == echo1 || $1 == knot1 ]]; then pin=(taskset -c 1); fi
  "${pin[@]}" "$work/udp-load" 127.0.0.1 "${port[$1]}" "$work/$2" "$seconds" 2000 | awk '{ printf "%d", $2 }'
}
# summary RATIOS...: "median (lowest-highest)"
summary() { printf '%s\n' "$@" | sort -g | awk '{ r[NR] = $1 } END { printf "%.2f (%.2f-%.2f)", r[int((NR + 1) / 2)], r[1], r[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

echo "bench-dns-cores: $accounts accounts, $rounds rounds of ${seconds}s per mix; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
printf '%-9s %8s %8s %8s %19s %19s %8s %8s %19s %8s %8s %19s\n' mix "one" "two" "single" "two/one" "two/single" \
  "echo1" "echo2" "echo2/echo1" "knot1" "knot2" "knot2/knot1"
for mix in $mixes; do
  by_one=() by_single=() by_echo=() by_knot=() last=()
  for _ in $(seq 1 "$rounds"); do
    one="$(qps one "$mix")" two="$(qps two "$mix")" single="$(qps single "$mix")"
    echo1="$(qps echo1 "$mix")" echo2="$(qps echo2 "$mix")" knot1="$(qps knot1 "$mix")" knot2="$(qps knot2 "$mix")"
    by_one+=("$(ratio "$two" "$one")") by_single+=("$(ratio "$two" "$single")")
    by_echo+=("$(ratio "$echo2" "$echo1")") by_knot+=("$(ratio "$knot2" "$knot1")")
    last=("$one" "$two" "$single" "$echo1" "$echo2" "$knot1" "$knot2")
  done
  printf '%-9s %8s %8s %8s %19s %19s %8s %8s %19s %8s %8s %19s\n' "$mix" "${last[0]}" "${last[1]}" "${last[2]}" \
    "$(summary "${by_one[@]}")" "$(summary "${by_single[@]}")" "${last[3]}" "${last[4]}" "$(summary "${by_echo[@]}")" \
    "${last[5]}" "${last[6]}" "$(summary "${by_knot[@]}")"
done
echo "(q/s columns: the last round; ratios: per round, median (lowest-highest) of $rounds)"
