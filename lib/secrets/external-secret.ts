import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ExternalSecretV1Beta1, ExternalSecretV1Beta1SpecTargetCreationPolicy, ExternalSecretV1Beta1SpecTargetDeletionPolicy,
} from '../../imports/external-secrets-externalsecret-external-secrets.io';
import { check } from '../core/errors';
import { checkDnsLabel, checkDnsSubdomain, checkUnique } from '../core/names';
import { PlatformChart } from '../core/platform-chart';
import { SecretKeyRef, ISecretSource } from '../core/secret-ref';

/** The store an ExternalSecret reads from. */
export interface SecretStoreReference {
  /** Name of the SecretStore or ClusterSecretStore. */
  readonly name: string;
  /** Kind of the store. @default 'SecretStore' */
  readonly kind?: 'SecretStore' | 'ClusterSecretStore';
  /** Namespace of a `SecretStore`, to refuse a reference across namespaces. @default - not checked */
  readonly namespace?: string;
}

/** One key of the resulting Secret and where its value lives in the store. */
export interface ExternalSecretKey {
  /** Key in the Kubernetes Secret. */
  readonly secretKey: string;
  /** Name of the secret in the store (for GCP Secret Manager, the secret id). */
  readonly remoteKey: string;
  /** A property inside a JSON-valued remote secret. @default - the whole value */
  readonly property?: string;
  /** Version of the remote secret. @default - the latest version */
  readonly version?: string;
}

export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it creates. @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** The SecretStore or ClusterSecretStore that holds the values. */
  readonly store: SecretStoreReference;
  /** Keys of the Secret, each mapped to a remote secret. */
  readonly data: readonly ExternalSecretKey[];
  /** How often the operator re-reads the store (Go duration, e.g. "1h", "15m"). @default '1h' */
  readonly refreshInterval?: string;
  /** Who owns the created Secret. @default 'Owner' */
  readonly creationPolicy?: 'Owner' | 'Orphan' | 'Merge' | 'None';
  /** What happens to the Secret when the remote secret is deleted. @default 'Retain' */
  readonly deletionPolicy?: 'Retain' | 'Delete' | 'Merge';
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * An `external-secrets.io/v1beta1` ExternalSecret: the External Secrets Operator copies values from a store
 * (GCP Secret Manager, Vault, …) into a Secret of the same name. Only references live in the repository.
 * `keyRef` refuses keys that were not declared, so a typo fails at synth time instead of at pod start.
 */
export class ExternalSecret extends Construct implements ISecretSource {
  public readonly secretName: string;
  public readonly secretNamespace: string;
  /** Keys the Secret will hold, sorted. */
  public readonly keys: readonly string[];
  /** The ExternalSecret object (escape hatch). */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.secretName = props.name ?? id;
    this.secretNamespace = props.namespace ?? chart.defaultNamespace;
    checkDnsSubdomain(this, 'name', this.secretName);
    checkDnsLabel(this, 'namespace', this.secretNamespace);
    checkDnsSubdomain(this, 'store.name', props.store.name);
    const storeKind = props.store.kind ?? 'SecretStore';
    check(this, !(storeKind === 'SecretStore' && props.store.namespace !== undefined && props.store.namespace !== this.secretNamespace),
      'store.namespace', props.store.namespace,
      `a SecretStore serves only its own namespace (${this.secretNamespace}); use a ClusterSecretStore or a store in this namespace`);
    check(this, props.data.length > 0, 'data', props.data, 'must list at least one key');
    props.data.forEach((d, i) => {
      check(this, SECRET_KEY.test(d.secretKey), `data[${i}].secretKey`, d.secretKey, 'must be a valid Secret key: letters, digits, "-", "_" and "."');
      check(this, d.remoteKey.trim().length > 0 && d.remoteKey === d.remoteKey.trim(), `data[${i}].remoteKey`, d.remoteKey,
        'must name the remote secret, without surrounding whitespace');
      if (d.property !== undefined) check(this, d.property.length > 0, `data[${i}].property`, d.property, 'must not be empty when set');
    });
    checkUnique(this, 'data[].secretKey', props.data.map((d) => d.secretKey));
    const refreshInterval = props.refreshInterval ?? '1h';
    check(this, GO_DURATION.test(refreshInterval), 'refreshInterval', refreshInterval, 'must be a Go duration such as "1h", "15m" or "30s"');

    const data = [...props.data].sort((a, b) => a.secretKey.localeCompare(b.secretKey, 'en'));
    this.keys = data.map((d) => d.secretKey);
    this.resource = new ExternalSecretV1Beta1(this, 'Resource', {
      metadata: { name: this.secretName, namespace: this.secretNamespace },
      spec: {
        refreshInterval,
        secretStoreRef: { name: props.store.name, kind: storeKind },
        target: {
          name: this.secretName,
          creationPolicy: (props.creationPolicy ?? 'Owner') as ExternalSecretV1Beta1SpecTargetCreationPolicy,
          deletionPolicy: (props.deletionPolicy ?? 'Retain') as ExternalSecretV1Beta1SpecTargetDeletionPolicy,
        },
        data: data.map((d) => ({
          secretKey: d.secretKey,
          remoteRef: {
            key: d.remoteKey,
            ...(d.property !== undefined ? { property: d.property } : {}),
            ...(d.version !== undefined ? { version: d.version } : {}),
          },
        })),
      },
    });
  }

  public keyRef(key: string): SecretKeyRef {
    check(this, this.keys.includes(key), 'key', key, `must be one of the declared keys (${this.keys.join(', ')})`);
    return { secretName: this.secretName, key };
  }
}
