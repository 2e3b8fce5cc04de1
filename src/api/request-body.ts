// acme-dns clients send JSON with any Content-Type (or none), capitalised or lowercase keys,
// `null`, `{}` or nothing at all. This reads such a body into a plain, lower-cased-key record.
import { AppError } from '../errors.js';

/** Parses raw body text; empty, whitespace or `null` mean "no fields". Keys are lower-cased. */
export function parseLooseJson(raw: string | undefined): Record<string, unknown> {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'null') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('malformed_json_payload', 'request body is not valid JSON');
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('malformed_json_payload', 'request body must be a JSON object');
  }
  const fields: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // First spelling wins, as Go's case-insensitive decoding would match it.
    const lower = key.toLowerCase();
    if (!(lower in fields)) fields[lower] = inner;
  }
  return fields;
}
