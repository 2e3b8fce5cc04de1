// The Cloudflare credential, read from the environment only (never a flag, never a file), and
// recognised by kind so that the right verification endpoint is used. The secret itself only
// travels to the SDK; everything else sees the kind and a description.
import { AppError } from '../errors.js';

export type CloudflareCredential =
  | {
      readonly kind: 'token';
      /** cfut_ (user token), cfat_ (account-owned token) or an older token without prefix. */
      readonly flavour: 'user' | 'account' | 'legacy';
      readonly token: string;
      /** CLOUDFLARE_ACCOUNT_ID, used to verify account-owned tokens. */
      readonly accountId?: string;
    }
  | { readonly kind: 'global-key'; readonly key: string; readonly email: string };

export interface CredentialReading {
  readonly credential: CloudflareCredential;
  /** Shown to the operator: notes about variables that were set but not used. */
  readonly notes: string[];
}

const tokenVariable = 'CLOUDFLARE_API_TOKEN';
const keyVariable = 'CLOUDFLARE_API_KEY';
const emailVariable = 'CLOUDFLARE_EMAIL';

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Picks the credential from the environment. A token wins over the global key when both are
 * set: it is the narrower of the two. Values with the wrong 2026 prefix for their variable are
 * refused rather than sent to the wrong header.
 */
export function readCloudflareCredential(env: NodeJS.ProcessEnv): CredentialReading {
  const token = nonEmpty(env[tokenVariable]);
  const key = nonEmpty(env[keyVariable]);
  const email = nonEmpty(env[emailVariable]);
  const notes: string[] = [];

  if (token) {
    if (token.startsWith('cfk_')) {
      throw new AppError('credential_misplaced', `${tokenVariable} holds a Global API Key (prefix cfk_); a key goes in ${keyVariable} with ${emailVariable}, but a scoped API token is safer`);
    }
    // Global API Keys from before the prefixes are 37 hex digits; tokens are 40 characters.
    if (/^[0-9a-f]{37}$/.test(token)) {
      throw new AppError(
        'credential_misplaced',
        `${tokenVariable} looks like a Global API Key (37 hex digits), not an API token; a key goes in ${keyVariable} with ${emailVariable}, but a scoped API token is safer`,
      );
    }
    if (key) notes.push(`both ${tokenVariable} and ${keyVariable} are set: using the API token, ignoring the Global API Key`);
    const flavour = token.startsWith('cfut_') ? 'user' : token.startsWith('cfat_') ? 'account' : 'legacy';
    const accountId = nonEmpty(env.CLOUDFLARE_ACCOUNT_ID);
    return { credential: { kind: 'token', flavour, token, ...(accountId ? { accountId } : {}) }, notes };
  }
  if (key) {
    if (key.startsWith('cfut_') || key.startsWith('cfat_')) {
      throw new AppError('credential_misplaced', `${keyVariable} holds an API token (prefix ${key.slice(0, 5)}); put it in ${tokenVariable} instead`);
    }
    if (!email) throw new AppError('credential_missing', `${keyVariable} (the Global API Key) needs ${emailVariable}, the e-mail address of its Cloudflare user`);
    return { credential: { kind: 'global-key', key, email }, notes };
  }
  throw new AppError(
    'credential_missing',
    `no Cloudflare credential: set ${tokenVariable} to an API token with Zone:Zone:Read and Zone:DNS:Edit on the zones involved (or ${keyVariable} + ${emailVariable} for the Global API Key)`,
  );
}

/** The strings that must never appear in output: the secret and nothing else. */
export function credentialSecrets(credential: CloudflareCredential): string[] {
  return credential.kind === 'token' ? [credential.token] : [credential.key];
}

export function describeCredential(credential: CloudflareCredential): string {
  if (credential.kind === 'global-key') return `Global API Key of ${credential.email}`;
  return { user: 'user API token (cfut_)', account: 'account API token (cfat_)', legacy: 'API token' }[credential.flavour];
}
