import { NginxIngress, NginxIngressProps, nginxSize, Peer, withEdgeRequirements, Workload, WorkloadProps } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const web: WorkloadProps = {
  image: 'ghcr.io/example/web:1.0.0',
  resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  ports: [{ name: 'http', port: 8080, servicePort: 80 }],
  readiness: { http: { path: '/' } },
  liveness: { http: { path: '/' } },
};

describe('NginxIngress', () => {
  test('minimal props: TLS per host from cert-manager and the controller allowed into the backend', () => {
    const chart = testChart();
    const frontend = new Workload(chart, 'web', web);
    new NginxIngress(chart, 'ingress', { clusterIssuer: 'letsencrypt-prod', hosts: [{ host: 'shop.example.com', paths: [{ backend: frontend }] }] });
    const objects = objectsOf(chart);
    const ingress = findObject(objects, 'Ingress', 'ingress', 'demo');
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-example-com-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0]).toEqual({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } });
    const policy = findObject(objects, 'NetworkPolicy', 'web', 'demo');
    expect(policy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
    // cert-manager's HTTP-01 solver pods must be reachable by the controller, or no certificate is issued.
    expect(findObject(objects, 'NetworkPolicy', 'allow-acme-http01-solver', 'demo').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }],
        ports: [{ port: 8089, protocol: 'TCP' }],
      }],
    });
  });

  test('one solver policy per namespace, however many Ingresses', () => {
    const chart = testChart();
    const frontend = new Workload(chart, 'web', web);
    new NginxIngress(chart, 'a', { clusterIssuer: 'le', hosts: [{ host: 'a.example.com', paths: [{ backend: frontend }] }] });
    new NginxIngress(chart, 'b', { clusterIssuer: 'le', hosts: [{ host: 'b.example.com', paths: [{ backend: frontend }] }] });
    expect(objectsOf(chart).filter((o) => o.metadata.name === 'allow-acme-http01-solver')).toHaveLength(1);
  });

  test('all props', () => {
    const chart = testChart();
    const frontend = new Workload(chart, 'web', web);
    const props: Required<NginxIngressProps> = {
      name: 'public', namespace: 'demo', clusterIssuer: 'le', ingressClassName: 'internal-nginx', controller: Peer.namespace('ingress'),
      annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '60' }, proxyBodySize: '10m', allowHttp01Solver: false,
      hosts: [{ host: 'a.example.com', paths: [{ path: '/api', pathType: 'Prefix', backend: frontend, port: 'http' }] }],
    };
    new NginxIngress(chart, 'ingress', props);
    const ingress = findObject(objectsOf(chart), 'Ingress', 'public', 'demo');
    expect(ingress.spec.ingressClassName).toBe('internal-nginx');
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('10m');
    expect(objectsOf(chart).some((o) => o.metadata.name === 'allow-acme-http01-solver')).toBe(false);
  });

  test('honours the backends\' edge requirements (the largest of each); explicit props and annotations win', () => {
    const chart = testChart();
    const a = withEdgeRequirements(new Workload(chart, 'a', web), { largeResponseHeaders: true, maxRequestBodySize: '2Mi', timeoutSeconds: 30 });
    const b = withEdgeRequirements(new Workload(chart, 'b', web), { maxRequestBodySize: '8Mi', timeoutSeconds: 300 });
    new NginxIngress(chart, 'derived', { clusterIssuer: 'le', hosts: [{ host: 'a.example.com', paths: [{ path: '/a', backend: a }, { path: '/b', backend: b }] }] });
    new NginxIngress(chart, 'explicit', {
      clusterIssuer: 'le', proxyBodySize: '1m', annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '5' },
      hosts: [{ host: 'b.example.com', paths: [{ backend: b }] }],
    });
    const annotations = (name: string) => findObject(objectsOf(chart), 'Ingress', name, 'demo').metadata.annotations;
    expect(annotations('derived')).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-buffer-size': '128k',
      'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '300',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '300',
    });
    expect(annotations('explicit')).toMatchObject({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1m', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '5' });
    expect(annotations('explicit')['nginx.ingress.kubernetes.io/proxy-buffer-size']).toBeUndefined();
    expect([nginxSize(10 * 2 ** 20), nginxSize(512 * 1024), nginxSize(1000)]).toEqual(['10m', '512k', '1000']);
  });

  describe('fails if', () => {
    test('a host is not a DNS name', () => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', web);
      expect(() => new NginxIngress(chart, 'i', { clusterIssuer: 'le', hosts: [{ host: 'Not A Host', paths: [{ backend: frontend }] }] }))
        .toThrow(/invalid hosts\[0\].host \("Not A Host"\): must be a fully qualified lower-case DNS host name/);
    });
    test('the backend is in another namespace', () => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', { ...web, namespace: 'other' });
      expect(() => new NginxIngress(chart, 'i', { clusterIssuer: 'le', hosts: [{ host: 'a.example.com', paths: [{ backend: frontend }] }] }))
        .toThrow(/an Ingress routes only to Services in its own namespace \(demo\)/);
    });
    test('the backend port is not exposed', () => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', web);
      expect(() => new NginxIngress(chart, 'i', { clusterIssuer: 'le', hosts: [{ host: 'a.example.com', paths: [{ backend: frontend, port: 'admin' }] }] }))
        .toThrow(/invalid port \("admin"\): must name one of the workload's ports \(http\)/);
    });
  });
});
