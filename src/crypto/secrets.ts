// Random credentials in acme-dns's formats.
import { randomBytes, randomUUID } from 'node:crypto';

/** 40 characters of [A-Za-z0-9_-]: 30 random bytes in base64url, 6 bits a character, no bias. */
export function newPassword(): string {
  return randomBytes(30).toString('base64url');
}

export function newUuid(): string {
  return randomUUID();
}

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const passwordPattern = /^[A-Za-z0-9_-]{40}$/;
/** An ACME DNS-01 key authorization digest: SHA-256 in base64url, 43 characters. */
export const txtPattern = /^[A-Za-z0-9_-]{43}$/;
