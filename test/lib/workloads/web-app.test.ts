import { NamespaceBaseline, NginxIngress, Peer, WebApp, WebAppProps, WEB_APP_CONFIG_DIR } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, testChart } from '../../util';

const image = 'ghcr.io/example/spa:1.2.3';

describe('WebApp', () => {
  test('minimal props: Nginx on 8080 as user 101, Service 80 → 8080, config from a ConfigMap, writable pid and cache dirs', () => {
    const chart = testChart();
    new WebApp(chart, 'frontend', { image });
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'frontend', 'demo');
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsUser).toBe(101);
    const c = mainContainer(deployment);
    expect(c.image).toBe(image);
    expect(c.command).toEqual(['nginx', '-c', '/etc/nginx/managed/nginx.conf', '-g', 'daemon off;']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } });
    expect(c.volumeMounts).toEqual([
      { name: 'config-nginx', mountPath: WEB_APP_CONFIG_DIR, readOnly: true },
      { name: 'writable-tmp', mountPath: '/tmp' },
      { name: 'writable-var-cache-nginx', mountPath: '/var/cache/nginx' },
    ]);
    const service = findObject(objects, 'Service', 'frontend', 'demo');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const conf: string = findObject(objects, 'ConfigMap', 'frontend-nginx', 'demo').data['nginx.conf'];
    expect(conf).toContain('listen 8080;');
    expect(conf).toContain('pid /tmp/nginx.pid;');
    expect(conf).toContain('client_body_temp_path /var/cache/nginx/client_temp;');
    expect(conf).toContain('root /usr/share/nginx/html;');
    expect(conf).toContain('try_files $uri $uri/ /index.html;');
    expect(conf).toContain('location = /healthz {');
    expect(conf).not.toMatch(/^\s*daemon/m);
    expect(findObject(objects, 'PodDisruptionBudget', 'frontend', 'demo').spec.maxUnavailable).toBe(1);
  });

  test('minimal props pass the validation gate', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'demo');
    const app = new WebApp(chart, 'frontend', { image });
    new NginxIngress(chart, 'ingress', { clusterIssuer: 'le', hosts: [{ host: 'spa.example.com', paths: [{ backend: app }] }] });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<WebAppProps> = {
      name: 'web',
      namespace: 'demo',
      image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
      replicas: 3,
      autoscaling: { minReplicas: 2, maxReplicas: 5 },
      disruptionBudget: { minAvailable: 1 },
      resources: { cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
      port: 8081,
      servicePort: 8000,
      documentRoot: '/srv/www',
      spaFallback: false,
      healthPath: '/ping',
      serverSnippet: 'location /assets/ {\n  expires 1y;\n}',
      nginxConf: 'events {}\nhttp { server { listen 8081; } }\n',
      runAsUser: 1001,
      component: 'ui',
      exemptions: { 'practice/probes': 'example' },
    };
    const app = new WebApp(chart, 'frontend', props);
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'web', 'demo');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.metadata.labels['app.kubernetes.io/component']).toBe('ui');
    expect(deployment.metadata.annotations['policy-exemption.platform/practice.probes']).toBe('example');
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(1001);
    expect(mainContainer(deployment).readinessProbe.httpGet.path).toBe('/ping');
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'web', 'demo').spec.maxReplicas).toBe(5);
    expect(findObject(objects, 'PodDisruptionBudget', 'web', 'demo').spec.minAvailable).toBe(1);
    expect(findObject(objects, 'Service', 'web', 'demo').spec.ports[0]).toMatchObject({ port: 8000 });
    expect(findObject(objects, 'ConfigMap', 'web-nginx', 'demo').data['nginx.conf']).toBe(props.nginxConf);
    expect(app.resolveHttpPort()).toEqual({ name: 'http', servicePort: 8000, podPort: 8081 });
  });

  test('the rendered config honours documentRoot, spaFallback, healthPath and serverSnippet', () => {
    const chart = testChart();
    const app = new WebApp(chart, 'frontend', {
      image, documentRoot: '/srv/www', spaFallback: false, healthPath: '/ping', serverSnippet: 'location /assets/ {\n  expires 1y;\n}',
    });
    expect(app.nginxConf).toContain('root /srv/www;');
    expect(app.nginxConf).toContain('try_files $uri $uri/ =404;');
    expect(app.nginxConf).toContain('location = /ping {');
    expect(app.nginxConf).toContain('    location /assets/ {\n      expires 1y;\n    }\n');
  });

  test('allowFrom opens the pod port to the peer', () => {
    const chart = testChart();
    const app = new WebApp(chart, 'frontend', { image });
    app.allowFrom(Peer.namespace('edge'));
    const policy = findObject(objectsOf(chart), 'NetworkPolicy', 'frontend', 'demo');
    expect(policy.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } }, podSelector: { matchLabels: {} } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(app.serviceName).toBe('frontend');
    expect(app.namespace).toBe('demo');
  });

  describe('fails if', () => {
    test('the port is privileged', () => {
      expect(() => new WebApp(testChart(), 'f', { image, port: 80 }))
        .toThrow(/invalid port \(80\): must be 1024 or above: the container drops every capability/);
    });
    test('the health path is not a path', () => {
      expect(() => new WebApp(testChart(), 'f', { image, healthPath: 'healthz' }))
        .toThrow(/invalid healthPath \("healthz"\): must be a URL path starting with "\/"/);
    });
    test('the document root is relative', () => {
      expect(() => new WebApp(testChart(), 'f', { image, documentRoot: 'html' }))
        .toThrow(/invalid documentRoot \("html"\): must be an absolute path/);
    });
    test('a custom nginx.conf does not listen on the port', () => {
      expect(() => new WebApp(testChart(), 'f', { image, nginxConf: 'http { server { listen 80; } }' }))
        .toThrow(/invalid nginxConf \("<nginx.conf>"\): must contain "listen 8080"/);
    });
    test('a custom nginx.conf sets daemon', () => {
      expect(() => new WebApp(testChart(), 'f', { image, nginxConf: 'daemon off;\nhttp { server { listen 8080; } }' }))
        .toThrow(/invalid nginxConf \("<nginx.conf>"\): must not set "daemon"/);
    });
    test('the image is not pinned', () => {
      expect(() => new WebApp(testChart(), 'f', { image: 'nginx' })).toThrow(/invalid image \("nginx"\): must pin a tag or digest/);
    });
  });
});
