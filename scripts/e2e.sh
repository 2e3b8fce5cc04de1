#!/usr/bin/env bash
# End-to-end proof that real ACME clients get real certificates through acme-delegate (issue 5).
#
# Builds a small Internet on loopback: acme-delegate (our zone auth.example.com), knotd (the
# customer zones example.com and example.org), unbound (the CA's recursive resolver, with stub zones
# standing in for the public delegations), Pebble (a real ACME CA that validates DNS-01 through
# unbound) and a Cloudflare API emulation for `acme-delegate bootstrap`. Then certbot and lego issue
# certificates using the hook script users get (scripts/hooks/acme-delegate-hook), and every
# certificate is checked with openssl against Pebble's roots and by its names.
#
# Usage: npm run build && bash scripts/e2e.sh
#   E2E_KEEP=1      keep the temporary directory (daemon logs, certificates) and print its path
#   E2E_VERBOSE=1   print client output as it runs
#   CI=true         a missing tool is a failure instead of a skip
# Last line: "N passed, N failed"; exit status non-zero on any failure.

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" # node --import tsx resolves tsx from the working directory
e2e=$repo/scripts/e2e
hook=$repo/scripts/hooks/acme-delegate-hook
zone=auth.example.com
started_at=$SECONDS

# ---------------------------------------------------------------------------------------------
# Tools

# knotd and unbound live in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
missing=()
for tool in pebble unbound unbound-checkconf knotd knotc certbot lego openssl curl jq dig node timeout; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  install='sudo apt-get install -y pebble unbound knot certbot lego openssl curl jq dnsutils'
  if [[ ${CI:-} == true ]]; then
    echo "e2e: missing tools: ${missing[*]} (install: $install)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "e2e: SKIPPED, missing tools: ${missing[*]}"
  echo "e2e: to run the end-to-end journey, install them (Debian 12): $install"
  exit 0
fi
if [[ ! -f $repo/dist/main.js ]]; then
  echo "e2e: dist/main.js is missing; run 'npm run build' first" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# Bookkeeping: results, processes, cleanup

passed=0
failed=0
failures=()
pids=()
pid_names=()

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

work=$(mktemp -d "${TMPDIR:-/tmp}/acme-delegate-e2e.XXXXXX")
logs=$work/logs
mkdir -p "$logs"

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
      echo "e2e: ${pid_names[i]} (pid ${pids[i]}) ignored SIGTERM; killing it" >&2
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
  if ((!summary_printed)); then
    # An unexpected exit (a command failing under set -e, a signal): still count it and say so.
    ((status != 0)) || status=1
    echo "e2e: stopped early (exit $status)${failed_line:+ at scripts/e2e.sh line $failed_line}" >&2
    echo "$passed passed, $((failed + 1)) failed"
  fi
  if [[ ${E2E_KEEP:-} == 1 ]]; then
    echo "e2e: kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
failed_line=
trap 'failed_line=$LINENO' ERR
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
      echo "e2e: $name exited early; its log:" >&2
      tail -n 40 "$logs/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "e2e: $name not ready after ${seconds}s; its log:" >&2
  tail -n 40 "$logs/$name.log" >&2 || true
  return 1
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

