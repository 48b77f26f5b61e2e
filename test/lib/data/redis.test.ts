import { ExistingSecret, NamespaceBaseline, Redis, RedisEvictionPolicy, RedisProps, Workload } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind, testChart } from '../../util';

const password = { secretName: 'redis-secret', key: 'password' };
const PING = 'REDISCLI_AUTH="$(cat /run/secrets/redis/password)" redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG';

describe('Redis', () => {
  test('minimal props: redis 7 as uid 999, rendered redis.conf, password kept off argv and env, emptyDir data', () => {
    const chart = testChart();
    const redis = new Redis(chart, 'redis', { password });
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'redis', 'demo');
    expect(sts.spec.replicas).toBe(1);
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
    const c = mainContainer(sts);
    expect(c.image).toBe('redis:7.4.1-alpine');
    expect(c.args).toEqual(['redis-server', '/etc/redis/redis.conf']);
    expect(c.env).toBeUndefined();
    expect(c.ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '384Mi' }, limits: { memory: '384Mi' } });
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe.exec.command).toEqual(['sh', '-c', PING]);
    expect(Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]))).toEqual({
      '/data': 'writable-data', '/etc/redis': 'config-config', '/run/redis': 'writable-run-redis', '/run/secrets/redis': 'password', '/tmp': 'writable-tmp',
    });
    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
    expect(volumes['writable-data'].emptyDir).toEqual({ sizeLimit: '1024Mi' });
    expect(volumes['writable-run-redis'].emptyDir).toEqual({ sizeLimit: '1Mi', medium: 'Memory' });
    expect(volumes.password.secret).toEqual({ secretName: 'redis-secret', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] });
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();

    const init = pod.initContainers[0];
    expect(init.name).toBe('write-auth');
    expect(init.command[0]).toBe('sh');
    expect(init.command[2]).toContain('pw="$(cat /run/secrets/redis/password)"');
    expect(init.command[2]).toContain('printf \'requirepass "%s"\\n\' "$esc" > /run/redis/auth.conf');
    expect(init.env).toBeUndefined();

    const conf = findObject(objects, 'ConfigMap', 'redis-config', 'demo').data['redis.conf'];
    expect(conf.split('\n')).toEqual([
      '# Rendered by lib/redis.ts.',
      'bind * -::*',
      'port 6379',
      'dir /data',
      'maxmemory 268435456',
      'maxmemory-policy allkeys-lru',
      'appendonly no',
      // No RDB snapshot forks on Redis's built-in schedule.
      'save ""',
      'include /run/redis/auth.conf',
      '',
    ]);
    expect(conf).not.toMatch(/requirepass/);
    expect(findObject(objects, 'Service', 'redis', 'demo').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    expect(objectsOfKind(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(redis.serviceHost).toBe('redis.demo.svc.cluster.local');
    expect(redis.port).toBe(6379);
    expect(redis.passwordRef).toEqual(password);
    expect(redis.configMap.name).toBe('redis-config');
    expect(redis.connectionEnv()).toEqual({ REDIS_HOST: 'redis.demo.svc.cluster.local', REDIS_PORT: '6379', REDIS_PASSWORD: { secretKeyRef: password } });
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<RedisProps> = {
      usage: 'cache',
      name: 'cache',
      namespace: 'aroti',
      serviceName: 'redis',
      image: 'redis:7.4.1-bookworm',
      runAsUser: 999,
      password,
      maxmemory: '256Mi',
      maxmemoryPolicy: 'volatile-lfu',
      appendOnly: true,
      persistence: { size: '5Gi', storageClassName: 'standard-rwo' },
      resources: { cpuRequest: '200m', memoryRequest: '320Mi', memoryLimit: '512Mi' },
      component: 'session-store',
      exemptions: { 'practice/high-availability': 'cache; a restart only costs warm-up' },
    };
    const redis = new Redis(chart, 'redis', props);
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'cache', 'aroti');
    expect(sts.metadata.labels['app.kubernetes.io/component']).toBe('session-store');
    expect(mainContainer(sts).image).toBe('redis:7.4.1-bookworm');
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'standard-rwo', resources: { requests: { storage: '5Gi' } } });
    expect(mainContainer(sts).volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('writable-data');
    const conf = findObject(objects, 'ConfigMap', 'cache-config', 'aroti').data['redis.conf'];
    expect(conf).toContain('maxmemory-policy volatile-lfu\nappendonly yes\nappendfsync everysec\n');
    expect(findObject(objects, 'Service', 'redis', 'aroti').spec.selector).toEqual({ 'app.kubernetes.io/name': 'cache', 'app.kubernetes.io/part-of': 'demo' });
    expect(redis.serviceHost).toBe('redis.aroti.svc.cluster.local');
    expect(redis.maxmemoryBytes).toBe(256 * 1024 * 1024);
  });

  test('allowConnectionFrom opens 6379: egress on the client, ingress on Redis', () => {
    const chart = testChart();
    const redis = new Redis(chart, 'redis', { password });
    const api = new Workload(chart, 'api', {
      image: 'ghcr.io/example/api:1.0.0',
      ports: [{ name: 'http', port: 8000 }],
      resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
      readiness: { http: { path: '/ready' } },
      liveness: { http: { path: '/health' } },
    });
    redis.allowConnectionFrom(api);
    const objects = objectsOf(chart);
    expect(findObject(objects, 'NetworkPolicy', 'api').spec.egress).toEqual([{
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/part-of': 'demo' } } }], ports: [{ port: 6379, protocol: 'TCP' }],
    }]);
    expect(findObject(objects, 'NetworkPolicy', 'redis').spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'demo' } } }], ports: [{ port: 6379, protocol: 'TCP' }],
    }]);
  });

  test('passes the validation gate', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'demo');
    new ExistingSecret(chart, 'secret', { name: 'redis-secret', managedBy: 'runbook' });
    new Redis(chart, 'redis', { password, appendOnly: true, maxmemory: '192Mi' });
    new Redis(chart, 'sessions', { password, persistence: { size: '1Gi' } });
    new Redis(chart, 'queue', { usage: 'broker', password, maxmemory: '128Mi', persistence: { size: '1Gi' } });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('fails if maxmemory is above the memory limit', () => {
    expect(() => new Redis(testChart(), 'redis', {
      password, maxmemory: '1Gi', resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '512Mi' },
    })).toThrow(/test\/redis: invalid maxmemory \("1Gi"\): must stay below resources.memoryLimit \(512Mi\) with 25% headroom .*raise memoryLimit to at least 1280Mi or lower maxmemory/);
  });

  test('broker: noeviction, AOF and a volume by default, component "broker"', () => {
    const chart = testChart();
    const redis = new Redis(chart, 'queue', { usage: 'broker', password, maxmemory: '128Mi', persistence: { size: '2Gi' } });
    const objects = objectsOf(chart);
    const conf: string = findObject(objects, 'ConfigMap', 'queue-config', 'demo').data['redis.conf'];
    expect(conf).toContain('maxmemory-policy noeviction\nappendonly yes\nappendfsync everysec\n');
    expect(findObject(objects, 'StatefulSet', 'queue', 'demo').metadata.labels['app.kubernetes.io/component']).toBe('broker');
    expect(redis.usage).toBe('broker');
  });

  test('fails if a broker may evict, has no AOF or no volume', () => {
    const base = { usage: 'broker' as const, password, maxmemory: '128Mi', persistence: { size: '1Gi' } };
    expect(() => new Redis(testChart(), 'q', { ...base, maxmemoryPolicy: 'allkeys-lru' }))
      .toThrow(/test\/q: invalid maxmemoryPolicy \("allkeys-lru"\): a broker must not evict messages: use "noeviction"/);
    expect(() => new Redis(testChart(), 'q', { ...base, appendOnly: false })).toThrow(/invalid appendOnly \(false\): a broker keeps the only copy/);
    expect(() => new Redis(testChart(), 'q', { ...base, persistence: false })).toThrow(/invalid persistence \(false\): a broker needs a volume/);
  });

  test('fails if the AOF-rewrite fork has no room: appendOnly needs a limit of 2 × maxmemory', () => {
    // The old aroti shape: 256Mi maxmemory, AOF, 384Mi limit.
    expect(() => new Redis(testChart(), 'redis', {
      password, maxmemory: '256Mi', appendOnly: true, resources: { cpuRequest: '100m', memoryRequest: '384Mi', memoryLimit: '384Mi' },
    })).toThrow(/invalid maxmemory \("256Mi"\): must stay below resources.memoryLimit \(384Mi\) with room for the AOF-rewrite fork .*at least 512Mi/);
  });

  test('fails if the memory limit leaves no headroom above maxmemory', () => {
    expect(() => new Redis(testChart(), 'redis', {
      password, maxmemory: '256Mi', resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '300Mi' },
    })).toThrow(/invalid maxmemory \("256Mi"\): .*at least 320Mi/);
  });

  test('fails if the eviction policy is not one Redis knows', () => {
    expect(() => new Redis(testChart(), 'redis', { password, maxmemoryPolicy: 'lru' as RedisEvictionPolicy }))
      .toThrow(/invalid maxmemoryPolicy \("lru"\): must be one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl/);
  });

  test('fails if maxmemory does not parse', () => {
    expect(() => new Redis(testChart(), 'redis', { password, maxmemory: '256mb' })).toThrow(/invalid maxmemory \("256mb"\): must be a byte quantity/);
  });
});
