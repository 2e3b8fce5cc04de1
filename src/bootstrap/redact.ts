// Defence in depth for the Cloudflare secret: every line bootstrap writes (plan, notes, errors,
// the SDK's own log lines) passes through here, so a secret echoed by some error message is
// still never shown.
export type Redactor = (text: string) => string;

export function createRedactor(secrets: readonly string[]): Redactor {
  // Short strings would blank out ordinary words; real secrets are far longer than 8.
  const patterns = secrets.filter((s) => s.length >= 8);
  return (text) => patterns.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
