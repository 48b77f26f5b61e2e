import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { checkClusterDestination, checkRepoUrl, ClusterDestination } from './argocd-application';
import { check } from '../core/errors';
import { checkDnsLabel, checkUnique } from '../core/names';

/** An API group and kind, e.g. `{ group: 'apps', kind: 'Deployment' }`; the core group is `''`. */
export interface GroupKind {
  /** API group, `''` for the core group. */
  readonly group: string;
  /** Kind, e.g. `Deployment`. */
  readonly kind: string;
}

export interface ArgoCdProjectProps {
  /** AppProject name (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace Argo CD watches for AppProjects. @default 'argocd' */
  readonly namespace?: string;
  /** Shown in the Argo CD UI. @default - none */
  readonly description?: string;
  /** Git repositories the project's Applications may sync from (no wildcards). */
  readonly sourceRepos: readonly string[];
  /** Cluster the project's Applications may deploy to. */
  readonly cluster: ClusterDestination;
  /** Namespaces on `cluster` the project's Applications may deploy to (no wildcards). */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds the project may create, e.g. `Namespace`. @default - none */
  readonly clusterResources?: readonly GroupKind[];
  /** Namespaced kinds the project may create; an empty list allows none. */
  readonly namespaceResources: readonly GroupKind[];
}

/**
 * An Argo CD AppProject that allows exactly what its Applications need: named source repositories,
 * named namespaces on one cluster, and whitelists of the cluster-scoped and namespaced kinds (no wildcards),
 * so an Application cannot deploy anywhere or anything else.
 */
export class ArgoCdProject extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The AppProject object (escape hatch). */
  public readonly resource: AppProject;

  constructor(scope: Construct, id: string, props: ArgoCdProjectProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? 'argocd';
    checkDnsLabel(this, 'name', this.name);
    checkDnsLabel(this, 'namespace', this.namespace);
    check(this, props.sourceRepos.length > 0, 'sourceRepos', props.sourceRepos, 'must name at least one Git repository');
    props.sourceRepos.forEach((repo, i) => checkRepoUrl(this, `sourceRepos[${i}]`, repo));
    checkUnique(this, 'sourceRepos', props.sourceRepos);
    checkClusterDestination(this, 'cluster', props.cluster);
    check(this, props.namespaces.length > 0, 'namespaces', props.namespaces, 'must name at least one namespace the project deploys to');
    props.namespaces.forEach((ns, i) => checkDnsLabel(this, `namespaces[${i}]`, ns));
    checkUnique(this, 'namespaces', props.namespaces);
    const clusterResources = props.clusterResources ?? [];
    clusterResources.forEach((gk, i) => this.checkGroupKind(`clusterResources[${i}]`, gk));
    props.namespaceResources.forEach((gk, i) => this.checkGroupKind(`namespaceResources[${i}]`, gk));
    checkUnique(this, 'clusterResources', clusterResources.map(groupKindKey));
    checkUnique(this, 'namespaceResources', props.namespaceResources.map(groupKindKey));

    this.resource = new AppProject(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos].sort(),
        destinations: [...props.namespaces].sort().map((namespace) => ({ ...props.cluster, namespace })),
        // An empty cluster whitelist denies every cluster-scoped kind; rendered so reviewers see it.
        clusterResourceWhitelist: sortGroupKinds(clusterResources),
        namespaceResourceWhitelist: sortGroupKinds(props.namespaceResources),
      },
    });
  }

  private checkGroupKind(prop: string, gk: GroupKind): void {
    check(this, /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/.test(gk.group), `${prop}.group`, gk.group,
      'must be an API group such as "apps" or "" for the core group (no wildcards)');
    check(this, /^[A-Z][A-Za-z0-9]*$/.test(gk.kind), `${prop}.kind`, gk.kind, 'must be a kind such as "Deployment" (no wildcards)');
  }
}

function groupKindKey(gk: GroupKind): string {
  return `${gk.group}/${gk.kind}`;
}

function sortGroupKinds(list: readonly GroupKind[]): GroupKind[] {
  return [...list].map((gk) => ({ group: gk.group, kind: gk.kind }))
    .sort((a, b) => cmp(a.group, b.group) || cmp(a.kind, b.kind));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
