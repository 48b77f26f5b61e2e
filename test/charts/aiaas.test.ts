import { App } from 'cdk8s';
import { aiaas, AIAAS_CONFIG, AIAAS_ENVIRONMENTS, AIAAS_SERVICES, AiaasChart, AiaasEnvironment, SYSTEM_NAMESPACE } from '../../charts/aiaas';
import { looksLikeSealedCiphertext } from '../../lib';
import { renderChart } from '../../lib/render/synth';
import { edgePeer, exposed } from '../edge-util';
import { clusterIssuersNamed, findObject, mainContainer, objectsOf, objectsOfKind } from '../util';

function build(environment: AiaasEnvironment): AiaasChart {
  return new AiaasChart(new App(), `aiaas-${environment}`, { environment });
}

const charts = Object.fromEntries(AIAAS_ENVIRONMENTS.map((e) => [e, build(e)])) as Record<AiaasEnvironment, AiaasChart>;
const pods = (ns: string | undefined, name: string) => ({
  ...(ns ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } : {}),
  podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'aiaas' } },
});
const PROMETHEUS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};

describe.each(AIAAS_ENVIRONMENTS)('aiaas %s', (environment) => {
  const chart = charts[environment];
  const objects = objectsOf(chart);
  const config = AIAAS_CONFIG[environment];
  const ns = environment;
  const EDGE = edgePeer(config.edge, ns);

  test('the validation gate finds nothing', () => {
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('the namespace is named after the environment, enforces Pod Security "restricted" and denies by default', () => {
    const namespace = findObject(objects, 'Namespace', ns);
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
      environment,
    });
    expect(findObject(objects, 'NetworkPolicy', 'default-deny', ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    findObject(objects, 'NetworkPolicy', 'allow-dns-egress', ns);
    // Every pod is covered by an explicit allow-list policy.
    for (const workload of [...objectsOfKind(objects, 'Deployment'), ...objectsOfKind(objects, 'StatefulSet')]) {
      const policy = findObject(objects, 'NetworkPolicy', workload.metadata.name, workload.metadata.namespace);
      expect(policy.spec.podSelector.matchLabels).toEqual(workload.spec.selector.matchLabels);
    }
  });

  test.each(AIAAS_SERVICES)('%s: pinned image, HPA 2–10 on CPU 70 %% and memory 80 %% with fast-up/slow-down behavior', (name) => {
    const deployment = findObject(objects, 'Deployment', name, ns);
    const c = mainContainer(deployment);
    expect(c.image).toBe(config.services[name].image);
    expect(c.image).toMatch(/:\d+\.\d+\.\d+$/);
    expect('replicas' in deployment.spec).toBe(false);
    expect(c.resources).toEqual({
      requests: { cpu: config.services[name].resources.cpuRequest, memory: config.services[name].resources.memoryRequest },
      limits: { memory: config.services[name].resources.memoryLimit },
    });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', name, ns);
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }, { type: 'Pods', value: 4, periodSeconds: 60 }] },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
      },
    });
    const monitor = findObject(objects, 'ServiceMonitor', name, ns);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints).toEqual([{
      port: 'http', path: '/metrics', interval: '30s', relabelings: [{ action: 'replace', targetLabel: 'environment', replacement: environment }],
    }]);
  });

  test('PodDisruptionBudgets with minAvailable 1 on the services in production only', () => {
    for (const name of AIAAS_SERVICES) {
      const pdbs = objectsOfKind(objects, 'PodDisruptionBudget').filter((p) => p.metadata.name === name);
      if (environment === 'production') {
        expect(pdbs).toHaveLength(1);
        expect(pdbs[0].spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: findObject(objects, 'Deployment', name, ns).spec.selector.matchLabels } });
      } else {
        expect(pdbs).toEqual([]);
        expect(findObject(objects, 'Deployment', name, ns).metadata.annotations).toHaveProperty(['policy-exemption.platform/practice.high-availability']);
      }
    }
  });

  test('no Secret reaches an environment variable of the services: credentials are mounted files from SealedSecrets', () => {
    for (const name of AIAAS_SERVICES) {
      const pod = findObject(objects, 'Deployment', name, ns).spec.template.spec;
      const env = [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: any) => c.env ?? []);
      expect(env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
      expect(env.filter((e: any) => /PASSWORD|SECRET|TOKEN|KEY/.test(e.name) && !/_FILE$/.test(e.name))).toEqual([]);
      const secretVolumes = pod.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName);
      expect(secretVolumes.length).toBeGreaterThan(0);
      for (const secretName of secretVolumes) findObject(objects, 'SealedSecret', secretName, ns);
    }
    expect(objectsOfKind(objects, 'Secret')).toEqual([]);
    for (const sealed of objectsOfKind(objects, 'SealedSecret')) {
      expect(sealed.spec.template.metadata).toMatchObject({ name: sealed.metadata.name, namespace: sealed.metadata.namespace });
      for (const value of Object.values(sealed.spec.encryptedData)) expect(looksLikeSealedCiphertext(value as string)).toBe(true);
    }
  });

  test('Redis database per service, and the document\'s dependencies as the only allowed paths', () => {
    const env = (name: string) => Object.fromEntries(mainContainer(findObject(objects, 'Deployment', name, ns)).env.map((e: any) => [e.name, e.value]));
    expect(AIAAS_SERVICES.map((s) => env(s).REDIS_DB)).toEqual(['0', '1', '2']);
    expect(env('user-org-service')).toMatchObject({ DB_HOST: config.databases.userOrg.host, DB_NAME: 'user_org', DB_SSLMODE: 'require', DB_PASSWORD_FILE: '/var/run/secrets/aiaas/db/password' });
    expect(env('analytics-service')).toMatchObject({ DB_HOST: config.databases.analytics.host, DB_NAME: 'analytics', AMQP_HOST: `rabbitmq.${ns}.svc.cluster.local`, USAGE_EVENTS_QUEUE: 'usage-events' });
    expect(env('api-router')).toMatchObject({ LLM_BASE_URL: 'http://vllm-openai.system.svc.cluster.local:8000/v1', AMQP_PASSWORD_FILE: '/var/run/secrets/aiaas/amqp/password' });

    const policy = (name: string) => findObject(objects, 'NetworkPolicy', name, ns).spec;
    const router = policy('api-router');
    expect(router.ingress).toEqual([{ from: [EDGE], ports: [{ port: 8080, protocol: 'TCP' }] }, { from: [PROMETHEUS], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const routerPeers = router.egress.map((r: any) => r.to[0]);
    expect(routerPeers).toEqual(expect.arrayContaining([
      pods(undefined, 'analytics-service'), pods(undefined, 'user-org-service'), pods(undefined, 'rabbitmq'), pods(undefined, 'redis'),
      pods(SYSTEM_NAMESPACE, 'vllm-openai'),
    ]));
    expect(routerPeers).toHaveLength(5);
    expect(policy('user-org-service').egress).toEqual(expect.arrayContaining([
      { to: [{ ipBlock: { cidr: config.databases.userOrg.cidr } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]));
    expect(policy('user-org-service').egress).toHaveLength(2);
    expect(policy('analytics-service').egress).toHaveLength(3);
    expect(policy('rabbitmq').ingress.map((r: any) => r.from[0])).toEqual(expect.arrayContaining([pods(undefined, 'analytics-service'), pods(undefined, 'api-router')]));
  });

  test('the API Router is the only public entry, with a Let\'s Encrypt certificate for the environment host and 300 s for streamed completions', () => {
    expect(config.edge).toBe(environment === 'production' ? 'ingress-nginx' : 'gateway-api');
    expect(exposed(objects, config.edge)).toEqual([{
      host: config.apiHost, path: '/', pathType: 'Prefix', backend: `${ns}/api-router:8080`,
      tls: `${ns}/${config.apiHost.replace(/\./g, '-')}-tls`, http: 'redirect-to-https',
    }]);
    if (config.edge === 'ingress-nginx') {
      const ingress = findObject(objects, 'Ingress', 'api', ns);
      expect(ingress.metadata.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '300', 'nginx.ingress.kubernetes.io/proxy-send-timeout': '300',
      });
    } else {
      expect(objectsOfKind(objects, 'Ingress')).toEqual([]);
      expect(findObject(objects, 'HTTPRoute', 'api', ns).spec.rules[0].timeouts).toEqual({ request: '300s' });
      expect(objectsOfKind(objects, 'Certificate').map((c) => c.spec.issuerRef.name)).toEqual(['letsencrypt-prod']);
    }
  });

  test('RabbitMQ and Redis keep data on Linode Block Storage (retained in production)', () => {
    const rabbit = findObject(objects, 'StatefulSet', 'rabbitmq', ns);
    expect(rabbit.spec.replicas).toBe(config.rabbitmq.replicas);
    expect(rabbit.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(environment === 'production' ? 'linode-block-storage-retain' : 'linode-block-storage');
    expect(mainContainer(rabbit).image).toBe('rabbitmq:4.0.9-management-alpine');
    // The document asks for replicated queues; a full-cluster restart must not deadlock on pod 0.
    expect(rabbit.spec.podManagementPolicy).toBe('Parallel');
    expect(findObject(objects, 'ConfigMap', 'rabbitmq-config', ns).data['10-platform.conf']).toMatch(/^default_queue_type = quorum$/m);
    const redis = findObject(objects, 'StatefulSet', 'redis', ns);
    expect(redis.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(config.storageClassName);
  });

  test('Redis is an explicit cache whose memory limit holds the AOF-rewrite fork (2 × maxmemory)', () => {
    const conf: string = findObject(objects, 'ConfigMap', 'redis-config', ns).data['redis.conf'];
    expect(conf).toContain('maxmemory-policy allkeys-lru\nappendonly yes\n');
    const limit = mainContainer(findObject(objects, 'StatefulSet', 'redis', ns)).resources.limits.memory;
    const mi = (q: string) => (q.endsWith('Gi') ? parseInt(q, 10) * 1024 : parseInt(q, 10));
    expect(Number(/maxmemory (\d+)/.exec(conf)![1]) * 2).toBeLessThanOrEqual(mi(limit) * 1024 * 1024);
  });

  test('Redis: replicated with Sentinel in production (Sentinel env on the services), one instance elsewhere (host and port)', () => {
    const redis = findObject(objects, 'StatefulSet', 'redis', ns);
    const env = (name: string) => Object.fromEntries(mainContainer(findObject(objects, 'Deployment', name, ns)).env.map((e: any) => [e.name, e.value]));
    const redisEnv = (name: string) => Object.fromEntries(Object.entries(env(name)).filter(([k]) => k.startsWith('REDIS_')));
    const services = objectsOfKind(objects, 'Service').filter((s) => s.metadata.namespace === ns).map((s) => s.metadata.name);
    AIAAS_SERVICES.forEach((name, db) => {
      const common = { REDIS_DB: String(db), REDIS_PASSWORD_FILE: '/var/run/secrets/aiaas/redis/password' };
      expect(redisEnv(name)).toEqual(environment === 'production'
        ? { ...common, REDIS_SENTINEL_HOSTS: 'redis-sentinel.production.svc.cluster.local:26379', REDIS_SENTINEL_MASTER: 'redis' }
        : { ...common, REDIS_HOST: `redis.${ns}.svc.cluster.local`, REDIS_PORT: '6379' });
      const toRedis = findObject(objects, 'NetworkPolicy', name, ns).spec.egress.find((r: any) => r.to[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'redis');
      expect(toRedis.ports.map((p: any) => p.port)).toEqual(environment === 'production' ? [6379, 26379] : [6379]);
    });
    if (environment === 'production') {
      expect(config.redis.replicas).toBe(3);
      expect(redis.spec.replicas).toBe(3);
      expect(redis.spec.podManagementPolicy).toBe('Parallel');
      expect(redis.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis', 'sentinel']);
      expect(findObject(objects, 'PodDisruptionBudget', 'redis', ns).spec.maxUnavailable).toBe(1);
      expect(findObject(objects, 'ConfigMap', 'redis-config', ns).data['sentinel.conf'])
        .toContain('sentinel monitor redis redis-0.redis-headless.production.svc.cluster.local 6379 2\n');
      // No Service over every pod on 6379: writes would reach read-only replicas.
      expect(services).toEqual(expect.arrayContaining(['redis-headless', 'redis-sentinel']));
      expect(services).not.toContain('redis');
    } else {
      expect(config.redis.replicas).toBeUndefined();
      expect(redis.spec.replicas).toBe(1);
      expect(redis.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis']);
      expect(objectsOfKind(objects, 'PodDisruptionBudget').filter((p) => p.metadata.name === 'redis')).toEqual([]);
      expect(services).toEqual(expect.arrayContaining(['redis', 'redis-headless']));
      expect(services).not.toContain('redis-sentinel');
    }
  });
});

describe('aiaas system namespace and vLLM', () => {
  const objects = objectsOf(charts.production);
  const sts = findObject(objects, 'StatefulSet', 'vllm-openai', SYSTEM_NAMESPACE);
  const pod = sts.spec.template.spec;
  const c = mainContainer(sts);

  test('system objects are rendered by exactly one environment (production), so one Argo CD Application owns them', () => {
    for (const environment of AIAAS_ENVIRONMENTS) {
      const inSystem = objectsOf(charts[environment]).filter((o) => o.metadata?.namespace === SYSTEM_NAMESPACE || (o.kind === 'Namespace' && o.metadata.name === SYSTEM_NAMESPACE));
      if (environment === 'production') expect(inSystem.length).toBeGreaterThan(0);
      else expect(inSystem).toEqual([]);
    }
    expect(aiaas.environments).toEqual(['development', 'staging', 'production']);
  });

  test('the system namespace enforces restricted and denies by default', () => {
    expect(findObject(objects, 'Namespace', SYSTEM_NAMESPACE).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(findObject(objects, 'NetworkPolicy', 'default-deny', SYSTEM_NAMESPACE).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('two replicas, one GPU each, only on the RTX 6000 pool, tolerating the GPU taint, one per node', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(c.image).toBe('vllm/vllm-openai:v0.6.4.post1');
    expect(c.resources).toEqual({ requests: { cpu: '4', memory: '20Gi', 'nvidia.com/gpu': 1 }, limits: { memory: '26Gi', 'nvidia.com/gpu': 1 } });
    expect(pod.nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'g1-gpu-rtx6000-1' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.topologySpreadConstraints[0]).toEqual({
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: sts.spec.selector.matchLabels },
    });
    expect(findObject(objects, 'PodDisruptionBudget', 'vllm-openai', SYSTEM_NAMESPACE).spec.maxUnavailable).toBe(1);
  });

  test('memory-backed /dev/shm, a retained model cache per replica, writable home and caches', () => {
    expect(pod.volumes).toContainEqual({ name: 'writable-dev-shm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({
      metadata: { name: 'model-cache' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'linode-block-storage-retain', resources: { requests: { storage: '100Gi' } } },
    });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/dev/shm', '/home/vllm', '/models', '/tmp', '/var/run/secrets/huggingface']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  test('args: model, float16 for Turing, context length, port 8000, prompts not logged', () => {
    expect(c.args).toEqual([
      '--model', 'mistralai/Mistral-7B-Instruct-v0.3', '--served-model-name', 'mistral-7b-instruct', '--port', '8000',
      '--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9', '--dtype', 'half', '--max-model-len', '8192', '--disable-log-requests',
    ]);
  });

  test('replicas start in parallel (each loads the model on its own)', () => {
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
  });

  test('/health probes with a 30-minute startup budget', () => {
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(1800);
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(c.livenessProbe.httpGet.path).toBe('/health');
  });

  test('the Hugging Face token is a SealedSecret mounted as a file, never an environment variable', () => {
    expect(c.env).toContainEqual({ name: 'HF_TOKEN_PATH', value: '/var/run/secrets/huggingface/token' });
    expect(c.env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
    expect(pod.volumes).toContainEqual({ name: 'secret-huggingface-token', secret: { secretName: 'huggingface-token', defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] } });
    findObject(objects, 'SealedSecret', 'huggingface-token', SYSTEM_NAMESPACE);
  });

  test('only the API Routers of the three environments and Prometheus may call vLLM; vLLM may reach only the Hub', () => {
    const policy = findObject(objects, 'NetworkPolicy', 'vllm-openai', SYSTEM_NAMESPACE).spec;
    expect(policy.ingress.map((r: any) => r.from[0])).toEqual([
      pods('development', 'api-router'),
      PROMETHEUS,
      pods('production', 'api-router'),
      pods('staging', 'api-router'),
    ]);
    for (const rule of policy.ingress) expect(rule.ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
    expect(policy.egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] }]);
    const monitor = findObject(objects, 'ServiceMonitor', 'vllm-openai', SYSTEM_NAMESPACE);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics', relabelings: [{ targetLabel: 'environment', replacement: 'system' }] });
  });
});

describe('aiaas Let\'s Encrypt ClusterIssuer on the shared lke cluster', () => {
  test('production renders the ClusterIssuer every environment\'s Ingress names; development and staging do not', () => {
    for (const environment of AIAAS_ENVIRONMENTS) {
      const objects = objectsOf(charts[environment]);
      // Through the Ingress annotation (ingress-nginx) or the listener Certificates (Gateway API).
      expect(clusterIssuersNamed(objects)).toEqual(['letsencrypt-prod']);
      const issuers = objectsOfKind(objects, 'ClusterIssuer');
      if (environment !== 'production') {
        expect(issuers).toEqual([]);
        continue;
      }
      expect(issuers).toHaveLength(1);
      expect(issuers[0].metadata.name).toBe('letsencrypt-prod');
      expect(issuers[0].spec.acme).toEqual({
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
      expect(issuers[0].metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-10');
    }
  });
});

