import { GkeIngress, GkeIngressProps, Workload, WorkloadProps } from '../../../lib';
import { findObject, objectsOf, objectsOfKind, testChart } from '../../util';

const web: WorkloadProps = {
  image: 'ghcr.io/example/web:1.0.0',
  resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  ports: [{ name: 'http', port: 8080, servicePort: 80 }],
  readiness: { http: { path: '/healthz' } },
  liveness: { http: { path: '/healthz' } },
};

describe('GkeIngress', () => {
  test('minimal props: HTTPS-only GKE Ingress on a static IP, a certificate per host, a NEG backend with its health check', () => {
    const chart = testChart();
    const frontend = new Workload(chart, 'web', web);
    new GkeIngress(chart, 'ingress', {
      staticIpName: 'web-ip',
      hosts: [{ host: 'shop.example.com', paths: [{ backend: frontend, healthCheck: { path: '/healthz' } }] }],
    });
    const objects = objectsOf(chart);
    const ingress = findObject(objects, 'Ingress', 'ingress', 'demo');
    expect(ingress.metadata.annotations).toEqual({
      'kubernetes.io/ingress.allow-http': 'false',
      'kubernetes.io/ingress.class': 'gce',
      'kubernetes.io/ingress.global-static-ip-name': 'web-ip',
      'networking.gke.io/managed-certificates': 'shop-example-com',
    });
    expect(ingress.spec.ingressClassName).toBeUndefined();
    expect(ingress.spec.tls).toBeUndefined();
    expect(ingress.spec.rules).toEqual([{
      host: 'shop.example.com',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
    }]);

    const certificate = findObject(objects, 'ManagedCertificate', 'shop-example-com', 'demo');
    expect(certificate.apiVersion).toBe('networking.gke.io/v1');
    expect(certificate.spec).toEqual({ domains: ['shop.example.com'] });

    const backendConfig = findObject(objects, 'BackendConfig', 'web-backendconfig', 'demo');
    expect(backendConfig.apiVersion).toBe('cloud.google.com/v1');
    expect(backendConfig.spec.healthCheck).toEqual({
      type: 'HTTP', requestPath: '/healthz', port: 8080, checkIntervalSec: 15, timeoutSec: 5, healthyThreshold: 1, unhealthyThreshold: 2,
    });

    const service = findObject(objects, 'Service', 'web', 'demo');
    expect(service.metadata.annotations).toEqual({
      'cloud.google.com/backend-config': '{"default":"web-backendconfig"}',
      'cloud.google.com/neg': '{"ingress":true}',
    });

    const policy = findObject(objects, 'NetworkPolicy', 'web', 'demo');
    expect(policy.spec.ingress).toEqual([
      { from: [{ ipBlock: { cidr: '130.211.0.0/22' } }], ports: [{ port: 8080, protocol: 'TCP' }] },
      { from: [{ ipBlock: { cidr: '35.191.0.0/16' } }], ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  test('all props; a Service used by two hosts gets one BackendConfig', () => {
    const chart = testChart();
    const frontend = new Workload(chart, 'web', web);
    const healthCheck = { path: '/healthz', checkIntervalSec: 10, timeoutSec: 3, healthyThreshold: 2, unhealthyThreshold: 3 };
    const props: Required<GkeIngressProps> = {
      name: 'public',
      namespace: 'demo',
      staticIpName: 'public-ip',
      annotations: { 'networking.gke.io/v1beta1.FrontendConfig': 'public' },
      hosts: [
        { host: 'a.example.com', paths: [{ path: '/app', pathType: 'Prefix', backend: frontend, port: 'http', healthCheck }] },
        { host: 'b.example.com', paths: [{ path: '/', pathType: 'Exact', backend: frontend, port: 'http', healthCheck }] },
      ],
    };
    const ingress = new GkeIngress(chart, 'ingress', props);
    const objects = objectsOf(chart);
    const rendered = findObject(objects, 'Ingress', 'public', 'demo');
    expect(rendered.metadata.annotations['networking.gke.io/managed-certificates']).toBe('a-example-com,b-example-com');
    expect(rendered.metadata.annotations['networking.gke.io/v1beta1.FrontendConfig']).toBe('public');
    expect(rendered.spec.rules.map((r: any) => r.http.paths[0].path)).toEqual(['/app', '/']);
    expect(objectsOfKind(objects, 'ManagedCertificate').map((c) => c.spec.domains)).toEqual([['a.example.com'], ['b.example.com']]);
    expect(objectsOfKind(objects, 'BackendConfig')).toHaveLength(1);
    expect(findObject(objects, 'BackendConfig', 'web-backendconfig').spec.healthCheck).toMatchObject({ checkIntervalSec: 10, timeoutSec: 3, healthyThreshold: 2, unhealthyThreshold: 3 });
    expect(Object.keys(ingress.certificates)).toEqual(['a.example.com', 'b.example.com']);
    expect(ingress.hosts).toEqual(['a.example.com', 'b.example.com']);
  });

  describe('fails if', () => {
    const build = (props: Partial<GkeIngressProps> & { healthPath?: string; host?: string } = {}) => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', web);
      return () => new GkeIngress(chart, 'i', {
        staticIpName: 'ip',
        hosts: [{ host: props.host ?? 'a.example.com', paths: [{ backend: frontend, healthCheck: { path: props.healthPath ?? '/healthz' } }] }],
        ...props,
      });
    };
    test('a host is not a DNS name', () => {
      expect(build({ host: 'Not A Host' })).toThrow(/invalid hosts\[0\].host \("Not A Host"\): must be a fully qualified lower-case DNS host name/);
    });
    test('a host is a wildcard', () => {
      expect(build({ host: '*.example.com' })).toThrow(/invalid hosts\[0\].host \("\*.example.com"\): Google-managed certificates do not cover wildcard hosts/);
    });
    test('the static IP name is not a GCP resource name', () => {
      expect(build({ staticIpName: '1-ip' })).toThrow(/invalid staticIpName \("1-ip"\): must be a GCP resource name/);
      expect(build({ staticIpName: 'Web_IP' })).toThrow(/invalid staticIpName \("Web_IP"\)/);
    });
    test('a health path is not an absolute path', () => {
      expect(build({ healthPath: 'healthz' })).toThrow(/invalid hosts\[0\].paths\[0\].healthCheck.path \("healthz"\): must be an absolute URL path/);
      expect(build({ healthPath: '/health?full=1' })).toThrow(/healthCheck.path \("\/health\?full=1"\)/);
    });
    test('the timeout exceeds the interval', () => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', web);
      expect(() => new GkeIngress(chart, 'i', {
        staticIpName: 'ip', hosts: [{ host: 'a.example.com', paths: [{ backend: frontend, healthCheck: { path: '/', checkIntervalSec: 5, timeoutSec: 10 } }] }],
      })).toThrow(/invalid hosts\[0\].paths\[0\].healthCheck.timeoutSec \(10\): must not exceed checkIntervalSec \(5\)/);
    });
    test('one Service gets two different health checks', () => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', web);
      expect(() => new GkeIngress(chart, 'i', {
        staticIpName: 'ip',
        hosts: [
          { host: 'a.example.com', paths: [{ backend: frontend, healthCheck: { path: '/a' } }] },
          { host: 'b.example.com', paths: [{ backend: frontend, healthCheck: { path: '/b' } }] },
        ],
      })).toThrow(/Service web has one BackendConfig; give every path to it the same health check and port/);
    });
    test('the backend is in another namespace', () => {
      const chart = testChart();
      const frontend = new Workload(chart, 'web', { ...web, namespace: 'other' });
      expect(() => new GkeIngress(chart, 'i', { staticIpName: 'ip', hosts: [{ host: 'a.example.com', paths: [{ backend: frontend, healthCheck: { path: '/' } }] }] }))
        .toThrow(/a GKE Ingress routes only to Services in its own namespace \(demo\)/);
    });
    test('no host is given', () => {
      const chart = testChart();
      expect(() => new GkeIngress(chart, 'i', { staticIpName: 'ip', hosts: [] })).toThrow(/invalid hosts \(\[\]\): must list at least one host/);
    });
  });
});
