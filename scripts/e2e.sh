#!/usr/bin/env bash
# End-to-end proof that real ACME clients get real certificates through acme-delegate (issue 5).
#
# Builds a small Internet on loopback: acme-delegate (our zone auth.example.com), knotd (the
# customer zones example.com and example.org), unbound (the CA's recursive resolver, with stub zones
# standing in for the public delegations), Pebble (a real ACME CA that validates DNS-01 through
# unbound) and a Cloudflare API emulation for `acme-delegate bootstrap`. Then certbot and lego issue
# certificates using the hook script users get (scripts/hooks/acme-delegate-hook), and every
# certificate is checked with openssl against Pebble's roots and by its names. Last, BIND becomes a
# secondary of our zone and one more certificate is issued with the CA's resolver reaching only BIND.
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
# shellcheck source=scripts/e2e/lib/tools.sh
source "$e2e/lib/tools.sh"
require_tools e2e 'sudo apt-get install -y pebble unbound knot bind9 certbot lego openssl curl jq dnsutils' \
  pebble unbound unbound-checkconf knotd knotc certbot lego openssl curl jq dig node timeout
if [[ ! -f $repo/dist/main.js ]]; then
  echo "e2e: dist/main.js is missing; run 'npm run build' first" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# The harness (results, processes), then the journey's steps in order; they share these variables.

run_name=e2e
work=$(mktemp -d "${TMPDIR:-/tmp}/acme-delegate-e2e.XXXXXX")
logs=$work/logs
keep_work=${E2E_KEEP:-}
mkdir -p "$logs"

# shellcheck source=scripts/e2e/lib/results.sh
source "$e2e/lib/results.sh"
# shellcheck source=scripts/e2e/lib/processes.sh
source "$e2e/lib/processes.sh"

# shellcheck source=scripts/e2e/steps/world.sh
source "$e2e/steps/world.sh"
# shellcheck source=scripts/e2e/steps/bootstrap.sh
source "$e2e/steps/bootstrap.sh"
# shellcheck source=scripts/e2e/steps/ddns.sh
source "$e2e/steps/ddns.sh"
# shellcheck source=scripts/e2e/lib/clients.sh
source "$e2e/lib/clients.sh"
# shellcheck source=scripts/e2e/steps/issue.sh
source "$e2e/steps/issue.sh"
# shellcheck source=scripts/e2e/steps/rfc2136.sh
source "$e2e/steps/rfc2136.sh"
# shellcheck source=scripts/e2e/steps/renew.sh
source "$e2e/steps/renew.sh"
# shellcheck source=scripts/e2e/steps/negative.sh
source "$e2e/steps/negative.sh"
# shellcheck source=scripts/e2e/steps/hook-errors.sh
source "$e2e/steps/hook-errors.sh"
# shellcheck source=scripts/e2e/steps/secondary.sh
source "$e2e/steps/secondary.sh"
# shellcheck source=scripts/e2e/steps/secrets.sh
source "$e2e/steps/secrets.sh"

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
