// The one rule for an account's slot name, used by the account service and by everything that
// shows or points at a slot (CLI, bootstrap's CNAMEs, check, import).

/** `<subdomain>.<zone>`: where the account's TXT values are served. */
export function fulldomainOf(subdomain: string, zone: string): string {
  return `${subdomain}.${zone}`;
}
