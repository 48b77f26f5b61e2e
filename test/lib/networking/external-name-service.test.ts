import { ExternalNameService, ExternalNameServiceProps, NamespaceBaseline, NginxIngress } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, objectsOf, testChart } from '../../util';

describe('ExternalNameService', () => {
  test('minimal props: an ExternalName Service with the target port, target declared external', () => {
    const chart = testChart();
    const svc = new ExternalNameService(chart, 'grafana', {
      externalName: 'kube-prometheus-grafana.monitoring.svc.cluster.local', ports: [{ name: 'http', port: 80 }],
    });
    const service = findObject(objectsOf(chart), 'Service', 'grafana', 'demo');
    expect(service.spec).toEqual({
      type: 'ExternalName',
      externalName: 'kube-prometheus-grafana.monitoring.svc.cluster.local',
      ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }],
    });
    expect(service.spec.selector).toBeUndefined();
    expect(svc.target).toEqual({ namespace: 'monitoring', name: 'kube-prometheus-grafana' });
    expect(chart.externalReferences).toEqual([
      { kind: 'Namespace', name: 'monitoring', reason: 'not rendered by this chart' },
      { kind: 'Service', namespace: 'monitoring', name: 'kube-prometheus-grafana', reason: 'not rendered by this chart' },
    ]);
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<ExternalNameServiceProps> = {
      name: 'dashboards',
      namespace: 'demo',
      externalName: 'grafana.monitoring.svc',
      ports: [{ name: 'http', port: 3000 }, { name: 'metrics', port: 9090 }],
      targetManagedBy: 'kube-prometheus-stack Helm release',
    };
    const svc = new ExternalNameService(chart, 'grafana', props);
    const service = findObject(objectsOf(chart), 'Service', 'dashboards', 'demo');
    expect(service.spec.ports.map((p: any) => p.port)).toEqual([3000, 9090]);
    expect(chart.externalReferences).toContainEqual({ kind: 'Service', namespace: 'monitoring', name: 'grafana', reason: 'kube-prometheus-stack Helm release' });
    expect(svc.resolveHttpPort('metrics')).toEqual({ name: 'metrics', servicePort: 9090, podPort: 9090 });
  });

  test('an outside host declares nothing external', () => {
    const chart = testChart();
    const svc = new ExternalNameService(chart, 'status', { externalName: 'status.example.com', ports: [{ name: 'https', port: 443 }] });
    expect(svc.target).toBeUndefined();
    expect(chart.externalReferences).toEqual([]);
  });

  test('an Ingress routes a path to it and records the controller as a caller; the gate passes', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'demo');
    const svc = new ExternalNameService(chart, 'grafana', {
      externalName: 'kube-prometheus-grafana.monitoring.svc.cluster.local', ports: [{ name: 'http', port: 80 }],
    });
    new NginxIngress(chart, 'ingress', { clusterIssuer: 'le', hosts: [{ host: 'ops.example.com', paths: [{ path: '/grafana', backend: svc }] }] });
    const ingress = findObject(objectsOf(chart), 'Ingress', 'ingress', 'demo');
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'grafana', port: { number: 80 } } });
    expect(svc.allowedCallers.map((c) => [c.peer.peerName, c.ports])).toEqual([['ingress-nginx', ['http']]]);
    expect(objectsOf(chart).filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual(['allow-acme-http01-solver', 'allow-dns-egress', 'default-deny']);
    expect(renderChart(chart).findings).toEqual([]);
  });

  describe('fails if', () => {
    test('the external name is not fully qualified', () => {
      expect(() => new ExternalNameService(testChart(), 'g', { externalName: 'grafana', ports: [{ name: 'http', port: 80 }] }))
        .toThrow(/invalid externalName \("grafana"\): must be a fully qualified name/);
    });
    test('the external name is not a DNS name', () => {
      expect(() => new ExternalNameService(testChart(), 'g', { externalName: 'http://grafana', ports: [{ name: 'http', port: 80 }] }))
        .toThrow(/invalid externalName \("http:\/\/grafana"\): must be a DNS-1123 subdomain/);
    });
    test('no port is given', () => {
      expect(() => new ExternalNameService(testChart(), 'g', { externalName: 'a.example.com', ports: [] }))
        .toThrow(/invalid ports \(\[\]\): must list at least one port/);
    });
    test('port names repeat', () => {
      expect(() => new ExternalNameService(testChart(), 'g', { externalName: 'a.example.com', ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }))
        .toThrow(/invalid ports\[\].name \("http"\): must be unique/);
    });
    test('it points at itself', () => {
      expect(() => new ExternalNameService(testChart(), 'g', { externalName: 'g.demo.svc.cluster.local', ports: [{ name: 'http', port: 80 }] }))
        .toThrow(/invalid externalName \("g.demo.svc.cluster.local"\): must not point at the Service itself/);
    });
    test('a route names an unknown port', () => {
      const svc = new ExternalNameService(testChart(), 'g', { externalName: 'a.example.com', ports: [{ name: 'http', port: 80 }] });
      expect(() => svc.resolveHttpPort('admin')).toThrow(/invalid port \("admin"\): must name one of the Service's ports \(http\)/);
    });
  });
});
