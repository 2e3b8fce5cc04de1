#!/bin/sh
# Test double for lego's native acme-dns provider, which Debian's lego 4.9.1 lacks: it sends the
# HTTP requests goacmedns sends, byte for byte, and judges the reply the way goacmedns does.
#   GOACMEDNS_STYLE=0.1  cpu/goacmedns 0.1.1 (lego <= 4.21, cert-manager <= 1.18, older Traefik):
#                        register: empty body, Content-Type: application/json, needs exactly 201;
#                        update: {"SubDomain":"..","Txt":".."} (no newline), needs exactly 200.
#   GOACMEDNS_STYLE=0.2  nrdcg/goacmedns 0.2 (lego >= 4.22, cert-manager >= 1.19, Traefik 3):
#                        register: "null\n", update: {"subdomain":"..","txt":".."}\n,
#                        Accept: application/json, any 2xx, register reply must be JSON.
# Usage:
#   goacmedns-replay.sh register BASE_URL DOMAIN STORAGE_JSON     adds DOMAIN's account to the file
#   goacmedns-replay.sh present FQDN VALUE                        lego --dns exec (EXEC_PATH)
#   goacmedns-replay.sh cleanup FQDN VALUE                        lego --dns exec (nothing to do)
# Environment: GOACMEDNS_STYLE (0.1 | 0.2), GOACMEDNS_STORAGE (storage JSON, for present).
set -eu

style=${GOACMEDNS_STYLE:?set GOACMEDNS_STYLE to 0.1 or 0.2}
user_agent='goacmedns (linux; amd64)'
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# post URL BODY_FILE [HEADER_FILE]: prints the HTTP status; reply body in $scratch/reply.
post() {
  set -- "$1" "$2" "${3:-/dev/null}"
  if [ "$style" = 0.1 ]; then
    accept='Accept:' # Go's http.Client sends no Accept header
  else
    accept='Accept: application/json'
  fi
  curl --silent --show-error --max-time 30 --http1.1 -X POST \
    -H "$accept" -H "User-Agent: $user_agent" -H 'Accept-Encoding: gzip' \
    -H 'Content-Type: application/json' -H @"$3" \
    --data-binary @"$2" -o "$scratch/reply" -w '%{http_code}' "$1"
}

case ${1:-} in
  register)
    base=$2 domain=$3 storage=$4
    if [ "$style" = 0.1 ]; then
      : >"$scratch/body"
      url=$base/register # fmt.Sprintf("%s/register")
    else
      printf 'null\n' >"$scratch/body"
      url=${base%/}/register # url.JoinPath
    fi
    status=$(post "$url" "$scratch/body")
    case $style:$status in
      0.1:201 | 0.2:2??) ;;
      *) echo "goacmedns $style: register: HTTP $status: $(cat "$scratch/reply")" >&2; exit 1 ;;
    esac
    jq -e '.username and .password and .subdomain and .fulldomain' "$scratch/reply" >/dev/null ||
      { echo "goacmedns $style: register reply is not an account: $(cat "$scratch/reply")" >&2; exit 1; }
    [ -s "$storage" ] || echo '{}' >"$storage"
    jq --arg d "$domain" --arg url "$base" --slurpfile r "$scratch/reply" \
      '.[$d] = ($r[0] | {fulldomain, subdomain, username, password, server_url: $url})' \
      "$storage" >"$scratch/storage" && cat "$scratch/storage" >"$storage"
    ;;
  present)
    fqdn=$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')
    fqdn=${fqdn%.}
    value=$3
    storage=${GOACMEDNS_STORAGE:?set GOACMEDNS_STORAGE}
    # lego hands over _acme-challenge.NAME, or the CNAME target (the slot) when it followed it.
    domain=${fqdn#_acme-challenge.}
    jq --arg d "$domain" '.[$d] // (to_entries | map(select(.value.fulldomain == $d)) | first | .value) // empty' \
      "$storage" >"$scratch/account"
    [ -s "$scratch/account" ] || { echo "goacmedns $style: no account for $domain" >&2; exit 1; }
    jq -r '"X-Api-User: \(.username)\nX-Api-Key: \(.password)"' "$scratch/account" >"$scratch/headers"
    base=$(jq -r .server_url "$scratch/account")
    if [ "$style" = 0.1 ]; then
      jq -j --arg t "$value" '{SubDomain: .subdomain, Txt: $t} | tojson' "$scratch/account" >"$scratch/body"
      url=$base/update
    else
      jq -j --arg t "$value" '{subdomain: .subdomain, txt: $t} | tojson + "\n"' "$scratch/account" >"$scratch/body"
      url=${base%/}/update
    fi
    status=$(post "$url" "$scratch/body" "$scratch/headers")
    case $style:$status in
      0.1:200 | 0.2:2??) ;;
      *) echo "goacmedns $style: update: HTTP $status: $(cat "$scratch/reply")" >&2; exit 1 ;;
    esac
    ;;
  cleanup) ;;
  *) echo "usage: $0 register BASE_URL DOMAIN STORAGE | present FQDN VALUE | cleanup FQDN VALUE" >&2; exit 2 ;;
esac
