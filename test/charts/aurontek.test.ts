import { App } from 'cdk8s';
import { aurontek, AURONTEK_CONFIG, AurontekChart, AurontekConfig, AurontekEnvironment } from '../../charts/aurontek';
import { renderChart } from '../../lib/render/synth';
import { edgePeer, exposed } from '../edge-util';
import { clusterIssuersNamed, findObject, mainContainer, objectsOf, objectsOfKind } from '../util';

const NS = 'aurontek';
const INTERNAL = { usuarios: 3001, tickets: 3002, chat: 3003, notifications: 3004, ia: 3005 } as const;
const ALL = { gateway: 3000, ...INTERNAL } as const;
const INTERNET = { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } };
const pods = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'aurontek' } } });

function build(environment: AurontekEnvironment, config?: AurontekConfig): AurontekChart {
  return new AurontekChart(new App(), `aurontek-${environment}`, { environment, config });
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe.each(['test', 'production'] as const)('aurontek %s', (environment) => {
  const chart = build(environment);
  const objects = objectsOf(chart);
  const config = AURONTEK_CONFIG[environment];
  const EDGE = edgePeer(config.edge, NS);

  test('the validation gate finds nothing', () => {
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('Argo CD sync waves: namespace, the services, the gateway, then its Ingress', () => {
    const wave = (kind: string, name: string) => Number(findObject(objects, kind, name).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect([wave('Namespace', 'aurontek'), wave('Deployment', 'usuarios'), wave('Deployment', 'gateway'),
      wave(config.edge === 'gateway-api' ? 'HTTPRoute' : 'Ingress', 'gateway')]).toEqual([-1, 10, 20, 30]);
    expect(objects.every((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toBe(true);
  });

  test('a restricted namespace with default deny and DNS egress', () => {
    const ns = findObject(objects, 'Namespace', NS);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(findObject(objects, 'NetworkPolicy', 'default-deny', NS).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(findObject(objects, 'NetworkPolicy', 'allow-dns-egress', NS).spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
  });

  test.each(Object.entries(ALL))('%s listens on %d with a Service of the same port and /health probes', (name, port) => {
    const deployment = findObject(objects, 'Deployment', name, NS);
    const c = mainContainer(deployment);
    expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    expect(envOf(c).PORT).toBe(String(port));
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    const service = findObject(objects, 'Service', name, NS);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(1001);
  });

  test('pinned images from the document\'s Docker Hub repositories', () => {
    const images = Object.fromEntries(Object.keys(ALL).map((name) => [name, mainContainer(findObject(objects, 'Deployment', name, NS)).image]));
    expect(images).toEqual({
      gateway: 'docker.io/enpc29/aurontek-gateway:1.0.0',
      usuarios: 'docker.io/enpc29/aurontek-usuarios:1.0.0',
      tickets: 'docker.io/enpc29/aurontek-tickets:1.0.0',
      chat: 'docker.io/enpc29/aurontek-chat:1.0.0',
      notifications: 'docker.io/enpc29/aurontek-notificaciones:1.0.0',
      ia: 'docker.io/enpc29/aurontek-ia:1.0.0',
    });
    for (const image of Object.values(images)) expect(image).not.toMatch(/:latest$/);
  });

  test('memory limits from the document: 150Mi per Node.js service, 200Mi for IA; one replica each, no PDB, Recreate', () => {
    for (const name of Object.keys(ALL)) {
      const deployment = findObject(objects, 'Deployment', name, NS);
      const expected = name === 'ia' ? '200Mi' : '150Mi';
      expect(mainContainer(deployment).resources).toEqual({
        requests: { cpu: config.services[name as keyof typeof ALL].cpuRequest, memory: expected },
        limits: { memory: expected },
      });
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    }
    expect(objectsOfKind(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(objectsOfKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(envOf(mainContainer(findObject(objects, 'Deployment', 'gateway', NS))).NODE_OPTIONS).toBe('--max-old-space-size=100');
    expect(envOf(mainContainer(findObject(objects, 'Deployment', 'ia', NS))).NODE_OPTIONS).toBeUndefined();
  });

  test('the CPU requests fit the quota\'s one vCPU with room for the system', () => {
    const millis = Object.keys(ALL).map((name) => parseInt(mainContainer(findObject(objects, 'Deployment', name, NS)).resources.requests.cpu, 10));
    expect(millis.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(700);
  });

  test('a ResourceQuota of the t2.micro\'s allocation bounds the namespace, and the capacity budget is the same figure', () => {
    // Argo CD sends production to a cluster shared with aroti: only the quota holds the services to their allocation.
    expect(findObject(objects, 'ResourceQuota', 'quota', NS).spec.hard).toEqual({ 'limits.memory': '974Mi', 'requests.cpu': '1', 'requests.memory': '974Mi' });
    expect(chart.capacityBudgets).toEqual([{
      namespace: NS, memoryBytes: (1024 - 50) * 1024 * 1024, description: 'the namespace\'s ResourceQuota of 974Mi (the document\'s t2.micro: 1 GiB minus 50 MiB for the system)',
    }]);
  });

  test('the services log to stdout: no LOG_DIR, no log volume that evicts the pod when full', () => {
    for (const name of Object.keys(ALL)) {
      const deployment = findObject(objects, 'Deployment', name, NS);
      expect(envOf(mainContainer(deployment)).LOG_DIR).toBeUndefined();
      expect(mainContainer(deployment).volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp']);
      expect(deployment.spec.template.spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.emptyDir.sizeLimit)).toEqual(['64Mi']);
    }
  });

  test('only the gateway is exposed, with TLS on the configured host, 10Mi bodies (nginx) and an hour of WebSockets for Socket.IO', () => {
    expect(config.edge).toBe(environment === 'production' ? 'ingress-nginx' : 'gateway-api');
    expect(exposed(objects, config.edge)).toEqual([{
      host: config.host, path: '/', pathType: 'Prefix', backend: `${NS}/gateway:3000`, tls: `${NS}/${config.host.replace(/\./g, '-')}-tls`, http: 'redirect-to-https',
    }]);
    if (config.edge === 'ingress-nginx') {
      expect(findObject(objects, 'Ingress', 'gateway', NS).metadata.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
        'nginx.ingress.kubernetes.io/proxy-body-size': '10m',
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
        'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
      });
    } else {
      expect(findObject(objects, 'HTTPRoute', 'gateway', NS).spec.rules[0].timeouts).toEqual({ request: '3600s' });
      // Envoy Gateway v1.9.0 refuses WebSocket upgrades on a route with a request buffer: Socket.IO needs them, so the
      // 10Mi limit is the gateway service's to enforce on this edge (lib/networking/edge.ts).
      expect(objectsOfKind(objects, 'BackendTrafficPolicy')).toEqual([]);
    }
    expect(objectsOfKind(objects, 'Service').every((s) => s.spec.type === 'ClusterIP')).toBe(true);
  });

  test('nothing reaches the gateway except the edge data plane; the gateway reaches only the five services', () => {
    const policy = findObject(objects, 'NetworkPolicy', 'gateway', NS);
    expect(policy.spec.ingress).toEqual([{ from: [EDGE], ports: [{ port: 3000, protocol: 'TCP' }] }]);
    const egress = Object.fromEntries(policy.spec.egress.map((r: any) => [r.to[0].podSelector.matchLabels['app.kubernetes.io/name'], r.ports]));
    expect(egress).toEqual(Object.fromEntries(Object.entries(INTERNAL).map(([n, p]) => [n, [{ port: p, protocol: 'TCP' }]])));
  });

  test.each(Object.entries(INTERNAL))('%s admits only the gateway, on port %d', (name, port) => {
    expect(findObject(objects, 'NetworkPolicy', name, NS).spec.ingress).toEqual([{ from: [pods('gateway')], ports: [{ port, protocol: 'TCP' }] }]);
  });

  test('egress leaves the cluster only towards the managed services each service uses', () => {
    const egressPorts = (name: string) => findObject(objects, 'NetworkPolicy', name, NS).spec.egress
      .filter((r: any) => r.to[0].ipBlock)
      .map((r: any) => { expect(r.to).toEqual([INTERNET]); return r.ports.map((p: any) => p.port); })
      .flat();
    expect(egressPorts('usuarios')).toEqual([443, 27017]);
    expect(egressPorts('tickets')).toEqual([5671, 27017]);
    expect(egressPorts('chat')).toEqual([5671, 27017]);
    expect(egressPorts('notifications')).toEqual([587, 5671]);
    expect(egressPorts('ia')).toEqual([5671]);
    expect(egressPorts('gateway')).toEqual([]);
  });

  test('connection strings and keys come from Secrets, never literals', () => {
    const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
    const usuarios = envOf(mainContainer(findObject(objects, 'Deployment', 'usuarios', NS)));
    expect(usuarios.MONGODB_URI).toEqual(ref('aurontek-mongodb', 'uri'));
    expect(usuarios.JWT_SECRET).toEqual(ref('aurontek-jwt', 'secret'));
    expect(usuarios.CLOUDINARY_API_SECRET).toEqual(ref('aurontek-cloudinary', 'api-secret'));
    expect(envOf(mainContainer(findObject(objects, 'Deployment', 'tickets', NS))).RABBITMQ_URL).toEqual(ref('aurontek-cloudamqp', 'url'));
    const notifications = envOf(mainContainer(findObject(objects, 'Deployment', 'notifications', NS)));
    expect(notifications).toMatchObject({ EMAIL_HOST: 'smtp.gmail.com', EMAIL_PORT: '587', EMAIL_SECURE: 'false', EMAIL_PASSWORD: ref('aurontek-smtp', 'password') });
    expect(notifications.MONGODB_URI).toBeUndefined();
    expect(objectsOfKind(objects, 'Secret')).toEqual([]);
    expect(chart.externalReferences.filter((r) => r.kind === 'Secret').map((r) => r.name).sort())
      .toEqual(['aurontek-cloudamqp', 'aurontek-cloudinary', 'aurontek-jwt', 'aurontek-mongodb', 'aurontek-smtp']);
  });

  test('the gateway calls the services by their cluster DNS names and admits the Vercel origins', () => {
    const env = envOf(mainContainer(findObject(objects, 'Deployment', 'gateway', NS)));
    expect(env).toMatchObject({
      USUARIOS_SERVICE_URL: 'http://usuarios.aurontek.svc.cluster.local:3001',
      TICKETS_SERVICE_URL: 'http://tickets.aurontek.svc.cluster.local:3002',
      CHAT_SERVICE_URL: 'http://chat.aurontek.svc.cluster.local:3003',
      NOTIFICACIONES_SERVICE_URL: 'http://notifications.aurontek.svc.cluster.local:3004',
      IA_SERVICE_URL: 'http://ia.aurontek.svc.cluster.local:3005',
      CORS_ORIGINS: config.corsOrigins.join(','),
      FRONTEND_URL: config.corsOrigins[0],
    });
    expect(env.MONGODB_URI).toBeUndefined();
  });
});

describe('aurontek environments', () => {
  test('test and production differ in host, CORS origin and log level only', () => {
    expect(AURONTEK_CONFIG.test.host).toBe('aurontekhq-api-test.ddns.net');
    expect(AURONTEK_CONFIG.production.host).toBe('aurontekhq-api.ddns.net');
    expect(AURONTEK_CONFIG.production.corsOrigins).toEqual(['https://aurontek.vercel.app']);
    expect(AURONTEK_CONFIG.test.services).toBe(AURONTEK_CONFIG.production.services);
  });

  test('the platform definition builds every environment', () => {
    const app = new App();
    expect(aurontek.environments).toEqual(['test', 'production']);
    expect(aurontek.environments.map((e) => aurontek.build(app, e).environment)).toEqual(['test', 'production']);
  });

  test('the capacity budget fails when a service\'s memory limit is raised', () => {
    const base = AURONTEK_CONFIG.production;
    const config: AurontekConfig = { ...base, services: { ...base.services, usuarios: { ...base.services.usuarios, memoryLimit: '300Mi' } } };
    const findings = renderChart(build('production', config)).findings;
    expect(findings.map((f) => f.rule)).toEqual(['practice/capacity-budget', 'practice/capacity-budget']);
    expect(findings[0].message).toMatch(/memory requests of the pods in namespace aurontek total .* over the budget of/);
  });

  test('the capacity budget fails when a second gateway replica is added', () => {
    const base = AURONTEK_CONFIG.production;
    const config: AurontekConfig = { ...base, services: { ...base.services, gateway: { ...base.services.gateway, replicas: 2 } } };
    const findings = renderChart(build('production', config)).findings;
    expect(findings.some((f) => f.rule === 'practice/capacity-budget')).toBe(true);
  });

  test('configured CIDRs replace "any public address" for an external service', () => {
    const base = AURONTEK_CONFIG.production;
    const config: AurontekConfig = { ...base, external: { ...base.external, amqp: { port: 5671, cidrs: ['203.0.113.0/24'] } } };
    const policy = findObject(objectsOf(build('production', config)), 'NetworkPolicy', 'ia', NS);
    expect(policy.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 5671, protocol: 'TCP' }] }]);
  });
});

describe('aurontek Let\'s Encrypt ClusterIssuer', () => {
  test('test renders the ClusterIssuer its Ingress names (nothing else goes to that cluster); production uses aroti\'s', () => {
    const test = objectsOf(build('test'));
    const issuer = findObject(test, 'ClusterIssuer', 'letsencrypt-prod');
    expect(clusterIssuersNamed(test)).toEqual([issuer.metadata.name]);
    expect(issuer.spec.acme).toEqual({
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'letsencrypt-prod-account-key' },
      solvers: [
        { http01: { ingress: { ingressClassName: 'nginx' } } },
        // Certificates of the Gateway API edge are labelled for the solver that attaches to the Gateway (lib/networking/edge.ts).
        {
          selector: { matchLabels: { 'platform.example.org/acme-http01-solver': 'gateway-api' } },
          http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', sectionName: 'http' }] } },
        },
      ],
    });
    expect(issuer.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(objectsOfKind(objectsOf(build('production')), 'ClusterIssuer')).toEqual([]);
  });
});

