import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { check } from '../core/errors';
import { checkDnsLabel } from '../core/names';
import { INetworkPeer } from '../core/network-peer';
import { checkCpu, checkMemory } from '../core/quantities';
import { keepData } from '../core/sync-wave';

/** Pod Security Standards level enforced by the namespace's admission labels. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespaceBaselineProps {
  /** Namespace name (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Pod Security Admission level, set for `enforce`, `audit` and `warn`. @default 'restricted' */
  readonly podSecurity?: PodSecurityLevel;
  /** Reason for a level weaker than `restricted`; required in that case. @default - none */
  readonly podSecurityReason?: string;
  /** Extra labels on the Namespace. @default - none */
  readonly labels?: Record<string, string>;
  /** Namespace annotations. @default - none */
  readonly annotations?: Record<string, string>;
  /** Where cluster DNS runs, for the DNS egress rule. @default - kube-dns pods in kube-system */
  readonly dnsPeer?: INetworkPeer;
  /**
   * Host-network DNS resolvers pods talk to instead of kube-dns, as CIDRs. A pod selector never matches them, so
   * without this DNS fails under default-deny: GKE Autopilot always runs NodeLocal DNSCache, and Cloud DNS for GKE
   * answers on the metadata server (`GKE_NODE_DNS_RESOLVERS`). @default - none
   */
  readonly nodeDnsResolvers?: readonly string[];
  /** Optional ResourceQuota hard limits, e.g. `{ 'requests.cpu': '8', 'limits.memory': '32Gi' }`. @default - no quota */
  readonly resourceQuota?: Record<string, string>;
  /** Optional LimitRange defaults for containers that set nothing. @default - no LimitRange */
  readonly limitRange?: ContainerLimitDefaults;
  /** Render the Namespace object itself; false when another team owns it but we still own its policies. @default true */
  readonly createNamespace?: boolean;
}

/** Defaults a LimitRange applies to containers without their own requests/limits. */
export interface ContainerLimitDefaults {
  /** Default CPU request. */
  readonly defaultCpuRequest: string;
  /** Default memory request. */
  readonly defaultMemoryRequest: string;
  /** Default memory limit. */
  readonly defaultMemoryLimit: string;
  /** Largest memory limit a container may set. @default - no maximum */
  readonly maxMemoryLimit?: string;
}

/** GKE's node-local resolvers: NodeLocal DNSCache (always on in Autopilot) and the metadata server behind Cloud DNS for GKE. */
export const GKE_NODE_DNS_RESOLVERS: readonly string[] = ['169.254.20.10/32', '169.254.169.254/32'];

const KUBE_DNS: INetworkPeer = {
  peerName: 'kube-dns',
  peerNamespace: 'kube-system',
  toNetworkPolicyPeer: () => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
  }),
};

/**
 * A namespace that is safe before anything is deployed into it: Pod Security "restricted" enforced
 * by admission labels, default-deny for ingress and egress, and DNS egress so allowed traffic can resolve names.
 */
export class NamespaceBaseline extends Construct {
  public readonly name: string;
  /** The Namespace object, if rendered. */
  public readonly namespace?: ApiObject;
  /** The default-deny NetworkPolicy. */
  public readonly defaultDeny: ApiObject;
  /** The DNS egress NetworkPolicy. */
  public readonly allowDns: ApiObject;
  public readonly resourceQuota?: ApiObject;
  public readonly limitRange?: ApiObject;

  constructor(scope: Construct, id: string, props: NamespaceBaselineProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    checkDnsLabel(this, 'name', this.name);
    const level = props.podSecurity ?? 'restricted';
    check(this, level === 'restricted' || (props.podSecurityReason ?? '').trim().length > 0, 'podSecurityReason',
      props.podSecurityReason, `a Pod Security level weaker than "restricted" ("${level}") needs a reason`);

    if (props.createNamespace ?? true) {
      this.namespace = new k8s.KubeNamespace(this, 'Resource', {
        metadata: {
          name: this.name,
          labels: {
            'kubernetes.io/metadata.name': this.name,
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/enforce-version': 'v1.28',
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
            ...props.labels,
          },
          annotations: props.annotations,
        },
      });
      // Deleting a Namespace deletes every claim in it: deleting the Application (or removing the Namespace from
      // Git) must not take the data with it. A person deletes a namespace on purpose.
      keepData(this.namespace);
    }

    this.defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: this.name },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    this.allowDns = new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns-egress', namespace: this.name },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [
            (props.dnsPeer ?? KUBE_DNS).toNetworkPolicyPeer(this.name),
            ...(props.nodeDnsResolvers ?? []).map((cidr) => ({ ipBlock: { cidr } })),
          ],
          ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' }],
        }],
      },
    });

    for (const cidr of props.nodeDnsResolvers ?? []) {
      check(this, /^(\d{1,3}\.){3}\d{1,3}\/(3[0-2]|[12]?\d)$/.test(cidr), 'nodeDnsResolvers', cidr, 'must be IPv4 CIDRs such as "169.254.20.10/32"');
    }

    if (props.resourceQuota) {
      for (const [key, value] of Object.entries(props.resourceQuota)) {
        check(this, /^(requests|limits)\.(cpu|memory)$|^(pods|services|persistentvolumeclaims|requests\.storage|count\/[a-z0-9.]+)$/.test(key), 'resourceQuota', key,
          'keys must be requests.cpu, requests.memory, limits.cpu, limits.memory, requests.storage, pods, services, persistentvolumeclaims or count/<resource>');
        if (/cpu$/.test(key)) checkCpu(this, `resourceQuota["${key}"]`, value);
        else if (/memory$|storage$/.test(key)) checkMemory(this, `resourceQuota["${key}"]`, value);
      }
      const hard: Record<string, k8s.Quantity> = {};
      for (const key of Object.keys(props.resourceQuota).sort()) hard[key] = k8s.Quantity.fromString(props.resourceQuota[key]);
      this.resourceQuota = new k8s.KubeResourceQuota(this, 'Quota', { metadata: { name: 'quota', namespace: this.name }, spec: { hard } });
    }

    if (props.limitRange) {
      const lr = props.limitRange;
      checkCpu(this, 'limitRange.defaultCpuRequest', lr.defaultCpuRequest);
      const req = checkMemory(this, 'limitRange.defaultMemoryRequest', lr.defaultMemoryRequest);
      const lim = checkMemory(this, 'limitRange.defaultMemoryLimit', lr.defaultMemoryLimit);
      check(this, lim >= req, 'limitRange.defaultMemoryLimit', lr.defaultMemoryLimit, `must not be below defaultMemoryRequest (${lr.defaultMemoryRequest})`);
      if (lr.maxMemoryLimit) {
        const max = checkMemory(this, 'limitRange.maxMemoryLimit', lr.maxMemoryLimit);
        check(this, max >= lim, 'limitRange.maxMemoryLimit', lr.maxMemoryLimit, `must not be below defaultMemoryLimit (${lr.defaultMemoryLimit})`);
      }
      this.limitRange = new k8s.KubeLimitRange(this, 'Limits', {
        metadata: { name: 'container-defaults', namespace: this.name },
        spec: {
          limits: [{
            type: 'Container',
            defaultRequest: { cpu: k8s.Quantity.fromString(lr.defaultCpuRequest), memory: k8s.Quantity.fromString(lr.defaultMemoryRequest) },
            default: { memory: k8s.Quantity.fromString(lr.defaultMemoryLimit) },
            ...(lr.maxMemoryLimit ? { max: { memory: k8s.Quantity.fromString(lr.maxMemoryLimit) } } : {}),
          }],
        },
      });
    }
  }
}
