import { k8s } from './k8s-api';

/** A port a network rule opens. */
export interface NetworkPort {
  /** Port number on the receiving pod (NetworkPolicy matches pod ports, not Service ports). */
  readonly port: number;
  /** Protocol. @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Something a NetworkPolicy rule can name as the other side: pods, a whole namespace, or an IP range. */
export interface INetworkPeer {
  /** A short human-readable name, used in rule ordering and diagrams. */
  readonly peerName: string;
  /** The namespace the peer lives in, if it is in-cluster. */
  readonly peerNamespace?: string;
  /** The NetworkPolicy peer as seen from a policy in `fromNamespace`. */
  toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer;
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Factories for peers that are not constructs of this app. */
export class Peer {
  /** Pods with `podLabels` (all pods if omitted) in namespace `namespace`. */
  public static namespace(namespace: string, podLabels?: Record<string, string>): INetworkPeer {
    return Peer.pods(namespace, podLabels ?? {}, podLabels ? `${namespace}/${Object.values(podLabels).join(',')}` : namespace);
  }

  /** Pods with the given labels in the given namespace. */
  public static pods(namespace: string, podLabels: Record<string, string>, peerName?: string): INetworkPeer {
    return {
      peerName: peerName ?? `${namespace}/${Object.values(podLabels).join(',')}`,
      peerNamespace: namespace,
      toNetworkPolicyPeer: (fromNamespace: string) => podPeer(fromNamespace, namespace, podLabels),
    };
  }

  /** An IPv4/IPv6 CIDR, optionally with exceptions. */
  public static ipBlock(cidr: string, except?: string[]): INetworkPeer {
    return {
      peerName: cidr,
      toNetworkPolicyPeer: () => ({ ipBlock: { cidr, ...(except && except.length > 0 ? { except } : {}) } }),
    };
  }

  /** Any public IPv4 address: the internet, minus the private ranges. */
  public static internet(): INetworkPeer {
    return Peer.ipBlock('0.0.0.0/0', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  }
}

/** The NetworkPolicy peer that selects `podLabels` in `namespace`, written as seen from `fromNamespace`. */
export function podPeer(fromNamespace: string, namespace: string, podLabels: Record<string, string>): k8s.NetworkPolicyPeer {
  const podSelector = { matchLabels: { ...podLabels } };
  if (namespace === fromNamespace) return { podSelector };
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector };
}

/** The ingress-nginx controller as installed by its Helm chart. */
export const NGINX_INGRESS_CONTROLLER: INetworkPeer = Peer.pods('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, 'ingress-nginx');

/** Prometheus from kube-prometheus-stack in the `monitoring` namespace. */
export const PROMETHEUS: INetworkPeer = Peer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }, 'prometheus');
