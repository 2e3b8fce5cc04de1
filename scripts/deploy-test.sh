#!/usr/bin/env bash
# Proof that the README's VPS deployment works on a real Debian 13 booted with systemd (issue 15).
#
# Builds the package (scripts/build-deb.sh) and an older one (from $DEPLOY_OLD_COMMIT), a Debian
# 13 root file system with mmdebstrap (Debian packages only), and boots copies of it with
# `systemd-nspawn --boot` (systemd as PID 1, a private network: loopback only). Inside, as root,
# it follows README's "Deploying on a VPS" and docs/deploy.md literally:
#   A: apt install ./acme-delegate_*.deb; the service is active, answers DNS on port 53 as the
#      acme-delegate user with only CAP_NET_BIND_SERVICE, systemd-analyze security <= 2.0;
#      bootstrap (against a Cloudflare emulation) and account add as root, an update through the
#      API and the hook, the value in DNS, the store still the service user's; kill -9 and a
#      reboot; a backup (the command and the shipped timer's service) while updates run;
#      apt remove keeps the data, apt purge deletes it.
#   B: a fresh install restored from A's backup: every account works.
#   C: the older package with accounts, upgraded to this one: accounts and values kept.
#
# Usage: bash scripts/deploy-test.sh            (as root; needs mmdebstrap, systemd-container)
#   DEPLOY_KEEP=1          keep the temporary directory (container trees, logs) and print its path
#   DEPLOY_OLD_COMMIT=REV  commit the older package is built from
#   CI=true                a missing tool or no root is a failure instead of a skip; the root file
#                          system is built fresh instead of taken from build/deploy-test/
# Last line: "N passed, N failed"; exit status non-zero on any failure.

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
started_at=$SECONDS
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
# The last commit before the package existed: its program, packaged with today's packaging.
old_commit=${DEPLOY_OLD_COMMIT:-7739445}
zone=auth.example.com
suite=trixie
rootfs_packages=systemd,systemd-sysv,dbus,nodejs,knot-dnsutils,sqlite3,curl,jq,procps,iproute2

# ---------------------------------------------------------------------------------------------
# Tools

# shellcheck source=e2e/lib/tools.sh
source "$repo/scripts/e2e/lib/tools.sh"
require_tools deploy-test 'sudo apt-get install -y mmdebstrap systemd-container dpkg-dev, then run as root' \
  mmdebstrap systemd-nspawn nsenter pgrep dpkg-deb node npm git timeout root

# ---------------------------------------------------------------------------------------------
# Bookkeeping: results, containers, cleanup

# say, pass, fail, abort: the same bookkeeping as scripts/e2e.sh.
# shellcheck source=e2e/lib/results.sh
source "$repo/scripts/e2e/lib/results.sh"
# check DESCRIPTION COMMAND...: one pass or fail, by the command's exit status.
check() {
  local description=$1
  shift
  if "$@" >"$work/check.out" 2>&1; then
    pass "$description"
  else
    fail "$description" "$(tail -c 600 "$work/check.out" | tr '\n' ' ')"
  fi
}

run_name=deploy-test
work=$(mktemp -d "${TMPDIR:-/tmp}/acme-delegate-deploy.XXXXXX")
logs=$work/logs
keep_work=${DEPLOY_KEEP:-}
mkdir -p "$logs"

# start, track, stop_all and the exit trap (stop everything, count an early stop, remove $work):
# the same process helper as scripts/e2e.sh, for the helpers run beside the containers.
# shellcheck source=e2e/lib/processes.sh
source "$repo/scripts/e2e/lib/processes.sh"

declare -A nspawn_pid=() init_pid=()

# stop_container NAME: orderly poweroff (nspawn turns SIGTERM into one), then SIGKILL of the
# container's PID 1, which ends every process inside.
stop_container() {
  local name=$1 pid=${nspawn_pid[$1]:-} init=${init_pid[$1]:-}
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "deploy-test: container $name did not power off in 30 s; killing it" >&2
    [[ -n $init ]] && kill -KILL "$init" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "nspawn_pid[$name]" "init_pid[$name]"
}

