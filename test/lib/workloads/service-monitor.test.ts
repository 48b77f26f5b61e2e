import { App } from 'cdk8s';
import { buildApp } from '../../../charts';
import { HEADLESS_SERVICE_LABEL, Peer, Workload, WorkloadProps, WorkloadServiceMonitor, WorkloadServiceMonitorProps } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const api: WorkloadProps = {
  image: 'ghcr.io/example/api:2.0.0',
  resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  ports: [{ name: 'http', port: 8000 }, { name: 'metrics', port: 9090 }],
  readiness: { http: { path: '/ready' } },
  liveness: { http: { path: '/health' } },
};

describe('WorkloadServiceMonitor', () => {
  test('minimal props: scrapes the metrics port and lets Prometheus in on that port only', () => {
    const chart = testChart();
    const workload = new Workload(chart, 'api', api);
    new WorkloadServiceMonitor(chart, 'sm', { workload });
    const objects = objectsOf(chart);
    const sm = findObject(objects, 'ServiceMonitor', 'api', 'demo');
    expect(sm.spec.selector.matchLabels).toEqual(workload.selectorLabels);
    expect(sm.spec.selector.matchExpressions).toEqual([{ key: HEADLESS_SERVICE_LABEL, operator: 'DoesNotExist' }]);
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const ingress = findObject(objects, 'NetworkPolicy', 'api').spec.ingress;
    expect(ingress).toEqual([{ from: [expect.objectContaining({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } })], ports: [{ port: 9090, protocol: 'TCP' }] }]);
  });

  test('all props', () => {
    const chart = testChart();
    const workload = new Workload(chart, 'api', api);
    const props: Required<WorkloadServiceMonitorProps> = {
      workload, port: 'metrics', path: '/stats', interval: '15s', labels: { release: 'kube-prometheus-stack' },
      prometheus: Peer.namespace('observability'), targetLabels: { environment: 'production' },
    };
    new WorkloadServiceMonitor(chart, 'sm', props);
    const sm = findObject(objectsOf(chart), 'ServiceMonitor', 'api');
    expect(sm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints[0].relabelings).toEqual([{ action: 'replace', targetLabel: 'environment', replacement: 'production' }]);
  });

  test('a StatefulSet is scraped through its client Service only, not also through the headless one', () => {
    const chart = testChart();
    const workload = new Workload(chart, 'db', { ...api, kind: 'StatefulSet', replicas: 1 });
    new WorkloadServiceMonitor(chart, 'sm', { workload, labels: { release: 'prom' } });
    const objects = objectsOf(chart);
    const sm = findObject(objects, 'ServiceMonitor', 'db');
    const services = objects.filter((o) => o.kind === 'Service' && selects(sm, o));
    expect(services.map((o) => o.metadata.name)).toEqual(['db']);
    expect(findObject(objects, 'Service', 'db-headless').metadata.labels[HEADLESS_SERVICE_LABEL]).toBe('true');
  });

  test('every ServiceMonitor of every chart carries Prometheus selector labels and selects exactly one Service', () => {
    const app = new App();
    buildApp(app);
    const charts = app.charts.map((c) => c.toJson());
    const monitors = charts.flatMap((objects) => objects.filter((o: any) => o.kind === 'ServiceMonitor').map((sm: any) => ({ sm, objects })));
    expect(monitors.length).toBeGreaterThan(0);
    for (const { sm, objects } of monitors) {
      const where = `${sm.metadata.namespace}/${sm.metadata.name}`;
      expect([where, Object.keys(sm.metadata.labels ?? {}).length > 0]).toEqual([where, true]);
      const services = objects.filter((o: any) => o.kind === 'Service' && o.metadata.namespace === sm.metadata.namespace && selects(sm, o));
      expect([where, services.length]).toEqual([where, 1]);
    }
  });

  describe('fails if', () => {
    test('the port does not exist', () => {
      const chart = testChart();
      const workload = new Workload(chart, 'api', api);
      expect(() => new WorkloadServiceMonitor(chart, 'sm', { workload, port: 'prom' })).toThrow(/invalid port \("prom"\): must name one of the workload's ports \(http, metrics\)/);
    });
    test('the interval is not a duration', () => {
      const chart = testChart();
      const workload = new Workload(chart, 'api', api);
      expect(() => new WorkloadServiceMonitor(chart, 'sm', { workload, interval: '30' })).toThrow(/invalid interval \("30"\): must be a Prometheus duration/);
    });
  });
});

/** Whether a ServiceMonitor's label selector (matchLabels and Exists/DoesNotExist expressions) matches a Service. */
function selects(sm: any, service: any): boolean {
  const labels = service.metadata.labels ?? {};
  const sel = sm.spec.selector;
  return Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
    && (sel.matchExpressions ?? []).every((e: any) => (e.operator === 'DoesNotExist' ? !(e.key in labels) : e.key in labels));
}
