import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Application, ApplicationSpecIgnoreDifferences } from '../../imports/argocd-application-argoproj.io';
import { check } from '../core/errors';
import { checkDnsLabel } from '../core/names';

/** The finalizer that makes Argo CD delete an Application's resources when the Application is deleted. */
export const ARGOCD_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** The Kubernetes API of the cluster Argo CD itself runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** A cluster registered in Argo CD, named by its API server URL or by its Argo CD cluster name (exactly one). */
export interface ClusterDestination {
  /** API server URL, e.g. `https://kubernetes.default.svc`. @default - use `name` */
  readonly server?: string;
  /** Argo CD cluster name (the `name` of its cluster Secret). @default - use `server` */
  readonly name?: string;
}

/** Checks that a cluster destination names exactly one of `server` (an https URL) or `name`. */
export function checkClusterDestination(scope: IConstruct, prop: string, cluster: ClusterDestination): void {
  check(scope, (cluster.server === undefined) !== (cluster.name === undefined), prop, cluster,
    'set exactly one of "server" (the API server URL) or "name" (the Argo CD cluster name)');
  if (cluster.server !== undefined) {
    check(scope, /^https:\/\/\S+$/.test(cluster.server), `${prop}.server`, cluster.server, 'must be an https:// URL of the cluster API server');
  } else {
    check(scope, /^[a-zA-Z0-9][-._a-zA-Z0-9@]*$/.test(cluster.name ?? ''), `${prop}.name`, cluster.name,
      'must be a cluster name without spaces, as registered in Argo CD');
  }
}

/** Checks a Git repository URL Argo CD can clone: `https://`, `ssh://` or scp-like `git@host:path`. */
export function checkRepoUrl(scope: IConstruct, prop: string, value: string): void {
  check(scope, /^(https:\/\/|ssh:\/\/)\S+$|^git@[^\s:]+:\S+$/.test(value), prop, value,
    'must be a Git URL: https://…, ssh://… or git@host:path (no wildcards)');
}

export interface ArgoCdApplicationProps {
  /** Application name (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace Argo CD watches for Applications. @default 'argocd' */
  readonly namespace?: string;
  /** AppProject the Application belongs to; it limits the repos, destinations and kinds it may sync. */
  readonly project: string;
  /** Git repository holding the rendered manifests. */
  readonly repoUrl: string;
  /** Branch, tag or commit to sync. @default 'dist' */
  readonly targetRevision?: string;
  /** Directory inside the repository, relative, e.g. `connectors/staging`. */
  readonly path: string;
  /** Cluster the resources are applied to. */
  readonly cluster: ClusterDestination;
  /** Namespace for namespaced resources that set none (ours all set one). @default - none */
  readonly destinationNamespace?: string;
  /** Sync on every change in Git (with prune); false means a person presses sync. @default true */
  readonly automatedSync?: boolean;
  /**
   * With `automatedSync`, also revert changes made in the cluster (self-heal); false syncs only when Git changes.
   * Meaningless without `automatedSync`. @default true
   */
  readonly selfHeal?: boolean;
  /** Let Argo CD create `destinationNamespace`; false when the namespace is rendered with the app. @default false */
  readonly createNamespace?: boolean;
  /** Apply server-side, for CRDs and objects too large for the last-applied annotation. @default false */
  readonly serverSideApply?: boolean;
  /** Delete pruned resources after everything else is applied and healthy. @default true */
  readonly pruneLast?: boolean;
  /** Fields Argo CD ignores when comparing and when syncing (adds `RespectIgnoreDifferences=true`). @default - none */
  readonly ignoreDifferences?: readonly ApplicationSpecIgnoreDifferences[];
  /** Delete the Application's resources when the Application is deleted (the resources finalizer). @default true */
  readonly cascadeDelete?: boolean;
  /** Retries of a failed sync; 0 turns retrying off. @default 5 */
  readonly retryLimit?: number;
  /** Wait before the first retry. @default Duration.seconds(10) */
  readonly retryBackoff?: Duration;
  /** Factor the wait grows by after each failed retry (integer). @default 2 */
  readonly retryBackoffFactor?: number;
  /** Longest wait between retries. @default Duration.minutes(3) */
  readonly retryMaxBackoff?: Duration;
}

