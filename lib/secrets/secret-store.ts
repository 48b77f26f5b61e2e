import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct, IConstruct } from 'constructs';
import { SecretStoreV1Beta1 } from '../../imports/external-secrets-secretstore-external-secrets.io';
import { check } from '../core/errors';
import { SecretStoreReference } from './external-secret';
import { checkDnsLabel } from '../core/names';
import { PlatformChart } from '../core/platform-chart';

/** The ServiceAccount annotation that binds a Kubernetes ServiceAccount to a Google service account (GKE Workload Identity). */
export const WORKLOAD_IDENTITY_ANNOTATION = 'iam.gke.io/gcp-service-account';

const GCP_PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const GSA_EMAIL = /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/;

/** `<account>@<project>.iam.gserviceaccount.com`, the e-mail of a user-managed Google service account. */
export function googleServiceAccountEmail(account: string, project: string): string {
  return `${account}@${project}.iam.gserviceaccount.com`;
}

/** Checks a GCP project id: 6–30 lower-case letters, digits and "-", starting with a letter. */
export function checkGcpProjectId(scope: IConstruct, prop: string, value: string): void {
  check(scope, GCP_PROJECT_ID.test(value), prop, value, 'must be a GCP project id: 6-30 lower-case letters, digits and "-", starting with a letter');
}

/** Checks the e-mail of a user-managed Google service account, as Workload Identity expects it. */
export function checkGoogleServiceAccountEmail(scope: IConstruct, prop: string, value: string): void {
  check(scope, GSA_EMAIL.test(value), prop, value, 'must be a Google service account e-mail such as "name@project-id.iam.gserviceaccount.com"');
}

export interface GcpSecretStoreProps {
  /** Name of the SecretStore. @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** GCP project whose Secret Manager holds the secrets. */
  readonly projectId: string;
  /** Google service account the store impersonates through Workload Identity; needs `roles/secretmanager.secretAccessor`. */
  readonly googleServiceAccount: string;
  /** Name of the GKE cluster (Workload Identity token exchange). */
  readonly clusterName: string;
  /** Region or zone of the GKE cluster. */
  readonly clusterLocation: string;
  /** Project of the GKE cluster. @default - `projectId` */
  readonly clusterProjectId?: string;
  /** Kubernetes ServiceAccount the operator requests tokens for. @default - the store name */
  readonly serviceAccountName?: string;
}

/**
 * A SecretStore for GCP Secret Manager that authenticates with GKE Workload Identity: a Kubernetes
 * ServiceAccount annotated with a Google service account, no key file anywhere. ExternalSecrets in the
 * same namespace reference it through `ref`.
 */
export class GcpSecretStore extends Construct {
  /** What an ExternalSecret puts in `store`. */
  public readonly ref: SecretStoreReference;
  /** The SecretStore object (escape hatch). */
  public readonly resource: ApiObject;
  /** The ServiceAccount bound to the Google service account. */
  public readonly serviceAccount: ApiObject;

  constructor(scope: Construct, id: string, props: GcpSecretStoreProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const name = props.name ?? id;
    const namespace = props.namespace ?? chart.defaultNamespace;
    const serviceAccountName = props.serviceAccountName ?? name;
    checkDnsLabel(this, 'name', name);
    checkDnsLabel(this, 'serviceAccountName', serviceAccountName);
    checkGcpProjectId(this, 'projectId', props.projectId);
    if (props.clusterProjectId !== undefined) checkGcpProjectId(this, 'clusterProjectId', props.clusterProjectId);
    checkGoogleServiceAccountEmail(this, 'googleServiceAccount', props.googleServiceAccount);
    checkDnsLabel(this, 'clusterName', props.clusterName);
    check(this, /^[a-z]+-[a-z]+[0-9]+(-[a-z])?$/.test(props.clusterLocation), 'clusterLocation', props.clusterLocation,
      'must be a GCP region or zone such as "europe-west6" or "europe-west6-a"');

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: serviceAccountName, namespace, annotations: { [WORKLOAD_IDENTITY_ANNOTATION]: props.googleServiceAccount } },
      // The operator asks for tokens through the TokenRequest API; nothing mounts this one.
      automountServiceAccountToken: false,
    });
    this.resource = new SecretStoreV1Beta1(this, 'Resource', {
      metadata: { name, namespace },
      spec: {
        provider: {
          gcpsm: {
            projectId: props.projectId,
            auth: {
              workloadIdentity: {
                clusterName: props.clusterName,
                clusterLocation: props.clusterLocation,
                clusterProjectId: props.clusterProjectId ?? props.projectId,
                serviceAccountRef: { name: serviceAccountName },
              },
            },
          },
        },
      },
    });
    this.ref = { name, kind: 'SecretStore', namespace };
  }
}
