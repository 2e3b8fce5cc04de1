// Walking up the name tree, for the zone index and the rules. Folding, "at or below" and label
// syntax live in src/names/domain-name.ts with the other name rules.

/** The parent of a name ("a.b.c" -> "b.c"); the root ("") has none. */
export function parentName(name: string): string | undefined {
  if (name === '') return undefined;
  const dot = name.indexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1);
}
