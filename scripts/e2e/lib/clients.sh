# shellcheck shell=bash
# Sourced by scripts/e2e.sh: running certbot and lego against Pebble, and checking what they got.

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
