/**
 * Secret literals, found by their value (well-known token formats, credentials in URLs, key blocks, headers) and by
 * their name (a secret-looking variable with a literal, or a high-entropy token under a name such as `*_KEY`).
 * One rule for the constructs (reject at construction) and the gate (reject in the output), so both agree.
 *
 * The value patterns follow gitleaks' rule set (config/gitleaks.toml, v8.21). A maintained npm detector was
 * considered: secretlint's preset (@secretlint/secretlint-rule-preset-recommend 13.1.0) covers the same formats,
 * but its rules run through the asynchronous `@secretlint/core` `lintSource`, and constructors validate
 * synchronously; a table of regular expressions keeps both callers synchronous and costs microseconds per value.
 * Every pattern has true- and false-positive cases in test/validation/secret-literal.test.ts.
 */

/** One kind of secret recognised by its value alone. */
export interface SecretPattern {
  /** Short id, e.g. `stripe-key`. */
  readonly id: string;
  /** What it is, for messages: `a Stripe secret key`. */
  readonly what: string;
  readonly pattern: RegExp;
}

/** Secrets recognised by their value alone, wherever they appear. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // `scheme://user:password@host` and `scheme://:password@host` (Redis has no user name); `user@host` has no password.
  { id: 'credential-url', what: 'a URL with a password', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i },
  { id: 'private-key', what: 'a PEM private key', pattern: /-----BEGIN[ A-Z0-9_-]*PRIVATE KEY( BLOCK)?-----/ },
  { id: 'jwt', what: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { id: 'authorization-header', what: 'an Authorization header value', pattern: /\b(?:bearer|basic|token)\s+[A-Za-z0-9._~+/-]{12,}=*/i },
  { id: 'aws-access-key', what: 'an AWS access key id', pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/ },
  { id: 'github-token', what: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b/ },
  { id: 'gitlab-token', what: 'a GitLab token', pattern: /\bgl(?:pat|dt|rt|cbt|ptt|ft|soat)-[A-Za-z0-9_-]{20,}/ },
  { id: 'slack-token', what: 'a Slack token or webhook', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}|hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9+/]{20,}/ },
  { id: 'stripe-key', what: 'a Stripe secret key', pattern: /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}\b/ },
  { id: 'google-api-key', what: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { id: 'npm-token', what: 'an npm access token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { id: 'anthropic-key', what: 'an Anthropic API key', pattern: /\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{20,}/ },
  { id: 'openai-key', what: 'an OpenAI API key', pattern: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/ },
  { id: 'huggingface-token', what: 'a Hugging Face token', pattern: /\bhf_[A-Za-z]{34}\b/ },
];

/** Names whose literal values must come from a Secret, whatever the value looks like. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Names that may hold a secret: a high-entropy literal under them is one (`KEYCLOAK_URL` is not a `KEY`). */
const SECRETISH_NAME = /(^|[_.-])(KEY|PASS|PWD|CREDENTIALS?|AUTH|PAT|SALT|SIGNATURE)([_.-]|$)/i;
/** Names that point at a secret (a file, a directory, a Secret object) rather than hold one. */
const SECRET_REFERENCE_NAME = /_(FILE|PATH|DIR|SECRET_NAME)$/i;
/** Names that hold the key of an entry inside a Secret (Airbyte's `*_SECRET_KEY`), when the value reads as a key name. */
const SECRET_KEY_NAME = /_SECRET_KEY$/i;
/** A Secret data key (`[-._a-zA-Z0-9]+`, what the API server accepts). */
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** An http(s) URL without user info: an address (a token endpoint), not a credential; credentials in URLs are caught by value. */
const PLAIN_URL = /^https?:\/\/[^\s@/]+(\/\S*)?$/;
/** `$(VAR)` (Kubernetes env expansion) and `${VAR}` / `${VAR:-default}` (shell, envsubst, Keycloak, Spring). */
const PLACEHOLDER = /\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_.]*(?::?[-=?+][^}]*)?\}/g;
/** A token: no spaces, no path or URL punctuation, at least 16 characters. */
const TOKEN = /^[A-Za-z0-9+/=_.~-]{16,}$/;

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** A random-looking token: letters and digits mixed, ≥ 3.5 bits per character (`changeme-please-now` is not). */
function looksRandom(value: string): boolean {
  return TOKEN.test(value) && /[A-Za-z]/.test(value) && /[0-9]/.test(value) && !value.startsWith('/') && entropy(value) >= 3.5;
}

/** Why a value is a secret literal, for messages (never the value itself). */
export interface SecretMatch {
  /** Pattern id, `secret-name` or `high-entropy`. */
  readonly id: string;
  /** What was found: `a Stripe secret key`. */
  readonly what: string;
}

/** The first well-known secret format in `value` (placeholders such as `$(DB_PASSWORD)` removed first), if any. */
export function findSecretValue(value: string): SecretMatch | undefined {
  if (value.length < 8) return undefined;
  const text = value.includes('$') ? value.replace(PLACEHOLDER, '') : value;
  for (const { id, what, pattern } of SECRET_PATTERNS) if (pattern.test(text)) return { id, what };
  return undefined;
}

/**
 * Why the literal `value` under `name` (an env var, a ConfigMap key, a `--flag`) must come from a Secret, or
 * undefined. A value made only of placeholders (`${KC_DB_PASSWORD}`) or a path (`/var/secrets/key.json`, or any
 * value under a `*_FILE`/`*_PATH`/`*_DIR` name) is not a secret; a multi-line value (a file) is judged by its
 * content only.
 */
export function findSecretLiteral(name: string, value: string): SecretMatch | undefined {
  if (value === '') return undefined;
  const byValue = findSecretValue(value);
  if (byValue) return byValue;
  const literal = value.includes('$') ? value.replace(PLACEHOLDER, '').trim() : value;
  if (literal === '' || value.includes('\n') || SECRET_REFERENCE_NAME.test(name) || value.startsWith('/')) return undefined;
  if (PLAIN_URL.test(literal) || (SECRET_KEY_NAME.test(name) && DATA_KEY.test(literal) && !looksRandom(literal))) return undefined;
  if (SECRET_NAME.test(name)) return { id: 'secret-name', what: `a literal under the secret-looking name ${name}` };
  if (SECRETISH_NAME.test(name) && looksRandom(literal)) return { id: 'high-entropy', what: `a random-looking literal under ${name}` };
  return undefined;
}

/** True for literal values that must come from a Secret (see {@link findSecretLiteral}). */
export function looksLikeSecretLiteral(name: string, value: string): boolean {
  return findSecretLiteral(name, value) !== undefined;
}

/** `--name=value` or `-name=value` of a command line argument; other arguments are judged by their value only. */
export function findSecretInArgument(arg: string): SecretMatch | undefined {
  const flag = /^--?([A-Za-z0-9][A-Za-z0-9_.-]*)=(.*)$/s.exec(arg);
  if (!flag) return findSecretValue(arg);
  const name = flag[1].replace(/[-.]/g, '_');
  const found = findSecretLiteral(name, flag[2]);
  const byName = found !== undefined && (found.id === 'secret-name' || found.id === 'high-entropy');
  return byName ? { ...found, what: found.what.replace(name, `--${flag[1]}`) } : found;
}
