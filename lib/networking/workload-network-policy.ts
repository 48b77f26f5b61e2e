import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { INetworkPeer, NetworkPort } from '../core/network-peer';

export interface WorkloadNetworkPolicyProps {
  /** Name of the NetworkPolicy. */
  readonly name: string;
  /** Namespace of the selected pods. */
  readonly namespace: string;
  /** Labels of the pods the policy applies to. */
  readonly podLabels: Record<string, string>;
}

interface Rule {
  readonly peer: INetworkPeer;
  readonly ports: readonly NetworkPort[];
}

/**
 * The allow rules of one workload's pods. The namespace's default-deny policy blocks everything else;
 * rules are added by `connectTo`/`allowFrom`/`allowTo` and rendered sorted, so declaration order never changes the output.
 */
export class WorkloadNetworkPolicy extends Construct {
  /** The rendered NetworkPolicy (escape hatch). */
  public readonly resource: ApiObject;
  private readonly ingress: Rule[] = [];
  private readonly egress: Rule[] = [];

  constructor(scope: Construct, id: string, private readonly props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    this.resource = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace },
      // Rules arrive after construction (connections are declared later), so the spec is produced at synth time.
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.NetworkPolicySpec,
    });
  }

  /** Allows traffic from `peer` to the pods on `ports`. */
  public addIngress(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.ingress.push({ peer, ports });
  }

  /** Allows traffic from the pods to `peer` on `ports`. */
  public addEgress(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.egress.push({ peer, ports });
  }

  /** Peers allowed in, for diagrams and tests. */
  public get ingressPeers(): readonly INetworkPeer[] {
    return this.ingress.map((r) => r.peer);
  }

  /** Peers allowed out, for diagrams and tests. */
  public get egressPeers(): readonly INetworkPeer[] {
    return this.egress.map((r) => r.peer);
  }

  private renderSpec(): k8s.NetworkPolicySpec {
    const toRules = (rules: Rule[], side: 'from' | 'to') => mergeRules(rules).map((r) => ({
      [side]: [r.peer.toNetworkPolicyPeer(this.props.namespace)],
      ...(r.ports.length > 0 ? { ports: r.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? 'TCP' })) } : {}),
    }));
    return {
      podSelector: { matchLabels: { ...this.props.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: toRules(this.ingress, 'from'),
      egress: toRules(this.egress, 'to'),
    } as k8s.NetworkPolicySpec;
  }
}

/** One rule per peer with the union of its ports, sorted by peer and port for stable output. */
function mergeRules(rules: readonly Rule[]): Rule[] {
  const byPeer = new Map<string, { peer: INetworkPeer; ports: Map<string, NetworkPort> }>();
  for (const rule of rules) {
    const key = JSON.stringify(rule.peer.toNetworkPolicyPeer(''));
    const entry = byPeer.get(key) ?? { peer: rule.peer, ports: new Map<string, NetworkPort>() };
    for (const port of rule.ports) entry.ports.set(`${port.protocol ?? 'TCP'}/${port.port}`, port);
    byPeer.set(key, entry);
  }
  return [...byPeer.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({
      peer: e.peer,
      ports: [...e.ports.values()].sort((a, b) => a.port - b.port || (a.protocol ?? 'TCP').localeCompare(b.protocol ?? 'TCP', 'en')),
    }));
}
