import { INetworkPeer } from './network-peer';

/**
 * What a backend needs from the edge in front of it, declared once with the backend and honoured by every
 * rendering of the edge (NGINX Ingress annotations, Gateway API fields and Envoy Gateway policies).
 */
export interface EdgeRequirements {
  /**
   * The backend sends response headers larger than ingress-nginx's default proxy buffer (4k/8k): Keycloak's
   * redirects carry long URLs and several cookies. nginx gets `proxy-buffer-size: 128k`; Envoy accepts up to
   * 60 KiB of headers by default and Envoy Gateway v1.9.0 has no setting for it (ClientTrafficPolicy `headers`
   * has no size field), so nothing is rendered there.
   * @default false
   */
  readonly largeResponseHeaders?: boolean;
  /**
   * Largest request body, as a byte quantity ("10Mi"). nginx: `proxy-body-size` (its default is 1m); Envoy
   * Gateway: a BackendTrafficPolicy `requestBuffer.limit` (413 above it). @default - each edge's default
   */
  readonly maxRequestBodySize?: string;
  /**
   * Seconds a request may take (streamed completions, long polls, WebSockets). nginx: `proxy-read-timeout` and
   * `proxy-send-timeout`; Gateway API: the route rule's `timeouts.request`. @default 60 (nginx's default)
   */
  readonly timeoutSeconds?: number;
  /**
   * Clients upgrade connections to WebSockets (Socket.IO, GraphQL subscriptions). nginx proxies upgrades on any
   * route; Envoy Gateway v1.9.0 turns them off on a route with a request buffer, so on the Gateway API edge a
   * `maxRequestBodySize` is then left to the backend to enforce. @default false
   */
  readonly websockets?: boolean;
}

/** A Service an Ingress or HTTPRoute can send traffic to. */
export interface IHttpBackend {
  /** Service name. */
  readonly serviceName: string;
  /** Namespace of the Service. */
  readonly namespace: string;
  /** What the edge must allow for this backend. @default - none (the edges' defaults) */
  readonly edgeRequirements?: EdgeRequirements;
  /**
   * Resolves a port by name (default: the first exposed one) to the Service port and the pod port behind it,
   * so exposure can open the NetworkPolicy on the pod side.
   */
  resolveHttpPort(portName?: string): { readonly name: string; readonly servicePort: number; readonly podPort: number };
  /** Lets `peer` (the ingress controller, a load balancer) reach the pods on that port. */
  allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void;
}

/**
 * `backend` with edge requirements attached (and, optionally, a default port): the edge reads them wherever the
 * backend is routed, so a chart cannot forget them.
 */
export function withEdgeRequirements(backend: IHttpBackend, requirements: EdgeRequirements, defaultPort?: string): IHttpBackend {
  return {
    serviceName: backend.serviceName,
    namespace: backend.namespace,
    edgeRequirements: { ...backend.edgeRequirements, ...requirements },
    resolveHttpPort: (portName?: string) => backend.resolveHttpPort(portName ?? defaultPort),
    allowFrom: (peer: INetworkPeer, portNames?: readonly string[]) => backend.allowFrom(peer, portNames),
  };
}

/** The requirements of several backends behind one edge object: the largest of each (an Ingress has one set of annotations). */
export interface MergedEdgeRequirements {
  readonly largeResponseHeaders: boolean;
  /** Bytes, or undefined when no backend declares a limit. */
  readonly maxRequestBodyBytes?: number;
  /** Seconds, or undefined when no backend declares one. */
  readonly timeoutSeconds?: number;
  /** Whether any backend takes WebSocket upgrades. */
  readonly websockets: boolean;
}

/** Merges requirements; `parseBytes` turns a declared body size into bytes (and may throw a construct error). */
export function mergeEdgeRequirements(
  requirements: readonly (EdgeRequirements | undefined)[],
  parseBytes: (value: string) => number,
): MergedEdgeRequirements {
  const present = requirements.filter((r): r is EdgeRequirements => r !== undefined);
  const bodies = present.flatMap((r) => (r.maxRequestBodySize !== undefined ? [parseBytes(r.maxRequestBodySize)] : []));
  const timeouts = present.flatMap((r) => (r.timeoutSeconds !== undefined ? [r.timeoutSeconds] : []));
  return {
    largeResponseHeaders: present.some((r) => r.largeResponseHeaders === true),
    websockets: present.some((r) => r.websockets === true),
    ...(bodies.length > 0 ? { maxRequestBodyBytes: Math.max(...bodies) } : {}),
    ...(timeouts.length > 0 ? { timeoutSeconds: Math.max(...timeouts) } : {}),
  };
}
