import { Peer, Workload, WorkloadProps, WorkloadServiceMonitor, WorkloadServiceMonitorProps } from '../../lib';
import { findObject, objectsOf, testChart } from '../util';

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