/**
 * An Argo CD Application syncing one directory of a Git repository into one cluster, with a sync policy
 * that is safe by default: automated prune and self-heal (or manual), prune last, retry with exponential
 * backoff, and the resources finalizer so deleting the Application removes what it created.
 */
export class ArgoCdApplication extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The Application object (escape hatch). */
  public readonly resource: Application;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? 'argocd';
    checkDnsLabel(this, 'name', this.name);
    checkDnsLabel(this, 'namespace', this.namespace);
    checkDnsLabel(this, 'project', props.project);
    checkRepoUrl(this, 'repoUrl', props.repoUrl);
    const targetRevision = props.targetRevision ?? 'dist';
    check(this, /^[^\s~^:?*[\\]+$/.test(targetRevision), 'targetRevision', targetRevision, 'must be a branch, tag or commit without spaces or glob characters');
    check(this, props.path.length > 0 && !props.path.startsWith('/') && !props.path.endsWith('/') && !props.path.split('/').some((s) => s === '..' || s === '.' || s === ''),
      'path', props.path, 'must be a relative directory such as "platform/environment", without leading or trailing "/" and without "." or ".." segments');
    checkClusterDestination(this, 'cluster', props.cluster);
    if (props.destinationNamespace !== undefined) checkDnsLabel(this, 'destinationNamespace', props.destinationNamespace);
    const automated = props.automatedSync ?? true;
    check(this, automated || props.selfHeal === undefined, 'selfHeal', props.selfHeal,
      'self-heal is part of automated sync: set automatedSync: true or leave selfHeal out');
    const createNamespace = props.createNamespace ?? false;
    check(this, !createNamespace || props.destinationNamespace !== undefined, 'createNamespace', createNamespace,
      'CreateNamespace needs a destinationNamespace to create');

    const retryLimit = props.retryLimit ?? 5;
    const backoff = props.retryBackoff ?? Duration.seconds(10);
    const factor = props.retryBackoffFactor ?? 2;
    const maxBackoff = props.retryMaxBackoff ?? Duration.minutes(3);
    check(this, Number.isInteger(retryLimit) && retryLimit >= 0, 'retryLimit', retryLimit, 'must be a non-negative integer');
    check(this, Number.isInteger(factor) && factor >= 1, 'retryBackoffFactor', factor, 'must be an integer of at least 1');
    check(this, backoff.toSeconds() >= 1, 'retryBackoff', `${backoff.toSeconds()}s`, 'must be at least 1 second');
    check(this, maxBackoff.toSeconds() >= backoff.toSeconds(), 'retryMaxBackoff', `${maxBackoff.toSeconds()}s`,
      `must not be shorter than retryBackoff (${backoff.toSeconds()}s)`);

    const ignoreDifferences = props.ignoreDifferences ?? [];
    for (const [i, d] of ignoreDifferences.entries()) {
      check(this, (d.jsonPointers?.length ?? 0) + (d.jqPathExpressions?.length ?? 0) + (d.managedFieldsManagers?.length ?? 0) > 0,
        `ignoreDifferences[${i}]`, d, 'must name the fields to ignore (jsonPointers, jqPathExpressions or managedFieldsManagers)');
    }

    const syncOptions = [
      `CreateNamespace=${createNamespace}`,
      ...((props.pruneLast ?? true) ? ['PruneLast=true'] : []),
      ...((props.serverSideApply ?? false) ? ['ServerSideApply=true'] : []),
      // Without it Argo CD ignores the differences only when comparing and still overwrites them on sync.
      ...(ignoreDifferences.length > 0 ? ['RespectIgnoreDifferences=true'] : []),
    ];

    this.resource = new Application(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        finalizers: (props.cascadeDelete ?? true) ? [ARGOCD_RESOURCES_FINALIZER] : undefined,
      },
      spec: {
        project: props.project,
        source: { repoUrl: props.repoUrl, targetRevision, path: props.path },
        destination: { ...props.cluster, namespace: props.destinationNamespace },
        ignoreDifferences: ignoreDifferences.length > 0 ? [...ignoreDifferences] : undefined,
        syncPolicy: {
          automated: automated ? { prune: true, selfHeal: props.selfHeal ?? true } : undefined,
          syncOptions,
          retry: {
            limit: retryLimit,
            backoff: { duration: `${backoff.toSeconds()}s`, factor, maxDuration: `${maxBackoff.toSeconds()}s` },
          },
        },
      },
    });
  }
}
