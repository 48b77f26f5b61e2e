import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { ARGOCD_RESOURCES_FINALIZER, checkClusterDestination, ClusterDestination } from '../delivery/argocd-application';
import { check } from '../core/errors';
import { checkDnsLabel } from '../core/names';
import { HelmChartRef } from './catalog';

/** A full semantic version, optionally with a leading `v`: no ranges, no wildcards, no `latest`. */
export const EXACT_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export interface HelmApplicationProps {
  /** Application name (DNS-1123 label). */
  readonly name: string;
  /** Namespace Argo CD watches for Applications. */
  readonly namespace: string;
  /** AppProject that limits the chart's repository, destination and kinds. */
  readonly project: string;
  /** Chart, repository and exact version. */
  readonly chart: HelmChartRef;
  /** Helm release name. @default - the chart name */
  readonly releaseName?: string;
  /** Values, rendered as `spec.source.helm.valuesObject` (typed by the add-on's values interface). */
  readonly values: object;
  /** Cluster the release is installed into. */
  readonly cluster: ClusterDestination;
  /** Namespace of the release; Argo CD creates it with the Pod Security labels below. */
  readonly destinationNamespace: string;
  /** Pod Security Standard enforced on the namespace Argo CD creates. */
  readonly podSecurity: 'restricted' | 'baseline' | 'privileged';
  /** Sync automatically with prune and self-heal; false means a person syncs. */
  readonly automatedSync: boolean;
  /** Apply server-side (CRDs over the 256 KiB annotation limit). */
  readonly serverSideApply: boolean;
}

/**
 * An Argo CD Application installing one upstream Helm chart at an exact version, with typed values. Argo CD
 * creates the release namespace and labels it for Pod Security (kube-system is never relabelled).
 */
export class HelmApplication extends Construct {
  public readonly name: string;
  /** The Application object (escape hatch). */
  public readonly resource: Application;

  constructor(scope: Construct, id: string, props: HelmApplicationProps) {
    super(scope, id);
    this.name = props.name;
    checkDnsLabel(this, 'name', props.name);
    checkDnsLabel(this, 'destinationNamespace', props.destinationNamespace);
    checkClusterDestination(this, 'cluster', props.cluster);
    check(this, EXACT_VERSION.test(props.chart.version), 'chart.version', props.chart.version,
      'must be an exact chart version such as 1.2.3 or v1.2.3 (no range, no wildcard, no "latest") so every sync installs the same chart');
    check(this, !props.chart.repoUrl.startsWith('oci://'), 'chart.repoUrl', props.chart.repoUrl,
      'Argo CD names an OCI Helm registry without the oci:// scheme (host/path, with enableOCI on the repository Secret)');
    const managedNamespace = props.destinationNamespace !== 'kube-system';
    const level = props.podSecurity;
    this.resource = new Application(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, finalizers: [ARGOCD_RESOURCES_FINALIZER] },
      spec: {
        project: props.project,
        source: {
          repoUrl: props.chart.repoUrl,
          chart: props.chart.chart,
          targetRevision: props.chart.version,
          helm: { releaseName: props.releaseName ?? props.chart.chart, valuesObject: props.values },
        },
        destination: { ...props.cluster, namespace: props.destinationNamespace },
        syncPolicy: {
          automated: props.automatedSync ? { prune: true, selfHeal: true } : undefined,
          syncOptions: [
            `CreateNamespace=${managedNamespace}`,
            'PruneLast=true',
            ...(props.serverSideApply ? ['ServerSideApply=true'] : []),
          ],
          managedNamespaceMetadata: managedNamespace ? {
            labels: {
              'pod-security.kubernetes.io/enforce': level,
              'pod-security.kubernetes.io/audit': level,
              'pod-security.kubernetes.io/warn': level,
            },
          } : undefined,
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '180s' } },
        },
      },
    });
  }
}