# At exit, after the helpers (processes.sh's stop_all): every container still running.
stop_more() {
  local name
  for name in "${!nspawn_pid[@]}"; do stop_container "$name"; done
}

# wait_for SECONDS COMMAND...: polls COMMAND until it succeeds; the last try shows its output.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.3
  done
  echo "(still failing after the wait:)"
  "$@"
}

# ---------------------------------------------------------------------------------------------
# Containers: a directory tree booted with systemd-nspawn, entered with nsenter

# boot NAME: boots $work/NAME (already unpacked) and waits until systemd has finished starting.
boot() {
  local name=$1 dir=$work/$1 pid init=
  # The timeout bounds a run killed before its EXIT trap: nspawn turns its SIGTERM into a poweroff.
  timeout --kill-after=30 1500 systemd-nspawn --boot --register=no --keep-unit --private-network \
    --machine="deploy-$name" --directory="$dir" --console=read-only >>"$logs/boot-$name.log" 2>&1 &
  pid=$!
  nspawn_pid[$name]=$pid
  # timeout -> systemd-nspawn -> the container's PID 1, once it is systemd (nspawn forks helpers first)
  for _ in $(seq 1 300); do
    for init in $(pgrep -P "$(pgrep -P "$pid" | head -n 1)" 2>/dev/null); do
      [[ $(cat "/proc/$init/comm" 2>/dev/null) == systemd ]] && break 2
    done
    init=
    sleep 0.1
  done
  [[ -n $init ]] || { tail -n 20 "$logs/boot-$name.log" >&2; return 1; }
  init_pid[$name]=$init
  local state=
  local deadline=$((SECONDS + 120))
  # "offline" until the manager takes connections; --wait then waits while it is starting.
  while ((SECONDS < deadline)); do
    state=$(in_ct "$name" timeout 120 systemctl is-system-running --wait 2>/dev/null) || true
    [[ $state == running || $state == degraded ]] && return 0
    sleep 0.3
  done
  echo "deploy-test: container $name: system state '$state'" >&2
  in_ct "$name" systemctl --failed --no-pager >&2 || true
  tail -n 30 "$logs/boot-$name.log" >&2
  return 1
}

