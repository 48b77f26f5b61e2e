import { ApiObject } from 'cdk8s';
import { k8s } from '../../lib/core/k8s-api';
import { Construct } from 'constructs';
import {
  ARGOCD_HOOK_ANNOTATION, ARGOCD_HOOK_DELETE_POLICY_ANNOTATION, ContainerResources, EnvValue, INetworkPeer, NetworkPort, PlatformChart,
  WorkloadNetworkPolicy, componentLabels, exemptionAnnotations, imageVersion, podPeer, renderEnv, renderResources, restrictedContainerSecurityContext,
  selectorLabels, validateContainer,
} from '../../lib';

export interface AirbyteBootloaderProps {
  /** Job and ServiceAccount name. */
  readonly name: string;
  /** `airbyte/bootloader:<release>`. */
  readonly image: string;
  readonly env: Record<string, EnvValue>;
  readonly resources: ContainerResources;
  /** Pod user (the image's `airbyte` user). */
  readonly runAsUser: number;
  /** Auth Secret the bootloader creates or updates (dataplane credentials, AB_KUBERNETES_SECRET_NAME). */
  readonly authSecretName: string;
}

/**
 * Airbyte's bootloader as an Argo CD Sync hook Job: it runs the Flyway migrations of the configs and jobs
 * databases and registers the dataplane, then exits. Upstream runs it as a Helm pre-install/pre-upgrade hook Pod
 * (charts/airbyte-bootloader/templates/pod.yaml at v1.6.0); the server refuses to start on an unmigrated database.
 * A Sync hook (not PreSync) so the ExternalSecrets of earlier waves exist; its wave puts it before the apps.
 *
 * It calls the Kubernetes API: DataplaneInitializer (airbyte-bootloader/.../DataplaneInitializer.kt at v1.6.0)
 * writes the dataplane client id/secret into the auth Secret, so it has its own ServiceAccount with a token and a
 * Role limited to that Secret (upstream shares the launcher's broad `airbyte-admin` role).
 */
export class AirbyteBootloader extends Construct {
  public readonly name: string;
  public readonly resource: ApiObject;
  public readonly serviceAccount: ApiObject;
  public readonly role: ApiObject;
  public readonly roleBinding: ApiObject;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly selectorLabels: Record<string, string>;
  public readonly peerName: string;
  public readonly peerNamespace: string;

  constructor(scope: Construct, id: string, props: AirbyteBootloaderProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const namespace = chart.defaultNamespace;
    this.name = props.name;
    this.peerName = `${namespace}/${this.name}`;
    this.peerNamespace = namespace;
    validateContainer(this, '', { image: props.image, env: props.env, resources: props.resources });
    this.selectorLabels = selectorLabels(this.name, chart.platform);
    const labels = componentLabels({ name: this.name, platform: chart.platform, component: 'bootloader', version: imageVersion(props.image) });

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace, labels },
      automountServiceAccountToken: false,
    });
    // create for the first run; get/update to merge keys into it later (K8sSecretHelper.createOrUpdateSecret, v1.6.0).
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: { name: this.name, namespace, labels },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [props.authSecretName], verbs: ['get', 'update'] },
      ],
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: this.name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace }],
    });

    const uid = props.runAsUser;
    this.resource = new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace,
        labels,
        annotations: {
          [ARGOCD_HOOK_ANNOTATION]: 'Sync',
          [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation,HookSucceeded',
          ...exemptionAnnotations({
            'practice/service-account-token':
              'the bootloader writes the dataplane credentials into the auth Secret through the Kubernetes API (Role limited to that Secret)',
          }),
        },
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: { ...labels, ...this.selectorLabels } },
          spec: {
            serviceAccountName: this.name,
            restartPolicy: 'Never',
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'bootloader',
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              env: renderEnv(props.env),
              resources: renderResources(props.resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }],
          },
        },
      },
    });
    this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: this.name, namespace, podLabels: this.selectorLabels });
  }

  /** Adds an egress rule from the Job's pods. */
  public allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.networkPolicy.addEgress(peer, ports);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return podPeer(fromNamespace, this.peerNamespace, this.selectorLabels);
  }
}
