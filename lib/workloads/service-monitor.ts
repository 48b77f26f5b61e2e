import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ServiceMonitor as ServiceMonitorResource, ServiceMonitorSpecEndpointsRelabelingsAction } from '../../imports/servicemonitor-monitoring.coreos.com';
import { check } from '../core/errors';
import { INetworkPeer, PROMETHEUS } from '../core/network-peer';
import { HEADLESS_SERVICE_LABEL, Workload } from './workload';

export interface WorkloadServiceMonitorProps {
  /** The workload whose Service exposes the metrics port. */
  readonly workload: Workload;
  /** Name of the metrics port on the Service. @default 'metrics' */
  readonly port?: string;
  /** Metrics path. @default '/metrics' */
  readonly path?: string;
  /** Scrape interval. @default '30s' */
  readonly interval?: string;
  /**
   * Labels the cluster's Prometheus `serviceMonitorSelector` matches (kube-prometheus-stack: `release: <release name>`).
   * A ServiceMonitor without them is valid but never scraped; every chart must set them (test/lib/workloads/service-monitor.test.ts
   * checks each rendered ServiceMonitor). @default - none
   */
  readonly labels?: Record<string, string>;
  /** Prometheus pods, allowed to the metrics port by NetworkPolicy. @default - Prometheus in namespace `monitoring` */
  readonly prometheus?: INetworkPeer;
  /** Static labels added to every scraped series, e.g. `{ environment: 'production' }`. @default - none */
  readonly targetLabels?: Record<string, string>;
}

/**
 * A Prometheus Operator ServiceMonitor for a workload's metrics port, with the NetworkPolicy rule that
 * lets Prometheus scrape it (and nothing else).
 */
export class WorkloadServiceMonitor extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: WorkloadServiceMonitorProps) {
    super(scope, id);
    const portName = props.port ?? 'metrics';
    const port = props.workload.port(portName);
    check(this, props.workload.service !== undefined && (port.expose ?? true), 'port', portName,
      'the metrics port must be exposed by the workload\'s Service (ServiceMonitors select Services)');
    const interval = props.interval ?? '30s';
    check(this, /^(\d+(ms|s|m|h))+$/.test(interval), 'interval', interval, 'must be a Prometheus duration such as "30s" or "1m"');
    const path = props.path ?? '/metrics';
    check(this, path.startsWith('/'), 'path', path, 'must start with "/"');
    props.workload.allowFrom(props.prometheus ?? PROMETHEUS, [portName]);
    const relabelings = Object.keys(props.targetLabels ?? {}).sort().map((k) => ({
      action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE, targetLabel: k, replacement: props.targetLabels![k],
    }));
    this.resource = new ServiceMonitorResource(this, 'Resource', {
      metadata: { name: props.workload.name, namespace: props.workload.namespace, labels: props.labels },
      spec: {
        // The client Service only: a StatefulSet's headless Service selects the same pods and would double every series.
        selector: { matchLabels: { ...props.workload.selectorLabels }, matchExpressions: [{ key: HEADLESS_SERVICE_LABEL, operator: 'DoesNotExist' }] },
        namespaceSelector: { matchNames: [props.workload.namespace] },
        endpoints: [{ port: portName, path, interval, ...(relabelings.length > 0 ? { relabelings } : {}) }],
      },
    });
  }
}
