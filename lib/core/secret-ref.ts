import { Construct } from 'constructs';
import { check } from './errors';
import { checkDnsSubdomain } from './names';
import { PlatformChart } from './platform-chart';

/** A key of a Secret. Where the Secret comes from (existing, SealedSecret, ExternalSecret) does not matter to its consumers. */
export interface SecretKeyRef {
  /** Secret name in the consumer's namespace. */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** Anything that results in a Secret in a namespace: the consumer's view of a secret source. */
export interface ISecretSource {
  /** Name of the Secret that ends up in the cluster. */
  readonly secretName: string;
  /** Namespace of that Secret. */
  readonly secretNamespace: string;
  /** A reference to one key, for `env` or `secretKeyRef`-style props. */
  keyRef(key: string): SecretKeyRef;
}

export interface ExistingSecretProps {
  /** Name of the Secret. */
  readonly name: string;
  /** Namespace of the Secret. @default - the chart's namespace */
  readonly namespace?: string;
  /** Keys the platform expects; `keyRef` refuses others, so a typo fails at synth time. @default - any key */
  readonly keys?: readonly string[];
  /** Who creates the Secret and how (runbook, another system); shown to reviewers. */
  readonly managedBy: string;
}

/**
 * A Secret that already exists in the cluster and is not rendered by us (created by an operator, a runbook
 * or another pipeline). Renders nothing; declares the reference so the validation gate knows it is intended.
 */
export class ExistingSecret extends Construct implements ISecretSource {
  public readonly secretName: string;
  public readonly secretNamespace: string;
  private readonly keys?: readonly string[];

  constructor(scope: Construct, id: string, props: ExistingSecretProps) {
    super(scope, id);
    checkDnsSubdomain(this, 'name', props.name);
    check(this, props.managedBy.trim().length > 0, 'managedBy', props.managedBy, 'say who creates this Secret');
    const chart = PlatformChart.of(this);
    this.secretName = props.name;
    this.secretNamespace = props.namespace ?? chart.defaultNamespace;
    this.keys = props.keys;
    chart.addExternalReference({ kind: 'Secret', namespace: this.secretNamespace, name: this.secretName, reason: props.managedBy });
  }

  public keyRef(key: string): SecretKeyRef {
    check(this, !this.keys || this.keys.includes(key), 'key', key, `must be one of the declared keys (${(this.keys ?? []).join(', ')})`);
    return { secretName: this.secretName, key };
  }
}
