import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SealedSecret as SealedSecretResource } from '../../imports/sealedsecret-bitnami.com';
import { check } from '../core/errors';
import { checkDnsSubdomain } from '../core/names';
import { PlatformChart } from '../core/platform-chart';
import { ISecretSource, SecretKeyRef } from '../core/secret-ref';

/**
 * Which name and namespace the ciphertext is bound to (`kubeseal --scope`). `strict` binds it to both, so a
 * copied SealedSecret cannot be unsealed under another name or in another namespace.
 */
export type SealedSecretScope = 'strict' | 'namespace-wide' | 'cluster-wide';

export interface SealedSecretProps {
  /** Name of the SealedSecret and of the Secret the controller creates (DNS-1123 subdomain). @default - the construct id */
  readonly name?: string;
  /** Namespace of both. @default - the chart's namespace */
  readonly namespace?: string;
  /** Key → ciphertext, as printed by `kubeseal --raw` (or found in `spec.encryptedData` of `kubeseal` output). Never plaintext. */
  readonly encryptedData: Record<string, string>;
  /** The scope the values were sealed with; must match the `kubeseal --scope` used. @default 'strict' */
  readonly scope?: SealedSecretScope;
  /** Type of the Secret the controller creates, e.g. `kubernetes.io/tls`. @default 'Opaque' */
  readonly type?: string;
  /** Labels on the created Secret. @default - none */
  readonly labels?: Record<string, string>;
  /** Make the created Secret immutable (a rotation then needs a new name). @default false */
  readonly immutable?: boolean;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Sizes in bytes of RSA-OAEP output for 2048-, 3072- and 4096-bit keys (the controller's default is 4096). */
const RSA_CIPHERTEXT_BYTES = new Set([256, 384, 512]);
const GCM_TAG_BYTES = 16;

/**
 * A Bitnami SealedSecret: ciphertext that is safe to keep in Git and in `dist/`, unsealed into a Secret of the
 * same name by the Sealed Secrets controller in the cluster. Implements {@link ISecretSource}, so consumers
 * mount or reference it like any other Secret, and refuses values that do not look like sealed ciphertext.
 */
export class SealedSecret extends Construct implements ISecretSource {
  public readonly secretName: string;
  public readonly secretNamespace: string;
  /** Keys the created Secret holds, sorted. */
  public readonly keys: readonly string[];
  /** The SealedSecret object (escape hatch). */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: SealedSecretProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.secretName = props.name ?? id;
    this.secretNamespace = props.namespace ?? chart.defaultNamespace;
    checkDnsSubdomain(this, 'name', this.secretName);
    checkDnsSubdomain(this, 'namespace', this.secretNamespace);
    const keys = Object.keys(props.encryptedData).sort();
    check(this, keys.length > 0, 'encryptedData', keys, 'must hold at least one key');
    for (const key of keys) {
      check(this, key.length <= 253 && SECRET_KEY.test(key), 'encryptedData', key,
        'keys must consist of letters, digits, "-", "_" and "." (a Secret data key)');
      // The value itself is never printed: even a mistaken plaintext must not end up in an error log.
      check(this, looksLikeSealedCiphertext(props.encryptedData[key]), `encryptedData["${key}"]`, '<redacted>',
        'must be sealed-secrets ciphertext as printed by `kubeseal --raw`: base64 of a 2-byte length, the RSA-encrypted session key and the AES-GCM payload; this looks like plaintext or a truncated value');
    }
    this.keys = keys;
    const sealScope = props.scope ?? 'strict';
    const annotations: Record<string, string> | undefined = sealScope === 'strict' ? undefined
      : { [`sealedsecrets.bitnami.com/${sealScope}`]: 'true' };
    const labels = props.labels && Object.keys(props.labels).length > 0
      ? Object.fromEntries(Object.keys(props.labels).sort().map((k) => [k, props.labels![k]]))
      : undefined;

    this.resource = new SealedSecretResource(this, 'Resource', {
      metadata: { name: this.secretName, namespace: this.secretNamespace, annotations },
      spec: {
        encryptedData: Object.fromEntries(keys.map((k) => [k, props.encryptedData[k]])),
        template: {
          metadata: { name: this.secretName, namespace: this.secretNamespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
          type: props.type ?? 'Opaque',
          ...(props.immutable ? { immutable: true } : {}),
        },
      },
    });
  }

  public keyRef(key: string): SecretKeyRef {
    check(this, this.keys.includes(key), 'key', key, `must be one of the sealed keys (${this.keys.join(', ')})`);
    return { secretName: this.secretName, key };
  }
}

/**
 * True for a value shaped like sealed-secrets hybrid ciphertext: standard base64 whose bytes start with the
 * big-endian length of an RSA-OAEP block (256, 384 or 512 bytes), followed by that block and at least an AES-GCM tag.
 */
export function looksLikeSealedCiphertext(value: string): boolean {
  if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 2) return false;
  const rsaLength = bytes.readUInt16BE(0);
  return RSA_CIPHERTEXT_BYTES.has(rsaLength) && bytes.length >= 2 + rsaLength + GCM_TAG_BYTES;
}
