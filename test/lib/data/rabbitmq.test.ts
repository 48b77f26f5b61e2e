import { ExistingSecret, ExternalRabbitMq, NamespaceBaseline, ExternalRabbitMqProps, RabbitMq, RabbitMqProps, Workload, WorkloadProps } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, testChart } from '../../util';

const client: WorkloadProps = {
  image: 'example/api:1.0.0',
  resources: { cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  ports: [{ name: 'http', port: 8080 }],
  readiness: { http: { path: '/ready' } },
  liveness: { http: { path: '/live' } },
};

let secretCount = 0;
/** A chart whose namespace is rendered, so the validation gate can run on it. */
function gatedChart() {
  const chart = testChart();
  new NamespaceBaseline(chart, 'demo');
  return chart;
}

function secret(chart: ReturnType<typeof testChart>, name = 'rabbitmq', namespace?: string) {
  return new ExistingSecret(chart, `Secret${secretCount++}`, {
    name, namespace, keys: ['username', 'password', 'erlang-cookie'], managedBy: 'test fixture',
  });
}

describe('RabbitMq', () => {
  test('minimal props: non-root StatefulSet, ports, probes, PVC, credentials as files', () => {
    const chart = gatedChart();
    const broker = new RabbitMq(chart, 'Broker', { credentials: { secret: secret(chart) } });
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'rabbitmq', 'demo');
    const pod = sts.spec.template.spec;
    const c = mainContainer(sts);
    expect(c.image).toBe('rabbitmq:4.0.9-management-alpine');
    expect(sts.spec.replicas).toBe(1);
    // A full-cluster restart must not wait on pod 0, which waits for its peers before it opens 5672.
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    // Queues declared without a type are replicated (quorum), on an image that honours the node-wide default.
    expect(findObject(objects, 'ConfigMap', 'rabbitmq-config', 'demo').data['10-platform.conf']).toMatch(/^default_queue_type = quorum$/m);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, fsGroup: 101 });
    expect(c.ports).toEqual([
      { name: 'amqp', containerPort: 5672, protocol: 'TCP' },
      { name: 'management', containerPort: 15672, protocol: 'TCP' },
      { name: 'prometheus', containerPort: 15692, protocol: 'TCP' },
      { name: 'epmd', containerPort: 4369, protocol: 'TCP' },
      { name: 'dist', containerPort: 25672, protocol: 'TCP' },
    ]);
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 'amqp' });
    expect(c.livenessProbe.exec.command).toEqual(['rabbitmq-diagnostics', '-q', 'ping']);
    expect(c.startupProbe).toMatchObject({ tcpSocket: { port: 'amqp' }, periodSeconds: 10, failureThreshold: 60 });
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data', labels: sts.spec.selector.matchLabels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Gi' } } },
    }]);
    // No Secret reaches an environment variable: user, password and cookie are files read by the init container.
    const allEnv = [...pod.initContainers, ...pod.containers].flatMap((x: any) => x.env ?? []);
    expect(allEnv.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
    expect(allEnv.map((e: any) => e.name)).not.toContain('RABBITMQ_DEFAULT_PASS');
    const init = pod.initContainers[0];
    expect(init.command[2]).toContain('cp /run/secrets/rabbitmq/erlang-cookie /var/lib/rabbitmq/.erlang.cookie');
    expect(init.command[2]).toContain('default_pass = %s');
    expect(init.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/etc/rabbitmq/conf.d', '/etc/rabbitmq/config', '/run/secrets/rabbitmq', '/tmp', '/var/lib/rabbitmq']);
    expect(pod.volumes).toContainEqual({
      name: 'secret-rabbitmq',
      secret: { secretName: 'rabbitmq', defaultMode: 0o440, items: [{ key: 'erlang-cookie', path: 'erlang-cookie' }, { key: 'password', path: 'password' }, { key: 'username', path: 'username' }] },
    });
    expect(c.env).toContainEqual({ name: 'RABBITMQ_NODENAME', value: 'rabbit@$(MY_POD_NAME).rabbitmq-headless.demo.svc.cluster.local' });
    const config = findObject(objects, 'ConfigMap', 'rabbitmq-config', 'demo');
    expect(config.data.enabled_plugins).toBe('[rabbitmq_management,rabbitmq_prometheus].\n');
    expect(config.data['10-platform.conf']).toContain('total_memory_available_override_value = 1073741824');
    expect(config.data['10-platform.conf']).toContain('log.file = false');
    expect(config.data['10-platform.conf']).not.toContain('cluster_formation');
    // Management and metrics stay inside the cluster (ClusterIP); inter-node ports are not on the client Service.
    const service = findObject(objects, 'Service', 'rabbitmq', 'demo');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports.map((p: any) => p.port)).toEqual([5672, 15672, 15692]);
    const monitor = findObject(objects, 'ServiceMonitor', 'rabbitmq', 'demo');
    expect(monitor.spec.endpoints).toEqual([{ port: 'prometheus', path: '/metrics', interval: '30s' }]);
    expect(broker.host).toBe('rabbitmq.demo.svc.cluster.local');
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('all props: a three-node cluster with inter-node rules', () => {
    const chart = gatedChart();
    const props: Required<RabbitMqProps> = {
      name: 'events',
      namespace: 'demo',
      image: 'rabbitmq:4.0.9-management-alpine',
      replicas: 3,
      defaultQueueType: 'classic',
      credentials: { secret: new ExistingSecret(chart, 'S', { name: 'events-admin', keys: ['user', 'pass', 'cookie'], managedBy: 'test' }), usernameKey: 'user', passwordKey: 'pass', erlangCookieKey: 'cookie' },
      vhost: 'aiaas',
      storageSize: '20Gi',
      storageClassName: 'linode-block-storage-retain',
      resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi', cpuLimit: '2' },
      extraPlugins: ['rabbitmq_stream'],
      extraConfig: { 'consumer_timeout': '3600000' },
      diskFreeLimit: '2GB',
      startupBudgetSeconds: 900,
      metrics: { labels: { release: 'kube-prometheus-stack' }, targetLabels: { environment: 'test' }, interval: '15s' },
      runAsUser: 999,
      runAsGroup: 999,
    };
    new RabbitMq(chart, 'Broker', props);
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'events', 'demo');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'linode-block-storage-retain', resources: { requests: { storage: '20Gi' } } });
    expect(mainContainer(sts).startupProbe.failureThreshold).toBe(90);
    const conf = findObject(objects, 'ConfigMap', 'events-config', 'demo').data;
    expect(conf.enabled_plugins).toBe('[rabbitmq_management,rabbitmq_prometheus,rabbitmq_stream].\n');
    expect(conf['10-platform.conf']).toContain('cluster_formation.peer_discovery_backend = classic_config');
    expect(conf['10-platform.conf']).toContain('cluster_formation.classic_config.nodes.3 = rabbit@events-2.events-headless.demo.svc.cluster.local');
    expect(conf['10-platform.conf']).toContain('default_vhost = aiaas');
    expect(conf['10-platform.conf']).toContain('consumer_timeout = 3600000');
    expect(conf['10-platform.conf']).toContain('disk_free_limit.absolute = 2GB');
    expect(conf['10-platform.conf']).toMatch(/^default_queue_type = classic$/m);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    findObject(objects, 'PodDisruptionBudget', 'events', 'demo');
    const policy = findObject(objects, 'NetworkPolicy', 'events', 'demo');
    const self = { podSelector: { matchLabels: sts.spec.selector.matchLabels } };
    expect(policy.spec.ingress).toContainEqual({ from: [self], ports: [{ port: 4369, protocol: 'TCP' }, { port: 25672, protocol: 'TCP' }] });
    expect(policy.spec.egress).toContainEqual({ to: [self], ports: [{ port: 4369, protocol: 'TCP' }, { port: 25672, protocol: 'TCP' }] });
    const monitor = findObject(objects, 'ServiceMonitor', 'events', 'demo');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints[0]).toMatchObject({ interval: '15s', relabelings: [{ action: 'replace', targetLabel: 'environment', replacement: 'test' }] });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('connectionEnv and allowConnectionFrom: files by default, AMQP port opened both ways', () => {
    const chart = gatedChart();
    const broker = new RabbitMq(chart, 'Broker', { credentials: { secret: secret(chart) }, metrics: false });
    const env = broker.connectionEnv();
    expect(env).toEqual({
      AMQP_HOST: 'rabbitmq.demo.svc.cluster.local', AMQP_PORT: '5672', AMQP_VHOST: '/', AMQP_TLS: 'false',
      AMQP_USERNAME_FILE: '/var/run/secrets/amqp/username', AMQP_PASSWORD_FILE: '/var/run/secrets/amqp/password',
    });
    expect(broker.connectionEnv({ prefix: 'EVENTS', credentials: 'env' })).toMatchObject({
      EVENTS_PASSWORD: { secretKeyRef: { secretName: 'rabbitmq', key: 'password' } },
    });
    const api = new Workload(chart, 'api', { ...client, env, secretFiles: [broker.credentialFiles()] });
    broker.allowConnectionFrom(api);
    const objects = objectsOf(chart);
    const apiPolicy = findObject(objects, 'NetworkPolicy', 'api', 'demo');
    expect(apiPolicy.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: broker.workload.selectorLabels } }], ports: [{ port: 5672, protocol: 'TCP' }] });
    const brokerPolicy = findObject(objects, 'NetworkPolicy', 'rabbitmq', 'demo');
    expect(brokerPolicy.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: api.selectorLabels } }], ports: [{ port: 5672, protocol: 'TCP' }] });
    expect(findObject(objects, 'Deployment', 'api').spec.template.spec.volumes).toContainEqual({
      name: 'secret-rabbitmq', secret: { secretName: 'rabbitmq', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }, { key: 'username', path: 'username' }] },
    });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('fails if the credentials Secret is in another namespace', () => {
    const chart = testChart();
    expect(() => new RabbitMq(chart, 'Broker', { credentials: { secret: secret(chart, 'rabbitmq', 'other') } }))
      .toThrow(/test\/Broker: invalid credentials.secret \("rabbitmq"\): must be a Secret in the broker's namespace \(demo\), not other/);
  });

  test('fails if the memory limit is too small', () => {
    const chart = testChart();
    expect(() => new RabbitMq(chart, 'Broker', { credentials: { secret: secret(chart) }, resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' } }))
      .toThrow(/invalid resources.memoryLimit \("256Mi"\): must be at least 512Mi/);
  });

  test('fails if the credentials Secret lacks the cookie key', () => {
    const chart = testChart();
    const s = new ExistingSecret(chart, 'S', { name: 'rabbitmq', keys: ['username', 'password'], managedBy: 'test' });
    expect(() => new RabbitMq(chart, 'Broker', { credentials: { secret: s } })).toThrow(/invalid key \("erlang-cookie"\): must be one of the declared keys/);
  });

  test('fails if replicas or diskFreeLimit are invalid', () => {
    const chart = testChart();
    expect(() => new RabbitMq(chart, 'A', { credentials: { secret: secret(chart) }, replicas: 0 })).toThrow(/invalid replicas \(0\): must be a positive integer/);
    expect(() => new RabbitMq(chart, 'B', { credentials: { secret: secret(chart) }, diskFreeLimit: 'lots' })).toThrow(/invalid diskFreeLimit \("lots"\): must be a RabbitMQ size/);
  });

  test('fails if the default queue type is unknown or set through extraConfig', () => {
    const chart = testChart();
    expect(() => new RabbitMq(chart, 'A', { credentials: { secret: secret(chart) }, defaultQueueType: 'mirrored' as any }))
      .toThrow(/invalid defaultQueueType \("mirrored"\): must be "quorum", "classic" or "stream"/);
    expect(() => new RabbitMq(chart, 'B', { credentials: { secret: secret(chart) }, extraConfig: { default_queue_type: 'classic' } }))
      .toThrow(/invalid extraConfig \("default_queue_type"\): set the default queue type with the defaultQueueType prop/);
  });

  test('fails if a client in another namespace connects', () => {
    const chart = testChart();
    const broker = new RabbitMq(chart, 'Broker', { credentials: { secret: secret(chart) } });
    const other = new Workload(chart, 'api', { ...client, namespace: 'other' });
    expect(() => broker.allowConnectionFrom(other)).toThrow(/invalid client \("other\/api"\): the credentials Secret lives in namespace demo/);
  });
});

describe('ExternalRabbitMq', () => {
  test('minimal props: AMQPS 5671, egress to the broker port only, renders nothing', () => {
    const chart = testChart();
    const broker = new ExternalRabbitMq(chart, 'Broker', { host: 'mq.example.net', credentials: { secret: secret(chart, 'amqp') } });
    expect(broker.port).toBe(5671);
    expect(broker.tls).toBe(true);
    expect(broker.connectionEnv()).toMatchObject({ AMQP_HOST: 'mq.example.net', AMQP_PORT: '5671', AMQP_TLS: 'true' });
    const api = new Workload(chart, 'api', client);
    broker.allowConnectionFrom(api);
    const policy = findObject(objectsOf(chart), 'NetworkPolicy', 'api', 'demo');
    expect(policy.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 5671, protocol: 'TCP' }] }]);
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<ExternalRabbitMqProps> = {
      host: 'mq.internal.example.net',
      port: 5672,
      tls: false,
      vhost: 'aiaas',
      credentials: { secret: new ExistingSecret(chart, 'S', { name: 'amqp', keys: ['u', 'p'], managedBy: 'test' }), usernameKey: 'u', passwordKey: 'p' },
      cidrs: ['10.0.0.0/24', '10.0.1.0/24'],
    };
    const broker = new ExternalRabbitMq(chart, 'Broker', props);
    expect(broker.connectionEnv({ mountPath: '/etc/amqp' })).toEqual({
      AMQP_HOST: 'mq.internal.example.net', AMQP_PORT: '5672', AMQP_VHOST: 'aiaas', AMQP_TLS: 'false',
      AMQP_USERNAME_FILE: '/etc/amqp/username', AMQP_PASSWORD_FILE: '/etc/amqp/password',
    });
    expect(broker.credentialFiles('/etc/amqp')).toEqual({ secretName: 'amqp', mountPath: '/etc/amqp', items: [{ key: 'p', path: 'password' }, { key: 'u', path: 'username' }] });
    const api = new Workload(chart, 'api', client);
    broker.allowConnectionFrom(api);
    const policy = findObject(objectsOf(chart), 'NetworkPolicy', 'api', 'demo');
    expect(policy.spec.egress.map((r: any) => r.to[0].ipBlock.cidr)).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
  });

  test('fails if the host or a CIDR is invalid', () => {
    const chart = testChart();
    expect(() => new ExternalRabbitMq(chart, 'A', { host: 'not a host', credentials: { secret: secret(chart, 'amqp') } })).toThrow(/invalid host \("not a host"\)/);
    expect(() => new ExternalRabbitMq(chart, 'B', { host: 'mq.example.net', cidrs: ['10.0.0.0'], credentials: { secret: secret(chart, 'amqp') } }))
      .toThrow(/invalid cidrs \("10.0.0.0"\): must be CIDR ranges/);
  });
});
