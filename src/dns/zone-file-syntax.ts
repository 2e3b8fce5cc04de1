// Tokenizer for one line of master-file syntax (RFC 1035 §5.1): blanks separate tokens, double
// quotes group, backslash escapes (\X and \DDD), ';' starts a comment. Tokens are kept as bytes
// because TXT content may hold any octet.

export interface Token {
  readonly bytes: Buffer;
  readonly quoted: boolean;
  /** The token's text as written, for error messages. */
  readonly source: string;
}

/** Splits a line into tokens; throws an Error with a reason on bad quoting or escapes. */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const input = Buffer.from(line, 'utf8');
  let i = 0;
  while (i < input.length) {
    const c = input[i] as number;
    if (c === 0x20 || c === 0x09) {
      i++;
      continue;
    }
    if (c === 0x3b) break; // ';' comment to end of line
    if (c === 0x28 || c === 0x29) throw new Error('parentheses (multi-line records) are not supported; write the record on one line');
    const quoted = c === 0x22;
    const start = i;
    if (quoted) i++;
    const bytes: number[] = [];
    let closed = !quoted;
    while (i < input.length) {
      const b = input[i] as number;
      if (quoted && b === 0x22) {
        closed = true;
        i++;
        break;
      }
      if (!quoted && (b === 0x20 || b === 0x09 || b === 0x3b || b === 0x22)) break;
      if (b === 0x5c) {
        const escaped = readEscape(input, i);
        bytes.push(escaped.byte);
        i = escaped.next;
        continue;
      }
      bytes.push(b);
      i++;
    }
    if (!closed) throw new Error('unterminated quoted string');
    tokens.push({ bytes: Buffer.from(bytes), quoted, source: input.subarray(start, i).toString('utf8') });
  }
  return tokens;
}

function readEscape(input: Buffer, at: number): { byte: number; next: number } {
  const next = input[at + 1];
  if (next === undefined) throw new Error('backslash at end of line');
  const digits = input.subarray(at + 1, at + 4).toString('latin1');
  if (/^\d/.test(digits)) {
    if (!/^\d{3}$/.test(digits)) throw new Error(`"\\${digits}" must be \\DDD with three decimal digits`);
    const value = Number(digits);
    if (value > 255) throw new Error(`"\\${digits}" is not a byte value (0-255)`);
    return { byte: value, next: at + 4 };
  }
  return { byte: next, next: at + 2 };
}
