# shellcheck shell=bash
# Sourced by scripts/e2e.sh after bootstrap.sh: restricted dynamic-DNS slots (issue 10) with the
# real updaters from Debian. `bootstrap --ddns` makes home.example.com and cabin.example.com CNAMEs
# to two ddns slots; ddclient (dyndns2, its bootstrap snippet, a fixed address, our HTTPS API) sets
# home's A and AAAA, inadyn (custom provider, its bootstrap snippet) sets cabin's; acme-delegate
# serves them and, through unbound, each name resolves along its CNAME to the new address. Then
# every refusal of the issue: each gets the protocol's answer and changes nothing in DNS.

say "dynamic DNS: bootstrap --ddns, ddclient and inadyn update their slots, the resolver follows the CNAMEs"
ddns_tools=()
for tool in ddclient inadyn; do command -v "$tool" >/dev/null 2>&1 || ddns_tools+=("$tool"); done
if ((${#ddns_tools[@]} > 0)); then
  if [[ ${CI:-} == true ]]; then
    fail "ddclient and inadyn are installed for the dynamic-DNS proof" "missing: ${ddns_tools[*]}"
  else
    echo "  skip dynamic DNS: missing ${ddns_tools[*]} (sudo apt-get install ddclient inadyn)"
  fi
  return 0
fi

ddns_out=$work/ddns-credentials
ddns_storage=$ddns_out/ddns.json
if CLOUDFLARE_API_TOKEN=$cloudflare_token CLOUDFLARE_BASE_URL=$cloudflare_base_url \
  run_logged "$logs/bootstrap-ddns.log" timeout 120 node "$repo/dist/main.js" bootstrap \
  --config "$delegate_config" --ddns home.example.com --ddns cabin.example.com --out "$ddns_out" --yes; then
  pass "bootstrap --ddns makes two ddns accounts and their CNAMEs"
else
  tail -n 30 "$logs/bootstrap-ddns.log" >&2
  abort "acme-delegate bootstrap --ddns"
fi
for file in ddns.json ddclient-home.example.com.conf inadyn-cabin.example.com.conf; do
  [[ $(stat -c %a "$ddns_out/$file" 2>/dev/null) == 600 ]] || fail "bootstrap wrote $file (mode 0600)"
done
ddns_field() { jq -r --arg n "$1" --arg f "$2" '.[$n][$f]' "$ddns_storage"; }
home_slot=$(ddns_field home.example.com fulldomain)
cabin_slot=$(ddns_field cabin.example.com fulldomain)

# What Cloudflare now holds (the new CNAMEs) joins the records knotd serves for the customer zones.
curl -fsS "${cloudflare_base_url%/client/v4}/__emulator/records" >"$work/cloudflare-records-ddns.json" ||
  abort "read the records bootstrap --ddns created from the Cloudflare emulation"
jq -s '(.[0] + .[1]) | unique_by([.name, .type, .content])' "$records_json" "$work/cloudflare-records-ddns.json" >"$records_json.new" &&
  mv "$records_json.new" "$records_json"
load_records_into_knot "$records_json" || abort "knotd reloads the customer zones with the ddns CNAMEs"
got=$(dig +time=2 +tries=1 +short @127.0.0.1 -p "$knot_port" home.example.com CNAME | tr '[:upper:]' '[:lower:]')
if [[ $got == "${home_slot,,}." ]]; then pass "home.example.com is a CNAME to its ddns slot"; else fail "home.example.com is a CNAME to its ddns slot" "knotd says '${got:-nothing}'"; fi

ours() { dig +time=2 +tries=1 +short @127.0.0.1 -p "$dns_port" "$1" "$2"; }
resolver() { dig +time=3 +tries=1 +short @127.0.0.1 -p "$unbound_port" "$1" "$2" | tail -n 1; }
if [[ -z $(ours "$home_slot" A) && -z $(ours "$home_slot" AAAA) ]]; then
  pass "a ddns slot serves no address before its first update (NODATA)"
else
  fail "a ddns slot serves no address before its first update (NODATA)" "$(ours "$home_slot" A) $(ours "$home_slot" AAAA)"
fi

# Both addresses of a name, at our server (its slot) and through unbound (along its CNAME).
expect_addresses() { # expect_addresses NAME SLOT IPV4 IPV6
  local name=$1 slot=$2 v4=$3 v6=$4 short=${1%%.*}
  if [[ $(ours "$slot" A) == "$v4" && $(ours "$slot" AAAA) == "$v6" ]]; then
    pass "acme-delegate serves $short's slot: A $v4 and AAAA $v6"
  else
    fail "acme-delegate serves $short's slot: A $v4 and AAAA $v6" "A '$(ours "$slot" A)' AAAA '$(ours "$slot" AAAA)'"
  fi
  if [[ $(resolver "$name" A) == "$v4" && $(resolver "$name" AAAA) == "$v6" ]]; then
    pass "through unbound, $name (CNAME) resolves to A $v4 and AAAA $v6"
  else
    fail "through unbound, $name (CNAME) resolves to the new addresses" "A '$(resolver "$name" A)' AAAA '$(resolver "$name" AAAA)'"
  fi
}

# ddclient: the snippet bootstrap wrote, with a fixed address instead of a "what is my IP" service
# and the e2e CA trusted; one run per address family (ddclient 3.10 sends one address a run).
ddclient_run() { # ddclient_run ADDRESS LOG
  local conf=$work/ddclient-$2.conf
  (umask 077 && sed "s|^use=web.*|use=ip, ip=$1|" "$ddns_out/ddclient-home.example.com.conf" >"$conf" &&
    printf 'ssl_ca_file=%s\n' "$tls_ca" >>"$conf")
  run_logged "$logs/$2.log" timeout 60 ddclient -daemon=0 -foreground -force -noquiet -file "$conf" -cache "$work/$2.cache" &&
    grep -q "SUCCESS:.*updating home.example.com: good" "$logs/$2.log"
}
expect_success "ddclient (dyndns2 over our HTTPS API) sets home's IPv4: 'good'" "$logs/ddclient-v4.log" ddclient_run 203.0.113.7 ddclient-v4
expect_success "ddclient sets home's IPv6: 'good'" "$logs/ddclient-v6.log" ddclient_run 2001:db8::7 ddclient-v6
expect_addresses home.example.com "$home_slot" 203.0.113.7 2001:db8::7

# inadyn: the snippet bootstrap wrote, with the address from a command and the e2e CA trusted.
inadyn_run() { # inadyn_run ADDRESS LOG
  local conf=$work/$2.conf
  mkdir -p "$work/$2-cache"
  (umask 077 && {
    printf 'ca-trust-file = "%s"\nallow-ipv6 = true\n' "$tls_ca"
    sed "s|^}$|    checkip-command = \"echo $1\"\n}|" "$ddns_out/inadyn-cabin.example.com.conf"
  } >"$conf")
  run_logged "$logs/$2.log" timeout 60 inadyn --once --force --foreground --no-pidfile -l info -f "$conf" --cache-dir="$work/$2-cache" &&
    grep -q "Successful alias table update for cabin.example.com" "$logs/$2.log"
}
expect_success "inadyn (custom provider over our HTTPS API) sets cabin's IPv4" "$logs/inadyn-v4.log" inadyn_run 198.51.100.23 inadyn-v4
expect_success "inadyn sets cabin's IPv6" "$logs/inadyn-v6.log" inadyn_run 2001:db8::23 inadyn-v6
expect_addresses cabin.example.com "$cabin_slot" 198.51.100.23 2001:db8::23

# Refusals: each gets the protocol's answer, and DNS (the serial, both slots' addresses) stays.
zone_state() { printf '%s|%s|%s|%s|%s' "$(ours "$zone" SOA | awk '{print $3}')" "$(ours "$home_slot" A)" "$(ours "$home_slot" AAAA)" "$(ours "$cabin_slot" A)" "$(ours "$cabin_slot" AAAA)"; }
before=$(zone_state)
www_user=$(jq -r '.["www.example.com"].username' "$credentials")
www_password=$(jq -r '.["www.example.com"].password' "$credentials")
www_slot=$(jq -r '.["www.example.com"].fulldomain' "$credentials")
home_user=$(ddns_field home.example.com username)
home_password=$(ddns_field home.example.com password)
nic() { # nic USER PASSWORD QUERY: "<status> <body>" of GET /nic/update
  curl -sS -o "$work/nic-body" -w '%{http_code}' -K - "$api_url/nic/update?$3" <<<"user = \"$1:$2\"" >"$work/nic-status" 2>>"$logs/ddns-refusals.log" || true
  printf '%s %s' "$(cat "$work/nic-status")" "$(tr -d '\n' <"$work/nic-body")"
}
refused() { # refused LABEL EXPECTED ACTUAL
  if [[ $3 == "$2" ]]; then pass "$1: '$2'"; else fail "$1" "want '$2', got '$3'"; fi
}
refused "a ddns credential on an ACME slot" "200 nohost" "$(nic "$home_user" "$home_password" "hostname=$www_slot&myip=203.0.113.99")"
refused "an ACME credential on a ddns slot" "401 badauth" "$(nic "$www_user" "$www_password" "hostname=home.example.com&myip=203.0.113.99")"
refused "another account's hostname" "200 nohost" "$(nic "$home_user" "$home_password" "hostname=cabin.example.com&myip=203.0.113.99")"
refused "a bad password" "401 badauth" "$(nic "$home_user" "${home_password%?}x" "hostname=home.example.com&myip=203.0.113.99")"
refused "a malformed address" "200 dnserr" "$(nic "$home_user" "$home_password" "hostname=home.example.com&myip=203.0.113.999")"
after=$(zone_state)
if [[ $after == "$before" ]]; then
  pass "no refusal changed DNS (serial and all four addresses as before)"
else
  fail "no refusal changed DNS" "before $before, after $after"
fi
refused "the same address again" "200 nochg 203.0.113.7" "$(nic "$home_user" "$home_password" "hostname=home.example.com&myip=203.0.113.7")"
[[ $(zone_state) == "$before" ]] && pass "nochg wrote nothing (the serial did not move)" || fail "nochg wrote nothing" "$(zone_state)"
