import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../../imports/gateway-api-httproute-gateway.networking.k8s.io';
import { check } from '../core/errors';
import { IHttpBackend } from '../core/http-backend';
import { checkDnsLabel, checkHostname, checkUnique } from '../core/names';
import { INetworkPeer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';

/** The Gateway listener a route attaches to. TLS is terminated there, so it must be an HTTPS listener. */
export interface GatewayListenerRef {
  /** Gateway name. */
  readonly name: string;
  /** Gateway namespace. */
  readonly namespace: string;
  /** Name of the Gateway's HTTPS listener. @default 'https' */
  readonly httpsListenerName?: string;
  /** The Gateway's data-plane pods, allowed into the backends by NetworkPolicy. */
  readonly dataPlane: INetworkPeer;
}

/** One path rule. */
export interface HttpRouteRule {
  /** Path prefix. @default '/' */
  readonly pathPrefix?: string;
  /** Backend in the route's namespace (cross-namespace refs would need a ReferenceGrant). */
  readonly backend: IHttpBackend;
  /** Backend port name. @default - the backend's first exposed port */
  readonly port?: string;
}

export interface GatewayHttpRouteProps {
  /** Route name. @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** The Gateway HTTPS listener to attach to. */
  readonly gateway: GatewayListenerRef;
  /** Host names the route serves; each must be covered by the listener's certificate. */
  readonly hostnames: readonly string[];
  /** Path rules. */
  readonly rules: readonly HttpRouteRule[];
}

/**
 * A Gateway API `HTTPRoute` attached to a Gateway's HTTPS listener (so every host has TLS), that opens each
 * backend's NetworkPolicy to the Gateway's data plane on the routed port.
 */
export class GatewayHttpRoute extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: GatewayHttpRouteProps) {
    super(scope, id);
    const name = props.name ?? id;
    const namespace = props.namespace ?? PlatformChart.of(this).defaultNamespace;
    checkDnsLabel(this, 'name', name);
    checkDnsLabel(this, 'gateway.name', props.gateway.name);
    check(this, props.hostnames.length > 0, 'hostnames', props.hostnames, 'must list at least one host name');
    props.hostnames.forEach((h, i) => checkHostname(this, `hostnames[${i}]`, h));
    checkUnique(this, 'hostnames', props.hostnames);
    check(this, props.rules.length > 0, 'rules', props.rules, 'must list at least one rule');
    props.rules.forEach((r, i) => {
      check(this, (r.pathPrefix ?? '/').startsWith('/'), `rules[${i}].pathPrefix`, r.pathPrefix, 'must start with "/"');
      check(this, r.backend.namespace === namespace, `rules[${i}].backend`, `${r.backend.namespace}/${r.backend.serviceName}`,
        `must be in the route's namespace (${namespace}); a cross-namespace backend needs a ReferenceGrant`);
    });
    checkUnique(this, 'rules[].pathPrefix', props.rules.map((r) => r.pathPrefix ?? '/'));

    this.resource = new HttpRoute(this, 'Resource', {
      metadata: { name, namespace },
      spec: {
        parentRefs: [{ name: props.gateway.name, namespace: props.gateway.namespace, sectionName: props.gateway.httpsListenerName ?? 'https' }],
        hostnames: [...props.hostnames],
        rules: props.rules.map((r) => {
          const port = r.backend.resolveHttpPort(r.port);
          r.backend.allowFrom(props.gateway.dataPlane, [port.name]);
          return {
            matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: r.pathPrefix ?? '/' } }],
            backendRefs: [{ name: r.backend.serviceName, port: port.servicePort }],
          };
        }),
      },
    });
  }
}
