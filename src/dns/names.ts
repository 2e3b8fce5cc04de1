// Domain-name helpers of the zone index and the rules: walking up the tree and canonical order.
// Folding and "at or below" live in src/names/domain-name.ts with the other name rules.
import { asciiLower } from '../names/domain-name.js';

// Kept while work in flight still imports them from here; new code imports src/names directly.
export { asciiLower, isAtOrBelow } from '../names/domain-name.js';

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