# render TEMPLATE OUT KEY=VALUE...: fills @KEY@ placeholders.
render() {
  local template=$1 out=$2 pair args=()
  shift 2
  for pair in "$@"; do
    args+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
  done
  sed "${args[@]}" "$template" >"$out"
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

# ---------------------------------------------------------------------------------------------
# Ports, and the TLS certificate of the two HTTPS APIs (Pebble's and ours)

mapfile -t ports < <(node "$e2e/free-ports.mjs" 8 || true)
((${#ports[@]} == 8)) || abort "find free loopback ports (scripts/e2e/free-ports.mjs)"
knot_port=${ports[0]}
unbound_port=${ports[1]}
dns_port=${ports[2]}
api_port=${ports[3]}
acme_port=${ports[4]}
management_port=${ports[5]}
unused_port=${ports[6]}

say "setting up in $work"
mkdir -p "$work/tls" "$work/pebble" "$work/knot/db" "$work/unbound" "$work/delegate" "$work/credentials" \
  "$work/certbot" "$work/lego" "$work/certs"
(
  cd "$work/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 2 -subj '/CN=acme-delegate e2e private CA' \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj '/CN=localhost'
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 -extfile server.ext \
    -out server.pem
) >"$logs/openssl.log" 2>&1 || abort "make a TLS certificate for 127.0.0.1 with openssl"
# A private CA, as many operators use for internal APIs: Pebble's ACME API and acme-delegate's API
# both serve this certificate, and every client trusts the CA explicitly (curl in the hook through
# CURL_CA_BUNDLE, certbot through REQUESTS_CA_BUNDLE, lego through LEGO_CA_CERTIFICATES).
tls_ca=$work/tls/ca.pem
export CURL_CA_BUNDLE=$tls_ca NODE_EXTRA_CA_CERTS=$tls_ca
acme_directory=https://127.0.0.1:$acme_port/dir

# ---------------------------------------------------------------------------------------------
# Daemons

say "starting acme-delegate, knotd, unbound and pebble"

render "$e2e/acme-delegate.toml.in" "$work/delegate/config.toml" \
  "ZONE=$zone" "DNS_PORT=$dns_port" "API_PORT=$api_port" "DIR=$work/delegate" "TLS_DIR=$work/tls"
delegate_config=$work/delegate/config.toml
api_url=https://127.0.0.1:$api_port
start_delegate() {
  start acme-delegate node "$repo/dist/main.js" serve --config "$delegate_config"
  wait_until acme-delegate 30 dig +time=1 +tries=1 +short @127.0.0.1 -p "$dns_port" "$zone" SOA &&
    wait_until acme-delegate 30 curl -fsS "$api_url/health"
}
start_delegate || abort "acme-delegate serves DNS on :$dns_port and the API on :$api_port"
pass "acme-delegate is up (DNS :$dns_port, API over HTTPS :$api_port)"

zone_serial=1
write_customer_zones() { # from the templates plus $work/knot/*.extra (records bootstrap created)
  local z
  for z in example.com example.org; do
    render "$e2e/$z.zone.in" "$work/knot/$z.zone" "SERIAL=$zone_serial"
    if [[ -f $work/knot/$z.extra ]]; then cat "$work/knot/$z.extra" >>"$work/knot/$z.zone"; fi
  done
}
write_customer_zones
render "$e2e/knot.conf.in" "$work/knot/knot.conf" "DIR=$work/knot" "PORT=$knot_port"
start knotd knotd --config "$work/knot/knot.conf"
wait_until knotd 20 dig +time=1 +tries=1 +short @127.0.0.1 -p "$knot_port" example.org SOA ||
  abort "knotd serves example.com and example.org on :$knot_port"
pass "knotd is up (customer zones on :$knot_port)"

render "$e2e/unbound.conf.in" "$work/unbound/unbound.conf" "DIR=$work/unbound" "PORT=$unbound_port" \
  "KNOT_PORT=$knot_port" "DELEGATE_DNS_PORT=$dns_port" "ZONE=$zone"
unbound-checkconf "$work/unbound/unbound.conf" >"$logs/unbound-checkconf.log" 2>&1 ||
  abort "unbound config is valid ($(tail -n 1 "$logs/unbound-checkconf.log"))"
start unbound unbound -d -c "$work/unbound/unbound.conf"
resolves() { # resolves NAME TYPE: unbound returns a non-empty answer
  [[ -n $(dig +time=2 +tries=1 +short @127.0.0.1 -p "$unbound_port" "$1" "$2") ]]
}
if ! wait_until unbound 20 resolves example.com SOA || ! resolves "$zone" SOA; then
  abort "unbound resolves the customer zones and $zone on :$unbound_port"
fi
pass "unbound is up and reaches both authorities (:$unbound_port)"

render "$e2e/pebble-config.json.in" "$work/pebble/config.json" "TLS_DIR=$work/tls" \
  "ACME_PORT=$acme_port" "MANAGEMENT_PORT=$management_port" "UNUSED_PORT=$unused_port"
# Real validation: no PEBBLE_VA_ALWAYS_VALID, and no authorization reuse, so every order and every
# renewal is validated through DNS again. No random nonce rejection: it only adds flakiness.
start pebble env -u PEBBLE_VA_ALWAYS_VALID PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=0 \
  pebble -config "$work/pebble/config.json" -dnsserver "127.0.0.1:$unbound_port"
wait_until pebble 30 curl -fsS --cacert "$tls_ca" "$acme_directory" ||
  abort "pebble serves its ACME directory on :$acme_port"
for what in roots intermediates; do
  curl -fsS --cacert "$tls_ca" "https://127.0.0.1:$management_port/$what/0" >"$work/certs/$what.pem" ||
    abort "fetch Pebble's $what from its management port"
done
pass "pebble is up (ACME :$acme_port, validating through unbound)"

# ---------------------------------------------------------------------------------------------
# Credentials and CNAMEs: `acme-delegate bootstrap` against the Cloudflare emulation

# name -> bare domain the credentials file is keyed by
names=(www.example.com '*.b.example.com' shop.example.org neg.example.com)
credentials=$work/credentials/acmedns.json

load_records_into_knot() { # load_records_into_knot RECORDS.json: [{name,type,content}...]
  local z
  for z in example.com example.org; do
    jq -r --arg z "$z" '
      .[] | select(.type == "CNAME" or .type == "NS" or .type == "A" or .type == "AAAA" or .type == "TXT")
          | select((.name | ascii_downcase) as $n | $n != $z and ($n | endswith("." + $z)))
          | "\(.name). \(.ttl // 60 | if . == 1 then 60 else . end) IN \(.type) \(
              if .type == "TXT" then (.content | tojson)
              elif .type == "CNAME" or .type == "NS" then (.content | rtrimstr(".")) + "."
              else .content end)"' "$1" >"$work/knot/$z.extra"
  done
  zone_serial=$((zone_serial + 1))
  write_customer_zones
  knotc --config "$work/knot/knot.conf" --blocking zone-reload example.com example.org \
    >>"$logs/knotc.log" 2>&1
}

emulator_main=$repo/test/helpers/cloudflare-emulator-main.ts
say "bootstrap against the Cloudflare emulation"
cloudflare_token=e2e-token-$RANDOM$RANDOM
start cloudflare-emulator node --import tsx "$emulator_main" --token "$cloudflare_token" example.com example.org
wait_until cloudflare-emulator 60 grep -q '^CLOUDFLARE_BASE_URL=' "$logs/cloudflare-emulator.log" ||
  abort "the Cloudflare emulation starts"
cloudflare_base_url=$(sed -n 's/^CLOUDFLARE_BASE_URL=//p' "$logs/cloudflare-emulator.log" | head -n 1)
domain_flags=()
for name in "${names[@]}"; do domain_flags+=(--domain "$name"); done
if CLOUDFLARE_API_TOKEN=$cloudflare_token CLOUDFLARE_BASE_URL=$cloudflare_base_url \
  run_logged "$logs/bootstrap.log" timeout 120 node "$repo/dist/main.js" bootstrap \
  --config "$delegate_config" "${domain_flags[@]}" --out "$work/credentials" --yes; then
  pass "acme-delegate bootstrap registers ${#names[@]} names and creates their CNAMEs"
else
  tail -n 30 "$logs/bootstrap.log" >&2
  abort "acme-delegate bootstrap"
fi
# The clients below read the file exactly as bootstrap wrote it.
[[ -f $credentials ]] || abort "bootstrap wrote the goacmedns credentials file $credentials"
# The emulation is the source of truth for what Cloudflare would serve: load it into knotd.
records_json=$work/cloudflare-records.json
curl -fsS "${cloudflare_base_url%/client/v4}/__emulator/records" >"$records_json" ||
  abort "read the records bootstrap created from the Cloudflare emulation"
jq -e 'type == "array"' "$records_json" >/dev/null ||
  abort "the Cloudflare emulation lists its records as a JSON array"

for name in "${names[@]}"; do
  bare=${name#\*.}
  if ! jq -e --arg d "$bare" '.[$d] | .username and .password and .subdomain and .fulldomain and .server_url' \
    "$credentials" >/dev/null; then
    fail "credentials file has a complete entry for $bare"
  fi
done
if [[ $(stat -c %a "$credentials") == 600 ]]; then
  pass "credentials file is mode 0600"
else
  fail "credentials file is mode 0600" "mode $(stat -c %a "$credentials")"
fi

# Two more accounts registered the way lego's native acme-dns provider does it (goacmedns 0.1.1 and
# 0.2, replayed byte for byte); their CNAMEs are added as an operator would by hand.
goacmedns_storage=$work/credentials/goacmedns.json
for style in 0.1 0.2; do
  name=go${style/./}.example.org
  if GOACMEDNS_STYLE=$style "$e2e/goacmedns-replay.sh" register "$api_url" "$name" "$goacmedns_storage" \
    2>>"$logs/goacmedns.log"; then
    pass "goacmedns $style register request: accepted as that client requires"
    jq --arg n "_acme-challenge.$name" --arg c "$(jq -r --arg d "$name" '.[$d].fulldomain' "$goacmedns_storage")" \
      '. + [{name: $n, type: "CNAME", content: $c, ttl: 60}]' "$records_json" >"$records_json.new" &&
      mv "$records_json.new" "$records_json"
  else
    fail "goacmedns $style register request" "$(tail -n 1 "$logs/goacmedns.log")"
  fi
done

load_records_into_knot "$records_json" || abort "knotd reloads the customer zones with the CNAMEs"
cname_ok=1
for name in "${names[@]}"; do
  bare=${name#\*.}
  want=$(jq -r --arg d "$bare" '.[$d].fulldomain | ascii_downcase | rtrimstr(".") + "."' "$credentials")
  got=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$knot_port" "_acme-challenge.$bare" CNAME | tr '[:upper:]' '[:lower:]')
  if [[ $got != "$want" ]]; then
    cname_ok=0
    fail "_acme-challenge.$bare is a CNAME to its slot" "knotd says '${got:-nothing}', want $want"
  fi
done
((cname_ok)) && pass "every _acme-challenge name is a CNAME to its own slot in $zone"

# ---------------------------------------------------------------------------------------------
# Issuance helpers

certbot_dirs=(--config-dir "$work/certbot/config" --work-dir "$work/certbot/work" --logs-dir "$work/certbot/logs")
# certbot runs hooks through the shell: quote the paths.
certbot_hook=$(printf '%q --credentials %q' "$hook" "$credentials")

certbot_certonly() { # certbot_certonly CERT_NAME LOG HOOK_CMD DOMAIN...
  local cert_name=$1 logfile=$2 hook_cmd=$3
  shift 3
  local domains=()
  for d in "$@"; do domains+=(-d "$d"); done
  REQUESTS_CA_BUNDLE=$tls_ca run_logged "$logfile" timeout 180 certbot certonly "${certbot_dirs[@]}" \
    --non-interactive --agree-tos --register-unsafely-without-email --server "$acme_directory" \
    --manual --preferred-challenges dns \
    --manual-auth-hook "$hook_cmd" --manual-cleanup-hook "$hook_cmd" \
    --cert-name "$cert_name" "${domains[@]}"
}

lego_run() { # lego_run PATH LOG CREDENTIALS COMMAND [ARGS...] -- DOMAIN...
  local path=$1 logfile=$2 creds=$3
  shift 3
  local args=()
  while [[ $1 != -- ]]; do args+=("$1"); shift; done
  shift
  local domains=()
  for d in "$@"; do domains+=(-d "$d"); done
  # --dns.disable-cp: lego would otherwise query the zone's NS names on port 53 itself; the single
  # check through the resolver (unbound) remains.
  EXEC_PATH=${lego_exec_path:-$hook} ACME_DELEGATE_CREDENTIALS=$creds GOACMEDNS_STORAGE=$creds EXEC_PROPAGATION_TIMEOUT=60 EXEC_POLLING_INTERVAL=2 \
    LEGO_CA_CERTIFICATES=$tls_ca run_logged "$logfile" timeout 180 lego --server "$acme_directory" \
    --accept-tos --email admin@example.org --path "$path" --dns exec --dns.disable-cp \
    --dns.resolvers "127.0.0.1:$unbound_port" "${domains[@]}" "${args[@]}"
}

# check_cert LABEL CERT_OR_BUNDLE NAME...: chains to Pebble's root, names are exactly NAME...
check_cert() {
  local label=$1 file=$2
  shift 2
  if [[ ! -s $file ]]; then
    fail "$label: certificate issued" "no certificate at $file"
    return 1
  fi
  local leaf=$file.leaf.pem
  openssl x509 -in "$file" -out "$leaf" 2>/dev/null || {
    fail "$label: certificate parses" "$file"
    return 1
  }
  local verify_host=${1/#\*./wildcard-check.}
  local verify_out
  if ! verify_out=$(openssl verify -CAfile "$work/certs/roots.pem" -untrusted "$work/certs/intermediates.pem" \
    -purpose sslserver -verify_hostname "$verify_host" "$leaf" 2>&1); then
    fail "$label: openssl verify against Pebble's root" "$verify_out"
    return 1
  fi
  local want got
  want=$(printf '%s\n' "$@" | sort | paste -sd ' ')
  got=$(openssl x509 -in "$leaf" -noout -ext subjectAltName | sed -n 's/^ *//; /DNS:/p' |
    tr ',' '\n' | sed 's/^ *DNS://' | sort | paste -sd ' ')
  if [[ $got != "$want" ]]; then
    fail "$label: names in the certificate" "got '$got', want '$want'"
    return 1
  fi
  pass "$label: verified against Pebble's root, names: $want"
}

serial_of() { openssl x509 -in "$1" -noout -serial 2>/dev/null | sed 's/^serial=//' || true; }

# check_renewal LABEL CERT NAME OLD_SERIAL: a valid certificate for NAME, and not the old one.
check_renewal() {
  local label=$1 cert=$2 name=$3 old_serial=$4
  check_cert "$label" "$cert" "$name" || return 0
  if [[ -n $old_serial && $(serial_of "$cert") != "$old_serial" ]]; then
    pass "$label is a new certificate (serial changed)"
  else
    fail "$label is a new certificate" "serial unchanged ($old_serial)"
  fi
}

# ---------------------------------------------------------------------------------------------
# The journey

say "certbot --manual with the project hook: www.example.com"
if certbot_certonly www "$logs/certbot-www.log" "$certbot_hook" www.example.com; then
  pass "certbot exits 0 for www.example.com"
else
  fail "certbot exits 0 for www.example.com" "see below"
  tail -n 30 "$logs/certbot-www.log"
fi
check_cert "certbot www.example.com" "$work/certbot/config/live/www/cert.pem" www.example.com || true

say "certbot: *.b.example.com and b.example.com in one order (two TXT values in one slot)"
if certbot_certonly b "$logs/certbot-b.log" "$certbot_hook" '*.b.example.com' b.example.com; then
  pass "certbot exits 0 for *.b.example.com + b.example.com"
else
  fail "certbot exits 0 for *.b.example.com + b.example.com" "see below"
  tail -n 30 "$logs/certbot-b.log"
fi
check_cert "certbot *.b.example.com + b.example.com" "$work/certbot/config/live/b/cert.pem" \
  '*.b.example.com' b.example.com || true
txt_count=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$unbound_port" _acme-challenge.b.example.com TXT | grep -c '^"' || true)
if [[ $txt_count == 2 ]]; then
  pass "the b.example.com slot serves both TXT values, through the CNAME, via unbound"
else
  fail "the b.example.com slot serves both TXT values" "unbound returned $txt_count TXT records"
fi

say "lego --dns exec with the project hook: shop.example.org (second customer zone)"
if lego_run "$work/lego" "$logs/lego-shop.log" "$credentials" run -- shop.example.org; then
  pass "lego exits 0 for shop.example.org"
else
  fail "lego exits 0 for shop.example.org" "see below"
  tail -n 30 "$logs/lego-shop.log"
fi
check_cert "lego shop.example.org" "$work/lego/certificates/shop.example.org.crt" shop.example.org || true

say "lego with goacmedns's exact update requests (lego's native acme-dns provider, replayed)"
for style in 0.1 0.2; do
  name=go${style/./}.example.org
  if ! jq -e --arg d "$name" 'has($d)' "$goacmedns_storage" >/dev/null 2>&1; then
    fail "lego + goacmedns $style for $name" "no account (register failed)"
    continue
  fi
  if GOACMEDNS_STYLE=$style lego_exec_path=$e2e/goacmedns-replay.sh \
    lego_run "$work/lego" "$logs/lego-$name.log" "$goacmedns_storage" run -- "$name"; then
    pass "lego exits 0 for $name with goacmedns $style updates"
  else
    fail "lego exits 0 for $name with goacmedns $style updates" "see below"
    tail -n 10 "$logs/lego-$name.log"
  fi
  check_cert "lego + goacmedns $style $name" "$work/lego/certificates/$name.crt" "$name" || true
done

say "renewals after a restart of acme-delegate: the same credentials keep working"
mv "$logs/acme-delegate.log" "$logs/acme-delegate-first-run.log"
stop_one acme-delegate
start_delegate || abort "acme-delegate starts again on its database"
pass "acme-delegate restarted on the same database"
www_serial=$(serial_of "$work/certbot/config/live/www/cert.pem")
if REQUESTS_CA_BUNDLE=$tls_ca run_logged "$logs/certbot-renew.log" timeout 180 certbot renew "${certbot_dirs[@]}" \
  --non-interactive --cert-name www --force-renewal --no-random-sleep-on-renew; then
  pass "certbot renew exits 0 for www.example.com"
else
  fail "certbot renew exits 0 for www.example.com" "see below"
  tail -n 30 "$logs/certbot-renew.log"
fi
check_renewal "certbot renewal www.example.com" "$work/certbot/config/live/www/cert.pem" www.example.com "$www_serial"
shop_serial=$(serial_of "$work/lego/certificates/shop.example.org.crt")
# Pebble's certificates last years: ask for renewal when fewer than 100000 days are left.
# This time lego does not follow the CNAME itself, so the hook gets _acme-challenge.shop.example.org.
# (the first run handed it the slot's name): both ways must find the credentials.
if LEGO_DISABLE_CNAME_SUPPORT=true lego_run "$work/lego" "$logs/lego-renew.log" "$credentials" \
  renew --days 100000 --no-random-sleep -- shop.example.org; then
  pass "lego renew exits 0 for shop.example.org"
else
  fail "lego renew exits 0 for shop.example.org" "see below"
  tail -n 30 "$logs/lego-renew.log"
fi
check_renewal "lego renewal shop.example.org" "$work/lego/certificates/shop.example.org.crt" shop.example.org "$shop_serial"

say "negative: the credentials of www.example.com cannot get a certificate for neg.example.com"
# (a) A's username and password against B's slot: the API refuses.
jq '{ "neg.example.com": (.["www.example.com"] + {subdomain: .["neg.example.com"].subdomain,
                                                  fulldomain: .["neg.example.com"].fulldomain}) }' \
  "$credentials" >"$work/credentials/stolen-into-b.json"
chmod 600 "$work/credentials/stolen-into-b.json"
neg_status=$(jq -r '.["www.example.com"] as $a | .["neg.example.com"] as $b |
    "X-Api-User: \($a.username)\nX-Api-Key: \($a.password)"' "$credentials" |
  curl -sS -o "$work/neg-update.json" -w '%{http_code}' -H @- -H 'Content-Type: application/json' \
    --data-binary "$(jq -c '{subdomain: .["neg.example.com"].subdomain, txt: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' "$credentials")" \
    "$api_url/update" || true)
if [[ $neg_status == 401 ]] && jq -e '.error == "forbidden"' "$work/neg-update.json" >/dev/null 2>&1; then
  pass "POST /update with A's credentials on B's slot: 401 forbidden"
else
  fail "POST /update with A's credentials on B's slot is refused" "HTTP $neg_status $(head -c 200 "$work/neg-update.json" 2>/dev/null)"
fi
set +e
CERTBOT_DOMAIN=neg.example.com CERTBOT_VALIDATION=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
  "$hook" --credentials "$work/credentials/stolen-into-b.json" >"$logs/hook-negative.log" 2>&1
hook_status=$?
set -e
if [[ $hook_status == 1 ]] && grep -q 'forbidden' "$logs/hook-negative.log"; then
  pass "the hook fails with a clear message: $(head -n 1 "$logs/hook-negative.log" | cut -c1-110)..."
else
  fail "the hook fails on a refused update" "exit $hook_status: $(head -c 300 "$logs/hook-negative.log")"
fi
# certbot 2.1 goes on after a failing hook: the CA must then refuse, and no certificate appear.
if certbot_certonly neg "$logs/certbot-neg.log" "$(printf '%q --credentials %q' "$hook" "$work/credentials/stolen-into-b.json")" neg.example.com; then
  fail "certbot with A's credentials for neg.example.com fails" "certbot exited 0"
elif grep -q 'forbidden' "$work/certbot/logs/letsencrypt.log" && grep -q 'Some challenges have failed' "$logs/certbot-neg.log"; then
  pass "certbot with A's credentials for neg.example.com fails: update forbidden, then the CA's DNS check"
else
  fail "certbot with A's credentials for neg.example.com fails for the right reason" "$(tail -n 5 "$logs/certbot-neg.log")"
fi
if [[ -e $work/certbot/config/live/neg/cert.pem ]]; then
  fail "no certificate for neg.example.com was issued" "found $work/certbot/config/live/neg/cert.pem"
else
  pass "no certificate for neg.example.com was issued (certbot)"
fi
# (b) A's complete account filed under B's name: the update succeeds, but into A's slot, which
# neg.example.com's CNAME does not point to, so validation fails.
jq '{ "neg.example.com": .["www.example.com"] }' "$credentials" >"$work/credentials/a-for-b.json"
chmod 600 "$work/credentials/a-for-b.json"
# (lego must not follow the CNAME here, or it would hand the hook B's slot name, which this file
# does not know.)
if LEGO_DISABLE_CNAME_SUPPORT=true lego_run "$work/lego-neg" "$logs/lego-neg.log" "$work/credentials/a-for-b.json" \
  run -- neg.example.com; then
  fail "lego with A's slot for neg.example.com fails" "lego exited 0"
elif grep -q 'error presenting token' "$logs/lego-neg.log" ||
  ! grep -qi 'unauthorized\|incorrect TXT\|no TXT record\|NXDOMAIN\|TXT record' "$logs/lego-neg.log"; then
  fail "lego with A's slot for neg.example.com fails at the CA's DNS check" "$(tail -n 3 "$logs/lego-neg.log")"
else
  pass "lego with A's slot for neg.example.com: update accepted into A's slot, the CA's DNS check fails"
fi
if [[ -e $work/lego-neg/certificates/neg.example.com.crt ]]; then
  fail "no certificate for neg.example.com was issued (lego)"
else
  pass "no certificate for neg.example.com was issued (lego)"
fi

# www.example.com's slot has now had three values (issuance, renewal, the lego run above): it
# serves only the newest two, whatever the resolver cached before (TXT TTL is 1 s).
sleep 1.5
www_txt=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$unbound_port" _acme-challenge.www.example.com TXT | grep -c '^"' || true)
if [[ $www_txt == 2 ]]; then
  pass "a slot serves only its two newest values after three updates"
else
  fail "a slot serves only its two newest values after three updates" "unbound returned $www_txt TXT records"
fi

say "the hook's failure modes: clear messages, distinct exit statuses"
# expect_hook LABEL STATUS PATTERN HOOK_ARGS...: the hook exits STATUS and says PATTERN.
expect_hook() {
  local label=$1 want_status=$2 pattern=$3 status=0
  shift 3
  "$hook" "$@" >"$logs/hook-$label.log" 2>&1 || status=$?
  if [[ $status == "$want_status" ]] && grep -qi -- "$pattern" "$logs/hook-$label.log"; then
    pass "hook, $label: exit $status, '$(tail -n 1 "$logs/hook-$label.log" | sed 's/^acme-delegate-hook: //' | cut -c1-100)'"
  else
    fail "hook, $label: exit $want_status with '$pattern'" "exit $status: $(head -c 300 "$logs/hook-$label.log")"
  fi
}
value=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
jq --arg url "https://127.0.0.1:$unused_port" '.["www.example.com"].server_url = $url' "$credentials" \
  >"$work/credentials/unreachable.json"
chmod 600 "$work/credentials/unreachable.json"
expect_hook unreachable-api 1 'could not reach' --credentials "$work/credentials/unreachable.json" set www.example.com "$value"
expect_hook unknown-name 2 'no credentials for nope.example.com' --credentials "$credentials" set nope.example.com "$value"
expect_hook no-credentials 2 'ACME_DELEGATE_CREDENTIALS' set www.example.com "$value"
expect_hook bad-value 1 'bad_txt' --credentials "$credentials" present _acme-challenge.www.example.com. 'not a valid value'
expect_hook lego-raw-mode 2 'EXEC_MODE=RAW' --credentials "$credentials" present -- www.example.com token keyauth

say "secrets stay secret"
leaks=0
while IFS= read -r password; do
  if grep -rqF -- "$password" "$logs" "$work/certbot/logs" 2>/dev/null; then leaks=1; fi
done < <(jq -r '.[].password' "$credentials" "$goacmedns_storage" 2>/dev/null)
if ((leaks)); then
  fail "no password appears in any log (daemons, bootstrap, certbot, lego, hook)"
else
  pass "no password appears in any log (daemons, bootstrap, certbot, lego, hook)"
fi

# ---------------------------------------------------------------------------------------------

say "stopping daemons"
stop_all
elapsed=$((SECONDS - started_at))
if ((failed > 0)); then
  echo "failed checks:"
  printf '  - %s\n' "${failures[@]}"
  echo "daemon logs: $logs (set E2E_KEEP=1 to keep them)"
fi
echo "journey took ${elapsed}s"
echo "$passed passed, $failed failed"
summary_printed=1
((failed == 0))
