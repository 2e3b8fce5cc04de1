// Domain names as text: the one place for how names are folded, compared and checked, used by
// config, DNS, bootstrap, check and import alike. DNS compares names ignoring ASCII case only
// (RFC 4343), so we never use String#toLowerCase on names (it would fold latin1 and Unicode).

const nonAscii = /[\u0080-\uffff]/;

/** Lower-cases A-Z only; other characters (wire bytes kept as latin1 chars) are left alone. */
export function asciiLower(text: string): string {
  // On pure ASCII, toLowerCase folds exactly A-Z, natively: it is on the DNS path (RRL keys,
  // answer-cache keys), where the replace alone costs ten times as much.
  return nonAscii.test(text) ? text.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : text.toLowerCase();
}

/** asciiLower for one wire byte, for the byte-level fast paths. */
export function asciiLowerByte(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/** The form names are stored and compared in: trimmed, ASCII lower case, no trailing dot. */
export function normalizeName(text: string): string {
  return asciiLower(text.trim()).replace(/\.$/, '');
}

/** True when `name` equals `zone` or lies below it; both normalised. */
export function isAtOrBelow(name: string, zone: string): boolean {
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

const label = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Letters, digits, "-" and "_" (RFC 8552 names such as _acme-challenge), 1 to 63, no "-" at either end. */
export function isValidLabel(text: string): boolean {
  return label.test(text);
}

/** A host name (no root, no trailing dot): valid labels, at most 253 characters in all. */
export function isHostName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every(isValidLabel);
}
