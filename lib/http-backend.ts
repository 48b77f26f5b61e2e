import { INetworkPeer } from './network-peer';

/** A Service an Ingress or HTTPRoute can send traffic to. */
export interface IHttpBackend {
  /** Service name. */
  readonly serviceName: string;
  /** Namespace of the Service. */
  readonly namespace: string;
  /**
   * Resolves a port by name (default: the first exposed one) to the Service port and the pod port behind it,
   * so exposure can open the NetworkPolicy on the pod side.
   */
  resolveHttpPort(portName?: string): { readonly name: string; readonly servicePort: number; readonly podPort: number };
  /** Lets `peer` (the ingress controller, a load balancer) reach the pods on that port. */
  allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void;
}
