# shellcheck shell=bash
# Sourced by scripts/e2e.sh: a small Internet on loopback. Free ports, a private CA for the two
# HTTPS APIs, then acme-delegate, knotd (customer zones), unbound (the CA's resolver) and Pebble.

# render TEMPLATE OUT KEY=VALUE...: fills @KEY@ placeholders.
render() {
  local template=$1 out=$2 pair args=()
  shift 2
  for pair in "$@"; do
    args+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
  done
  sed "${args[@]}" "$template" >"$out"
}

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