# in_ct NAME COMMAND...: runs COMMAND inside the container as root, with a clean environment.
in_ct() {
  local name=$1
  shift
  timeout 300 nsenter --target "${init_pid[$name]}" --all -- \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# unpack NAME: a fresh Debian 13 tree with the packages in /root.
unpack() {
  local dir=$work/$1
  mkdir "$dir"
  tar -C "$dir" -xf "$rootfs"
  cp "$deb_path" "$old_deb_path" "$dir/root/"
}

# ---------------------------------------------------------------------------------------------
# Checks used in every container

main_pid() { in_ct "$1" systemctl show --property=MainPID --value acme-delegate; }
restarted_since() { local p; p=$(main_pid "$1") && [[ $p != 0 && $p != "$2" ]]; }
service_active() { [[ $(in_ct "$1" systemctl is-active acme-delegate) == active ]]; }
# dns_txt NAME FQDN [kdig options]: the TXT values served on port 53, one a line, unquoted.
dns_txt() { in_ct "$1" kdig @127.0.0.1 -p 53 +short +timeout=2 +retry=0 "${@:3}" "$2" TXT | tr -d '"'; }
serves_txt() { dns_txt "$1" "$2" "${@:4}" | grep -qxF -e "$3"; }
not() { ! "$@"; }
new_token() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# update NAME CREDENTIALS_JSON VALUE: POST /update inside the container; succeeds on 200.
update() {
  local username password subdomain
  username=$(jq -r .username <<<"$2")
  password=$(jq -r .password <<<"$2")
  subdomain=$(jq -r .subdomain <<<"$2")
  in_ct "$1" curl -fsS --max-time 10 -X POST http://127.0.0.1:8053/update \
    -H "X-Api-User: $username" -H "X-Api-Key: $password" \
    -d "{\"subdomain\":\"$subdomain\",\"txt\":\"$3\"}" >/dev/null
}

# account_works NAME CREDENTIALS_JSON: an update is accepted and its value served.
account_works() {
  local value
  value=$(new_token)
  update "$1" "$2" "$value" && wait_for 15 serves_txt "$1" "$(jq -r .fulldomain <<<"$2")" "$value"
}

store_owned_by_service() {
  local odd
  odd=$(in_ct "$1" find /var/lib/acme-delegate ! -user acme-delegate -print)
  [[ -z $odd ]] || { echo "not the service's: $odd"; return 1; }
}

# install_and_configure NAME PACKAGE: the README steps 1 to 3 (install, set zone and address,
# restart).
install_and_configure() {
  local name=$1 package=$2
  in_ct "$name" sh -c "cd /root && apt-get install -y ./$package" >>"$logs/apt-$name.log" 2>&1 &&
    in_ct "$name" sed -i -e "s/^zone = .*/zone = \"$zone\"/" -e 's/^ns_addresses = .*/ns_addresses = ["192.0.2.53"]/' \
      /etc/acme-delegate/config.toml &&
    in_ct "$name" systemctl restart acme-delegate &&
    wait_for 20 serves_soa "$name"
}
serves_soa() { in_ct "$1" kdig @127.0.0.1 +short +timeout=2 +retry=0 "$zone" SOA | grep -q "ns.$zone"; }

# ---------------------------------------------------------------------------------------------
# Packages and the root file system

cache=$repo/build/deploy-test
packages=$cache/packages
version=$(node -p "require('./package.json').version")
deb=$packages/acme-delegate_${version}_$(dpkg --print-architecture).deb
old_deb=${deb/_$version/_$version~old}
if [[ ${DEPLOY_REUSE_PACKAGES:-} == 1 && -s $deb && -s $old_deb ]]; then
  say "reusing $deb and $old_deb (DEPLOY_REUSE_PACKAGES=1)"
  old_label="an earlier run"
else
  say "building the packages"
  rm -rf "$packages"
  bash scripts/build-deb.sh --out "$packages" >/dev/null 2>"$logs/build-deb.log" ||
    { tail -n 30 "$logs/build-deb.log" >&2; abort "scripts/build-deb.sh builds the package"; }
  pass "scripts/build-deb.sh builds $(basename "$deb") ($(du -h "$deb" | cut -f1))"
  old_tree=$work/old-source
  mkdir -p "$old_tree"
  old_source=()
  if git cat-file -e "$old_commit^{commit}" 2>/dev/null; then
    git archive "$old_commit" | tar -x -C "$old_tree"
    ln -s "$repo/node_modules" "$old_tree/node_modules"
    old_source=(--source "$old_tree")
    old_label="commit $old_commit"
  else
    # A shallow clone lacks the commit: the upgrade then runs between two builds of this one.
    old_label="this commit relabelled (commit $old_commit is not in this clone)"
    echo "deploy-test: NOTE: $old_label" >&2
  fi
  bash scripts/build-deb.sh "${old_source[@]}" --version "$version~old" --out "$packages" \
    >/dev/null 2>"$logs/build-deb-old.log" ||
    { tail -n 30 "$logs/build-deb-old.log" >&2; abort "an older package builds from $old_label"; }
  pass "an older package $(basename "$old_deb") builds from $old_label"
fi
deb_path=$deb
old_deb_path=$old_deb
deb=$(basename "$deb_path")
old_deb=$(basename "$old_deb_path")
rootfs=$cache/$suite-$(printf '%s' "$rootfs_packages" | sha256sum | cut -c1-12).tar
if [[ ${CI:-} == true || ! -s $rootfs ]]; then
  say "mmdebstrap: Debian 13 ($suite) with $rootfs_packages"
  mkdir -p "$cache"
  if timeout 900 mmdebstrap --variant=apt --format=tar --include="$rootfs_packages" "$suite" "$rootfs.tmp" \
    >"$logs/mmdebstrap.log" 2>&1; then
    mv "$rootfs.tmp" "$rootfs"
  else
    tail -n 20 "$logs/mmdebstrap.log" >&2
    rm -f "$rootfs.tmp"
    abort "mmdebstrap builds a Debian 13 root file system"
  fi
fi
pass "Debian 13 root file system ($(du -h "$rootfs" | cut -f1) $rootfs)"

# ---------------------------------------------------------------------------------------------
# A: install, run, break, back up, remove, purge

say "A: booting Debian 13 with systemd"
unpack a
boot a || abort "Debian 13 boots with systemd as PID 1 (systemd-nspawn --boot)"
pass "Debian 13 boots with systemd as PID 1 ($(in_ct a cat /etc/debian_version), $(in_ct a node --version))"

say "A: apt install ./$deb"
check "apt install ./$deb installs with no network (only loopback in the container)" \
  in_ct a sh -c "cd /root && apt install -y ./$deb >/root/apt-install.log 2>&1"
check "the acme-delegate command is on PATH" in_ct a acme-delegate --help
check "systemctl is-active acme-delegate: active right after install" wait_for 15 service_active a
sleep 3
restarts=$(in_ct a systemctl show --property=NRestarts --value acme-delegate) || true
[[ $restarts == 0 ]] && service_active a && pass "the service stays up (no restarts after 3 s)" ||
  fail "the service stays up" "NRestarts=$restarts; $(in_ct a journalctl -u acme-delegate --no-pager -n 8 | tr '\n' ' ')"
service_enabled() { [[ $(in_ct "$1" systemctl is-enabled acme-delegate) == enabled ]]; }
check "systemctl is-enabled acme-delegate: enabled on first install" service_enabled a

say "A: configure the zone, restart"
check "zone and address set in /etc/acme-delegate/config.toml, restarted, SOA served on port 53" \
  install_and_configure a "$deb"
config_stat=$(in_ct a stat -c '%U:%G %a' /etc/acme-delegate/config.toml) || true
[[ $config_stat == "root:acme-delegate 640" ]] && pass "config.toml is root:acme-delegate 0640" ||
  fail "config.toml is root:acme-delegate 0640" "$config_stat"
serves_ns_over_tcp6() { in_ct "$1" kdig @::1 +tcp +short +timeout=2 +retry=0 "$zone" NS | grep -q "ns.$zone"; }
check "DNS over TCP and IPv6 too" serves_ns_over_tcp6 a

pid=$(main_pid a) || true
status=$(in_ct a cat "/proc/$pid/status") || true
service_uid=$(in_ct a id -u acme-delegate) || true
uid_line=$(grep '^Uid:' <<<"$status" | tr -s '\t ' ' ')
cap_eff=$(awk '/^CapEff:/ {print $2}' <<<"$status")
cap_prm=$(awk '/^CapPrm:/ {print $2}' <<<"$status")
cap_bnd=$(awk '/^CapBnd:/ {print $2}' <<<"$status")
[[ $uid_line == "Uid: $service_uid $service_uid $service_uid $service_uid" ]] &&
  pass "the process runs as the acme-delegate user (uid $service_uid, /proc/$pid/status)" ||
  fail "the process runs as the acme-delegate user" "$uid_line"
# CAP_NET_BIND_SERVICE is capability 10: mask 0x400.
[[ $cap_eff == 0000000000000400 && $cap_prm == 0000000000000400 && $cap_bnd == 0000000000000400 ]] &&
  pass "only CAP_NET_BIND_SERVICE: CapEff=CapPrm=CapBnd=$cap_eff" ||
  fail "only CAP_NET_BIND_SERVICE" "CapEff=$cap_eff CapPrm=$cap_prm CapBnd=$cap_bnd"
seccomp=$(awk '/^Seccomp:/ {print $2}' <<<"$status")
nnp=$(awk '/^NoNewPrivs:/ {print $2}' <<<"$status")
[[ $seccomp == 2 && $nnp == 1 ]] && pass "system call filter on (Seccomp: 2) and NoNewPrivs: 1" ||
  fail "system call filter and NoNewPrivs" "Seccomp=$seccomp NoNewPrivs=$nnp"
exposure=$(in_ct a systemd-analyze security acme-delegate 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' &&
  pass "systemd-analyze security acme-delegate (systemd $(in_ct a systemctl --version | awk 'NR==1 {print $2}')): exposure $exposure <= 2.0" ||
  fail "systemd-analyze security acme-delegate <= 2.0" "exposure '$exposure'"

say "A: accounts as root, updates through the API and the hook"
account=$(in_ct a acme-delegate account add --config /etc/acme-delegate/config.toml --label first 2>"$logs/account-add.log") &&
  jq -e .password <<<"$account" >/dev/null &&
  pass "acme-delegate account add as root prints credentials" ||
  fail "acme-delegate account add as root" "$(cat "$logs/account-add.log")"
first_value=$(new_token)
check "POST /update with those credentials is accepted" update a "$account" "$first_value"
fulldomain=$(jq -r .fulldomain <<<"$account")
check "the value is served on port 53" wait_for 15 serves_txt a "$fulldomain" "$first_value"
check "the store's files are all the acme-delegate user's after root's command" store_owned_by_service a

emulator_log=$logs/cloudflare-emulator.log
token=deploy-token-$RANDOM$RANDOM
# The emulation runs from this checkout, inside the container's (loopback-only) network.
start cloudflare-emulator nsenter --target "${init_pid[a]}" --net -- node --import tsx test/helpers/cloudflare-emulator-main.ts \
  --token "$token" example.com
if wait_for 60 grep -q '^CLOUDFLARE_BASE_URL=' "$emulator_log"; then
  base_url=$(sed -n 's/^CLOUDFLARE_BASE_URL=//p' "$emulator_log" | head -n 1)
  check "acme-delegate bootstrap as root, Cloudflare credential only in the environment (README step 4)" \
    in_ct a env CLOUDFLARE_API_TOKEN="$token" CLOUDFLARE_BASE_URL="$base_url" \
    acme-delegate bootstrap --config /etc/acme-delegate/config.toml --domain www.example.com \
    --out /var/lib/acme-delegate/credentials --yes
  hook_value=$(new_token)
  check "acme-delegate-hook publishes a value with bootstrap's credentials file" \
    in_ct a acme-delegate-hook --credentials /var/lib/acme-delegate/credentials/acmedns.json set www.example.com "$hook_value"
  bootstrap_slot=$(in_ct a jq -r '.["www.example.com"].fulldomain' /var/lib/acme-delegate/credentials/acmedns.json 2>/dev/null) || true
  check "the hook's value is served on port 53" wait_for 15 serves_txt a "$bootstrap_slot" "$hook_value"
  check "the store's files are still the service user's after bootstrap" store_owned_by_service a
else
  fail "the Cloudflare emulation starts in the container's network" "$(tail -n 5 "$emulator_log")"
fi

say "A: DNS answered by two worker processes (dns.workers = 2)"
enable_workers() {
  in_ct "$1" sed -i -e 's/^# workers = 1$/workers = 2/' /etc/acme-delegate/config.toml &&
    in_ct "$1" grep -qx 'workers = 2' /etc/acme-delegate/config.toml &&
    in_ct "$1" systemctl restart acme-delegate && wait_for 20 serves_soa "$1"
}
worker_pids() { in_ct "$1" pgrep -u acme-delegate -f 'dns/workers/worker-process'; }
two_workers() { [[ $(worker_pids "$1" | wc -l) == 2 ]]; }
workers_filtered() {
  local pid
  for pid in $(worker_pids "$1"); do in_ct "$1" grep -qP '^Seccomp:\t2$' "/proc/$pid/status" || return 1; done
}
# served_every_time NAME FQDN VALUE: ten queries in a row (spread over the workers) all carry it.
served_every_time() {
  local i
  for i in $(seq 1 10); do serves_txt "$1" "$2" "$3" || return 1; done
}
replaced() { two_workers "$1" && ! worker_pids "$1" | grep -qx "$2"; }
answers_from_same_main() { served_every_time "$1" "$2" "$3" && [[ $(main_pid "$1") == "$4" ]]; }
check "workers = 2 in config.toml, restarted, SOA served on port 53" enable_workers a
check "two DNS worker processes beside the main one, as the service user" wait_for 20 two_workers a
check "the workers run under the unit's system call filter (Seccomp: 2)" workers_filtered a
# An account of its own: the first account's values are what later sections expect to be served.
worker_account=$(in_ct a acme-delegate account add --config /etc/acme-delegate/config.toml --label workers 2>>"$logs/account-add.log") || true
worker_fqdn=$(jq -r .fulldomain <<<"$worker_account" 2>/dev/null) || true
worker_value=$(new_token)
check "with workers: POST /update accepted" update a "$worker_account" "$worker_value"
check "with workers: every query right after the 200 carries the value" served_every_time a "$worker_fqdn" "$worker_value"
main_before=$(main_pid a) || true
victim=$(worker_pids a | head -n 1) || true
in_ct a kill -KILL "$victim" || true
check "a worker killed with -9: DNS keeps answering, the main process stays" \
  answers_from_same_main a "$worker_fqdn" "$worker_value" "$main_before"
check "the killed worker is replaced" wait_for 20 replaced a "$victim"

say "A: reload, kill -9 of the main process"
pid_before=$(main_pid a) || true
same_process_serving() { [[ $(main_pid "$1") == "$2" ]] && service_active "$1" && serves_soa "$1"; }
check "systemctl reload acme-delegate (SIGHUP: TLS files) keeps the process serving" \
  in_ct a systemctl reload acme-delegate
check "after the reload: the same process, active, answering" same_process_serving a "$pid_before"
old_pid=$(main_pid a) || true
in_ct a kill -KILL "$old_pid" || true
killed_at=$SECONDS
if wait_for 20 restarted_since a "$old_pid" && wait_for 20 serves_soa a; then
  pass "systemd restarts it and DNS answers again within $((SECONDS - killed_at)) s (pid $old_pid -> $(main_pid a))"
else
  fail "systemd restarts it after kill -9" "$(in_ct a systemctl status acme-delegate --no-pager | head -n 5 | tr '\n' ' ')"
fi
check "the acknowledged value is still served after kill -9" serves_txt a "$fulldomain" "$first_value"

say "A: reboot"
in_ct a systemctl reboot || true
for _ in $(seq 1 150); do
  kill -0 "${nspawn_pid[a]}" 2>/dev/null || break
  sleep 0.2
done
if kill -0 "${nspawn_pid[a]}" 2>/dev/null; then
  fail "the container reboots" "systemd-nspawn still runs 30 s after systemctl reboot"
  stop_container a
else
  wait "${nspawn_pid[a]}" || true
  unset "nspawn_pid[a]" "init_pid[a]"
fi
boot a || abort "the container boots again after the reboot"
check "the service is active again after the reboot, by itself" wait_for 20 service_active a
check "the acknowledged value is served after the reboot" wait_for 10 serves_txt a "$fulldomain" "$first_value"

say "A: backups while updates run"
accounts=("$account")
for i in 1 2 3; do
  accounts+=("$(in_ct a acme-delegate account add --config /etc/acme-delegate/config.toml --label "more-$i" || true)")
done
# Every acknowledged value, "SLOT VALUE" a line: what a restored slot may serve.
acked=$work/acknowledged.txt
echo "$fulldomain $first_value" >"$acked"
quiet_value=$(new_token)
if update a "${accounts[0]}" "$quiet_value"; then
  echo "$(jq -r .fulldomain <<<"${accounts[0]}") $quiet_value" >>"$acked"
else
  fail "an update before the backups"
fi
# 90 updates on the other accounts while the backups run, from inside the container (one
# process rather than one nsenter per request); acknowledged values are appended to acked.txt.
i=0
for credentials in "${accounts[@]:1}"; do
  i=$((i + 1))
  printf '%s\n' "$credentials" >"$work/a/root/load-$i.json"
done
cat >"$work/a/root/update-load.sh" <<'SH'
#!/bin/sh
for round in $(seq 1 30); do
  for file in /root/load-*.json; do
    value=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    jq --arg v "$value" '{subdomain, txt: $v}' "$file" >/root/load-body.json
    if curl -fsS --max-time 10 -X POST http://127.0.0.1:8053/update -H "X-Api-User: $(jq -r .username "$file")" \
      -H "X-Api-Key: $(jq -r .password "$file")" --data @/root/load-body.json >/dev/null; then
      echo "$(jq -r .fulldomain "$file") $value" >>/root/acked.txt
    else
      echo "update failed" >&2
    fi
  done
done
SH
load_log=$logs/update-load.log
in_ct a sh /root/update-load.sh 2>"$load_log" &
load_pid=$!
track update-load "$load_pid"
sleep 1
check "acme-delegate backup --to FILE as root while updates run" \
  in_ct a acme-delegate backup --config /etc/acme-delegate/config.toml --to /var/tmp/acme-delegate-backup.db
check "the shipped acme-delegate-backup.service makes a backup while updates run" \
  in_ct a systemctl start acme-delegate-backup.service
wait "$load_pid" || true
cat "$work/a/root/acked.txt" >>"$acked" 2>/dev/null || true
load_acked=$(wc -l <"$work/a/root/acked.txt" 2>/dev/null || echo 0)
[[ $load_acked == 90 ]] && pass "90 updates acknowledged while the backups ran" ||
  fail "90 updates acknowledged while the backups ran" "$load_acked; $(head -c 300 "$load_log")"
backup_stat=$(in_ct a stat -c '%U %a' /var/tmp/acme-delegate-backup.db) || true
[[ $backup_stat == "acme-delegate 600" ]] && pass "the backup file is the service user's, mode 0600" ||
  fail "the backup file is mode 0600" "$backup_stat"
backup_intact() { [[ $(in_ct a sqlite3 -readonly /var/tmp/acme-delegate-backup.db 'PRAGMA integrity_check') == ok ]]; }
check "the backup passes SQLite's integrity check" backup_intact
timer_backups=$(in_ct a sh -c 'ls /var/lib/acme-delegate/backups/acme-delegate-*.db 2>/dev/null | wc -l')
[[ $timer_backups == 1 ]] && pass "the timer's service wrote one backup in /var/lib/acme-delegate/backups" ||
  fail "the timer's service wrote its backup" "$timer_backups files"
check "the backup timer can be enabled (systemctl enable --now acme-delegate-backup.timer)" \
  in_ct a systemctl enable --now acme-delegate-backup.timer
cp "$work/a/var/tmp/acme-delegate-backup.db" "$work/backup.db" 2>/dev/null || : >"$work/backup.db"

say "A: apt remove keeps the data, apt purge deletes it"
check "apt remove acme-delegate" in_ct a sh -c 'apt remove -y acme-delegate >>/root/apt-remove.log 2>&1'
check "after remove the service is gone" not service_active a
check "after remove the database and the config are kept" \
  in_ct a test -s /var/lib/acme-delegate/acme-delegate.db -a -f /etc/acme-delegate/config.toml
check "apt install again after remove" in_ct a sh -c "cd /root && apt install -y ./$deb >>/root/apt-install.log 2>&1"
check "a reinstalled service serves the value from before the removal" wait_for 20 serves_txt a "$fulldomain" "$first_value"
check "apt purge acme-delegate" in_ct a sh -c 'apt purge -y acme-delegate >>/root/apt-purge.log 2>&1'
check "after purge /var/lib/acme-delegate and /etc/acme-delegate are gone" \
  in_ct a sh -c '! test -e /var/lib/acme-delegate && ! test -e /etc/acme-delegate'
stop_container a

# ---------------------------------------------------------------------------------------------
# B: a fresh install restored from A's backup

say "B: fresh install, restore the backup"
unpack b
boot b || abort "a second Debian 13 boots"
check "fresh install configured and serving" install_and_configure b "$deb"
install -m 0600 "$work/backup.db" "$work/b/var/tmp/acme-delegate-backup.db"
in_ct b chown acme-delegate:acme-delegate /var/tmp/acme-delegate-backup.db
check "systemctl stop; acme-delegate restore --from FILE as root; systemctl start" in_ct b sh -c '
  systemctl stop acme-delegate &&
  acme-delegate restore --config /etc/acme-delegate/config.toml --from /var/tmp/acme-delegate-backup.db &&
  systemctl start acme-delegate'
check "the restored store is the service user's" store_owned_by_service b
check "the restored service answers" wait_for 20 serves_soa b
# restored_values_acknowledged SLOT: the slot serves something, and only values A acknowledged.
restored_values_acknowledged() {
  local served value
  served=$(dns_txt b "$1")
  [[ -n $served ]] || { echo "nothing served"; return 1; }
  while read -r value; do
    grep -qxF "$1 $value" "$acked" || { echo "never acknowledged: $value"; return 1; }
  done <<<"$served"
}
check "the value of an account idle during the backups is served after restore" \
  serves_txt b "$(jq -r .fulldomain <<<"${accounts[0]}")" "$quiet_value"
for credentials in "${accounts[@]}"; do
  slot=$(jq -r .fulldomain <<<"$credentials")
  label=$(jq -r .username <<<"$credentials" | cut -c1-8)
  check "account $label…: after restore it serves values it had acknowledged" restored_values_acknowledged "$slot"
  check "account $label…: its credentials update after restore" account_works b "$credentials"
done
stop_container b

# ---------------------------------------------------------------------------------------------
# C: upgrade from the older package

say "C: install $old_deb, then upgrade to $deb"
unpack c
boot c || abort "a third Debian 13 boots"
check "the older package installs and serves" install_and_configure c "$old_deb"
# As that version's README said: commands on the server's database as the service user.
old_account=$(in_ct c runuser -u acme-delegate -- acme-delegate account add --config /etc/acme-delegate/config.toml --label before-upgrade) || true
old_value=$(new_token)
old_slot=$(jq -r .fulldomain <<<"$old_account")
check "an account of the older version publishes a value" update c "$old_account" "$old_value"
pid_before=$(main_pid c) || true
check "apt install ./$deb upgrades it" in_ct c sh -c "cd /root && apt install -y ./$deb >>/root/apt-upgrade.log 2>&1"
installed=$(in_ct c dpkg-query -W -f='${Version}' acme-delegate) || true
[[ $installed == "$version" ]] && pass "version $installed installed" || fail "the new version is installed" "$installed"
check "the service was restarted on the new version" restarted_since c "$pid_before"
check "the upgraded service answers" wait_for 20 serves_soa c
check "the value acknowledged before the upgrade is served" serves_txt c "$old_slot" "$old_value"
check "the account made before the upgrade still updates" account_works c "$old_account"
check "the edited config was kept (zone $zone)" in_ct c grep -qx "zone = \"$zone\"" /etc/acme-delegate/config.toml
check "the store is the service user's after the upgrade" store_owned_by_service c
stop_container c

# ---------------------------------------------------------------------------------------------

say "summary ($((SECONDS - started_at)) s)"
for failure in "${failures[@]}"; do echo "  failed: $failure"; done
echo "$passed passed, $failed failed"
summary_printed=1
((failed == 0))
