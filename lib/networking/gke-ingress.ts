import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { BackendConfig } from '../../imports/gke-backendconfig-cloud.google.com';
import { ManagedCertificate } from '../../imports/gke-managedcertificate-networking.gke.io';
import { check } from '../core/errors';
import { IHttpBackend } from '../core/http-backend';
import { checkDnsLabel, checkHostname, checkUnique } from '../core/names';
import { INetworkPeer, Peer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';

/** Source ranges of Google Cloud load balancers and their health checks; container-native backends must admit them. */
export const GOOGLE_LOAD_BALANCER_RANGES: readonly string[] = ['130.211.0.0/22', '35.191.0.0/16'];

/** A backend of a GKE Ingress: a Service the Ingress can annotate (a `Workload` is one). */
export interface IGkeBackend extends IHttpBackend {
  /** The backend's Service; it receives the NEG and BackendConfig annotations. */
  readonly service?: ApiObject;
}

/** The load balancer's health check of one backend Service. */
export interface GkeHealthCheck {
  /** HTTP path that answers 200 when the pods can serve, usually the readiness probe's path. */
  readonly path: string;
  /** Seconds between checks. @default 15 */
  readonly checkIntervalSec?: number;
  /** Seconds before a check times out; at most `checkIntervalSec`. @default 5 */
  readonly timeoutSec?: number;
  /** Successes before a backend is healthy. @default 1 */
  readonly healthyThreshold?: number;
  /** Failures before a backend is unhealthy. @default 2 */
  readonly unhealthyThreshold?: number;
}

/** One path of a host. */
export interface GkeIngressPath {
  /** URL path. @default '/' */
  readonly path?: string;
  /** Path matching. @default 'Prefix' */
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /** Where the traffic goes; must be in the Ingress's namespace. */
  readonly backend: IGkeBackend;
  /** Backend port name. @default - the backend's first exposed port */
  readonly port?: string;
  /** Health check of the backend Service; a Service used twice must be given the same check. */
  readonly healthCheck: GkeHealthCheck;
}

/** One host and its paths. */
export interface GkeIngressHost {
  /** Fully qualified host name (no wildcard: Google-managed certificates do not cover wildcards). */
  readonly host: string;
  /** Paths on this host. */
  readonly paths: readonly GkeIngressPath[];
}

export interface GkeIngressProps {
  /** Ingress name. @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Hosts, each served over HTTPS with a Google-managed certificate. */
  readonly hosts: readonly GkeIngressHost[];
  /** Name of the reserved global static IP address (`gcloud compute addresses create --global`). */
  readonly staticIpName: string;
  /** Extra Ingress annotations. @default - none */
  readonly annotations?: Record<string, string>;
}

const GCP_RESOURCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HTTP_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

/**
 * An external GKE Ingress (Google Cloud HTTPS load balancer) on a global static IP, HTTPS only, with one
 * ManagedCertificate per host. Each backend Service becomes a container-native (NEG) backend with a
 * BackendConfig health check on the pod port, and its NetworkPolicy admits the Google load balancer ranges
 * on exactly that port.
 */
export class GkeIngress extends Construct {
  /** The Ingress (escape hatch). */
  public readonly resource: ApiObject;
  /** ManagedCertificates by host. */
  public readonly certificates: Record<string, ApiObject> = {};
  /** BackendConfigs by Service name. */
  public readonly backendConfigs: Record<string, ApiObject> = {};
  public readonly hosts: readonly string[];

  constructor(scope: Construct, id: string, props: GkeIngressProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const name = props.name ?? id;
    const namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', name);
    check(this, GCP_RESOURCE_NAME.test(props.staticIpName), 'staticIpName', props.staticIpName,
      'must be a GCP resource name: a lower-case letter, then up to 62 lower-case letters, digits or "-", not ending with "-"');
    check(this, props.hosts.length > 0, 'hosts', props.hosts, 'must list at least one host');
    props.hosts.forEach((h, i) => {
      checkHostname(this, `hosts[${i}].host`, h.host);
      check(this, !h.host.startsWith('*.'), `hosts[${i}].host`, h.host, 'Google-managed certificates do not cover wildcard hosts');
      check(this, h.host.length <= 63, `hosts[${i}].host`, h.host, 'Google-managed certificates accept domains of at most 63 characters');
      check(this, h.paths.length > 0, `hosts[${i}].paths`, h.paths, 'must list at least one path');
      h.paths.forEach((p, j) => {
        const at = `hosts[${i}].paths[${j}]`;
        check(this, (p.path ?? '/').startsWith('/'), `${at}.path`, p.path, 'must start with "/"');
        check(this, p.backend.namespace === namespace, `${at}.backend`, `${p.backend.namespace}/${p.backend.serviceName}`,
          `a GKE Ingress routes only to Services in its own namespace (${namespace})`);
        check(this, p.backend.service !== undefined, `${at}.backend`, p.backend.serviceName,
          'must expose its Service object so the Ingress can add the NEG and BackendConfig annotations');
        validateHealthCheck(this, `${at}.healthCheck`, p.healthCheck);
      });
      checkUnique(this, `hosts[${i}].paths[].path`, h.paths.map((p) => p.path ?? '/'));
    });
    checkUnique(this, 'hosts[].host', props.hosts.map((h) => h.host));
    this.hosts = props.hosts.map((h) => h.host);

    const certificateNames = props.hosts.map((h) => {
      const certName = managedCertificateName(h.host);
      checkDnsLabel(this, 'managed certificate name', certName);
      this.certificates[h.host] = new ManagedCertificate(this, `Certificate-${h.host}`, {
        metadata: { name: certName, namespace },
        spec: { domains: [h.host] },
      });
      return certName;
    });

    const loadBalancers: INetworkPeer[] = GOOGLE_LOAD_BALANCER_RANGES.map((cidr) => Peer.ipBlock(cidr));
    const configured = new Map<string, { healthCheck: GkeHealthCheck; podPort: number }>();
    const rules: k8s.IngressRule[] = props.hosts.map((h, i) => ({
      host: h.host,
      http: {
        paths: h.paths.map((p, j) => {
          const port = p.backend.resolveHttpPort(p.port);
          const serviceName = p.backend.serviceName;
          const seen = configured.get(serviceName);
          if (seen) {
            check(this, JSON.stringify(seen.healthCheck) === JSON.stringify(p.healthCheck) && seen.podPort === port.podPort,
              `hosts[${i}].paths[${j}].healthCheck`, p.healthCheck,
              `Service ${serviceName} has one BackendConfig; give every path to it the same health check and port`);
          } else {
            configured.set(serviceName, { healthCheck: p.healthCheck, podPort: port.podPort });
            this.configureBackend(p.backend, namespace, p.healthCheck, port.podPort);
          }
          for (const lb of loadBalancers) p.backend.allowFrom(lb, [port.name]);
          return {
            path: p.path ?? '/',
            pathType: p.pathType ?? 'Prefix',
            backend: { service: { name: serviceName, port: { number: port.servicePort } } },
          };
        }),
      },
    }));

    const annotations: Record<string, string> = {
      // GKE's built-in controller claims Ingresses by this annotation; it does not serve spec.ingressClassName.
      'kubernetes.io/ingress.class': 'gce',
      'kubernetes.io/ingress.global-static-ip-name': props.staticIpName,
      'networking.gke.io/managed-certificates': certificateNames.join(','),
      // No port-80 forwarding rule: the load balancer answers HTTPS only.
      'kubernetes.io/ingress.allow-http': 'false',
      ...props.annotations,
    };
    this.resource = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name, namespace, annotations: Object.fromEntries(Object.keys(annotations).sort().map((k) => [k, annotations[k]])) },
      spec: { rules },
    });
  }

  private configureBackend(backend: IGkeBackend, namespace: string, hc: GkeHealthCheck, podPort: number): void {
    const configName = backendConfigName(backend.serviceName);
    checkDnsLabel(this, 'backend config name', configName);
    this.backendConfigs[backend.serviceName] = new BackendConfig(this, `BackendConfig-${backend.serviceName}`, {
      metadata: { name: configName, namespace },
      spec: {
        healthCheck: {
          type: 'HTTP',
          requestPath: hc.path,
          // With NEGs the load balancer probes the pod directly, so this is the container port, not the Service port.
          port: podPort,
          checkIntervalSec: hc.checkIntervalSec ?? 15,
          timeoutSec: hc.timeoutSec ?? 5,
          healthyThreshold: hc.healthyThreshold ?? 1,
          unhealthyThreshold: hc.unhealthyThreshold ?? 2,
        },
      },
    });
    backend.service!.metadata.addAnnotation('cloud.google.com/backend-config', JSON.stringify({ default: configName }));
    backend.service!.metadata.addAnnotation('cloud.google.com/neg', JSON.stringify({ ingress: true }));
  }
}

function validateHealthCheck(scope: Construct, prop: string, hc: GkeHealthCheck): void {
  check(scope, HTTP_PATH.test(hc.path), `${prop}.path`, hc.path, 'must be an absolute URL path such as "/healthz" (no spaces, query or fragment)');
  for (const field of ['checkIntervalSec', 'timeoutSec', 'healthyThreshold', 'unhealthyThreshold'] as const) {
    const v = hc[field];
    if (v !== undefined) check(scope, Number.isInteger(v) && v >= 1, `${prop}.${field}`, v, 'must be a positive integer');
  }
  const interval = hc.checkIntervalSec ?? 15;
  const timeout = hc.timeoutSec ?? 5;
  check(scope, timeout <= interval, `${prop}.timeoutSec`, timeout, `must not exceed checkIntervalSec (${interval})`);
}

/** `connectors.example.com` → `connectors-example-com`: one ManagedCertificate per host. */
export function managedCertificateName(host: string): string {
  return host.replace(/\./g, '-');
}

/** The BackendConfig of a Service. */
export function backendConfigName(serviceName: string): string {
  return `${serviceName}-backendconfig`;
}
