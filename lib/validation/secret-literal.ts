/** Environment variable names that hold secrets. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Names that point at a secret (a file or directory) rather than hold one. */
const SECRET_REFERENCE_NAME = /_(FILE|PATH|DIR)$/i;
/** A URL with a password in it: `scheme://user:password@host`. */
export const CREDENTIAL_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/**
 * True for literal values that must come from a Secret: a URL with a password, or a secret-looking name whose
 * value is not a path (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json` names a file, it is not a secret).
 * Shared by the constructs (reject at construction) and the gate (reject in output), so both agree.
 */
export function looksLikeSecretLiteral(name: string, value: string): boolean {
  if (value === '') return false;
  if (CREDENTIAL_URL.test(value)) return true;
  if (SECRET_REFERENCE_NAME.test(name) || value.startsWith('/')) return false;
  return SECRET_NAME.test(name);
}
