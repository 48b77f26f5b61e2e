import { ExistingSecret, NamespaceBaseline, Redis, RedisEvictionPolicy, RedisProps, RedisReplication, RedisSentinelOptions, Workload } from '../../../lib';
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

  test('all props of a single instance', () => {
    const chart = testChart();
    // `replication` has its own all-props test below.
    const props: Omit<Required<RedisProps>, 'replication'> = {
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

  describe('replicated mode', () => {
    const SENTINEL_PING = 'REDISCLI_AUTH="$(cat /run/secrets/redis/password)" redis-cli -h 127.0.0.1 -p 26379 ping | grep -q PONG';
    const replicated = (replication: RedisReplication = { replicas: 3 }, extra: Partial<RedisProps> = {}) => {
      const chart = testChart();
      const redis = new Redis(chart, 'redis', { password, replication, ...extra });
      return { chart, redis, objects: objectsOf(chart) };
    };

    test('three pods started in parallel, spread over nodes, a PDB letting one go at a time', () => {
      const { objects } = replicated();
      const sts = findObject(objects, 'StatefulSet', 'redis', 'demo');
      expect(sts.spec.replicas).toBe(3);
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
      expect(sts.spec.serviceName).toBe('redis-headless');
      expect(sts.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' });
      expect(findObject(objects, 'PodDisruptionBudget', 'redis', 'demo').spec).toMatchObject({
        maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/part-of': 'demo' } },
      });
      // Stable pod DNS names: the headless Service publishes pods before they are ready.
      expect(findObject(objects, 'Service', 'redis-headless', 'demo').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    });

    test('redis-server and a Sentinel in each pod, same image, ports, probes reading the password file', () => {
      const { objects } = replicated();
      const pod = findObject(objects, 'StatefulSet', 'redis', 'demo').spec.template.spec;
      expect(pod.containers.map((c: any) => c.name)).toEqual(['redis', 'sentinel']);
      const [redis, sentinel] = pod.containers;
      // The role is chosen again at every container start (a restart in place reruns no init step), then redis-server replaces the shell.
      expect(redis.args).toBeUndefined();
      expect(redis.command.slice(0, 2)).toEqual(['sh', '-c']);
      const start: string = redis.command[2];
      expect(start).toContain('-p 26379 SENTINEL get-master-addr-by-name redis');
      expect(start).toContain("if [ \"$primary\" != \"$me\" ]; then printf 'replicaof %s 6379\\n' \"$primary\" >> /run/redis/replication.conf; fi");
      expect(start.split('\n').pop()).toBe('exec redis-server /etc/redis/redis.conf');
      // The Sentinel's config is the init step's: a restarted Redis must not reset what the running Sentinel rewrote.
      expect(start).not.toMatch(/sentinel\.conf|esc=/);
      expect(redis.ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
      expect(redis.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '512Mi' } });
      for (const probe of [redis.readinessProbe, redis.livenessProbe, redis.startupProbe]) expect(probe.exec.command).toEqual(['sh', '-c', PING]);
      expect(sentinel.image).toBe('redis:7.4.1-alpine');
      expect(sentinel.args).toEqual(['redis-server', '/run/sentinel/sentinel.conf', '--sentinel']);
      expect(sentinel.ports).toEqual([{ name: 'sentinel', containerPort: 26379, protocol: 'TCP' }]);
      expect(sentinel.resources).toEqual({ requests: { cpu: '25m', memory: '32Mi' }, limits: { memory: '64Mi' } });
      for (const probe of [sentinel.readinessProbe, sentinel.livenessProbe]) expect(probe.exec.command).toEqual(['sh', '-c', SENTINEL_PING]);
      // Sentinel rewrites its config: it runs from a writable memory-backed emptyDir, not the ConfigMap.
      expect(Object.fromEntries(sentinel.volumeMounts.map((m: any) => [m.mountPath, m.name]))).toEqual({
        '/run/secrets/redis': 'password', '/run/sentinel': 'writable-run-sentinel', '/tmp': 'writable-tmp',
      });
      const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
      expect(volumes['writable-run-sentinel'].emptyDir).toEqual({ sizeLimit: '1Mi', medium: 'Memory' });
      expect(pod.initContainers.map((c: any) => c.name)).toEqual(['write-auth', 'choose-primary']);
    });

    test('redis.conf includes the password and the role written at start; masterauth beside requirepass', () => {
      const { objects } = replicated();
      const conf: string = findObject(objects, 'ConfigMap', 'redis-config', 'demo').data['redis.conf'];
      expect(conf.split('\n').slice(-3)).toEqual(['include /run/redis/auth.conf', 'include /run/redis/replication.conf', '']);
      const writeAuth = findObject(objects, 'StatefulSet', 'redis', 'demo').spec.template.spec.initContainers[0].command[2];
      expect(writeAuth).toContain('printf \'requirepass "%s"\\n\' "$esc" > /run/redis/auth.conf');
      expect(writeAuth).toContain('printf \'masterauth "%s"\\n\' "$esc" >> /run/redis/auth.conf');
    });

    test('sentinel.conf: hostnames, monitor of ordinal 0 with the quorum, timeouts from Redis 7.4 sentinel.conf', () => {
      const { objects } = replicated();
      const conf: string = findObject(objects, 'ConfigMap', 'redis-config', 'demo').data['sentinel.conf'];
      expect(conf.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
        'bind * -::*',
        'port 26379',
        'dir /tmp',
        'sentinel resolve-hostnames yes',
        'sentinel announce-hostnames yes',
        'sentinel monitor redis redis-0.redis-headless.demo.svc.cluster.local 6379 2',
        'sentinel down-after-milliseconds redis 10000',
        'sentinel failover-timeout redis 180000',
        'sentinel parallel-syncs redis 1',
        '',
      ]);
    });

    test('choose-primary asks the Sentinels, falls back to ordinal 0, and writes role and Sentinel config', () => {
      const { objects } = replicated();
      const init = findObject(objects, 'StatefulSet', 'redis', 'demo').spec.template.spec.initContainers[1];
      expect(init.command.slice(0, 2)).toEqual(['sh', '-c']);
      const script: string = init.command[2];
      expect(script).toContain("fqdn() { printf '%s.redis-headless.demo.svc.cluster.local' \"$1\"; }");
      expect(script).toContain('for host in redis-sentinel.demo.svc.cluster.local "$(fqdn redis-0)" "$(fqdn redis-1)" "$(fqdn redis-2)"; do');
      expect(script).toContain('-p 26379 SENTINEL get-master-addr-by-name redis');
      expect(script).toContain('if [ -z "$primary" ]; then primary="$(fqdn redis-0)"; fi');
      expect(script).toContain("printf 'replica-announce-ip %s\\n' \"$me\" > /run/redis/replication.conf");
      expect(script).toContain("if [ \"$primary\" != \"$me\" ]; then printf 'replicaof %s 6379\\n' \"$primary\" >> /run/redis/replication.conf; fi");
      expect(script).toContain('sentinel monitor redis $primary 6379 2|" /etc/redis/sentinel.conf > /run/sentinel/sentinel.conf');
      expect(script).toContain("printf 'sentinel announce-ip %s\\n' \"$me\" >> /run/sentinel/sentinel.conf");
      expect(script).toContain("printf 'sentinel auth-pass redis \"%s\"\\nrequirepass \"%s\"\\n' \"$esc\" \"$esc\" >> /run/sentinel/sentinel.conf");
      expect(Object.fromEntries(init.volumeMounts.map((m: any) => [m.mountPath, m.name]))).toEqual({
        '/etc/redis': 'config-config', '/run/redis': 'writable-run-redis', '/run/secrets/redis': 'password', '/run/sentinel': 'writable-run-sentinel',
      });
    });

    test('the password is in no ConfigMap, argv or environment', () => {
      const { objects } = replicated();
      for (const cm of objectsOfKind(objects, 'ConfigMap')) {
        for (const text of Object.values<string>(cm.data)) expect(text).not.toMatch(/requirepass|masterauth|auth-pass/);
      }
      const pod = findObject(objects, 'StatefulSet', 'redis', 'demo').spec.template.spec;
      for (const c of [...pod.initContainers, ...pod.containers]) {
        expect(c.env).toBeUndefined();
        expect(c.envFrom).toBeUndefined();
        // Scripts read the file; no argument is the password itself.
        for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) expect(arg).not.toMatch(/secretKeyRef|REDIS_PASSWORD=/);
      }
    });

    test('a Sentinel Service instead of a client Service on 6379; clients get Sentinel settings', () => {
      const { objects, redis } = replicated();
      expect(objectsOfKind(objects, 'Service').map((s) => s.metadata.name).sort()).toEqual(['redis-headless', 'redis-sentinel']);
      expect(findObject(objects, 'Service', 'redis-sentinel', 'demo').spec).toEqual({
        type: 'ClusterIP',
        selector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/part-of': 'demo' },
        ports: [{ name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP' }],
      });
      expect(redis.sentinel).toEqual({ host: 'redis-sentinel.demo.svc.cluster.local', port: 26379, masterName: 'redis' });
      expect(redis.serviceHost).toBe('redis-sentinel.demo.svc.cluster.local');
      expect(redis.connectionEnv()).toEqual({
        REDIS_SENTINEL_HOSTS: 'redis-sentinel.demo.svc.cluster.local:26379', REDIS_SENTINEL_MASTER: 'redis', REDIS_PASSWORD: { secretKeyRef: password },
      });
      expect(redis.connectionEnv()).not.toHaveProperty('REDIS_HOST');
    });

    test('NetworkPolicy: pods reach each other on 6379 and 26379; a client is let in on both', () => {
      const { chart, redis } = replicated();
      const api = new Workload(chart, 'api', {
        image: 'ghcr.io/example/api:1.0.0',
        ports: [{ name: 'http', port: 8000 }],
        resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
        readiness: { http: { path: '/ready' } },
        liveness: { http: { path: '/health' } },
      });
      redis.allowConnectionFrom(api);
      const objects = objectsOf(chart);
      const both = [{ port: 6379, protocol: 'TCP' }, { port: 26379, protocol: 'TCP' }];
      const self = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/part-of': 'demo' } } };
      const client = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'demo' } } };
      const policy = findObject(objects, 'NetworkPolicy', 'redis').spec;
      expect(policy.egress).toEqual([{ to: [self], ports: both }]);
      expect(policy.ingress).toEqual(expect.arrayContaining([{ from: [self], ports: both }]));
      expect(JSON.stringify(policy.ingress)).toContain(JSON.stringify(client));
      const fromClient = policy.ingress.flatMap((r: any) => (JSON.stringify(r.from).includes('"api"') ? r.ports : []));
      expect(fromClient).toEqual(both);
      expect(findObject(objects, 'NetworkPolicy', 'api').spec.egress).toEqual([{ to: [self], ports: both }]);
    });

    test('all props', () => {
      const chart = testChart();
      const sentinel: Required<RedisSentinelOptions> = {
        quorum: 3, masterName: 'sessions-primary', port: 26380, downAfterMilliseconds: 5000,
        resources: { cpuRequest: '50m', memoryRequest: '48Mi', memoryLimit: '96Mi' },
      };
      const replication: Required<RedisReplication> = { replicas: 5, sentinel };
      const props: Required<RedisProps> = {
        usage: 'broker', name: 'sessions', namespace: 'aroti', serviceName: 'sessions-sentinels', image: 'redis:7.4.1-bookworm', runAsUser: 999,
        password, maxmemory: '256Mi', maxmemoryPolicy: 'noeviction', appendOnly: true, persistence: { size: '5Gi', storageClassName: 'standard-rwo' },
        resources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '512Mi' }, component: 'session-store', exemptions: {}, replication,
      };
      const redis = new Redis(chart, 'redis', props);
      const objects = objectsOf(chart);
      const sts = findObject(objects, 'StatefulSet', 'sessions', 'aroti');
      expect(sts.spec.replicas).toBe(5);
      expect(sts.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data']);
      const sentinelContainer = sts.spec.template.spec.containers[1];
      expect(sentinelContainer.image).toBe('redis:7.4.1-bookworm');
      expect(sentinelContainer.ports).toEqual([{ name: 'sentinel', containerPort: 26380, protocol: 'TCP' }]);
      expect(sentinelContainer.resources).toEqual({ requests: { cpu: '50m', memory: '48Mi' }, limits: { memory: '96Mi' } });
      const conf: string = findObject(objects, 'ConfigMap', 'sessions-config', 'aroti').data['sentinel.conf'];
      expect(conf).toContain('port 26380\n');
      expect(conf).toContain('sentinel monitor sessions-primary sessions-0.sessions-headless.aroti.svc.cluster.local 6379 3\n');
      expect(conf).toContain('sentinel down-after-milliseconds sessions-primary 5000\n');
      const script: string = sts.spec.template.spec.initContainers[1].command[2];
      expect(script).toContain('for host in sessions-sentinels.aroti.svc.cluster.local "$(fqdn sessions-0)"');
      expect(script).toContain('"$(fqdn sessions-4)"; do');
      expect(script).toContain('-p 26380 SENTINEL get-master-addr-by-name sessions-primary');
      expect(findObject(objects, 'Service', 'sessions-sentinels', 'aroti').spec.ports).toEqual([{ name: 'sentinel', port: 26380, targetPort: 'sentinel', protocol: 'TCP' }]);
      expect(redis.connectionEnv('SESSIONS_')).toMatchObject({
        SESSIONS_SENTINEL_HOSTS: 'sessions-sentinels.aroti.svc.cluster.local:26380', SESSIONS_SENTINEL_MASTER: 'sessions-primary',
      });
    });

    test('passes the validation gate with no exemption', () => {
      const chart = testChart();
      new NamespaceBaseline(chart, 'demo');
      new ExistingSecret(chart, 'secret', { name: 'redis-secret', managedBy: 'runbook' });
      new Redis(chart, 'redis', { password, replication: { replicas: 3 }, appendOnly: true, persistence: { size: '1Gi' } });
      const result = renderChart(chart);
      expect(result.findings).toEqual([]);
      expect(result.exempted).toEqual([]);
    });

    test.each([
      [{ replicas: 2 }, /invalid replication.replicas \(2\): must be an integer of at least 3: Sentinel needs a majority/],
      [{ replicas: 1 }, /invalid replication.replicas \(1\): must be an integer of at least 3/],
      [{ replicas: 3.5 }, /invalid replication.replicas \(3.5\): must be an integer of at least 3/],
      [{ replicas: 3, sentinel: { quorum: 4 } }, /invalid replication.sentinel.quorum \(4\): must be an integer of at most replication.replicas \(3\)/],
      [{ replicas: 3, sentinel: { quorum: 1 } }, /invalid replication.sentinel.quorum \(1\): must be more than half of replication.replicas \(3\), at least 2/],
      [{ replicas: 4, sentinel: { quorum: 2 } }, /invalid replication.sentinel.quorum \(2\): must be more than half of replication.replicas \(4\), at least 3/],
      [{ replicas: 3, sentinel: { masterName: 'my master' } }, /invalid replication.sentinel.masterName \("my master"\): must use letters, digits/],
      [{ replicas: 3, sentinel: { port: 6379 } }, /invalid replication.sentinel.port \(6379\): must differ from the Redis port 6379/],
      [{ replicas: 3, sentinel: { downAfterMilliseconds: 500 } }, /invalid replication.sentinel.downAfterMilliseconds \(500\): must be an integer of at least 1000/],
    ] as [RedisReplication, RegExp][])('fails on bad replication %j', (replication, error) => {
      expect(() => new Redis(testChart(), 'redis', { password, replication })).toThrow(error);
    });

    test('fails if a replicated primary has no room for the full-sync fork, even without AOF', () => {
      expect(() => new Redis(testChart(), 'redis', {
        password, replication: { replicas: 3 }, maxmemory: '256Mi', resources: { cpuRequest: '100m', memoryRequest: '384Mi', memoryLimit: '384Mi' },
      })).toThrow(/invalid maxmemory \("256Mi"\): must stay below resources.memoryLimit \(384Mi\) with room for the fork of a full sync to a replica \(2 × maxmemory\): raise memoryLimit to at least 512Mi or lower maxmemory$/);
    });
  });
});
