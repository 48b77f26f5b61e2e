import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { check } from '../core/errors';
import { IHttpBackend } from '../core/http-backend';
import { checkDnsLabel, checkDnsSubdomain, checkPort, checkPortName, checkUnique } from '../core/names';
import { INetworkPeer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';

/** A port of an ExternalName Service: the port of the target. */
export interface ExternalNamePort {
  /** Port name (IANA service name), used to pick the port from an Ingress path. */
  readonly name: string;
  /** Port of the target Service or host. */
  readonly port: number;
}

export interface ExternalNameServiceProps {
  /** Service name (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** DNS name the Service points at, e.g. `grafana.monitoring.svc.cluster.local`. */
  readonly externalName: string;
  /** Ports of the target; an Ingress backend needs a port on the Service. */
  readonly ports: readonly ExternalNamePort[];
  /**
   * Who owns the target when it is an in-cluster Service (`<svc>.<ns>.svc.cluster.local`); it and its namespace
   * are then declared as external references with this reason. @default - "not rendered by this chart"
   */
  readonly targetManagedBy?: string;
}

const IN_CLUSTER = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?\.?$/;

/**
 * A Service of type ExternalName: a DNS alias in this namespace for a Service of another namespace or a host
 * outside the cluster, so an Ingress (which routes only within its namespace) can send a path there.
 * Renders no NetworkPolicy: the pods behind the name are not this chart's; their namespace must admit the caller.
 */
export class ExternalNameService extends Construct implements IHttpBackend {
  public readonly resource: ApiObject;
  public readonly serviceName: string;
  public readonly namespace: string;
  public readonly externalName: string;
  public readonly ports: readonly ExternalNamePort[];
  /** Target namespace and Service, when the name is an in-cluster Service. */
  public readonly target?: { readonly namespace: string; readonly name: string };
  private readonly callers: { peer: INetworkPeer; ports: readonly string[] }[] = [];

  constructor(scope: Construct, id: string, props: ExternalNameServiceProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.serviceName = props.name ?? id;
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.serviceName);
    checkDnsLabel(this, 'namespace', this.namespace);
    const externalName = props.externalName.replace(/\.$/, '');
    checkDnsSubdomain(this, 'externalName', externalName);
    check(this, externalName.includes('.'), 'externalName', props.externalName,
      'must be a fully qualified name such as "grafana.monitoring.svc.cluster.local"; a bare name would resolve in the caller\'s namespace');
    check(this, props.ports.length > 0, 'ports', props.ports, 'must list at least one port');
    props.ports.forEach((p, i) => {
      checkPortName(this, `ports[${i}].name`, p.name);
      checkPort(this, `ports[${i}].port`, p.port);
    });
    checkUnique(this, 'ports[].name', props.ports.map((p) => p.name));
    this.externalName = externalName;
    this.ports = props.ports;

    const match = IN_CLUSTER.exec(externalName);
    if (match) {
      this.target = { name: match[1], namespace: match[3] };
      check(this, !(this.target.namespace === this.namespace && this.target.name === this.serviceName), 'externalName', externalName,
        'must not point at the Service itself');
      const reason = props.targetManagedBy ?? 'not rendered by this chart';
      chart.addExternalReference({ kind: 'Namespace', name: this.target.namespace, reason });
      chart.addExternalReference({ kind: 'Service', namespace: this.target.namespace, name: this.target.name, reason });
    }

    this.resource = new k8s.KubeService(this, 'Resource', {
      metadata: { name: this.serviceName, namespace: this.namespace },
      spec: {
        type: 'ExternalName',
        externalName,
        ports: props.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromNumber(p.port), protocol: 'TCP' })),
      },
    });
  }

  public resolveHttpPort(portName?: string): { name: string; servicePort: number; podPort: number } {
    const port = portName === undefined ? this.ports[0] : this.ports.find((p) => p.name === portName);
    check(this, port !== undefined, 'port', portName, `must name one of the Service's ports (${this.ports.map((p) => p.name).join(', ')})`);
    return { name: port.name, servicePort: port.port, podPort: port.port };
  }

  /** Records the caller for review; the target's NetworkPolicy is owned where its pods are. */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    const ports = (portNames ?? this.ports.map((p) => p.name)).map((n) => this.resolveHttpPort(n).name);
    this.callers.push({ peer, ports });
  }

  /** Peers that route to the target through this Service (the ingress controller), for review and tests. */
  public get allowedCallers(): readonly { readonly peer: INetworkPeer; readonly ports: readonly string[] }[] {
    return [...this.callers];
  }
}
