import { GatewayHttpRoute, GatewayHttpRouteProps, Peer, Workload, WorkloadProps } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const api: WorkloadProps = {
  image: 'ghcr.io/example/api:2.0.0',
  resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  ports: [{ name: 'http', port: 8000 }],
  readiness: { http: { path: '/ready' } },
  liveness: { http: { path: '/health' } },
};
const gateway = { name: 'public', namespace: 'gateway', dataPlane: Peer.namespace('gateway') };

describe('GatewayHttpRoute', () => {
  test('minimal props: attached to the HTTPS listener, data plane allowed into the backend', () => {
    const chart = testChart();
    const backend = new Workload(chart, 'api', api);
    new GatewayHttpRoute(chart, 'route', { gateway, hostnames: ['api.example.com'], rules: [{ backend }] });
    const objects = objectsOf(chart);
    const route = findObject(objects, 'HTTPRoute', 'route', 'demo');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateway', sectionName: 'https' }]);
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'api', port: 8000 }] }]);
    expect(findObject(objects, 'NetworkPolicy', 'api').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'gateway' });
  });

  test('all props', () => {
    const chart = testChart();
    const backend = new Workload(chart, 'api', api);
    const props: Required<GatewayHttpRouteProps> = {
      name: 'api', namespace: 'demo', gateway: { ...gateway, httpsListenerName: 'websecure' }, hostnames: ['a.example.com', 'b.example.com'],
      rules: [{ pathPrefix: '/v1', backend, port: 'http' }],
    };
    new GatewayHttpRoute(chart, 'route', props);
    const route = findObject(objectsOf(chart), 'HTTPRoute', 'api', 'demo');
    expect(route.spec.parentRefs[0].sectionName).toBe('websecure');
    expect(route.spec.hostnames).toEqual(['a.example.com', 'b.example.com']);
  });

  describe('fails if', () => {
    test('no host names are given', () => {
      const chart = testChart();
      const backend = new Workload(chart, 'api', api);
      expect(() => new GatewayHttpRoute(chart, 'r', { gateway, hostnames: [], rules: [{ backend }] })).toThrow(/invalid hostnames \(\[\]\): must list at least one host name/);
    });
    test('paths repeat', () => {
      const chart = testChart();
      const backend = new Workload(chart, 'api', api);
      expect(() => new GatewayHttpRoute(chart, 'r', { gateway, hostnames: ['a.example.com'], rules: [{ backend }, { backend }] }))
        .toThrow(/invalid rules\[\].pathPrefix \("\/"\): must be unique/);
    });
  });
});
