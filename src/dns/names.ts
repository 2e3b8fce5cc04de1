// Domain-name helpers shared by the zone index and the rules. DNS compares names ignoring ASCII
// case only (RFC 4343), so we never use String#toLowerCase on wire names (it would fold latin1).

/** Lower-cases A-Z only; other bytes (kept as latin1 chars) are left alone. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** True when `name` equals `zone` or lies below it; both lower-case, no trailing dot. */
export function isAtOrBelow(name: string, zone: string): boolean {
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** The parent of a name ("a.b.c" -> "b.c"); the root ("") has none. */
export function parentName(name: string): string | undefined {
  if (name === '') return undefined;
  const dot = name.indexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1);
}

/**
 * Canonical DNS name order (RFC 4034 §6.1): compare label by label from the right, each label as
 * lower-cased bytes; a name sorts before the names below it. Used to enumerate the zone for AXFR.
 */
export function compareCanonical(a: string, b: string): number {
  const la = a === '' ? [] : asciiLower(a).split('.').reverse();
  const lb = b === '' ? [] : asciiLower(b).split('.').reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const x = la[i] as string;
    const y = lb[i] as string;
    if (x !== y) return Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1'));
  }
  return la.length - lb.length;
}
